"""Milestone reports with a file: the startup attaches one (optional) to a tranche's report on
the award page or through the API; it is checked and stored as applications' files are (type
read from the bytes, the size limit, one copy by SHA-256); the startup's members, program staff
and finance download the same bytes, anyone else gets a 404 (anonymous viewers the login page);
a report and its file may be replaced until staff accept it (409 after)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from httpx import AsyncClient
from litestar import Litestar

from hubcity.db.tables import AuditEntry, StoredFile, Tranche
from hubcity.programs.uploads import MAX_UPLOAD_BYTES, PDF, PNG, UPLOAD_ROUTE_BODY_LIMIT
from hubcity.reviews.services import AwardService
from tests.conftest import csrf_token, post_form
from tests.factories.programs import create_application, staff_viewer
from tests.integration.programs.test_apply_pages import app_clock, client, login  # noqa: F401 - fixtures
from tests.integration.programs.test_uploads import DOCX_BYTES, EXE_BYTES, PDF_BYTES, PNG_BYTES
from tests.integration.reviews.test_award_pages import _settings, with_award  # noqa: F401 - fixture
from tests.integration.reviews.test_decision_pages import TITLE, viewer_for

REPORT = "Pilot with Hyundai finished; the evaluation is attached."
#: A multipart body whose ``file`` part is a plain text field, not a file.
TEXT_AS_FILE = (b'--b0undary\r\nContent-Disposition: form-data; name="text"\r\n\r\nx\r\n'
                b'--b0undary\r\nContent-Disposition: form-data; name="file"\r\n\r\nnot a file\r\n--b0undary--\r\n')


async def active_award() -> dict[str, Any]:
    """An award whose agreement the startup accepted (reports may be submitted)."""
    made = await with_award()
    await AwardService().accept_agreement(made["award"]["id"], made["viewer"])
    made["tranche_id"] = made["award"]["tranches"][0]["id"]
    return made


async def send_report(client: AsyncClient, tranche_id: int, text: str, file: tuple[str, bytes] | None = None, *,
                      htmx: bool = False, **fields: str) -> Any:
    """POST the award page's report form (multipart, as the browser sends it)."""
    headers = {"x-csrftoken": await csrf_token(client)} | ({"HX-Request": "true"} if htmx else {})
    files = {"file": (file[0], file[1], "application/octet-stream")} if file else {"file": ("", b"", "application/octet-stream")}
    return await client.post(f"/tranches/{tranche_id}/report", data={"report": text, **fields}, files=files, headers=headers,
                             follow_redirects=False)


async def api_report(client: AsyncClient, tranche_id: int, text: str, file: tuple[str, bytes] | None = None, **fields: str) -> Any:
    """POST the API's report route as multipart (``text``, ``file``, other fields)."""
    files = {"file": (file[0], file[1], "application/pdf")} if file else None
    return await client.post(f"/api/v1/tranches/{tranche_id}/report", data={"text": text, **fields}, files=files,
                             headers={"x-csrftoken": await csrf_token(client)})


async def tranche_row(tranche_id: int) -> dict[str, Any]:
    return await Tranche.select().where(Tranche.id == tranche_id).first().run()


def stored_path(app: Litestar, content: bytes) -> Path:
    digest = hashlib.sha256(content).hexdigest()
    return app.state.settings.data_dir / "uploads" / "applications" / digest[:2] / digest


