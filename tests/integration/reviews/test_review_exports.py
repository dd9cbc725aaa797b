"""CSV and XLSX exports of a round's reviews and of a program's decisions: the columns, the values,
formula injection neutralised, links back to each application, and staff only."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from httpx import AsyncClient
from litestar import Litestar
from openpyxl import load_workbook

from hubcity.config.settings import Settings
from hubcity.core.notify import Notifier
from hubcity.core.templating import build_environment
from hubcity.programs.services import ApplicationService
from hubcity.reviews.services import AwardService, DecisionService, ReviewService
from tests.factories.corporates import login_as, quick_user
from tests.factories.programs import create_startup, staff_viewer
from tests.factories.reviews import (
    application_in_review,
    external_on_panel,
    internal_reviewer,
    on_panel,
    program_with_rounds,
    review,
    word_similarity,
)


def read_csv(response: Any) -> list[list[str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads Korean
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


async def reviewed_round(app: Litestar) -> dict[str, Any]:
    """A round with two applications, each reviewed by an internal and an external reviewer
    (one comment tries a formula); then closed and the applications decided."""
    manager = await staff_viewer("program_manager")
    service = ApplicationService()
    reviews = ReviewService(similarity=word_similarity, applications=service)
    program = await program_with_rounds(manager, family="ai-seed", budget=100_000_000, max_award=50_000_000, rounds=[
        {"name_ko": "서면", "name_en": "Written", "kind": "written", "order": 1, "scoring": "mean", "advance": 1,
         "rubric": [{"key": "team", "label_ko": "팀", "label_en": "Team", "weight": 1, "scale_min": 1, "scale_max": 5},
                    {"key": "market", "label_ko": "시장", "label_en": "Market", "weight": 1, "scale_min": 0, "scale_max": 10}]},
    ])
    alpha = await application_in_review(program, manager, service, await create_startup(name_en="Alpha Vision", name_ko="알파 비전"))
    beta = await application_in_review(program, manager, service, await create_startup(name_en="=Beta Bio"))
    run = await reviews.open_round(program["id"], manager)
    inside = await internal_reviewer(name="Kim Insider")
    await on_panel(reviews, run["id"], manager, inside, affiliation="The Agency")
    outside, _member = await external_on_panel(reviews, run["id"], manager, affiliation="Seoul University")
    for made in (alpha, beta):
        for person in (inside, outside):
            assignment = await reviews.assign(run["id"], made["application"]["id"], person.id, manager)
            comment = "=HYPERLINK(\"http://evil\")" if person is outside and made is alpha else "Solid team."
            await review(reviews, assignment["id"], person, {"team": 4 if made is alpha else 2, "market": 8}, comment=comment)
    await reviews.close_round(run["id"], manager)
    return {"manager": manager, "program": program, "run": run, "alpha": alpha, "beta": beta, "inside": inside, "outside": outside,
            "service": service}


async def test_reviews_export_of_a_round(app: Litestar, client: AsyncClient) -> None:
    made = await reviewed_round(app)
    await login_as(client, {"id": made["manager"].id})
    base = f"/staff/exports/rounds/{made['run']['id']}/reviews"
    response = await client.get(f"{base}.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv") and "attachment" in response.headers["content-disposition"]
    rows = read_csv(response)
    assert rows[0] == ["Application", "Startup name (Korean)", "Startup name (English)", "Reviewer", "External or internal", "Affiliation",
                       "Team (1–5)", "Market (0–10)", "Total (0–100)", "Recommendation", "Comment", "Submitted at (Asia/Seoul)", "Link"]
    body = rows[1:]
    alpha_id, beta_id = made["alpha"]["application"]["id"], made["beta"]["application"]["id"]
    assert [int(r[0]) for r in body] == [alpha_id, alpha_id, beta_id, beta_id]
    by_kind = {(int(r[0]), r[4]): r for r in body}
    inside_row = by_kind[(alpha_id, "Internal")]
    assert inside_row[1:6] == ["알파 비전", "Alpha Vision", "Kim Insider", "Internal", "The Agency"]
    assert inside_row[6:8] == ["4", "8"] and float(inside_row[8]) > 0 and inside_row[9] == "Advance"
    assert inside_row[11].endswith("+09:00") and inside_row[12] == f"http://testserver.local/staff/applications/{alpha_id}"
    outside_row = by_kind[(alpha_id, "External")]
    assert outside_row[5] == "Seoul University" and outside_row[10] == "'=HYPERLINK(\"http://evil\")"  # stays text
    assert by_kind[(beta_id, "Internal")][2] == "'=Beta Bio"

    workbook = load_workbook(io.BytesIO((await client.get(f"{base}.xlsx")).content))
    sheet = workbook.active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Application" and len(values) == 5
    assert isinstance(values[1][6], int) and isinstance(values[1][8], float)  # numbers stay numbers
    assert any(v == "'=HYPERLINK(\"http://evil\")" for row in values for v in row)
    assert sheet.cell(row=2, column=13).hyperlink.target == f"http://testserver.local/staff/applications/{values[1][0]}"


async def test_decisions_export_of_a_program_and_of_a_round(app: Litestar, client: AsyncClient, settings: Settings) -> None:
    made = await reviewed_round(app)
    manager, service = made["manager"], made["service"]
    decisions = DecisionService(Notifier(build_environment(settings)), applications=service)
    awards = AwardService(None, applications=service)
    alpha_id, beta_id = made["alpha"]["application"]["id"], made["beta"]["application"]["id"]
    await decisions.determine(alpha_id, manager, "approved", conditions="Open an office in Busan.", feedback="+Great traction")
    await decisions.determine(beta_id, manager, "rejected", feedback="Team too small.")
    await awards.create(alpha_id, manager, amount=30_000_000)
    await login_as(client, {"id": manager.id})
    base = f"/staff/exports/programs/{made['program']['id']}/decisions"
    rows = read_csv(await client.get(f"{base}.csv"))
    assert rows[0] == ["Application", "Startup name (Korean)", "Startup name (English)", "Decision", "Conditions", "Feedback", "Decided by",
                       "Decided at (Asia/Seoul)", "Award amount", "Currency", "Link"]
    alpha, beta = rows[1], rows[2]
    assert int(alpha[0]) == alpha_id and alpha[3] == "Approved" and alpha[4] == "Open an office in Busan."
    assert alpha[5] == "'+Great traction" and alpha[8] == "30000000" and alpha[9] == "KRW"
    assert alpha[10] == f"http://testserver.local/staff/applications/{alpha_id}"
    assert int(beta[0]) == beta_id and beta[3] == "Rejected" and beta[8] == "" and beta[2] == "'=Beta Bio"
    round_rows = read_csv(await client.get(f"{base}.csv?round={made['run']['id']}"))
    assert len(round_rows) == 3
    assert (await client.get(f"{base}.csv?round=999999")).status_code == 404
    xlsx = load_workbook(io.BytesIO((await client.get(f"{base}.xlsx")).content)).active
    assert xlsx.cell(row=2, column=9).value == 30_000_000


@pytest.mark.parametrize("role", ["reviewer", "finance", "startup", None])
async def test_exports_are_for_program_managers_only(app: Litestar, client: AsyncClient, role: str | None) -> None:
    made = await reviewed_round(app)
    if role == "reviewer":
        await login_as(client, {"id": made["inside"].id})  # even a reviewer of that very round
    elif role == "startup":
        await login_as(client, {"id": made["alpha"]["viewer"].id})
    elif role:
        await login_as(client, await quick_user(roles=(role,)))
    for url in (f"/staff/exports/rounds/{made['run']['id']}/reviews.csv", f"/staff/exports/programs/{made['program']['id']}/decisions.xlsx"):
        response = await client.get(url)
        if role is None:
            assert response.status_code in (302, 303) and "/login" in response.headers["location"]
        else:
            assert response.status_code == 403, url
            assert "Alpha Vision" not in response.text
    await login_as(client, await quick_user(roles=("program_manager",)))
    assert (await client.get("/staff/exports/rounds/999999/reviews.csv")).status_code == 404
    assert (await client.get("/staff/exports/programs/999999/decisions.csv")).status_code == 404
