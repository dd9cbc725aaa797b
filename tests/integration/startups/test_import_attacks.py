"""Break-it pass on the staff import (``/staff/imports``): formula cells, encodings, a 10 000-row
file, markup in names and reasons, JSON of the wrong shape, the upload limit, confirming twice,
confirming another person's preview, and website addresses that are not web addresses."""

from __future__ import annotations

import html
import json
from typing import Any

import pytest
from markupsafe import escape
from httpx import AsyncClient
from litestar import Litestar

from hubcity.db.tables import ImportRun, Job, StartupProfile
from hubcity.startups.importing.services import MAX_UPLOAD_BYTES
from tests.conftest import csrf_token
from tests.integration.staff.helpers import login, make_user
from tests.integration.startups.test_import_helpers import data
from tests.integration.startups.test_import_web import client, log_in_as, run_id_of, upload  # noqa: F401 - client is a fixture

HEADER = "external_id,name_en,name_ko,one_liner_en,website,team_size,status,tags\n"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def csv_rows(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


async def confirm(client: AsyncClient, run_id: int, **kwargs: Any) -> Any:
    return await client.post(f"/staff/imports/{run_id}/confirm", data={"_csrf_token": await csrf_token(client)}, **kwargs)


async def run_row(run_id: int) -> dict[str, Any]:
    return await ImportRun.select().where(ImportRun.id == run_id).first().output(load_json=True).run()


# -- formula ("CSV injection") cells ---------------------------------------------------------------
FORMULAS = ["=cmd|' /C calc'!A0", "+SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)"]


async def test_formula_cells_are_kept_as_inert_text_and_nothing_exports_them(app: Litestar, client: AsyncClient) -> None:
    """Formula cells matter only in a file a spreadsheet opens. Hubcity writes no such file (no
    CSV or spreadsheet export exists), so they are stored as the text they are and shown as
    text; the test pins both facts, so adding an export without neutralising them is noticed."""
    await log_in_as(client, "program_manager")
    rows = [f'f-{n},"{formula}",,"{formula}",,3,active,"{formula}"' for n, formula in enumerate(FORMULAS)]
    run_id = run_id_of(await upload(client, "formulas.csv", csv_rows(*rows)))
    assert (await run_row(run_id))["counts"]["created"] == len(FORMULAS)
    await confirm(client, run_id)
    await app.state.worker.drain()
    stored = await StartupProfile.select(StartupProfile.id, StartupProfile.name_en).order_by(StartupProfile.id).run()
    assert [row["name_en"] for row in stored] == FORMULAS
    page = await client.get(f"/startups/{stored[0]['id']}")
    assert str(escape(FORMULAS[0])) in page.text  # plain, escaped text in HTML
    # No route hands out a CSV or spreadsheet: not of an import, not of the directory.
    for path in (f"/staff/imports/{run_id}.csv", f"/staff/imports/{run_id}/export", f"/staff/imports/{run_id}/report.csv",
                 "/directory/startups.csv", "/directory/startups/export"):
        response = await client.get(path)
        assert response.status_code == 404
        assert "text/csv" not in response.headers.get("content-type", "")


# -- encodings -------------------------------------------------------------------------------------
ENCODED = [
    pytest.param("cp1252", HEADER.encode() + "w-1,Café Müller,,Crème brûlée robots,,3,active,\n".encode("cp1252"),
                 ["not UTF-8", "line 2", "Save it as UTF-8"], id="windows-1252"),
    pytest.param("utf-16", (HEADER + "u-1,Ünicode,,x,,3,active,\n").encode("utf-16"),
                 ["UTF-16", "Save it as UTF-8"], id="utf-16-with-bom"),
    pytest.param("utf-16-le", (HEADER + "u-1,Plain,,x,,3,active,\n").encode("utf-16-le"),
                 ["UTF-16", "Save it as UTF-8"], id="utf-16-without-bom"),
    pytest.param("utf-32", (HEADER + "u-1,Plain,,x,,3,active,\n").encode("utf-32"),
                 ["UTF-32", "Save it as UTF-8"], id="utf-32"),
    pytest.param("cp949", HEADER.encode() + "k-1,,하늘 비전,,,3,active,\n".encode("cp949"),
                 ["not UTF-8", "CP949"], id="cp949"),
]


@pytest.mark.parametrize(("encoding", "content", "expected"), ENCODED)
async def test_a_file_in_another_encoding_is_refused_naming_the_utf8_rule(
    client: AsyncClient, encoding: str, content: bytes, expected: list[str]
) -> None:
    await log_in_as(client, "program_manager")
    response = await upload(client, "startups.csv", content)
    assert response.status_code == 422, (encoding, response.status_code)
    text = html.unescape(response.text)
    for part in expected:
        assert part in text, (encoding, part)
    assert "\x00" not in response.text  # no NUL bytes echoed back
    assert await ImportRun.count().run() == 0


async def test_a_utf8_byte_order_mark_is_accepted(client: AsyncClient) -> None:
    await log_in_as(client, "program_manager")
    csv = b"\xef\xbb\xbf" + csv_rows("b-1,BOM Robotics,,Robots,,3,active,")
    run_id = run_id_of(await upload(client, "excel.csv", csv))
    assert (await run_row(run_id))["counts"]["created"] == 1
    bom_json = b"\xef\xbb\xbf" + json.dumps([{"id": 1, "name": "BOM JSON"}]).encode()
    assert run_id_of(await upload(client, "excel.json", bom_json))


async def test_control_characters_in_a_record_reject_that_record_only(client: AsyncClient) -> None:
    """A NUL (PostgreSQL cannot store it) or another control character in a field rejects the
    record in the preview already, naming the field; the other records go on."""
    await log_in_as(client, "program_manager")
    records = [{"id": 1, "name": "Nul\x00Corp"}, {"id": 2, "name": "Bell", "one_liner": "ring\x07ring"}, {"id": 3, "name": "Fine"}]
    run_id = run_id_of(await upload(client, "control.json", json.dumps(records).encode()))
    run = await run_row(run_id)
    assert run["counts"]["created"] == 1 and run["counts"]["rejected"] == 2
    reasons = {row["line"]: row["reason"] for row in run["report"]}
    assert "name contains an invisible control character" in reasons[1]
    assert "one_liner contains an invisible control character" in reasons[2]
    page = await client.get(f"/staff/imports/{run_id}")
    assert page.status_code == 200 and "\x00" not in page.text


# -- size ------------------------------------------------------------------------------------------
async def test_a_10000_row_file_is_previewed_with_counts_and_a_bounded_list(app: Litestar, client: AsyncClient) -> None:
    await log_in_as(client, "program_manager")
    rows = [f"big-{n},Company {n},,Robots,https://c{n}.example,{'many' if n % 2 else n % 40 + 1},active," for n in range(10_000)]
    response = await upload(client, "big.csv", csv_rows(*rows))
    run_id = run_id_of(response)
    run = await run_row(run_id)
    assert run["total"] == 10_000 and run["counts"]["created"] == 5_000 and run["counts"]["rejected"] == 5_000

    preview = await client.get(f"/staff/imports/{run_id}")
    assert preview.status_code == 200
    assert len(preview.text) < 200_000  # a bounded page, not 5000 table rows
    section = preview.text.split('data-testid="preview-rejected"', 1)[1].split("</table>", 1)[0]
    assert section.count("<tr>") == 1 + 100  # the header row and the first 100 records
    assert "Showing 1–100 of 5000." in html.unescape(preview.text)
    assert f'href="/staff/imports/{run_id}/rows/rejected?page=2"' in preview.text

    second = await client.get(f"/staff/imports/{run_id}/rows/rejected?page=2")
    assert second.status_code == 200 and "Showing 101–200 of 5000." in html.unescape(second.text)
    assert "<td>203</td>" in second.text and "big-201" in second.text  # CSV line 203 holds record big-201
    last = await client.get(f"/staff/imports/{run_id}/rows/rejected?page=50")
    assert "Showing 4901–5000 of 5000." in html.unescape(last.text)
    beyond = await client.get(f"/staff/imports/{run_id}/rows/rejected?page=999999999999")
    assert beyond.status_code == 200 and "Showing 4901–5000 of 5000." in html.unescape(beyond.text)
    fragment = await client.get(f"/staff/imports/{run_id}/rows/rejected?page=3", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert (await client.get(f"/staff/imports/{run_id}/rows/nonsense")).status_code == 404
    assert (await client.get(f"/staff/imports/{run_id}/rows/rejected?page=abc")).status_code == 400

    await confirm(client, run_id)
    progress = await client.get(f"/staff/imports/{run_id}/progress", headers={"HX-Request": "true"})
    assert progress.status_code == 200 and len(progress.text) < 5_000  # polled every second: small


async def test_a_file_over_the_limit_names_the_limit(client: AsyncClient) -> None:
    await log_in_as(client, "program_manager")
    response = await upload(client, "big.json", b"[" + b" " * MAX_UPLOAD_BYTES + b"]")
    assert response.status_code == 422 and "larger than 8 MB" in response.text


# -- markup ----------------------------------------------------------------------------------------
async def test_markup_in_names_and_reasons_is_escaped_in_preview_listing_and_report(app: Litestar, client: AsyncClient) -> None:
    await log_in_as(client, "program_manager")
    rows = [
        f'x-1,"{XSS.replace(chr(34), chr(34) * 2)}",,Robots,,3,active,',  # imported with a name full of markup
        f'x-2,"{XSS.replace(chr(34), chr(34) * 2)}",,Robots,,3,"{XSS.replace(chr(34), chr(34) * 2)}",',  # rejected: status quoted in the reason
        f'"{XSS.replace(chr(34), chr(34) * 2)}",Named,,Robots,,3,active,',  # external id with markup, too long
    ]
    response = await upload(client, "<img src=y onerror=alert(3)>.csv", csv_rows(*rows), source="csv")
    run_id = run_id_of(response)
    pages = [await client.get(f"/staff/imports/{run_id}"), await client.get("/staff/imports")]
    await confirm(client, run_id)
    await app.state.worker.drain()
    pages += [await client.get(f"/staff/imports/{run_id}"), await client.get(f"/staff/imports/{run_id}/rows/rejected")]
    profile_id = (await StartupProfile.select(StartupProfile.id).where(StartupProfile.source_key == "csv:x-1").first().run())["id"]
    pages += [await client.get(f"/startups/{profile_id}"), await client.get("/directory/startups?q=script")]
    for page in pages:
        assert page.status_code == 200, page.url
        assert "<script>alert" not in page.text and "<img src=" not in page.text, page.url
    assert "&lt;script&gt;alert" in pages[0].text  # shown, as text
    assert "&lt;img src=y onerror=alert(3)&gt;.csv" in pages[1].text


# -- JSON shapes -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"id": 1, "name": "Just an object"}', "must hold a JSON array of records ([{…}, {…}]), but its top level is an object"),
        (b'{"companies": [{"id": 1}]}', "but its top level is an object"),
        (b'"text"', "but its top level is a string"),
        (b"[]", "holds no records"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"[1e999999]", "The record is a number"),
    ],
)
async def test_json_of_the_wrong_shape_is_refused_or_its_records_rejected(client: AsyncClient, content: bytes, expected: str) -> None:
    await log_in_as(client, "program_manager")
    response = await upload(client, "records.json", content)
    if response.status_code == 303:  # a readable file whose records are rejected one by one
        run = await run_row(run_id_of(response))
        assert run["counts"]["rejected"] == run["total"] and expected in run["report"][0]["reason"]
    else:
        assert response.status_code == 422 and expected in html.unescape(response.text)