async def test_a_pdf_sent_with_the_report_is_downloaded_as_the_same_bytes_by_the_startup_staff_and_finance(
    client: AsyncClient, app: Litestar,
) -> None:
    made = await active_award()
    app_id, tranche_id = made["application"]["id"], made["tranche_id"]
    await login(client, made["viewer"])
    form_page = await client.get(f"/applications/{app_id}/award")
    assert 'enctype="multipart/form-data"' in form_page.text and 'type="file" name="file"' in form_page.text

    sent = await send_report(client, tranche_id, REPORT, ("../../Milestone 1 evaluation.pdf", PDF_BYTES))
    assert sent.status_code == 303, sent.text
    row = await tranche_row(tranche_id)
    assert row["report"] == REPORT and row["report_file_name"] == "Milestone 1 evaluation.pdf" and row["report_file"]
    stored = await StoredFile.select().run()
    assert [(s["sha256"], s["size"], s["content_type"]) for s in stored] == [(hashlib.sha256(PDF_BYTES).hexdigest(), len(PDF_BYTES), PDF)]
    assert stored_path(app, PDF_BYTES).read_bytes() == PDF_BYTES
    audit = await AuditEntry.select().where(AuditEntry.action == "tranche.report_submitted").output(load_json=True).run()
    assert len(audit) == 1 and audit[0]["after"]["file_name"] == "Milestone 1 evaluation.pdf", audit

    url = f"/tranches/{tranche_id}/report/file"
    mine = await client.get(f"/applications/{app_id}/award")
    assert f'href="{url}"' in mine.text and "Milestone 1 evaluation.pdf" in mine.text and "Without a new file the report keeps" in mine.text
    finance = await staff_viewer("finance")
    for who, viewer, page in (("startup", made["viewer"], f"/applications/{app_id}/award"),
                              ("program manager", made["manager"], f"/staff/applications/{app_id}/award"),
                              ("admin", await staff_viewer("admin"), f"/staff/applications/{app_id}/award"),
                              ("finance", finance, "/staff/finance")):
        await login(client, viewer)
        listing = await client.get(page)
        assert listing.status_code == 200 and f'href="{url}"' in listing.text, f"{who}: no download link on {page}"
        download = await client.get(url)
        assert download.status_code == 200 and download.content == PDF_BYTES, f"{who}: {download.status_code}"
        assert download.headers["content-type"].startswith(PDF), who
        disposition = unquote(download.headers["content-disposition"])
        assert disposition.startswith("attachment") and "Milestone 1 evaluation.pdf" in disposition, f"{who}: {disposition}"
        assert download.headers["x-content-type-options"] == "nosniff" and "no-store" in download.headers["cache-control"], who


async def test_a_wrong_file_gets_422_naming_the_field_and_rule_keeps_the_typed_text_and_loses_nothing_saved(
    client: AsyncClient, app: Litestar,
) -> None:
    made = await active_award()
    tranche_id = made["tranche_id"]
    await login(client, made["viewer"])
    assert (await send_report(client, tranche_id, REPORT, ("evaluation.pdf", PDF_BYTES))).status_code == 303
    saved = await tranche_row(tranche_id)

    typed = "A new text the startup typed <before> choosing the wrong file."
    cases = [
        ("exe renamed .pdf", ("evaluation.pdf", EXE_BYTES), "Report file: the file must be one of: PDF, PNG image"),
        ("empty file", ("evaluation.pdf", b""), "Report file: the file is empty (0 bytes)"),
        ("too large", ("big.pdf", PDF_BYTES + b"0" * (MAX_UPLOAD_BYTES + 1 - len(PDF_BYTES))),
         "Report file: the file is larger than 20 MB. Choose a file of at most 20 MB."),
    ]
    for label, file, message in cases:
        for htmx in (False, True):
            response = await send_report(client, tranche_id, typed, file, htmx=htmx)
            where = f"{label} (htmx={htmx})"
            assert response.status_code == 422, f"{where}: {response.status_code}"
            assert message in response.text, f"{where}: the message is not named: {response.text[:3000]}"
            assert 'data-testid="report-file-error"' in response.text and 'aria-invalid="true"' in response.text, where
            assert "A new text the startup typed &lt;before&gt; choosing the wrong file." in response.text, f"{where}: the typed text is lost"
            assert ("<html" in response.text) is (not htmx), where
            assert await tranche_row(tranche_id) == saved, f"{where}: the saved report changed"
    assert await StoredFile.count().run() == 1 and not stored_path(app, EXE_BYTES).exists()

    over_the_route = await send_report(client, tranche_id, typed, ("huge.pdf", PDF_BYTES + b"0" * UPLOAD_ROUTE_BODY_LIMIT))
    assert over_the_route.status_code == 413 and "20 MB" in over_the_route.text  # the body is refused before it is read
    assert await tranche_row(tranche_id) == saved

    both = await send_report(client, tranche_id, " ", ("evaluation.pdf", EXE_BYTES))
    assert both.status_code == 422 and "Report: write from 1 to 20000 characters" in both.text and "Report file: the file must be" in both.text
    assert (await client.get(f"/tranches/{tranche_id}/report/file")).content == PDF_BYTES


