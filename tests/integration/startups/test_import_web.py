"""The staff upload at ``/staff/imports``: preview, confirm, the progress fragment, the report; bad
files (type, size, content); who may use it; each page full and as an HTMX fragment."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from litestar import Litestar

from hubcity.config.settings import Settings
from hubcity.db.tables import AuditEntry, ImportRun, Job, StartupProfile
from hubcity.startups import taxonomy
from hubcity.startups.importing.services import MAX_UPLOAD_BYTES, ImportService
from tests.conftest import csrf_token, open_client
from tests.integration.staff.helpers import login, login_route, make_user
from tests.integration.startups.test_import_helpers import data, stored_state


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncClient]:
    """The app's client with the test-only login route, over seeded taxonomies."""
    app.register(login_route)
    await taxonomy.seed_missing()
    async with open_client(app) as test_client:
        yield test_client


async def log_in_as(client: AsyncClient, role: str) -> int:
    if role == "startup":
        user_id = await make_user(f"founder-{role}@example.com", org_kind="startup")
    else:
        user_id = await make_user(f"{role}@example.com", roles=[role])
    await login(client, user_id)
    return user_id


async def upload(
    client: AsyncClient, name: str, content: bytes, *, htmx: bool = False, **fields: str
) -> Any:
    form = {"_csrf_token": await csrf_token(client), **fields}
    headers = {"HX-Request": "true"} if htmx else {}
    return await client.post(
        "/staff/imports", data=form, files={"file": (name, content, "application/octet-stream")}, headers=headers, follow_redirects=False
    )


def run_id_of(response: Any) -> int:
    location = response.headers.get("location") or response.headers.get("hx-redirect") or ""
    match = re.fullmatch(r"/staff/imports/(\d+)", location)
    assert match, (response.status_code, location, response.text[:500])
    return int(match[1])


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("admin", True), ("program_manager", True), ("finance", False), ("reviewer", False), ("startup", False), ("anonymous", False)],
)
async def test_only_program_managers_and_admins_may_import(client: AsyncClient, role: str, allowed: bool) -> None:
    if role != "anonymous":
        await log_in_as(client, role)
    page = await client.get("/staff/imports", follow_redirects=False)
    posted = await upload(client, "yc_valid.json", data("yc_valid.json"))
    if allowed:
        assert page.status_code == 200 and "Import startups" in page.text
        assert posted.status_code == 303
    elif role == "anonymous":
        assert page.status_code == 303 and page.headers["location"] == "/login?next=/staff/imports"
        assert posted.status_code == 303 and posted.headers["location"].startswith("/login")
    else:
        assert page.status_code == 403 and "Import startups" not in page.text
        assert posted.status_code == 403
    if not allowed:
        assert await ImportRun.count().run() == 0


