"""The reviews API under ``/api/v1``: round runs, panel, assignments, reviews, determinations,
objections, awards and tranches — the whole cycle, bad input named per field, permissions as
the services decide (404 naming nothing for what the caller may not see), the OpenAPI document,
and the issue-5 transition endpoint refusing decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from httpx import AsyncClient

from hubcity.db.tables import Application, Award, Determination, PanelMember, Review, ReviewAssignment
from hubcity.programs.services import ApplicationService
from hubcity.reviews.services import ReviewService
from tests.conftest import api_call
from tests.factories.corporates import login_as, quick_user
from tests.factories.programs import create_startup, staff_viewer
from tests.factories.reviews import DUE_YEAR, application_in_review, internal_reviewer, on_panel, program_with_rounds, word_similarity

API = "/api/v1"
SECRET = "Stealth Quantum Labs"


async def login(client: AsyncClient, viewer: Any) -> None:
    await login_as(client, {"id": viewer.id})


async def call(client: AsyncClient, method: str, path: str, body: Any = None, status: int = 200) -> Any:
    response = await api_call(client, method, f"{API}{path}", body)
    assert response.status_code == status, (method, path, response.status_code, response.text)
    return response.json()


def no_leak(response: Any) -> None:
    assert SECRET not in response.text


async def setup_round() -> dict[str, Any]:
    manager = await staff_viewer("program_manager")
    service = ApplicationService()
    program = await program_with_rounds(manager, budget=100_000_000, max_award=50_000_000)
    made = [await application_in_review(program, manager, service, await create_startup(name_en=name))
            for name in ("Alpha Vision", "Beta Bio", SECRET)]
    return {"manager": manager, "program": program, "made": made, "service": service}


async def test_the_whole_cycle_through_the_api(client: AsyncClient) -> None:
    s = await setup_round()
    manager, program = s["manager"], s["program"]
    alpha, beta, secret = (m["application"]["id"] for m in s["made"])
    await login(client, manager)

    # rounds
    run = await call(client, "POST", f"/programs/{program['id']}/rounds", status=201)
    assert run["status"] == "open" and run["participants"] == sorted([alpha, beta, secret]) and run["name"] == "Written review"
    assert [c["key"] for c in run["rubric"]] == ["team", "market"]
    again = await api_call(client, "POST", f"{API}/programs/{program['id']}/rounds")
    assert again.status_code == 409 and again.json()["error"] == "already_opened"
    assert [r["id"] for r in (await call(client, "GET", f"/programs/{program['id']}/rounds"))["items"]] == [run["id"]]

    # panel: an agency reviewer and an invited external one (the link is never in the answer)
    inside = await internal_reviewer(name="Kim Insider")
    member = await call(client, "POST", f"/rounds/{run['id']}/panel", {"user_id": inside.id, "affiliation": "The Agency"}, 201)
    assert member["external"] is False and member["user_id"] == inside.id
    invite = await api_call(client, "POST", f"{API}/rounds/{run['id']}/panel/invitations",
                            {"email": "expert@example.com", "affiliation": "Seoul University", "locale": "en"})
    assert invite.status_code == 201 and invite.json()["external"] is True and "token" not in invite.text
    bad_invite = await api_call(client, "POST", f"{API}/rounds/{run['id']}/panel/invitations", {"email": "nope", "affiliation": ""})
    assert bad_invite.status_code == 422 and {"email", "affiliation"} <= set(bad_invite.json()["fields"])
    panel = await call(client, "GET", f"/rounds/{run['id']}/panel")
    assert {m["email"] for m in panel["items"]} >= {"expert@example.com"}
    second = await internal_reviewer(name="Lee Second")
    await call(client, "POST", f"/rounds/{run['id']}/panel", {"user_id": second.id}, 201)
    for person in (inside, second):
        row = await PanelMember.select().where((PanelMember.user == person.id)).first().run()
        await ReviewService().accept_pledge(row["id"], person)

    # assignment by hand and automatically
    hand = await call(client, "POST", f"/rounds/{run['id']}/assignments", {"application_id": alpha, "reviewer_id": inside.id, "reason": "Vision AI"}, 201)
    assert hand["reason"] == "Vision AI" and hand["status"] == "assigned"
    plan = await call(client, "POST", f"/rounds/{run['id']}/auto-assign", {"minimum": 2})
    assert plan["shortfalls"] == [] and all(c["reason"] for c in plan["choices"])
    bad_plan = await api_call(client, "POST", f"{API}/rounds/{run['id']}/auto-assign", {"minimum": 0})
    assert bad_plan.status_code == 422 and "minimum" in bad_plan.json()["fields"]

    # the reviewers: mine, no conflict, a review (out-of-scale scores named), others hidden until mine is in
    await login(client, inside)
    mine = (await call(client, "GET", "/assignments"))["items"]
    assert {a["application_id"] for a in mine} == {alpha, beta, secret}
    by_app = {a["application_id"]: a for a in mine}
    early = await api_call(client, "POST", f"{API}/assignments/{by_app[alpha]['id']}/review", {"scores": {"team": 4, "market": 8}, "recommendation": "advance"})
    assert early.status_code == 409 and early.json()["error"] == "no_conflict_required"
    await call(client, "POST", f"/assignments/{by_app[alpha]['id']}/no-conflict")
    out_of_scale = await api_call(client, "POST", f"{API}/assignments/{by_app[alpha]['id']}/review",
                                  {"scores": {"team": 9, "market": 8}, "recommendation": "maybe"})
    assert out_of_scale.status_code == 422
    assert {"scores.team", "recommendation"} <= set(out_of_scale.json()["fields"])
    assert not await Review.exists().run()
    for field, body in {"scores": {"scores": [1], "recommendation": "advance"}, "extra": {"scores": {}, "recommendation": "advance", "extra": 1}}.items():
        wrong = await api_call(client, "POST", f"{API}/assignments/{by_app[alpha]['id']}/review", body)
        assert wrong.status_code == 422 and field in wrong.json()["fields"], wrong.text
    await login(client, second)
    theirs = {a["application_id"]: a for a in (await call(client, "GET", "/assignments"))["items"]}
    await call(client, "POST", f"/assignments/{theirs[alpha]['id']}/no-conflict")
    await call(client, "POST", f"/assignments/{theirs[alpha]['id']}/review", {"scores": {"team": 3, "market": 6}, "recommendation": "hold", "comment": "Fine."})
    await login(client, inside)
    hidden = await call(client, "GET", f"/rounds/{run['id']}/applications/{alpha}/reviews")
    assert hidden["others_hidden"] is True and hidden["items"] == []
    mine_review = await call(client, "POST", f"/assignments/{by_app[alpha]['id']}/review", {"scores": {"team": "4", "market": 8}, "recommendation": "advance"})
    assert mine_review["total"] > 0
    shown = await call(client, "GET", f"/rounds/{run['id']}/applications/{alpha}/reviews")
    assert shown["others_hidden"] is False and len(shown["items"]) == 2
    for person in (inside, second):
        await login(client, person)
        for a in (await call(client, "GET", "/assignments"))["items"]:
            if a["review_id"] is None:
                await call(client, "POST", f"/assignments/{a['id']}/no-conflict")
                score = 5 if a["application_id"] == beta else 2
                await call(client, "POST", f"/assignments/{a['id']}/review", {"scores": {"team": score, "market": 5}, "recommendation": "advance"})

    # staff: results, close, advance with a presentation slot
    await login(client, manager)
    results = await call(client, "GET", f"/rounds/{run['id']}/results")
    assert results["method"] == "trimmed_mean" and {r["application_id"] for r in results["rows"]} == {alpha, beta, secret}
    assert results["missing"] == []
    early_advance = await api_call(client, "POST", f"{API}/rounds/{run['id']}/advance")
    assert early_advance.status_code == 409 and early_advance.json()["error"] == "round_open"
    closed = await call(client, "POST", f"/rounds/{run['id']}/close")
    assert closed["status"] == "closed"
    bad_slots = await api_call(client, "POST", f"{API}/rounds/{run['id']}/advance", {"slots": [{"application": alpha, "starts_at": "tomorrow"}]})
    assert bad_slots.status_code == 422 and "slots[0]" in bad_slots.json()["fields"]
    starts = datetime.now(UTC) + timedelta(days=3)
    advancing = results["advancing"]
    nxt = await call(client, "POST", f"/rounds/{run['id']}/advance", {"slots": [
        {"application": advancing[0], "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(minutes=20)).isoformat(), "location": "Hall A"}]}, 201)
    assert nxt["round_order"] == 2 and sorted(nxt["participants"]) == sorted(advancing)
    await call(client, "POST", f"/rounds/{nxt['id']}/close")
    statuses = {r["id"]: r["status"] for r in await Application.select(Application.id, Application.status).run()}
    assert set(statuses.values()) == {"awaiting_decision"}

    # determinations: single and bulk (mixed)
    decided = await call(client, "POST", f"/applications/{alpha}/determination",
                         {"outcome": "approved", "conditions": "Open an office in Busan.", "feedback": "Strong."}, 201)
    assert decided["outcome_label"] == "Approved" and "Busan" in decided["message"]
    bulk = await call(client, "POST", "/determinations/bulk", {"application_ids": [beta, alpha, secret], "outcome": "rejected", "feedback": "Not this year."})
    rows = {r["application_id"]: r for r in bulk["items"]}
    assert bulk["done"] == 2 and bulk["failed"] == 1 and not rows[alpha]["ok"] and "Approved" in rows[alpha]["message"]
    assert rows[beta]["determination"]["feedback"] == "Not this year."
    stored = await Determination.select().where(Determination.application == beta).first().run()
    assert stored["message"] == rows[beta]["determination"]["message"]
    bad_bulk = await api_call(client, "POST", f"{API}/determinations/bulk", {"application_ids": "all", "outcome": "approved"})
    assert bad_bulk.status_code == 422 and "application_ids" in bad_bulk.json()["fields"]
    bad_outcome = await api_call(client, "POST", f"{API}/applications/{beta}/determination", {"outcome": "maybe", "conditions": "x"})
    assert bad_outcome.status_code == 422 and {"outcome", "conditions"} <= set(bad_outcome.json()["fields"])

    # objections: the startup lodges, staff answer
    beta_owner = s["made"][1]["viewer"]
    await login(client, beta_owner)
    current = await call(client, "GET", f"/applications/{beta}/determination")
    assert current["outcome"] == "rejected" and current["objection_open"] is True
    empty = await api_call(client, "POST", f"{API}/applications/{beta}/objections", {"text": " "})
    assert empty.status_code == 422 and "text" in empty.json()["fields"]
    objection = await call(client, "POST", f"/applications/{beta}/objections", {"text": "The panel missed our pilot."}, 201)
    forbidden = await api_call(client, "POST", f"{API}/objections/{objection['id']}/answer", {"answer": "No."})
    assert forbidden.status_code == 403
    await login(client, manager)
    bad_answer = await api_call(client, "POST", f"{API}/objections/{objection['id']}/answer", {"answer": "Ok", "uphold": "yes"})
    assert bad_answer.status_code == 422 and "uphold" in bad_answer.json()["fields"]
    answered = await call(client, "POST", f"/objections/{objection['id']}/answer", {"answer": "We will look again.", "uphold": True})
    assert answered["upheld"] is True
    assert (await Application.select(Application.status).where(Application.id == beta).first().run())["status"] == "awaiting_decision"

    # awards: over the maximum, then created; the startup accepts; report, acceptance, payment
    over = await api_call(client, "POST", f"{API}/applications/{alpha}/award", {"amount": 60_000_000})
    assert over.status_code == 422 and "maximum" in over.json()["fields"]["amount"]
    bad_tranches = await api_call(client, "POST", f"{API}/applications/{alpha}/award", {"amount": 30_000_000, "tranches": [1, 2]})
    assert bad_tranches.status_code == 422 and "tranches" in bad_tranches.json()["fields"]
    assert not await Award.exists().run()
    award = await call(client, "POST", f"/applications/{alpha}/award", {"amount": 30_000_000, "tranches": [
        {"amount": 20_000_000, "due_on": f"{DUE_YEAR}-01-31"}, {"amount": 10_000_000, "due_on": f"{DUE_YEAR}-06-30"}]}, 201)
    assert award["status"] == "agreement_pending" and [t["number"] for t in award["tranches"]] == [1, 2]
    award = await call(client, "PUT", f"/awards/{award['id']}/tranches", {"tranches": [{"amount": 30_000_000, "due_on": f"{DUE_YEAR}-02-28"}]})
    tranche = award["tranches"][0]
    alpha_owner = s["made"][0]["viewer"]
    await login(client, alpha_owner)
    assert (await call(client, "POST", f"/awards/{award['id']}/accept"))["status"] == "active"
    bad_file = await api_call(client, "POST", f"{API}/tranches/{tranche['id']}/report", {"text": "Done.", "file_id": 424242})
    assert bad_file.status_code == 422 and "file_id" in bad_file.json()["fields"]
    reported = await call(client, "POST", f"/tranches/{tranche['id']}/report", {"text": "Milestone 1 reached."})
    assert reported["report_submitted_at"] is not None
    finance = await staff_viewer("finance")
    await login(client, finance)
    early_pay = await api_call(client, "POST", f"{API}/tranches/{tranche['id']}/paid")
    assert early_pay.status_code == 409 and early_pay.json()["error"] == "report_not_accepted"
    await login(client, manager)
    assert (await call(client, "POST", f"/tranches/{tranche['id']}/accept-report"))["report_accepted_at"] is not None
    await login(client, finance)
    assert (await call(client, "POST", f"/tranches/{tranche['id']}/paid"))["paid_at"] is not None
    assert (await call(client, "GET", f"/awards/{award['id']}"))["status"] == "completed"


async def test_permissions_and_no_leaks(client: AsyncClient) -> None:
    s = await setup_round()
    manager, program = s["manager"], s["program"]
    alpha, _beta, secret = (m["application"]["id"] for m in s["made"])
    reviews = ReviewService(similarity=word_similarity, applications=s["service"])
    run = await reviews.open_round(program["id"], manager)
    person = await internal_reviewer()
    await on_panel(reviews, run["id"], manager, person)
    assignment = await reviews.assign(run["id"], alpha, person.id, manager)
    outsider = await internal_reviewer()

    # anonymous: 401
    assert (await api_call(client, "GET", f"{API}/assignments")).status_code == 401
    # a startup runs nothing and sees no other startup's decision
    await login(client, s["made"][0]["viewer"])
    for method, path in (("GET", f"/programs/{program['id']}/rounds"), ("POST", f"/programs/{program['id']}/rounds"),
                         ("GET", f"/rounds/{run['id']}/results"), ("POST", "/determinations/bulk")):
        response = await api_call(client, method, f"{API}{path}", {"application_ids": [secret], "outcome": "approved"} if "bulk" in path else None)
        assert response.status_code in (403, 404), (path, response.text)
        no_leak(response)
    response = await api_call(client, "GET", f"{API}/applications/{secret}/determination")
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    no_leak(response)
    # a reviewer sees only what is assigned to them (and not conflicted)
    await login(client, person)
    response = await api_call(client, "GET", f"{API}/rounds/{run['id']}/applications/{secret}/reviews")
    assert response.status_code == 404
    no_leak(response)
    not_yet = await api_call(client, "GET", f"{API}/rounds/{run['id']}/applications/{alpha}/reviews")
    assert not_yet.status_code == 404  # no conflict declared yet: nothing is shown
    await call(client, "POST", f"/assignments/{assignment['id']}/no-conflict")
    assert (await api_call(client, "GET", f"{API}/rounds/{run['id']}/applications/{alpha}/reviews")).status_code == 200
    assert (await api_call(client, "GET", f"{API}/rounds/{run['id']}/results")).status_code == 403
    # declaring a conflict withdraws the assignment; the application is then out of reach
    declared = await call(client, "POST", f"/assignments/{assignment['id']}/conflict", {"reason": "I advised them."})
    assert declared["withdrawn_assignment_id"] == assignment["id"]
    assert (await ReviewAssignment.select().where(ReviewAssignment.id == assignment["id"]).first().run())["status"] == "withdrawn"
    gone = await api_call(client, "GET", f"{API}/rounds/{run['id']}/applications/{alpha}/reviews")
    assert gone.status_code == 404
    # someone else's assignment is a 404, never a 403
    await login(client, outsider)
    for path in (f"/assignments/{assignment['id']}/no-conflict", f"/assignments/{assignment['id']}/review"):
        response = await api_call(client, "POST", f"{API}{path}", {"scores": {}, "recommendation": "hold"} if "review" in path else None)
        assert response.status_code == 404, path
    assert (await api_call(client, "GET", f"{API}/rounds/{run['id']}")).status_code == 404
    # finance pays, but does not decide
    await login_as(client, await quick_user(roles=("finance",)))
    response = await api_call(client, "POST", f"{API}/applications/{alpha}/determination", {"outcome": "approved"})
    assert response.status_code in (403, 404)


async def test_the_transition_endpoint_refuses_decisions(client: AsyncClient) -> None:
    s = await setup_round()
    manager = s["manager"]
    alpha = s["made"][0]["application"]["id"]
    await s["service"].system_transition(alpha, "awaiting_decision")
    await login(client, manager)
    for target in ("approved", "waitlisted", "rejected"):
        response = await api_call(client, "POST", f"{API}/applications/{alpha}/transition", {"to": target, "reason": "Because."})
        assert response.status_code == 409, response.text
        body = response.json()
        assert body["error"] == "decision_required" and f"/api/v1/applications/{alpha}/determination" in body["detail"]
    assert (await Application.select(Application.status).where(Application.id == alpha).first().run())["status"] == "awaiting_decision"
    assert not await Determination.exists().run()
    # a decision the table does not allow from here keeps the workflow's refusal, naming both statuses
    in_review = s["made"][1]["application"]["id"]
    skipped = await api_call(client, "POST", f"{API}/applications/{in_review}/transition", {"to": "approved"})
    assert skipped.status_code == 409 and "In review" in skipped.json()["detail"] and "Approved" in skipped.json()["detail"]
    # another startup's application stays a 404 (nothing said about it)
    await login(client, s["made"][1]["viewer"])
    response = await api_call(client, "POST", f"{API}/applications/{alpha}/transition", {"to": "approved"})
    assert response.status_code == 404
    # the determinations endpoint does it, with its message
    await login(client, manager)
    assert (await api_call(client, "POST", f"{API}/applications/{alpha}/determination", {"outcome": "approved"})).status_code == 201


async def test_the_openapi_document_lists_the_reviews_api(client: AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    expected = {
        "/api/v1/programs/{program_id}/rounds": {"get", "post"},
        "/api/v1/rounds/{run_id}": {"get"},
        "/api/v1/rounds/{run_id}/close": {"post"},
        "/api/v1/rounds/{run_id}/results": {"get"},
        "/api/v1/rounds/{run_id}/advance": {"post"},
        "/api/v1/rounds/{run_id}/panel": {"get", "post"},
        "/api/v1/rounds/{run_id}/panel/invitations": {"post"},
        "/api/v1/assignments": {"get"},
        "/api/v1/rounds/{run_id}/assignments": {"post"},
        "/api/v1/rounds/{run_id}/auto-assign": {"post"},
        "/api/v1/assignments/{assignment_id}/no-conflict": {"post"},
        "/api/v1/assignments/{assignment_id}/conflict": {"post"},
        "/api/v1/assignments/{assignment_id}/review": {"post"},
        "/api/v1/rounds/{run_id}/applications/{application_id}/reviews": {"get"},
        "/api/v1/applications/{application_id}/determination": {"get", "post"},
        "/api/v1/determinations/bulk": {"post"},
        "/api/v1/applications/{application_id}/objections": {"post"},
        "/api/v1/objections/{objection_id}/answer": {"post"},
        "/api/v1/applications/{application_id}/award": {"post"},
        "/api/v1/awards/{award_id}": {"get"},
        "/api/v1/awards/{award_id}/tranches": {"put"},
        "/api/v1/awards/{award_id}/accept": {"post"},
        "/api/v1/awards/{award_id}/decline": {"post"},
        "/api/v1/tranches/{tranche_id}/report": {"post"},
        "/api/v1/tranches/{tranche_id}/accept-report": {"post"},
        "/api/v1/tranches/{tranche_id}/paid": {"post"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))
    review_doc = paths["/api/v1/assignments/{assignment_id}/review"]["post"]
    assert "recommendation" in review_doc["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert "422" in review_doc["responses"]
    assert all(not p.startswith("/staff/") for p in paths)