async def test_only_the_startups_members_and_staff_with_a_right_to_the_award_download(client: AsyncClient) -> None:
    made = await active_award()
    tranche_id = made["tranche_id"]
    await login(client, made["viewer"])
    secret_name = "Confidential Robotics milestone.pdf"
    assert (await send_report(client, tranche_id, REPORT, (secret_name, PDF_BYTES))).status_code == 303
    for who in ("other_startup", "corporation", "reviewer"):
        await login(client, await viewer_for(who, made))
        for url in (f"/tranches/{tranche_id}/report/file", f"/api/v1/tranches/{tranche_id}/report/file"):
            response = await client.get(url, follow_redirects=False)
            assert response.status_code == 404, f"{who} {url}: {response.status_code}"
            assert "Confidential" not in response.text and TITLE not in response.text and b"%PDF" not in response.content, f"{who} {url}"
        replaced = await api_report(client, tranche_id, "mine now", ("x.pdf", PDF_BYTES))
        assert replaced.status_code == 404, f"{who}: {replaced.status_code}"
    client.cookies.delete("session")
    anonymous = await client.get(f"/tranches/{tranche_id}/report/file", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    assert (await client.get(f"/api/v1/tranches/{tranche_id}/report/file")).status_code == 401
    missing = await tranche_row(tranche_id)
    assert missing["report"] == REPORT and missing["report_file_name"] == secret_name
    await login(client, made["viewer"])
    other_tranche = made["award"]["tranches"][1]["id"]  # no report yet: no file, 404 naming nothing
    assert (await client.get(f"/tranches/{other_tranche}/report/file")).status_code == 404


async def test_the_report_and_its_file_are_replaced_until_accepted_and_refused_after(client: AsyncClient, app: Litestar) -> None:
    made = await active_award()
    app_id, tranche_id = made["application"]["id"], made["tranche_id"]
    url = f"/tranches/{tranche_id}/report/file"
    await login(client, made["viewer"])
    assert (await send_report(client, tranche_id, REPORT, ("first.pdf", PDF_BYTES))).status_code == 303
    replaced = await send_report(client, tranche_id, "Second version.", ("photo.png", PNG_BYTES), htmx=True)
    assert replaced.status_code == 200 and replaced.headers.get("hx-redirect") == f"/applications/{app_id}/award", replaced.headers
    download = await client.get(url)
    assert download.content == PNG_BYTES and download.headers["content-type"].startswith(PNG)
    assert not stored_path(app, PDF_BYTES).exists() and await StoredFile.count().run() == 1  # the replaced bytes were used by nothing else

    text_only = await send_report(client, tranche_id, "Third version, same photo.")
    assert text_only.status_code == 303
    row = await tranche_row(tranche_id)
    assert row["report"] == "Third version, same photo." and row["report_file_name"] == "photo.png"
    assert (await client.get(url)).content == PNG_BYTES

    removed = await send_report(client, tranche_id, "Fourth version, no file.", remove_file="yes")
    assert removed.status_code == 303 and (await tranche_row(tranche_id))["report_file"] is None
    assert (await client.get(url)).status_code == 404 and await StoredFile.count().run() == 0 and not stored_path(app, PNG_BYTES).exists()
    assert (await send_report(client, tranche_id, "Final.", ("final.docx", DOCX_BYTES))).status_code == 303

    await login(client, made["manager"])
    assert (await post_form(client, f"/staff/tranches/{tranche_id}/accept", follow_redirects=False)).status_code == 303
    accepted = await tranche_row(tranche_id)
    await login(client, made["viewer"])
    page = await client.get(f"/applications/{app_id}/award")
    assert f'data-report="{tranche_id}"' not in page.text and f'href="{url}"' in page.text  # no form any more, the file stays
    for label, response in (
        ("page, with a file", await send_report(client, tranche_id, "Too late.", ("late.pdf", PDF_BYTES))),
        ("page, text only", await send_report(client, tranche_id, "Too late.")),
        ("API multipart", await api_report(client, tranche_id, "Too late.", ("late.pdf", PDF_BYTES))),
    ):
        assert response.status_code == 409 and "accepted already" in response.text, f"{label}: {response.status_code}"
    assert await tranche_row(tranche_id) == accepted and (await client.get(url)).content == DOCX_BYTES
    assert not stored_path(app, PDF_BYTES).exists()


async def test_the_same_bytes_removed_from_another_application_stay_with_the_report(client: AsyncClient, app: Litestar) -> None:
    """Defect found: a report's file shares its StoredFile with any identical upload; removing
    the last application file of those bytes deleted the StoredFile the report still used (a
    500 on the foreign key, or bytes gone). The report counts as a use now."""
    made = await active_award()
    tranche_id = made["tranche_id"]
    other = await create_application(made["program"])
    await login(client, other["viewer"])
    headers = {"x-csrftoken": await csrf_token(client), "HX-Request": "true"}
    other_id = other["application"]["id"]
    uploaded = await client.post(f"/applications/{other_id}/files/deck", files={"file": ("deck.pdf", PDF_BYTES, "application/pdf")}, headers=headers)
    assert uploaded.status_code == 200, uploaded.text
    await login(client, made["viewer"])
    assert (await send_report(client, tranche_id, REPORT, ("evaluation.pdf", PDF_BYTES))).status_code == 303
    assert await StoredFile.count().run() == 1
    await login(client, other["viewer"])
    stored = await client.get(f"/applications/{other_id}")
    file_id = int(stored.text.split(f"/applications/{other_id}/download/")[1].split('"')[0])
    removed = await client.post(f"/applications/{other_id}/files/deck/remove", data={"file_id": str(file_id)}, headers=headers)
    assert removed.status_code == 200, removed.text
    await login(client, made["viewer"])
    download = await client.get(f"/tranches/{tranche_id}/report/file")
    assert download.status_code == 200 and download.content == PDF_BYTES and stored_path(app, PDF_BYTES).exists()


async def test_the_api_takes_the_report_with_a_file_as_multipart_or_an_attached_file_as_json(client: AsyncClient) -> None:
    made = await active_award()
    tranche_id = made["tranche_id"]
    await login(client, made["viewer"])
    sent = await api_report(client, tranche_id, REPORT, ("evaluation.pdf", PDF_BYTES))
    assert sent.status_code == 200, sent.text
    body = sent.json()
    assert body["report"] == REPORT and body["report_file"] == {
        "name": "evaluation.pdf", "size": len(PDF_BYTES), "content_type": PDF, "url": f"/api/v1/tranches/{tranche_id}/report/file"}
    for viewer in (made["viewer"], made["manager"], await staff_viewer("finance")):
        await login(client, viewer)
        download = await client.get(body["report_file"]["url"])
        assert download.status_code == 200 and download.content == PDF_BYTES, viewer
        award = await client.get(f"/api/v1/awards/{made['award']['id']}")
        assert award.json()["tranches"][0]["report_file"]["name"] == "evaluation.pdf", viewer

    await login(client, made["viewer"])
    for label, response, field, message in (
        ("exe", await api_report(client, tranche_id, "x", ("a.pdf", EXE_BYTES)), "file", "Report file: the file must be one of"),
        ("empty", await api_report(client, tranche_id, "x", ("a.pdf", b"")), "file", "Report file: the file is empty"),
        ("too large", await api_report(client, tranche_id, "x", ("a.pdf", PDF_BYTES + b"0" * MAX_UPLOAD_BYTES)), "file",
         "Report file: the file is larger than 20 MB"),
        ("unknown field", await api_report(client, tranche_id, "x", ("a.pdf", PDF_BYTES), other="1"), "other", "is not a field of this request"),
        ("text where the file goes", await client.post(
            f"/api/v1/tranches/{tranche_id}/report", content=TEXT_AS_FILE,
            headers={"x-csrftoken": await csrf_token(client), "content-type": "multipart/form-data; boundary=b0undary"}),
         "file", "file: send a file, not text"),
        ("bad keep_file", await api_report(client, tranche_id, "x", keep_file="maybe"), "keep_file", "keep_file: true or false"),
        ("not attached", await client.post(f"/api/v1/tranches/{tranche_id}/report", json={"text": "x", "file_id": 1},
                                           headers={"x-csrftoken": await csrf_token(client)}),
         "file_id", "File: give the id of a file attached to this application"),
        ("keep_file not a boolean (JSON)", await client.post(f"/api/v1/tranches/{tranche_id}/report", json={"text": "x", "keep_file": "yes"},
                                   headers={"x-csrftoken": await csrf_token(client)}), "keep_file", "keep_file: true or false"),
    ):
        assert response.status_code == 422, f"{label}: {response.status_code} {response.text[:500]}"
        assert message in response.json()["fields"].get(field, ""), f"{label}: {response.json()}"
    assert (await tranche_row(tranche_id))["report"] == REPORT and (await client.get(body["report_file"]["url"])).content == PDF_BYTES

    malformed = await client.post(f"/api/v1/tranches/{tranche_id}/report", content=b"{not json",
                                  headers={"x-csrftoken": await csrf_token(client), "content-type": "application/json"})
    assert malformed.status_code == 400, malformed.text
    kept = await client.post(f"/api/v1/tranches/{tranche_id}/report", json={"text": "Text corrected.", "keep_file": True},
                             headers={"x-csrftoken": await csrf_token(client)})
    assert kept.status_code == 200 and kept.json()["report_file"]["name"] == "evaluation.pdf", kept.text
    dropped = await client.post(f"/api/v1/tranches/{tranche_id}/report", json={"text": "No file now."},
                                headers={"x-csrftoken": await csrf_token(client)})
    assert dropped.status_code == 200 and dropped.json()["report_file"] is None
    assert (await client.get(body["report_file"]["url"])).status_code == 404

    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    documented = paths["/api/v1/tranches/{tranche_id}/report"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(documented), documented
    assert "file" in documented["multipart/form-data"]["schema"]["properties"] and "get" in paths["/api/v1/tranches/{tranche_id}/report/file"]