# -- confirming ------------------------------------------------------------------------------------
async def test_confirming_twice_starts_one_import(app: Litestar, client: AsyncClient) -> None:
    await log_in_as(client, "program_manager")
    run_id = run_id_of(await upload(client, "yc_valid.json", data("yc_valid.json")))
    first = await confirm(client, run_id, follow_redirects=False)
    second = await confirm(client, run_id, follow_redirects=False)
    assert first.status_code == 303 and second.status_code == 409
    assert "already confirmed" in second.text
    assert await Job.count().where(Job.name == "startups.import").run() == 1
    await app.state.worker.drain()
    created = await StartupProfile.count().run()
    third = await confirm(client, run_id)
    assert third.status_code == 409 and await Job.count().where(Job.name == "startups.import").run() == 1
    assert await StartupProfile.count().run() == created


async def test_only_the_uploader_or_an_administrator_confirms_a_preview(app: Litestar, client: AsyncClient) -> None:
    uploader = await log_in_as(client, "program_manager")
    run_id = run_id_of(await upload(client, "yc_valid.json", data("yc_valid.json")))

    colleague = await make_user("colleague@example.com", roles=["program_manager"])
    await login(client, colleague)
    page = await client.get(f"/staff/imports/{run_id}")
    assert page.status_code == 200 and 'data-testid="confirm-form"' not in page.text
    assert "Only the person who uploaded it" in page.text
    refused = await confirm(client, run_id)
    assert refused.status_code == 403 and "Only the person who uploaded it" in refused.text
    assert (await run_row(run_id))["status"] == "previewed" and await Job.count().run() == 0

    startup = await make_user("founder@example.com", org_kind="startup")
    await login(client, startup)
    assert (await confirm(client, run_id)).status_code == 403
    assert (await client.get(f"/staff/imports/{run_id}")).status_code == 403
    assert (await client.get(f"/staff/imports/{run_id}/rows/rejected")).status_code == 403

    admin = await make_user("admin@example.com", roles=["admin"])
    await login(client, admin)
    assert (await confirm(client, run_id, follow_redirects=False)).status_code == 303
    assert (await run_row(run_id))["status"] == "running"
    assert uploader != admin


# -- websites --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "website",
    ["javascript://%0aalert(document.cookie)", "JavaScript://x%0Aalert(1)", "data://text/html,<script>alert(1)</script>",
     "vbscript://x", "ftp://files.example", "https://", "https://no-dot", "http://exa mple.com"],
)
async def test_a_website_that_is_not_a_web_address_rejects_the_record(client: AsyncClient, website: str) -> None:
    await log_in_as(client, "program_manager")
    records = [{"id": 1, "name": "Evil", "website": website}, {"id": 2, "name": "Good", "website": "good.example"}]
    run = await run_row(run_id_of(await upload(client, "sites.json", json.dumps(records).encode())))
    assert run["counts"]["created"] == 1 and run["counts"]["rejected"] == 1
    assert "website: " in run["report"][0]["reason"] and "is not a web address" in run["report"][0]["reason"]
