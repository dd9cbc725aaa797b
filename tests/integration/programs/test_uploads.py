"""File uploads of applications: the type read from the bytes, the size limit named, storage by
SHA-256 (the same bytes stored once), removal, and downloads only for the applicant and staff."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from litestar import Litestar

from hubcity.db.tables import Application, ApplicationFile, AuditEntry, StoredFile
from hubcity.programs import uploads
from hubcity.programs.uploads import DOCX, HWP, PDF, PNG, PPTX, XLSX, sniff
from tests.conftest import csrf_token
from tests.factories.programs import FORM, create_application, create_program, create_startup, staff_viewer
from tests.integration.programs.test_apply_pages import app_clock, client, login  # noqa: F401 - fixtures

PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"This program cannot be run in DOS mode."


def office(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DOCX_BYTES = office({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
HWP_BYTES = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + b"HWP Document File" + b"\x00" * 100


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(PDF_BYTES, PDF, id="pdf"),
        pytest.param(b"\r\n" + PDF_BYTES, PDF, id="pdf-after-junk"),
        pytest.param(PNG_BYTES, PNG, id="png"),
        pytest.param(b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg", id="jpeg"),
        pytest.param(DOCX_BYTES, DOCX, id="docx"),
        pytest.param(office({"[Content_Types].xml": b"", "xl/workbook.xml": b""}), XLSX, id="xlsx"),
        pytest.param(office({"[Content_Types].xml": b"", "ppt/presentation.xml": b""}), PPTX, id="pptx"),
        pytest.param(HWP_BYTES, HWP, id="hwp"),
        pytest.param(EXE_BYTES, None, id="exe"),
        pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, None, id="ole-doc-not-hwp"),
        pytest.param(office({"word/document.xml": b""}), None, id="zip-without-content-types"),
        pytest.param(office({"[Content_Types].xml": b"", "word/document.xml": b"", "word/vbaProject.bin": b""}), None, id="docm-macros"),
        pytest.param(office({"[Content_Types].xml": b"", "notes.txt": b"hi"}), None, id="plain-zip"),
        pytest.param(b"PK\x03\x04broken", None, id="broken-zip"),
        pytest.param(b"", None, id="empty"),
        pytest.param(b"<html><script>alert(1)</script>", None, id="html"),
    ],
)
def test_the_type_is_read_from_the_bytes(content: bytes, expected: str | None) -> None:
    assert sniff(content) == expected


async def upload(client: AsyncClient, application_id: int, field: str, name: str, content: bytes, *, htmx: bool = True) -> Any:
    headers = {"x-csrftoken": await csrf_token(client)} | ({"HX-Request": "true"} if htmx else {})
    return await client.post(f"/applications/{application_id}/files/{field}", files={"file": (name, content, "application/pdf")},
                             headers=headers)


async def remove(client: AsyncClient, application_id: int, field: str, file_id: int) -> Any:
    headers = {"x-csrftoken": await csrf_token(client), "HX-Request": "true"}
    return await client.post(f"/applications/{application_id}/files/{field}/remove", data={"file_id": str(file_id)}, headers=headers)


async def answers_of(application_id: int) -> dict[str, Any]:
    row = await Application.select(Application.answers, Application.revision).where(Application.id == application_id).first().output(load_json=True).run()
    return row


def data_dir(app: Litestar) -> Path:
    return app.state.settings.data_dir


async def test_a_pdf_is_stored_by_hash_once_and_downloaded_only_by_the_applicant_and_staff(client: AsyncClient, app: Litestar) -> None:
    program = await create_program()
    first = await create_application(program)
    second = await create_application(program)
    application_id = first["application"]["id"]
    await login(client, first["viewer"])
    before = await answers_of(application_id)
    response = await upload(client, application_id, "deck", "../../etc/Our deck.pdf", PDF_BYTES)
    assert response.status_code == 200, response.text
    assert "Our deck.pdf" in response.text and "etc" not in response.text and "PDF" in response.text
    after = await answers_of(application_id)
    file_id = after["answers"]["deck"][0]
    assert after["revision"] == before["revision"] + 1
    assert f'name="revision" value="{after["revision"]}"' in response.text and 'hx-swap-oob="true"' in response.text
    digest = hashlib.sha256(PDF_BYTES).hexdigest()
    path = data_dir(app) / "uploads" / "applications" / digest[:2] / digest
    assert path.read_bytes() == PDF_BYTES
    stored = await StoredFile.select().run()
    assert [(s["sha256"], s["size"], s["content_type"]) for s in stored] == [(digest, len(PDF_BYTES), PDF)]
    assert await AuditEntry.exists().where(AuditEntry.action == "application.file_added").run()

    await login(client, second["viewer"])  # the same bytes from another startup: one stored file
    assert (await upload(client, second["application"]["id"], "deck", "deck.pdf", PDF_BYTES)).status_code == 200
    assert await StoredFile.count().run() == 1 and await ApplicationFile.count().run() == 2
    stranger = await client.get(f"/applications/{application_id}/download/{file_id}")
    assert stranger.status_code == 404 and "Our deck" not in stranger.text

    await login(client, first["viewer"])
    mine = await client.get(f"/applications/{application_id}/download/{file_id}")
    assert mine.status_code == 200 and mine.content == PDF_BYTES
    assert mine.headers["content-type"].startswith(PDF) and "attachment" in mine.headers["content-disposition"]
    assert mine.headers["x-content-type-options"] == "nosniff"
    page = await client.get(f"/applications/{application_id}")
    assert f'/applications/{application_id}/download/{file_id}' in page.text

    for role, status in (("program_manager", 200), ("admin", 200), ("finance", 404), ("reviewer", 404)):
        await login(client, await staff_viewer(role))
        assert (await client.get(f"/applications/{application_id}/download/{file_id}")).status_code == status, role
    client.cookies.delete("session")
    anonymous = await client.get(f"/applications/{application_id}/download/{file_id}", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")

    # Removing from one application keeps the bytes the other still uses; the last removal deletes them.
    await login(client, first["viewer"])
    assert (await remove(client, application_id, "deck", file_id)).status_code == 200
    assert (await answers_of(application_id))["answers"]["deck"] == [] and path.exists()
    assert (await client.get(f"/applications/{application_id}/download/{file_id}")).status_code == 404
    await login(client, second["viewer"])
    other_id = (await answers_of(second["application"]["id"]))["answers"]["deck"][0]
    assert (await remove(client, second["application"]["id"], "deck", other_id)).status_code == 200
    assert not path.exists() and await StoredFile.count().run() == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param("deck.pdf", EXE_BYTES, "The content of this file is not", id="exe-renamed-pdf"),
        pytest.param("deck.pdf", b"", "choose a file", id="empty-file"),
        pytest.param("deck.docx", office({"[Content_Types].xml": b"", "word/document.xml": b"", "word/vbaProject.bin": b""}),
                     "The content of this file is not", id="macro-document"),
    ],
)
async def test_a_wrong_file_is_refused_and_nothing_is_stored(client: AsyncClient, app: Litestar, name: str, content: bytes, message: str) -> None:
    program = await create_program()
    made = await create_application(program)
    application_id = made["application"]["id"]
    await login(client, made["viewer"])
    before = await answers_of(application_id)
    response = await upload(client, application_id, "deck", name, content)
    assert response.status_code == 422 and "Pitch deck" in response.text and message in response.text
    assert await answers_of(application_id) == before and await StoredFile.count().run() == 0
    assert not (data_dir(app) / "uploads" / "applications").exists() or not any((data_dir(app) / "uploads" / "applications").rglob("*"))
    plain = await upload(client, application_id, "deck", name, content, htmx=False)
    assert plain.status_code == 422 and "<html" in plain.text and message in plain.text


async def test_the_size_limit_is_named_and_the_field_keeps_its_types_and_count(client: AsyncClient) -> None:
    form = [dict(f) for f in FORM]
    deck = next(f for f in form if f["key"] == "deck")
    deck.update(max_bytes=2048, allowed_types=[PDF, DOCX])
    program = await create_program(form=form)
    made = await create_application(program)
    application_id = made["application"]["id"]
    await login(client, made["viewer"])
    page = await client.get(f"/applications/{application_id}")
    assert "at most 2 KB per file" in page.text and "Word document (DOCX)" in page.text
    too_big = await upload(client, application_id, "deck", "big.pdf", PDF_BYTES + b"0" * 4096)
    assert too_big.status_code == 422 and "larger than 2 KB" in too_big.text
    png = await upload(client, application_id, "deck", "photo.png", PNG_BYTES)
    assert png.status_code == 422 and "PDF, Word document (DOCX)" in png.text
    assert (await upload(client, application_id, "deck", "plan.docx", DOCX_BYTES)).status_code == 200
    full = await upload(client, application_id, "deck", "deck.pdf", PDF_BYTES)
    assert full.status_code == 422 and "at most 1 files" in full.text
    assert await ApplicationFile.count().run() == 1


async def test_a_body_over_the_route_limit_gets_413_naming_the_limit(client: AsyncClient) -> None:
    program = await create_program()
    made = await create_application(program)
    await login(client, made["viewer"])
    huge = PDF_BYTES + b"0" * (uploads.UPLOAD_ROUTE_BODY_LIMIT + 1024)
    response = await upload(client, made["application"]["id"], "deck", "huge.pdf", huge)
    assert response.status_code == 413 and "20 MB" in response.text
    assert await StoredFile.count().run() == 0


async def test_unknown_fields_and_files_are_404_and_a_submitted_application_takes_no_upload(client: AsyncClient) -> None:
    program = await create_program()
    made = await create_application(program)
    application_id = made["application"]["id"]
    await login(client, made["viewer"])
    assert (await upload(client, application_id, "nope", "deck.pdf", PDF_BYTES)).status_code == 404
    assert (await upload(client, application_id, "summary", "deck.pdf", PDF_BYTES)).status_code == 404  # not a file question
    assert (await remove(client, application_id, "deck", 999)).status_code == 404
    bad_id = await client.post(f"/applications/{application_id}/files/deck/remove", data={"file_id": "x"},
                               headers={"x-csrftoken": await csrf_token(client)})
    assert bad_id.status_code == 404
    from hubcity.programs.services import ApplicationService

    await ApplicationService().submit(application_id, made["viewer"])
    late = await upload(client, application_id, "deck", "deck.pdf", PDF_BYTES)
    assert late.status_code == 409 and "can no longer be edited" in late.text
    assert await StoredFile.count().run() == 0
    other = await create_startup()
    await login(client, other["owner"])
    assert (await upload(client, application_id, "deck", "deck.pdf", PDF_BYTES)).status_code == 404
