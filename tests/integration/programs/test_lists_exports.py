"""Staff lists of a program's applications: filters in shareable URLs, HTMX results, paging, CSV
and XLSX exports of exactly the filtered rows, formula injection, and who may see them."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient

from hubcity.db.tables import Application
from hubcity.programs import listing
from hubcity.programs.services import ApplicationService
from tests.factories.accounts import create_org
from tests.factories.corporates import login_as, member_of, quick_user
from tests.factories.programs import create_application, create_program, create_startup, staff_viewer


def listed_ids(html: str) -> list[int]:
    return [int(v) for v in re.findall(r'<tr data-application="(\d+)"', html)]


def href_of(html: str, testid: str) -> str:
    found = re.search(rf'<a href="([^"]+)" data-testid="{testid}"', html)
    assert found, testid
    return found.group(1).replace("&amp;", "&")


async def submitted_at(application_id: int, when: datetime) -> None:
    await Application.update({Application.submitted_at: when}).where(Application.id == application_id).run()


async def market() -> dict[str, Any]:
    """A published program with four applications of different startups:

    alpha: "Alpha Vision", automotive, seed, submitted 2026-03-01 23:30 KST;
    beta: "Beta Bio", healthcare, series_a, draft;
    gamma: "Gamma Grid", energy, seed, in screening, submitted 2026-03-02 00:30 KST;
    delta: "Alpha Farm", manufacturing, seed, draft with a deadline extension.
    """
    manager = await staff_viewer("program_manager")
    program = await create_program(manager)
    other_program = await create_program(manager)
    service = ApplicationService()
    made: dict[str, Any] = {"program": program, "manager": manager}
    for key, name, sector, stage in (
        ("alpha", "Alpha Vision", "automotive", "seed"),
        ("beta", "Beta Bio", "healthcare", "series_a"),
        ("gamma", "Gamma Grid", "energy", "seed"),
        ("delta", "Alpha Farm", "manufacturing", "seed"),
    ):
        startup = await create_startup(name_en=name, name_ko=f"{name} 코리아", sectors=[sector], stage=stage)
        made[key] = (await create_application(program, startup, service=service))["application"]
        made[f"{key}_startup"] = startup
    # An application to another program never shows in this program's list.
    made["elsewhere"] = (await create_application(other_program, made["alpha_startup"], service=service))["application"]
    await service.submit(made["alpha"]["id"], made["alpha_startup"]["owner"])
    await service.submit(made["gamma"]["id"], made["gamma_startup"]["owner"])
    await service.transition(made["gamma"]["id"], manager, "screening")
    await submitted_at(made["alpha"]["id"], datetime(2026, 3, 1, 14, 30, tzinfo=UTC))  # 23:30 in Seoul
    await submitted_at(made["gamma"]["id"], datetime(2026, 3, 1, 15, 30, tzinfo=UTC))  # 00:30 on the 2nd in Seoul
    await service.grant_extension(made["delta"]["id"], manager, program["closes_at"] + timedelta(days=2), reason="Hospital stay")
    return made


async def as_manager(client: AsyncClient, *, locale: str = "en") -> dict[str, Any]:
    user = await quick_user(roles=("program_manager",), locale=locale)
    await login_as(client, user)
    return user


async def test_each_filter_narrows_the_list_and_the_address_is_shareable(client: AsyncClient) -> None:
    m = await market()
    await as_manager(client)
    base = f"/staff/programs/{m['program']['id']}/applications"
    ids = {key: m[key]["id"] for key in ("alpha", "beta", "gamma", "delta")}

    everything = await client.get(base)
    assert everything.status_code == 200, everything.text
    assert sorted(listed_ids(everything.text)) == sorted(ids.values())
    assert m["elsewhere"]["id"] not in listed_ids(everything.text)
    # Default order: newest submission first, drafts after.
    assert listed_ids(everything.text)[:2] == [ids["gamma"], ids["alpha"]]

    cases = {
        "status=submitted": [ids["alpha"]],
        "status=submitted&status=screening": [ids["gamma"], ids["alpha"]],
        "q=alpha": [ids["alpha"], ids["delta"]],
        "q=%EB%B0%94%EC%9D%B4%EC%98%A4": [],  # "바이오" is in no name
        "q=Bio%20%EC%BD%94%EB%A6%AC%EC%95%84": [ids["beta"]],  # the Korean name
        "sector=healthcare": [ids["beta"]],
        "sector=healthcare&sector=energy": [ids["gamma"], ids["beta"]],
        "stage=seed&status=draft": [ids["delta"]],
        "stage=series_a": [ids["beta"]],
        "submitted_to=2026-03-01": [ids["alpha"]],  # a day in Seoul: 23:30 is in, 00:30 the next day is not
        "submitted_from=2026-03-02": [ids["gamma"]],
        "submitted_from=2026-03-01&submitted_to=2026-03-02": [ids["gamma"], ids["alpha"]],
        "extension=1": [ids["delta"]],
        "extension=0&status=draft": [ids["beta"]],
        "q=alph&sort=name": [ids["delta"], ids["alpha"]],
        "q=alph&sort=-name": [ids["alpha"], ids["delta"]],
    }
    for query, expected in cases.items():
        response = await client.get(f"{base}?{query}")
        assert response.status_code == 200, (query, response.text)
        assert listed_ids(response.text) == expected, query

    # The share link and the export links carry exactly the filters of the page.
    page = (await client.get(f"{base}?q=alpha&status=draft&sort=name")).text
    share = href_of(page, "share-link")
    assert share.startswith(base + "?") and "q=alpha" in share and "status=draft" in share and "sort=name" in share
    assert href_of(page, "export-csv").startswith(f"{base}/export.csv?")
    assert href_of(page, "export-csv").split("?")[1] == share.split("?")[1]
    # Another manager opening the shared address sees the same list.
    await as_manager(client)
    shared = await client.get(share)
    assert listed_ids(shared.text) == [ids["delta"]]
    assert 'name="q" value="alpha"' in shared.text


async def test_htmx_gets_only_the_results_and_bad_filter_values_are_named_not_fatal(client: AsyncClient) -> None:
    m = await market()
    await as_manager(client)
    base = f"/staff/programs/{m['program']['id']}/applications"

    fragment = await client.get(f"{base}?status=draft", headers={"HX-Request": "true", "HX-Target": "application-results"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'id="application-filters"' not in fragment.text
    assert sorted(listed_ids(fragment.text)) == sorted([m["beta"]["id"], m["delta"]["id"]])
    assert "status=draft" in href_of(fragment.text, "export-xlsx")

    full = await client.get(f"{base}?status=draft")
    assert "<html" in full.text and 'id="application-filters"' in full.text

    bad = await client.get(f"{base}?status=bogus&status=draft&sector=nonsense&submitted_from=yesterday&extension=maybe&sort=random&page=x")
    assert bad.status_code == 200
    errors = dict(re.findall(r'<li data-filter="(\w+)">([^<]+)</li>', bad.text))
    assert set(errors) == {"status", "sector", "submitted_from", "extension", "sort", "page"}
    assert "bogus" in errors["status"] and "nonsense" in errors["sector"]
    assert sorted(listed_ids(bad.text)) == sorted([m["beta"]["id"], m["delta"]["id"]])  # the good filter still applies


async def test_pages_keep_the_filters(client: AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    m = await market()
    await as_manager(client)
    base = f"/staff/programs/{m['program']['id']}/applications"

    first = await client.get(f"{base}?stage=seed")  # alpha, gamma, delta
    assert len(listed_ids(first.text)) == 2
    next_link = re.search(r'<a href="([^"]+)" rel="next"', first.text)
    assert next_link, first.text
    second_url = next_link.group(1).replace("&amp;", "&")
    assert "stage=seed" in second_url and "page=2" in second_url
    second = await client.get(second_url)
    assert len(listed_ids(second.text)) == 1
    assert set(listed_ids(first.text)) | set(listed_ids(second.text)) == {m["alpha"]["id"], m["gamma"]["id"], m["delta"]["id"]}


def parse_csv(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def parse_xlsx(content: bytes) -> list[dict[str, Any]]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


async def test_exports_hold_exactly_the_filtered_rows_with_answers_and_links(client: AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listing, "PAGE_SIZE", 1)  # exports are not paged
    m = await market()
    service = ApplicationService()
    owner = m["beta_startup"]["owner"]
    await service.save(m["beta"]["id"], owner, {"plan": "Scale up\nin 2027", "track": "bio", "markets": ["kr", "jp"], "start": "2026-05-01"},
                       expected_revision=(await service.get(m["beta"]["id"], owner))["revision"])
    await as_manager(client)
    base = f"/staff/programs/{m['program']['id']}/applications"

    response = await client.get(f"{base}/export.csv?stage=seed&stage=series_a&status=draft")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"] and ".csv" in response.headers["content-disposition"]
    rows = parse_csv(response.content)
    assert sorted(int(r["Application"]) for r in rows) == sorted([m["beta"]["id"], m["delta"]["id"]])
    beta = next(r for r in rows if int(r["Application"]) == m["beta"]["id"])
    assert beta["Startup name (English)"] == "Beta Bio" and beta["Startup name (Korean)"] == "Beta Bio 코리아"
    assert beta["Status"] == "Draft" and beta["Submitted at (Asia/Seoul)"] == ""
    assert beta["Summary"] == "Vision AI for factories" and beta["Team size"] == "12"
    assert beta["Plan"] == "Scale up\nin 2027" and beta["Track"] == "Bio" and beta["Markets"] == "Korea; Japan"
    assert beta["Start date"] == "2026-05-01" and beta["Pitch deck"] == ""
    assert beta["Link"] == f"http://testserver.local/staff/applications/{m['beta']['id']}"

    xlsx = await client.get(f"{base}/export.xlsx?status=submitted&status=screening")
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    sheet = parse_xlsx(xlsx.content)
    assert [r["Application"] for r in sheet] == [m["gamma"]["id"], m["alpha"]["id"]]
    alpha = sheet[1]
    assert alpha["Status"] == "Submitted" and sheet[0]["Status"] == "Screening"
    assert alpha["Submitted at (Asia/Seoul)"] == "2026-03-01T23:30:00+09:00"
    assert alpha["Team size"] == 12  # a number stays a number
    assert alpha["Link"] == f"http://testserver.local/staff/applications/{m['alpha']['id']}"

    # A Korean-speaking manager gets the questions labelled in Korean.
    await as_manager(client, locale="ko")
    korean = parse_csv((await client.get(f"{base}/export.csv?q=Beta")).content)
    assert len(korean) == 1 and korean[0]["요약"] == "Vision AI for factories" and korean[0]["트랙"] == "바이오"


async def test_exports_neutralise_spreadsheet_formulas(client: AsyncClient) -> None:
    program = await create_program()
    evil = await create_startup(name_en="=HYPERLINK(\"http://evil.example\",\"click\")", name_ko="@SUM(A1)")
    made = await create_application(program, evil, answers={"summary": "=1+2", "plan": "+cmd|' /C calc'!A0", "team": 3})
    service = ApplicationService()
    await service.save(made["application"]["id"], made["viewer"], {"track": "ai"}, expected_revision=made["application"]["revision"])
    plain = await create_application(program, answers={"summary": "-minus at start", "team": 4})
    await as_manager(client)
    base = f"/staff/programs/{program['id']}/applications"

    rows = {int(r["Application"]): r for r in parse_csv((await client.get(f"{base}/export.csv")).content)}
    row = rows[made["application"]["id"]]
    assert row["Startup name (English)"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert row["Startup name (Korean)"] == "'@SUM(A1)"
    assert row["Summary"] == "'=1+2" and row["Plan"] == "'+cmd|' /C calc'!A0"
    assert rows[plain["application"]["id"]]["Summary"] == "'-minus at start"

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO((await client.get(f"{base}/export.xlsx")).content))
    cells = [cell for row in book.active.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "no cell may be a formula"
    sheet = parse_xlsx((await client.get(f"{base}/export.xlsx")).content)
    by_id = {r["Application"]: r for r in sheet}
    assert by_id[made["application"]["id"]]["Summary"] == "'=1+2"
    assert by_id[made["application"]["id"]]["Startup name (Korean)"] == "'@SUM(A1)"
    assert by_id[made["application"]["id"]]["Team size"] == 3


@pytest.mark.parametrize("suffix", ["", "/export.csv", "/export.xlsx"])
async def test_only_program_managers_and_admins_read_lists_and_exports(client: AsyncClient, suffix: str) -> None:
    program = await create_program()
    made = await create_application(program)
    url = f"/staff/programs/{program['id']}/applications{suffix}"

    anonymous = await client.get(url, follow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["location"]

    startup_member = await quick_user()
    from tests.factories.accounts import add_member

    await add_member(made["startup"]["org"]["id"], startup_member)
    corporation = await create_org("corporate")
    refused = {
        "startup": startup_member,
        "corporation": await member_of(corporation["id"]),
        "finance": await quick_user(roles=("finance",)),
        "reviewer": await quick_user(roles=("reviewer",)),
    }
    for who, user in refused.items():
        await login_as(client, user)
        response = await client.get(url)
        assert response.status_code == 403, who
        assert "AI Seed Fund" not in response.text and "Vision AI" not in response.text, who

    for role in ("program_manager", "admin"):
        await login_as(client, await quick_user(roles=(role,)))
        response = await client.get(url)
        assert response.status_code == 200, role
        if suffix == "":
            assert made["application"]["id"] in listed_ids(response.text)
        missing = await client.get(f"/staff/programs/{program['id'] + 1000}/applications{suffix}")
        assert missing.status_code == 404, role
        assert "AI Seed Fund" not in missing.text


async def test_a_draft_program_is_listed_for_managers_with_its_status_counts(client: AsyncClient) -> None:
    program = await create_program(publish=False)
    await as_manager(client)
    response = await client.get(f"/staff/programs/{program['id']}/applications")
    assert response.status_code == 200
    assert "No application matches these filters." in response.text
    assert listed_ids(response.text) == []
    counts = response.text.split('data-testid="status-counts"')[1].split("</p>")[0]
    assert "No application yet." in counts


async def test_status_counts_count_the_whole_program(client: AsyncClient) -> None:
    m = await market()
    await as_manager(client)
    page = (await client.get(f"/staff/programs/{m['program']['id']}/applications?status=screening")).text
    counts = " ".join(page.split('data-testid="status-counts"')[1].split("</p>")[0].split())
    assert "Draft: 2" in counts and "Submitted: 1" in counts and "Screening: 1" in counts