async def test_the_upload_page_full_and_as_fragment(client: AsyncClient) -> None:
    await log_in_as(client, "program_manager")
    full = await client.get("/staff/imports")
    assert full.status_code == 200 and "<html" in full.text
    assert 'enctype="multipart/form-data"' in full.text and "external_id,name_en,name_ko" in full.text
    fragment = await client.get("/staff/imports", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and "Import startups" in fragment.text


async def test_preview_then_confirm_then_progress_then_report(app: Litestar, client: AsyncClient, settings: Settings) -> None:
    await ImportService().import_bytes(data("yc_valid.json"), "json", "yc")  # Gridwise is already there
    before = await stored_state()
    await log_in_as(client, "program_manager")
    csv = data("bad_team_size.csv").decode() + 'c-9,Gridwise Copy,,,,,,www.gridwise.example,,,,,,,,,\n'
    response = await upload(client, "startups.csv", csv.encode())
    assert response.status_code == 303
    run_id = run_id_of(response)

    # The preview: counts and the rows that WILL be rejected or flagged; nothing written yet.
    run = await ImportRun.select().where(ImportRun.id == run_id).first().output(load_json=True).run()
    assert (run["status"], run["total"], run["source"], run["file_format"]) == ("previewed", 4, "csv", "csv")
    assert run["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "flagged": 1, "rejected": 1}
    stored = Path(run["file_path"])
    assert stored.is_file() and stored.is_relative_to(settings.data_dir) and stored.read_text() == csv
    assert await stored_state() == before
    preview = await client.get(f"/staff/imports/{run_id}")
    assert preview.status_code == 200 and "<html" in preview.text
    assert 'data-testid="preview-rejected"' in preview.text and "about ten" in preview.text
    assert 'data-testid="preview-flagged"' in preview.text and "gridwise.example" in preview.text
    assert "Confirm the import" in preview.text
    fragment = await client.get(f"/staff/imports/{run_id}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and "Confirm the import" in fragment.text

    # Confirm: the run is queued as a job; the page shows a progress bar that polls.
    confirmed = await client.post(f"/staff/imports/{run_id}/confirm", data={"_csrf_token": await csrf_token(client)}, follow_redirects=False)
    assert confirmed.status_code == 303 and confirmed.headers["location"] == f"/staff/imports/{run_id}"
    assert await Job.count().where((Job.name == "startups.import") & (Job.status == "queued")).run() == 1
    running = await client.get(f"/staff/imports/{run_id}")
    assert 'hx-get="/staff/imports/%d/progress"' % run_id in running.text and 'hx-trigger="every 1s"' in running.text
    progress = await client.get(f"/staff/imports/{run_id}/progress", headers={"HX-Request": "true"})
    assert progress.status_code == 200 and "<html" not in progress.text
    assert '<progress value="0" max="4"' in progress.text and "0 of 4 records done" in progress.text
    again = await client.post(f"/staff/imports/{run_id}/confirm", data={"_csrf_token": await csrf_token(client)})
    assert again.status_code == 409 and "already confirmed" in again.text

    # The worker runs the import; the fragment then answers with the report and 286 (stop polling).
    assert await app.state.worker.drain() >= 1  # the import, and the search-index jobs its profiles queue
    done = await client.get(f"/staff/imports/{run_id}/progress", headers={"HX-Request": "true"})
    assert done.status_code == 286 and 'data-testid="import-report"' in done.text and "hx-trigger" not in done.text
    assert 'data-outcome="created"' in done.text and "about ten" in done.text
    run = await ImportRun.select().where(ImportRun.id == run_id).first().output(load_json=True).run()
    assert (run["status"], run["processed"]) == ("done", 4) and run["finished_at"] is not None
    assert run["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "flagged": 1, "rejected": 1}
    copy = await StartupProfile.select().where(StartupProfile.source_key == "csv:c-9").first().run()
    assert copy["possible_duplicate_of"] == next(row["id"] for row in before if row["source_key"] == "yc:9001")
    report_page = await client.get(f"/staff/imports/{run_id}")
    assert 'data-testid="report-rejected"' in report_page.text and 'data-testid="report-flagged"' in report_page.text
    assert (await stored_state())[: len(before)] == before
    actions = [row["action"] for row in await AuditEntry.select(AuditEntry.action).where(AuditEntry.object_id == str(run_id)).order_by(AuditEntry.id).run()]
    assert actions == ["startups.import_confirmed", "startups.import_finished"]
    listing = await client.get("/staff/imports")
    assert f'id="import-run-{run_id}"' in listing.text and "startups.csv" in listing.text


async def test_an_htmx_upload_is_redirected_by_header(client: AsyncClient) -> None:
    await log_in_as(client, "admin")
    response = await upload(client, "yc_valid.json", data("yc_valid.json"), htmx=True)
    assert response.status_code == 200 and response.headers["hx-redirect"].startswith("/staff/imports/")


@pytest.mark.parametrize(
    ("name", "content", "fields", "expected"),
    [
        ("companies.xlsx", b"PK\x03\x04 zipped", {}, "is not a CSV or JSON file"),
        ("companies.csv", b"\x89PNG\r\n\x1a\n....", {}, "PNG file"),
        ("companies.txt", b"[]", {"format": "xml"}, "Format must be JSON or CSV"),
        ("broken.json", data("broken.json"), {}, "not valid JSON"),
        ("missing_column.csv", data("missing_column.csv"), {}, "“name_ko”"),
        ("non_utf8.csv", data("non_utf8.csv"), {}, "not UTF-8"),
        ("empty.csv", b"", {}, "The file is empty"),
        ("yc_valid.json", data("yc_valid.json"), {"source": "Y C!"}, "source name must be"),
    ],
)
async def test_a_bad_upload_is_refused_with_the_reason_and_nothing_is_kept(
    client: AsyncClient, settings: Settings, name: str, content: bytes, fields: dict[str, str], expected: str
) -> None:
    await log_in_as(client, "program_manager")
    response = await upload(client, name, content, **fields)
    assert response.status_code == 422
    assert expected in response.text and 'aria-invalid="true"' in response.text
    assert await ImportRun.count().run() == 0 and await StartupProfile.count().run() == 0
    assert not (settings.data_dir / "imports").exists() or not any((settings.data_dir / "imports").iterdir())


async def test_a_missing_file_is_refused(client: AsyncClient) -> None:
    await log_in_as(client, "program_manager")
    response = await client.post("/staff/imports", data={"_csrf_token": await csrf_token(client), "source": "yc"}, files={})
    assert response.status_code == 422 and "choose a CSV or JSON file" in response.text


async def test_a_file_over_8_mb_is_refused_naming_the_limit(client: AsyncClient) -> None:
    await log_in_as(client, "program_manager")
    just_over = await upload(client, "big.csv", b"x" * (MAX_UPLOAD_BYTES + 1))
    assert just_over.status_code == 422 and "larger than 8 MB" in just_over.text
    # Far over: the route's body limit stops it before the handler; the message still names 8 MB.
    far_over = await upload(client, "huge.csv", b"x" * (MAX_UPLOAD_BYTES + 2 * 1024 * 1024))
    assert far_over.status_code == 413 and "larger than 8 MB" in far_over.text and "10 MB" not in far_over.text
    assert await ImportRun.count().run() == 0


async def test_an_upload_without_the_csrf_token_is_refused(client: AsyncClient) -> None:
    await log_in_as(client, "program_manager")
    response = await client.post("/staff/imports", files={"file": ("a.json", data("yc_valid.json"), "application/json")})
    assert response.status_code == 403
    assert await ImportRun.count().run() == 0


async def test_an_unknown_import_is_404(client: AsyncClient) -> None:
    await log_in_as(client, "program_manager")
    assert (await client.get("/staff/imports/999")).status_code == 404
    assert (await client.get("/staff/imports/999/progress")).status_code == 404
    confirm = await client.post("/staff/imports/999/confirm", data={"_csrf_token": await csrf_token(client)})
    assert confirm.status_code == 404


async def test_a_run_whose_file_is_gone_fails_with_the_reason(app: Litestar, client: AsyncClient) -> None:
    await log_in_as(client, "program_manager")
    run_id = run_id_of(await upload(client, "yc_valid.json", data("yc_valid.json")))
    run = await ImportRun.select(ImportRun.file_path).where(ImportRun.id == run_id).first().run()
    Path(run["file_path"]).unlink()
    await client.post(f"/staff/imports/{run_id}/confirm", data={"_csrf_token": await csrf_token(client)})
    assert await app.state.worker.drain() == 1
    fragment = await client.get(f"/staff/imports/{run_id}/progress", headers={"HX-Request": "true"})
    assert fragment.status_code == 286 and "The import failed" in fragment.text and "gone" in fragment.text
    assert (await ImportRun.select(ImportRun.status).where(ImportRun.id == run_id).first().run())["status"] == "failed"
    assert await StartupProfile.count().run() == 0


@pytest.mark.parametrize(("role", "shown"), [("program_manager", True), ("admin", True), ("finance", False), ("reviewer", False)])
async def test_the_back_office_links_to_the_import_for_its_roles(client: AsyncClient, role: str, shown: bool) -> None:
    await log_in_as(client, role)
    dashboard = await client.get("/staff")
    assert dashboard.status_code == 200
    assert ('href="/staff/imports"' in dashboard.text) is shown
