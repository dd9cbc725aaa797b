"""Adversarial tests of issue 6 (review rounds, panels, assignment, scorecards, determinations,
objections, awards, tranches): bad input, wrong users, replays and races on every form, page and
API endpoint of the reviews domain.

A 500 is always a defect. A refusal of bad input is a 422 naming the field and the rule; a state
conflict a 409 (the API says which rule in ``error``); what the viewer may not see a 404 that
names nothing; a missing CSRF token a 403. Nothing already saved is lost: the rows are read again
after the cases. Each test builds its world once and loops over its cases.
"""

from __future__ import annotations

import asyncio
import csv
import functools
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from httpx import AsyncClient
from litestar import Litestar

from hubcity.config.settings import Settings
from hubcity.core.clock import utcnow
from hubcity.core.notify import Notifier
from hubcity.core.templating import build_environment
from hubcity.db.tables import (
    Application,
    AuditEntry,
    Award,
    Determination,
    Objection,
    PanelMember,
    Review,
    ReviewAssignment,
    ReviewRoundRun,
    Tranche,
)
from hubcity.programs.services import ApplicationService
from hubcity.reviews.repositories import AwardRepository, ReviewRepository
from hubcity.reviews.services import AwardService, DecisionService, ReviewService
from tests.conftest import api_call, csrf_token, open_client, post_form
from tests.factories import accounts as accounts_factory
from tests.factories.corporates import login_route, quick_user, seed_taxonomy
from tests.factories.programs import staff_viewer
from tests.factories.reviews import ROUNDS, application_in_review, internal_reviewer, on_panel, program_with_rounds, word_similarity
from tests.integration.adversarial.test_programs_attacks import BIG, login

API = "/api/v1"
URL = "http://testserver.local"
SECRET = "Stealth Quantum Labs"
ONE_ROUND = [ROUNDS[0]]  # team 1..5 (weight 2), market 0..10


@pytest.fixture
async def client(app: Litestar, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[AsyncClient]:
    """The app's client with the test login route and the taxonomy. The factories' users get a
    password hash computed once (argon2 per user made each world take seconds)."""
    monkeypatch.setattr(accounts_factory, "hash_password", functools.lru_cache(maxsize=8)(accounts_factory.hash_password))
    app.register(login_route)
    await seed_taxonomy()
    async with open_client(app, index_before_requests=False) as test_client:  # no search index in this domain
        yield test_client


# -- helpers --------------------------------------------------------------------------------------


def services(settings: Settings) -> SimpleNamespace:
    """The services the app builds, on one notifier (to set worlds up quickly)."""
    notifier = Notifier(build_environment(settings))
    apps = ApplicationService(notifier, URL)
    return SimpleNamespace(
        apps=apps, reviews=ReviewService(notifier, URL, similarity=word_similarity, applications=apps),
        decisions=DecisionService(notifier, URL, applications=apps), awards=AwardService(notifier, URL, applications=apps),
    )


def day(offset: int) -> str:
    """The ISO date ``offset`` days from today (UTC)."""
    return (utcnow().date() + timedelta(days=offset)).isoformat()


def check(response: Any, status: int, case: Any, field: str | None = None, error: str | None = None) -> None:
    """``response`` has ``status`` (and, from the API, names ``field`` / the rule ``error``); never a leak.
    A body that is not a JSON object (``field`` "body") cannot be read at all: 400 ``invalid_request``."""
    if field == "body":
        status, field, error = 400, None, "invalid_request"
    assert response.status_code == status, (case, response.status_code, response.text[:400])
    assert SECRET not in response.text, case
    if field is not None:
        fields = response.json().get("fields") or {}
        assert field in fields, (case, fields)
        assert fields[field], (case, fields)
    if error is not None:
        assert response.json()["error"] == error, (case, response.json())


async def raw_json(client: AsyncClient, method: str, url: str, body: str) -> Any:
    """A JSON body sent as typed (numbers JSON cannot hold, NaN, …)."""
    headers = {"content-type": "application/json", "accept": "application/json", "x-csrftoken": await csrf_token(client)}
    return await client.request(method, url, content=body, headers=headers)


async def rows(table: Any) -> list[dict[str, Any]]:
    """Every row of ``table`` by id (to compare before and after the cases)."""
    return await table.select().order_by(table.id).run()


async def review_world(settings: Settings) -> dict[str, Any]:
    """Program A (one written round, open) with three applications in review and three internal
    reviewers on its panel: ``inside`` (pledge accepted, assigned to the first application, no
    conflict declared: ready to review), ``second`` (pledge accepted, assigned to the first, no
    declaration yet) and ``unpledged`` (assigned to the second). Program B (titled SECRET) with one
    application in its own open round."""
    s = services(settings)
    manager = await staff_viewer()
    program = await program_with_rounds(manager, rounds=ONE_ROUND)
    made = [await application_in_review(program, manager, s.apps, name_en=f"Startup {i}") for i in range(3)]
    run = await s.reviews.open_round(program["id"], manager)
    other = await program_with_rounds(manager, rounds=ONE_ROUND, title_en=SECRET)
    other_made = await application_in_review(other, manager, s.apps, name_en=SECRET)
    other_run = await s.reviews.open_round(other["id"], manager)
    inside, second, unpledged = [await internal_reviewer(name=n) for n in ("Kim Inside", "Lee Second", "Park Unpledged")]
    members = {}
    for person in (inside, second, unpledged):
        members[person.id] = await on_panel(s.reviews, run["id"], manager, person, affiliation="The Agency", pledge=person is not unpledged)
    ids = [m["application"]["id"] for m in made]
    ready = await s.reviews.assign(run["id"], ids[0], inside.id, manager)
    await s.reviews.declare_no_conflict(ready["id"], inside)
    undeclared = await s.reviews.assign(run["id"], ids[0], second.id, manager)
    no_pledge = await s.reviews.assign(run["id"], ids[1], unpledged.id, manager)
    return {"s": s, "manager": manager, "program": program, "made": made, "ids": ids, "run": run, "other": other,
            "other_app": other_made["application"]["id"], "other_run": other_run, "inside": inside, "second": second,
            "unpledged": unpledged, "members": members, "ready": ready, "undeclared": undeclared, "no_pledge": no_pledge}


async def award_world(settings: Settings) -> dict[str, Any]:
    """Program A (budget 60,000,000, maximum award 50,000,000; its one round closed): the first
    application approved with an award of 30,000,000 in two tranches (agreement pending), the
    second approved without an award, the third awaiting a decision. Program B (titled SECRET):
    one application approved with an award of 10,000,000 in one tranche. A finance user."""
    s = services(settings)
    manager = await staff_viewer()
    program = await program_with_rounds(manager, rounds=ONE_ROUND, budget=60_000_000, max_award=50_000_000)
    made = [await application_in_review(program, manager, s.apps, name_en=f"Startup {i}") for i in range(3)]
    run = await s.reviews.open_round(program["id"], manager)
    await s.reviews.close_round(run["id"], manager)
    ids = [m["application"]["id"] for m in made]
    for app_id in ids[:2]:
        await s.decisions.determine(app_id, manager, "approved", feedback="Good.")
    award = await s.awards.create(ids[0], manager, amount=30_000_000, tranches=[
        {"amount": 20_000_000, "due_on": day(60)}, {"amount": 10_000_000, "due_on": day(120)}])
    other = await program_with_rounds(manager, rounds=ONE_ROUND, title_en=SECRET)
    other_made = await application_in_review(other, manager, s.apps, name_en=SECRET)
    other_run = await s.reviews.open_round(other["id"], manager)
    await s.reviews.close_round(other_run["id"], manager)
    await s.decisions.determine(other_made["application"]["id"], manager, "approved")
    other_award = await s.awards.create(other_made["application"]["id"], manager, amount=10_000_000,
                                        tranches=[{"amount": 10_000_000, "due_on": day(30)}])
    return {"s": s, "manager": manager, "program": program, "made": made, "ids": ids, "run": run, "award": award,
            "tranches": [t["id"] for t in award["tranches"]], "other": other, "other_made": other_made,
            "other_app": other_made["application"]["id"], "other_run": other_run, "other_award": other_award,
            "other_tranche": other_award["tranches"][0]["id"], "finance": await staff_viewer("finance")}


# -- ids that cannot name a row ---------------------------------------------------------------------


async def test_ids_that_name_no_row_are_404_on_every_page_and_endpoint(client: AsyncClient) -> None:
    """Huge (over PostgreSQL's integer), negative and zero ids in every route of the domain."""
    await login(client, await staff_viewer("admin"))
    gets = [
        f"/staff/programs/{BIG}/review-rounds", f"/staff/rounds/{BIG}/results", f"/staff/rounds/{BIG}/panel",
        f"/staff/rounds/{BIG}/assignments", f"/staff/applications/{BIG}/decision", f"/staff/programs/{BIG}/objections",
        f"/staff/applications/{BIG}/award", f"/applications/{BIG}/decision", f"/applications/{BIG}/award",
        f"/reviewer/applications/{BIG}", f"/reviewer/applications/1/files/{BIG}", f"/reviewer/panels/{BIG}/pledge",
        f"/staff/exports/rounds/{BIG}/reviews.csv", f"/staff/exports/rounds/{BIG}/reviews.xlsx",
        f"/staff/exports/programs/{BIG}/decisions.csv", f"/staff/exports/programs/{BIG}/decisions.xlsx",
        f"{API}/programs/{BIG}/rounds", f"{API}/rounds/{BIG}", f"{API}/rounds/{BIG}/results", f"{API}/rounds/{BIG}/panel",
        f"{API}/rounds/1/applications/{BIG}/reviews", f"{API}/rounds/{BIG}/applications/1/reviews",
        f"{API}/applications/{BIG}/determination", f"{API}/awards/{BIG}", f"{API}/awards/-1", f"{API}/awards/0",
        "/staff/rounds/-1/results", "/staff/applications/0/award", "/reviewer/panels/-5/pledge",
    ]
    for url in gets:
        response = await client.get(url, headers={"accept": "application/json"} if url.startswith(API) else {})
        assert response.status_code == 404, (url, response.status_code)
    pages = [
        (f"/staff/programs/{BIG}/review-rounds/open", {}), (f"/staff/rounds/{BIG}/close", {}), (f"/staff/rounds/{BIG}/remind", {}),
        (f"/staff/rounds/{BIG}/advance", {}), (f"/staff/rounds/{BIG}/panel/add", {"user": "1"}),
        (f"/staff/rounds/{BIG}/panel/invite", {"email": "a@example.com", "affiliation": "X"}), (f"/staff/rounds/1/panel/{BIG}/remove", {}),
        (f"/staff/rounds/{BIG}/assignments", {"application": "1", "reviewer": "1"}), (f"/staff/rounds/{BIG}/assignments/auto", {"minimum": "2"}),
        (f"/staff/rounds/1/assignments/{BIG}/withdraw", {}), (f"/reviewer/panels/{BIG}/pledge", {"accept": "yes"}),
        (f"/reviewer/panels/{BIG}/expertise", {"text": "x"}), (f"/reviewer/assignments/{BIG}/no-conflict", {}),
        (f"/reviewer/assignments/{BIG}/conflict", {"reason": "x"}), (f"/reviewer/assignments/{BIG}/review", {"recommendation": "hold"}),
        (f"/reviewer/reviews/{BIG}/comments", {"text": "x"}), (f"/staff/applications/{BIG}/decision/preview", {"outcome": "approved"}),
        (f"/staff/applications/{BIG}/decision", {"outcome": "approved", "confirm": "yes"}), (f"/staff/objections/{BIG}/answer", {"answer": "x"}),
        (f"/applications/{BIG}/objection", {"text": "x"}), (f"/staff/applications/{BIG}/award", {"amount": "1"}),
        (f"/staff/awards/{BIG}/tranches", {}), (f"/staff/tranches/{BIG}/accept", {}), (f"/staff/tranches/{BIG}/paid", {}),
        (f"/awards/{BIG}/accept", {"confirm": "yes"}), (f"/awards/{BIG}/decline", {"confirm": "yes"}), (f"/tranches/{BIG}/report", {"report": "x"}),
        (f"/staff/queues/{BIG}/send-to-review", {}), ("/staff/rounds/-1/close", {}), ("/awards/0/accept", {"confirm": "yes"}),
    ]
    for url, data in pages:
        response = await post_form(client, url, data)
        assert response.status_code == 404, (url, response.status_code)
    calls = [
        ("POST", f"/programs/{BIG}/rounds", None), ("POST", f"/rounds/{BIG}/close", None), ("POST", f"/rounds/{BIG}/advance", None),
        ("POST", f"/rounds/{BIG}/panel", {"user_id": 1}), ("POST", f"/rounds/{BIG}/panel/invitations", {"email": "a@example.com", "affiliation": "X"}),
        ("POST", f"/rounds/{BIG}/assignments", {"application_id": 1, "reviewer_id": 1}), ("POST", f"/rounds/{BIG}/auto-assign", {"minimum": 2}),
        ("POST", f"/assignments/{BIG}/no-conflict", None), ("POST", f"/assignments/{BIG}/conflict", {"reason": "x"}),
        ("POST", f"/assignments/{BIG}/review", {"scores": {"team": 3}, "recommendation": "hold"}),
        ("POST", f"/applications/{BIG}/determination", {"outcome": "approved"}), ("POST", f"/applications/{BIG}/objections", {"text": "x"}),
        ("POST", f"/objections/{BIG}/answer", {"answer": "x"}), ("POST", f"/applications/{BIG}/award", {"amount": 1}),
        ("PUT", f"/awards/{BIG}/tranches", {"tranches": [{"amount": 1, "due_on": day(9)}]}), ("POST", f"/awards/{BIG}/accept", None),
        ("POST", f"/awards/{BIG}/decline", None), ("POST", f"/tranches/{BIG}/report", {"text": "x"}),
        ("POST", f"/tranches/{BIG}/accept-report", None), ("POST", f"/tranches/{BIG}/paid", None), ("POST", "/tranches/-1/paid", None),
    ]
    for method, path, body in calls:
        response = await api_call(client, method, f"{API}{path}", body)
        assert response.status_code == 404, (path, response.status_code, response.text[:200])


# -- scorecards --------------------------------------------------------------------------------------

GOOD = {"team": 4, "market": 7}
SCORECARDS: list[tuple[Any, str]] = [
    ({"scores": {"team": 6, "market": 5}, "recommendation": "advance"}, "scores.team"),
    ({"scores": {"team": 0, "market": 5}, "recommendation": "advance"}, "scores.team"),
    ({"scores": {"team": -1, "market": 5}, "recommendation": "advance"}, "scores.team"),
    ({"scores": {"team": 10**30, "market": 5}, "recommendation": "advance"}, "scores.team"),
    ({"scores": {"team": -(10**30), "market": 5}, "recommendation": "advance"}, "scores.team"),
    ({"scores": {"team": 5.0001, "market": 5}, "recommendation": "advance"}, "scores.team"),
    ({"scores": {"team": 4, "market": 11}, "recommendation": "advance"}, "scores.market"),
    ({"scores": {"team": 4, "market": -0.5}, "recommendation": "advance"}, "scores.market"),
    ({"scores": {"team": "NaN", "market": 5}, "recommendation": "hold"}, "scores.team"),
    ({"scores": {"team": "nan", "market": 5}, "recommendation": "hold"}, "scores.team"),
    ({"scores": {"team": "Infinity", "market": 5}, "recommendation": "hold"}, "scores.team"),
    ({"scores": {"team": "-inf", "market": 5}, "recommendation": "hold"}, "scores.team"),
    ({"scores": {"team": "1e999", "market": 5}, "recommendation": "hold"}, "scores.team"),
    ({"scores": {"team": "", "market": 5}, "recommendation": "hold"}, "scores.team"),
    ({"scores": {"team": "   ", "market": 5}, "recommendation": "hold"}, "scores.team"),
    ({"scores": {"team": "four", "market": 5}, "recommendation": "hold"}, "scores.team"),
    ({"scores": {"team": "²", "market": 5}, "recommendation": "hold"}, "scores.team"),
    ({"scores": {"team": "4/5", "market": 5}, "recommendation": "hold"}, "scores.team"),
    ({"scores": {"team": True, "market": 5}, "recommendation": "hold"}, "scores.team"),
    ({"scores": {"team": None, "market": 5}, "recommendation": "hold"}, "scores.team"),
    ({"scores": {"team": [4], "market": 5}, "recommendation": "hold"}, "scores.team"),
    ({"scores": {"team": {"value": 4}, "market": 5}, "recommendation": "hold"}, "scores.team"),
    ({"scores": {"team": 4}, "recommendation": "hold"}, "scores.market"),
    ({"scores": {}, "recommendation": "hold"}, "scores.team"),
    ({"scores": {**GOOD, "vision": 3}, "recommendation": "hold"}, "scores"),
    ({"scores": {**GOOD, "": 3}, "recommendation": "hold"}, "scores"),
    ({"scores": {**GOOD, "x" * 5000: 3}, "recommendation": "hold"}, "scores"),
    ({"scores": {**GOOD, "pitch": 3}, "recommendation": "hold"}, "scores"),  # a criterion of another round
    ({"scores": [4, 7], "recommendation": "hold"}, "scores"),
    ({"scores": "4,7", "recommendation": "hold"}, "scores"),
    ({"scores": None, "recommendation": "hold"}, "scores"),
    ({"scores": GOOD, "recommendation": "maybe"}, "recommendation"),
    ({"scores": GOOD, "recommendation": ""}, "recommendation"),
    ({"scores": GOOD, "recommendation": "ADVANCE"}, "recommendation"),
    ({"scores": GOOD, "recommendation": " advance"}, "recommendation"),
    ({"scores": GOOD, "recommendation": None}, "recommendation"),
    ({"scores": GOOD, "recommendation": ["advance"]}, "recommendation"),
    ({"scores": GOOD, "recommendation": 1}, "recommendation"),
    ({"scores": GOOD, "recommendation": "hold", "comment": "c" * 5001}, "comment"),
    ({"scores": GOOD, "recommendation": "hold", "comment": "a\x00b"}, "comment"),
    ({"scores": GOOD, "recommendation": "hold", "comment": "a\x1b[31mb"}, "comment"),
    ({"scores": GOOD, "recommendation": "hold", "comment": 5}, "comment"),
    ({"scores": GOOD, "recommendation": "hold", "comment": ["c"]}, "comment"),
    ({"recommendation": "hold"}, "scores"),
    ({"scores": GOOD}, "recommendation"),
    ({"scores": GOOD, "recommendation": "hold", "total": 100}, "total"),
    ({"scores": GOOD, "recommendation": "hold", "reviewer_id": 1}, "reviewer_id"),
    ([GOOD, "hold"], "body"),
    ("advance", "body"),
]


async def test_bad_scorecards_through_the_api_are_named_and_change_nothing(client: AsyncClient, settings: Settings) -> None:
    w = await review_world(settings)
    await login(client, w["inside"])
    url = f"{API}/assignments/{w['ready']['id']}/review"
    for body, field in SCORECARDS:
        check(await api_call(client, "POST", url, body), 422, body, field)
    for raw in ("1e999", "-1e999", "1" + "0" * 400, "NaN", "Infinity", "0x4", "04"):
        response = await raw_json(client, "POST", url, '{"scores": {"team": %s, "market": 5}, "recommendation": "hold"}' % raw)
        assert 400 <= response.status_code < 500, (raw, response.status_code)
    assert await Review.count() == 0
    assert (await ReviewAssignment.select().where(ReviewAssignment.id == w["ready"]["id"]).first().run())["status"] == "assigned"

    # numeric text is a number (Arabic-Indic digits too): the review is saved as numbers
    ok = await api_call(client, "POST", url, {"scores": {"team": "٣", "market": " 7.5 "}, "recommendation": "hold", "comment": "  Fine.  "})
    check(ok, 200, "numeric text")
    saved = await Review.select().first().output(load_json=True).run()
    assert saved["scores"] == {"team": 3, "market": 7.5} and saved["comment"] == "Fine." and saved["recommendation"] == "hold"
    # a saved review survives every bad change
    for body, field in SCORECARDS[::4]:
        check(await api_call(client, "POST", url, body), 422, ("after saving", body), field)
    again = await Review.select().first().output(load_json=True).run()
    assert again == saved
    assert await Review.count() == 1


PAGE_SCORECARDS: list[tuple[dict[str, str], str]] = [
    ({"score-team": "6", "score-market": "5", "recommendation": "advance"}, "from 1 to 5"),
    ({"score-team": "-1", "score-market": "5", "recommendation": "advance"}, "from 1 to 5"),
    ({"score-team": BIG, "score-market": "5", "recommendation": "advance"}, "from 1 to 5"),
    ({"score-team": "1e999", "score-market": "5", "recommendation": "advance"}, "from 1 to 5"),
    ({"score-team": "NaN", "score-market": "5", "recommendation": "advance"}, "from 1 to 5"),
    ({"score-team": "²", "score-market": "5", "recommendation": "advance"}, "from 1 to 5"),
    ({"score-team": "4", "score-market": "10.5", "recommendation": "advance"}, "from 0 to 10"),
    ({"score-team": "4", "score-market": "", "recommendation": "advance"}, "from 0 to 10"),
    ({"score-team": "4", "recommendation": "advance"}, "from 0 to 10"),
    ({"score-team": "4", "score-market": "5", "score-vision": "3", "recommendation": "advance"}, "not a criterion"),
    ({"score-team": "4", "score-market": "5", "recommendation": "maybe"}, "advance, hold or reject"),
    ({"score-team": "4", "score-market": "5"}, "advance, hold or reject"),
    ({"score-team": "4", "score-market": "5", "recommendation": "hold", "comment": "c" * 5001}, "at most 5000"),
    ({"score-team": "4", "score-market": "5", "recommendation": "hold", "comment": "a\x00b"}, "Comment"),
]


async def test_bad_scorecards_on_the_page_are_named_with_the_typed_values_kept(client: AsyncClient, settings: Settings) -> None:
    w = await review_world(settings)
    await login(client, w["inside"])
    url = f"/reviewer/assignments/{w['ready']['id']}/review"
    for data, words in PAGE_SCORECARDS:
        response = await post_form(client, url, data)
        assert response.status_code == 422, (data, response.status_code)
        assert words in response.text, (data, words)
    typed = await post_form(client, url, {"score-team": "4x", "score-market": "5", "recommendation": "hold", "comment": "Typed comment kept"})
    assert typed.status_code == 422 and "4x" in typed.text and "Typed comment kept" in typed.text
    assert await Review.count() == 0
    done = await post_form(client, url, {"score-team": "5", "score-market": "10", "recommendation": "advance", "comment": "Top."})
    assert done.status_code == 303, done.status_code
    before = await rows(Review)
    for data, _words in PAGE_SCORECARDS[::3]:
        assert (await post_form(client, url, data)).status_code == 422, data
    assert await rows(Review) == before


async def test_reviewing_out_of_turn_or_someone_elses_assignment_is_refused(client: AsyncClient, settings: Settings) -> None:
    w = await review_world(settings)
    body = {"scores": GOOD, "recommendation": "advance"}
    before = await rows(ReviewAssignment)
    # before declaring no conflict, before the pledge
    await login(client, w["second"])
    check(await api_call(client, "POST", f"{API}/assignments/{w['undeclared']['id']}/review", body), 409, "undeclared", error="no_conflict_required")
    page = await post_form(client, f"/reviewer/assignments/{w['undeclared']['id']}/review", {"score-team": "4", "score-market": "7", "recommendation": "hold"})
    assert page.status_code == 409, page.status_code
    await login(client, w["unpledged"])
    check(await api_call(client, "POST", f"{API}/assignments/{w['no_pledge']['id']}/review", body), 409, "unpledged", error="pledge_required")
    check(await api_call(client, "POST", f"{API}/assignments/{w['no_pledge']['id']}/no-conflict"), 409, "unpledged", error="pledge_required")
    opened = await client.get(f"/reviewer/applications/{w['ids'][1]}")
    assert opened.status_code in (303, 404) or "Startup 1" not in opened.text, opened.status_code
    # someone else's assignment, another program's application, a round of another program
    await login(client, w["second"])
    for path, payload in ((f"/assignments/{w['ready']['id']}/review", body), (f"/assignments/{w['ready']['id']}/no-conflict", None),
                          (f"/assignments/{w['ready']['id']}/conflict", {"reason": "mine now"})):
        check(await api_call(client, "POST", f"{API}{path}", payload), 404, path)
    for path in (f"/reviewer/assignments/{w['ready']['id']}/review", f"/reviewer/assignments/{w['ready']['id']}/no-conflict",
                 f"/reviewer/assignments/{w['ready']['id']}/conflict"):
        assert (await post_form(client, path, {"reason": "x", "recommendation": "hold"})).status_code == 404, path
    await login(client, w["inside"])
    for path in (f"/rounds/{w['run']['id']}/applications/{w['other_app']}/reviews", f"/rounds/{w['other_run']['id']}/applications/{w['ids'][0]}/reviews",
                 f"/rounds/{w['other_run']['id']}/applications/{w['other_app']}/reviews", f"/rounds/{w['other_run']['id']}"):
        check(await client.get(f"{API}{path}", headers={"accept": "application/json"}), 404, path)
    for url in (f"/reviewer/applications/{w['other_app']}", f"/reviewer/applications/{w['ids'][2]}"):
        check(await client.get(url), 404, url)
    # staff: a round of program A with an application of program B names nothing
    await login(client, w["manager"])
    check(await client.get(f"{API}/rounds/{w['run']['id']}/applications/{w['other_app']}/reviews", headers={"accept": "application/json"}),
          404, "round A, application B")
    assert await rows(ReviewAssignment) == before
    assert await Review.count() == 0
    # a closed round takes no review
    await w["s"].reviews.close_round(w["run"]["id"], w["manager"])
    await login(client, w["inside"])
    check(await api_call(client, "POST", f"{API}/assignments/{w['ready']['id']}/review", body), 409, "closed", error="round_closed")
    assert await Review.count() == 0


async def test_a_review_sent_twice_or_in_a_race_is_stored_once(client: AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    w = await review_world(settings)
    await login(client, w["inside"])
    url = f"{API}/assignments/{w['ready']['id']}/review"
    first = {"scores": {"team": 5, "market": 9}, "recommendation": "advance", "comment": "First."}
    check(await api_call(client, "POST", url, first), 200, "first")
    check(await api_call(client, "POST", url, first), 200, "the same again (a double click)")
    assert await Review.count() == 1
    saved = await Review.select().first().output(load_json=True).run()

    # the race: the second request read "no review yet" before the first one was written
    real = ReviewRepository.review_of_assignment
    seen = {"calls": 0}

    async def stale(self: ReviewRepository, assignment_id: int) -> Any:
        seen["calls"] += 1
        return None if seen["calls"] == 1 else await real(self, assignment_id)

    monkeypatch.setattr(ReviewRepository, "review_of_assignment", stale)
    raced = await api_call(client, "POST", url, {"scores": {"team": 1, "market": 0}, "recommendation": "reject", "comment": "Second."})
    monkeypatch.setattr(ReviewRepository, "review_of_assignment", real)
    check(raced, 409, "raced")
    assert await Review.count() == 1
    assert await Review.select().first().output(load_json=True).run() == saved

    # two submissions at the same moment through the app (the second reviewer, after declaring)
    await login(client, w["second"])
    check(await api_call(client, "POST", f"{API}/assignments/{w['undeclared']['id']}/no-conflict"), 200, "declare")
    twins = await asyncio.gather(*(api_call(client, "POST", f"{API}/assignments/{w['undeclared']['id']}/review",
                                            {"scores": GOOD, "recommendation": "hold", "comment": f"Twin {i}"}) for i in range(2)))
    statuses = sorted(r.status_code for r in twins)
    assert statuses in ([200, 200], [200, 409]), statuses
    mine = await Review.select().where(Review.assignment == w["undeclared"]["id"]).run()
    assert len(mine) == 1 and mine[0]["comment"] in ("Twin 0", "Twin 1")


# -- panels, invitations, assignment -------------------------------------------------------------------


async def test_bad_panel_and_assignment_input_is_named_and_changes_nothing(client: AsyncClient, settings: Settings) -> None:
    w = await review_world(settings)
    run_id = w["run"]["id"]
    startup_owner = w["made"][0]["viewer"]
    await login(client, w["manager"])
    members_before, assignments_before = await rows(PanelMember), await rows(ReviewAssignment)
    panel = f"{API}/rounds/{run_id}/panel"
    for body, field in (
        ({"user_id": int(BIG)}, "user_id"), ({"user_id": 2**31}, "user_id"), ({"user_id": -1}, "user_id"), ({"user_id": 0}, "user_id"),
        ({"user_id": "1"}, "user_id"), ({"user_id": 1.5}, "user_id"), ({"user_id": True}, "user_id"), ({"user_id": None}, "user_id"),
        ({}, "user_id"), ({"user_id": startup_owner.id}, "user"), ({"user_id": w["second"].id, "affiliation": "a" * 201}, "affiliation"),
        ({"user_id": w["second"].id, "affiliation": 5}, "affiliation"), ({"user_id": w["second"].id, "role": "admin"}, "role"), ([1], "body"),
    ):
        check(await api_call(client, "POST", panel, body), 422, body, field)
    check(await api_call(client, "POST", panel, {"user_id": w["second"].id}), 409, "already on the panel")
    check(await api_call(client, "POST", panel, {"user_id": 2**31 - 1}), 404, "no such user")
    invite = f"{API}/rounds/{run_id}/panel/invitations"
    for body, field in (
        ({"email": "nope", "affiliation": "Uni"}, "email"), ({"email": "", "affiliation": "Uni"}, "email"),
        ({"email": "a b@example.com", "affiliation": "Uni"}, "email"), ({"email": "x" * 400 + "@example.com", "affiliation": "Uni"}, "email"),
        ({"email": ["a@example.com"], "affiliation": "Uni"}, "email"), ({"email": "a@example.com", "affiliation": ""}, "affiliation"),
        ({"email": "a@example.com", "affiliation": "   "}, "affiliation"), ({"email": "a@example.com", "affiliation": "u" * 201}, "affiliation"),
        ({"email": "a@example.com", "affiliation": "Uni\x00"}, "affiliation"), ({"email": "a@example.com", "affiliation": "Uni", "name": "n" * 101}, "name"),
        ({"email": "a@example.com", "affiliation": "Uni", "locale": "fr"}, "locale"), ({"email": "a@example.com", "affiliation": "Uni", "locale": 5}, "locale"),
        ({"email": "a@example.com\r\nBcc: x@evil.example", "affiliation": "Uni"}, "email"), ({"affiliation": "Uni"}, "email"),
    ):
        check(await api_call(client, "POST", invite, body), 422, body, field)
    assert await rows(PanelMember) == members_before
    check(await api_call(client, "POST", invite, {"email": "Expert@Example.com", "affiliation": "Uni"}), 201, "invite")
    check(await api_call(client, "POST", invite, {"email": "expert@example.com ", "affiliation": "Uni"}), 409, "invited twice")
    assert await PanelMember.count() == len(members_before) + 1

    assign = f"{API}/rounds/{run_id}/assignments"
    ids = w["ids"]
    for body, field in (
        ({"application_id": "1", "reviewer_id": w["inside"].id}, "application_id"), ({"application_id": ids[1], "reviewer_id": int(BIG)}, "reviewer_id"),
        ({"application_id": -1, "reviewer_id": w["inside"].id}, "application_id"), ({"application_id": ids[1]}, "reviewer_id"),
        ({"application_id": ids[1], "reviewer_id": w["inside"].id, "reason": "r" * 2001}, "reason"),
        ({"application_id": ids[1], "reviewer_id": w["inside"].id, "reason": 7}, "reason"),
        ({"application_id": [ids[1]], "reviewer_id": w["inside"].id}, "application_id"),
    ):
        check(await api_call(client, "POST", assign, body), 422, body, field)
    check(await api_call(client, "POST", assign, {"application_id": w["other_app"], "reviewer_id": w["inside"].id}), 404, "IDOR: B's application in A's round")
    check(await api_call(client, "POST", f"{API}/rounds/{w['other_run']['id']}/assignments", {"application_id": ids[1], "reviewer_id": w["inside"].id}),
          404, "IDOR: A's application in B's round")
    check(await api_call(client, "POST", assign, {"application_id": ids[1], "reviewer_id": startup_owner.id}), 404, "not on the panel")
    check(await api_call(client, "POST", assign, {"application_id": ids[0], "reviewer_id": w["inside"].id}), 409, "assigned twice")
    auto = f"{API}/rounds/{run_id}/auto-assign"
    for body, field in (
        ({"minimum": 0}, "minimum"), ({"minimum": 21}, "minimum"), ({"minimum": -1}, "minimum"), ({"minimum": 10**30}, "minimum"),
        ({"minimum": "2"}, "minimum"), ({"minimum": 2.5}, "minimum"), ({"minimum": True}, "minimum"), ({"minimum": None}, "minimum"),
        ({"minimum": 2, "max_load": 0}, "max_load"), ({"minimum": 2, "max_load": -1}, "max_load"), ({"minimum": 2, "max_load": "3"}, "max_load"),
        ({"minimum": 2, "max_load": 1.5}, "max_load"), ({"minimum": 2, "max_load": False}, "max_load"), ({"every": 1}, "every"),
    ):
        check(await api_call(client, "POST", auto, body), 422, body, field)
    for raw in ('{"minimum": 1e999}', '{"minimum": NaN}', '{"minimum": 2, "max_load": 1e400}'):
        response = await raw_json(client, "POST", auto, raw)
        assert 400 <= response.status_code < 500, (raw, response.status_code)
    assert await rows(ReviewAssignment) == assignments_before

    # the staff pages of the panel and the assignments
    for data in ({"user": "abc"}, {"user": ""}, {"user": BIG}, {"user": "-1"}, {"user": "²"}, {"user": "1.0"},
                 {"user": str(w["second"].id), "affiliation": "a" * 201}, {"user": str(startup_owner.id)}, {"user": "2147483647"}):
        response = await post_form(client, f"/staff/rounds/{run_id}/panel/add", data)
        assert response.status_code in (409, 422), (data, response.status_code)
    for data in ({"email": "nope", "affiliation": "Uni"}, {"email": "b@example.com", "affiliation": ""},
                 {"email": "b@example.com", "affiliation": "Uni", "name": "n" * 101}, {"email": "b@example.com", "affiliation": "Uni", "locale": "xx"}):
        response = await post_form(client, f"/staff/rounds/{run_id}/panel/invite", data)
        assert response.status_code == 422, (data, response.status_code)
    for data in ({"application": "abc", "reviewer": str(w["inside"].id)}, {"application": BIG, "reviewer": str(w["inside"].id)},
                 {"application": "", "reviewer": ""}, {"application": str(ids[1]), "reviewer": "-3"},
                 {"application": str(ids[1]), "reviewer": str(w["inside"].id), "reason": "r" * 2001},
                 {"application": str(w["other_app"]), "reviewer": str(w["inside"].id)}):
        response = await post_form(client, f"/staff/rounds/{run_id}/assignments", data)
        assert response.status_code == 422, (data, response.status_code)
    for data in ({"minimum": "abc"}, {"minimum": "0"}, {"minimum": "²"}, {"minimum": BIG}, {"minimum": "1e3"}, {"minimum": "-2"},
                 {"minimum": "2", "max_load": "-1"}, {"minimum": "2", "max_load": "x"}, {"minimum": "2", "max_load": "0"}):
        response = await post_form(client, f"/staff/rounds/{run_id}/assignments/auto", data)
        assert response.status_code == 422, (data, response.status_code)
    other_assignment = await w["s"].reviews.assign(w["other_run"]["id"], w["other_app"], (await on_panel(
        w["s"].reviews, w["other_run"]["id"], w["manager"], w["inside"]))["user"], w["manager"])
    response = await post_form(client, f"/staff/rounds/{run_id}/assignments/{other_assignment['id']}/withdraw", {})
    assert response.status_code == 404, "IDOR: withdrawing B's assignment through A's round"
    assert (await ReviewAssignment.select().where(ReviewAssignment.id == other_assignment["id"]).first().run())["status"] == "assigned"
    after = await rows(ReviewAssignment)
    assert after[: len(assignments_before)] == assignments_before

    # the reviewer's own forms: conflict reasons, expertise, comments
    await login(client, w["inside"])
    conflict = f"{API}/assignments/{w['ready']['id']}/conflict"
    for body, field in (({"reason": "r" * 2001}, "reason"), ({"reason": "a\x00b"}, "reason"), ({"reason": 5}, "reason"), ({"why": "x"}, "why")):
        check(await api_call(client, "POST", conflict, body), 422, body, field)
    member_id = w["members"][w["inside"].id]["id"]
    for data in ({"text": "t" * 2001}, {"tags": [f"t{i}" for i in range(21)]}, {"tags": "x" * 65}, {"text": "a\x00b"}):
        response = await post_form(client, f"/reviewer/panels/{member_id}/expertise", data)
        assert response.status_code == 422, (data, response.status_code)
    assert (await post_form(client, f"/reviewer/panels/{w['members'][w['second'].id]['id']}/expertise", {"text": "mine"})).status_code == 404
    assert (await ReviewAssignment.select().where(ReviewAssignment.id == w["ready"]["id"]).first().run())["status"] == "assigned"


async def test_invitation_tokens_expired_reused_malformed_or_foreign(client: AsyncClient, settings: Settings) -> None:
    w = await review_world(settings)
    reviews = w["s"].reviews
    _member, token = await reviews.invite_external(w["run"]["id"], w["manager"], email="guest@example.com", affiliation="Seoul University")
    _old, expired = await reviews.invite_external(w["run"]["id"], w["manager"], email="late@example.com", affiliation="Busan University")
    await PanelMember.update({PanelMember.token_expires_at: utcnow() - timedelta(minutes=1)}).where(PanelMember.email == "late@example.com").run()
    _b, foreign = await reviews.invite_external(w["other_run"]["id"], w["manager"], email="guest-b@example.com", affiliation="KAIST")
    guest = await quick_user(name="Guest Reviewer")
    intruder = await quick_user(name="Intruder")
    await login(client, guest)
    for bad in ("x", "%00", "a" * 5000, "..%2F..%2Fetc%2Fpasswd", token[:-1], token.upper() if token.upper() != token else token + "x", "%20" + token):
        expected = (400, 404) if "%00" in bad else (404,)  # a NUL byte in the address: the server refuses to read it
        response = await client.get(f"/reviewer/invitations/{bad}")
        assert response.status_code in expected, (bad[:20], response.status_code)
        response = await post_form(client, f"/reviewer/invitations/{bad}/accept", {})
        assert response.status_code in expected, (bad[:20], response.status_code)
    assert (await client.get(f"/reviewer/invitations/{expired}")).status_code == 410
    assert (await post_form(client, f"/reviewer/invitations/{expired}/accept", {})).status_code == 410
    late = await PanelMember.select().where(PanelMember.email == "late@example.com").first().run()
    assert late["user"] is None and late["accepted_at"] is None
    signup = await post_form(client, f"/reviewer/invitations/{expired}/signup", {"name": "Late", "password": "x" * 20, "locale": "en"})
    assert signup.status_code == 410, signup.status_code
    # accepted once; reused by someone else; the same person again is harmless
    assert (await post_form(client, f"/reviewer/invitations/{token}/accept", {})).status_code == 303
    assert (await post_form(client, f"/reviewer/invitations/{token}/accept", {})).status_code == 303
    await login(client, intruder)
    assert (await client.get(f"/reviewer/invitations/{token}")).status_code == 409
    assert (await post_form(client, f"/reviewer/invitations/{token}/accept", {})).status_code == 409
    signup = await post_form(client, f"/reviewer/invitations/{token}/signup", {"name": "Intruder", "password": "x" * 20, "locale": "en"})
    assert signup.status_code == 409, signup.status_code
    guest_row = await PanelMember.select().where(PanelMember.email == "guest@example.com").first().run()
    assert guest_row["user"] == guest["id"]
    # a token of program B's panel gives nothing in program A's round
    assert (await post_form(client, f"/reviewer/invitations/{foreign}/accept", {})).status_code == 303
    check(await client.get(f"{API}/rounds/{w['run']['id']}", headers={"accept": "application/json"}), 404, "B's token, A's round")
    check(await client.get(f"{API}/rounds/{w['run']['id']}/applications/{w['ids'][0]}/reviews", headers={"accept": "application/json"}),
          404, "B's token, A's reviews")
    assert (await client.get(f"/reviewer/applications/{w['ids'][0]}")).status_code in (403, 404)


# -- advancing ---------------------------------------------------------------------------------------


async def test_advancing_with_junk_slots_is_refused(client: AsyncClient, settings: Settings) -> None:
    w = await award_world(settings)  # its round is closed and the last one
    await login(client, w["manager"])
    url = f"{API}/rounds/{w['run']['id']}/advance"
    app_id = w["ids"][0]
    for body, field in (
        ({"slots": "tomorrow"}, "slots"), ({"slots": {"application": app_id}}, "slots"), ({"slots": [1]}, "slots[0]"),
        ({"slots": [{"application": app_id, "starts_at": "tomorrow", "ends_at": "2099-01-01T10:00:00+09:00"}]}, "slots[0]"),
        ({"slots": [{"application": app_id, "starts_at": "2099-01-01T10:00:00", "ends_at": "2099-01-01T11:00:00"}]}, "slots[0]"),
        ({"slots": [{"application": app_id, "starts_at": "2099-02-30T10:00:00+09:00", "ends_at": "2099-03-01T10:00:00+09:00"}]}, "slots[0]"),
        ({"slots": [{"application": int(BIG), "starts_at": "2099-01-01T10:00:00+09:00", "ends_at": "2099-01-01T11:00:00+09:00"}]}, "slots[0]"),
        ({"slots": [{"application": "1", "starts_at": "2099-01-01T10:00:00+09:00", "ends_at": "2099-01-01T11:00:00+09:00"}]}, "slots[0]"),
        ({"slots": [{"application": app_id, "starts_at": "2099-01-01T10:00:00+09:00", "ends_at": "2099-01-01T11:00:00+09:00", "location": 5}]}, "slots[0]"),
        ({"slots": [{"application": app_id, "starts_at": "x" * 5000, "ends_at": "y"}]}, "slots[0]"),
        ({"slots": [{"application": app_id, "room": "A"}]}, "slots[0]"), ({"slots": [{}] * 501}, "slots"), ({"when": "now"}, "when"),
    ):
        check(await api_call(client, "POST", url, body), 422, str(body)[:80], field)
    slot = {"application": app_id, "starts_at": "9999-12-31T10:00:00+14:00", "ends_at": "9999-12-31T11:00:00+14:00"}
    check(await api_call(client, "POST", url, {"slots": [slot]}), 409, "the last round", error="last_round")
    page = await post_form(client, f"/staff/rounds/{w['run']['id']}/advance", {f"slot-{app_id}-starts_at": "junk"})
    assert page.status_code == 409, page.status_code
    assert await ReviewRoundRun.count() == 2
    check(await api_call(client, "POST", f"{API}/rounds/{w['run']['id']}/close"), 409, "closed twice", error="round_closed")
    assert (await post_form(client, f"/staff/rounds/{w['run']['id']}/close", {})).status_code == 409
    check(await api_call(client, "POST", f"{API}/programs/{w['program']['id']}/rounds"), 409, "opened twice", error="already_opened")


# -- determinations and objections -------------------------------------------------------------------


async def test_bad_determinations_single_and_bulk(client: AsyncClient, settings: Settings) -> None:
    w = await award_world(settings)
    waiting = w["ids"][2]
    await login(client, w["manager"])
    before = await rows(Determination)
    url = f"{API}/applications/{waiting}/determination"
    for body, field in (
        ({"outcome": "maybe"}, "outcome"), ({"outcome": ""}, "outcome"), ({"outcome": None}, "outcome"), ({"outcome": 5}, "outcome"),
        ({"outcome": ["approved"]}, "outcome"), ({"outcome": "APPROVED"}, "outcome"), ({"outcome": "in_review"}, "outcome"),
        ({"outcome": "awaiting_decision"}, "outcome"), ({}, "outcome"), ({"outcome": "rejected", "conditions": "Move to Busan."}, "conditions"),
        ({"outcome": "waitlisted", "conditions": "x"}, "conditions"), ({"outcome": "approved", "conditions": "c" * 5001}, "conditions"),
        ({"outcome": "rejected", "feedback": "f" * 10001}, "feedback"), ({"outcome": "rejected", "feedback": "a\x1bb"}, "feedback"),
        ({"outcome": "rejected", "feedback": 5}, "feedback"), ({"outcome": "approved", "decided_by": 1}, "decided_by"), ("approved", "body"),
    ):
        check(await api_call(client, "POST", url, body), 422, body, field)
    for data in ({"outcome": "maybe"}, {"outcome": ""}, {"outcome": "rejected", "conditions": "x"}, {"outcome": "approved", "conditions": "c" * 5001},
                 {"outcome": "rejected", "feedback": "a\x00b"}):
        for path in ("/decision/preview", "/decision"):
            response = await post_form(client, f"/staff/applications/{waiting}{path}", {**data, "confirm": "yes"})
            assert response.status_code == 422, (path, data, response.status_code)
    # decided already: the workflow table has no such move (409, both statuses named), nothing is superseded
    response = await api_call(client, "POST", f"{API}/applications/{w['ids'][0]}/determination", {"outcome": "rejected"})
    assert response.status_code == 409 and response.json()["error"] == "invalid_transition" and "Approved" in response.json()["detail"], response.text
    assert await rows(Determination) == before
    assert (await Application.select(Application.status).where(Application.id == waiting).first().run())["status"] == "awaiting_decision"

    bulk = f"{API}/determinations/bulk"
    for body, field in (
        ({"application_ids": "all", "outcome": "rejected"}, "application_ids"), ({"application_ids": [], "outcome": "rejected"}, "application_ids"),
        ({"application_ids": [waiting, int(BIG)], "outcome": "rejected"}, "application_ids"),
        ({"application_ids": [waiting, "x"], "outcome": "rejected"}, "application_ids"),
        ({"application_ids": [waiting, -1], "outcome": "rejected"}, "application_ids"),
        ({"application_ids": [True], "outcome": "rejected"}, "application_ids"), ({"application_ids": [1.5], "outcome": "rejected"}, "application_ids"),
        ({"application_ids": list(range(1, 202)), "outcome": "rejected"}, "application_ids"),
        ({"application_ids": [waiting], "outcome": "maybe"}, "outcome"), ({"application_ids": [waiting], "outcome": 3}, "outcome"),
        ({"application_ids": [waiting]}, "outcome"), ({"application_ids": [waiting], "outcome": "rejected", "feedback": "f" * 10001}, "feedback"),
    ):
        check(await api_call(client, "POST", bulk, body), 422, str(body)[:80], field)
    assert await rows(Determination) == before
    # valid, invalid (decided already), foreign (another program's) and missing ids in one go
    mixed = await api_call(client, "POST", bulk, {"application_ids": [w["ids"][0], 2**31 - 1, waiting, waiting, w["other_app"]],
                                                  "outcome": "waitlisted", "feedback": "Later."})
    check(mixed, 200, "mixed")
    result = {r["application_id"]: r for r in mixed.json()["items"]}
    assert list(result) == [w["ids"][0], 2**31 - 1, waiting, w["other_app"]]
    assert result[waiting]["ok"] and not result[w["ids"][0]]["ok"] and not result[2**31 - 1]["ok"] and not result[w["other_app"]]["ok"]
    assert all(r["message"] for r in result.values())
    assert mixed.json()["done"] == 1 and mixed.json()["failed"] == 3
    assert await Determination.count() == len(before) + 1
    assert [r for r in await rows(Determination) if r["id"] in {d["id"] for d in before}] == before


async def test_objections_after_the_window_twice_or_on_someone_elses_application(client: AsyncClient, settings: Settings) -> None:
    w = await award_world(settings)
    approved, waiting = w["ids"][1], w["ids"][2]
    owner, awarded_owner = w["made"][1]["viewer"], w["made"][0]["viewer"]
    url = f"{API}/applications/{approved}/objections"
    await login(client, owner)
    for body, field in (({"text": ""}, "text"), ({"text": "   "}, "text"), ({"text": "o" * 5001}, "text"), ({"text": "a\x00b"}, "text"),
                        ({"text": 5}, "text"), ({"text": ["x"]}, "text"), ({}, "text"), ({"text": "x", "upheld": True}, "upheld")):
        check(await api_call(client, "POST", url, body), 422, body, field)
    for data in ({"text": ""}, {"text": "o" * 5001}, {"text": "a\x00b"}):
        assert (await post_form(client, f"/applications/{approved}/objection", data)).status_code == 422, data
    assert await Objection.count() == 0
    check(await api_call(client, "POST", f"{API}/applications/{waiting}/objections", {"text": "Why?"}), 404, "someone else's application")
    check(await api_call(client, "POST", f"{API}/applications/{w['other_app']}/objections", {"text": "Why?"}), 404, "another program")
    lodged = await api_call(client, "POST", url, {"text": "The panel missed our pilot."})
    check(lodged, 201, "lodged")
    objection_id = lodged.json()["id"]
    check(await api_call(client, "POST", url, {"text": "Again!"}), 409, "twice")
    assert (await post_form(client, f"/applications/{approved}/objection", {"text": "Again!"})).status_code == 409
    check(await api_call(client, "POST", f"{API}/objections/{objection_id}/answer", {"answer": "I agree with myself.", "uphold": True}), 403, "own answer")
    await login(client, awarded_owner)
    check(await api_call(client, "POST", url, {"text": "Me too."}), 404, "another startup")
    # staff: bad answers, then one answer, then none more
    await login(client, w["manager"])
    answer = f"{API}/objections/{objection_id}/answer"
    for body, field in (({"answer": ""}, "answer"), ({"answer": "  "}, "answer"), ({"answer": "a" * 5001}, "answer"), ({"answer": "a\x00"}, "answer"),
                        ({"answer": "ok", "uphold": "yes"}, "uphold"), ({"answer": "ok", "uphold": 1}, "uphold"), ({"uphold": False}, "answer")):
        check(await api_call(client, "POST", answer, body), 422, body, field)
    for data in ({"answer": ""}, {"answer": "a" * 5001}):
        assert (await post_form(client, f"/staff/objections/{objection_id}/answer", data)).status_code == 422, data
    assert (await Objection.select().first().run())["answered_at"] is None
    check(await api_call(client, "POST", answer, {"answer": "We checked again.", "uphold": False}), 200, "answered")
    check(await api_call(client, "POST", answer, {"answer": "Changed my mind.", "uphold": True}), 409, "answered twice", error="objection_answered")
    assert (await post_form(client, f"/staff/objections/{objection_id}/answer", {"answer": "x", "uphold": "yes"})).status_code == 409
    row = await Objection.select().first().run()
    assert row["answer"] == "We checked again." and row["upheld"] is False
    # upholding an approval with an award in place is refused; the objection stays open
    await login(client, awarded_owner)
    other = await api_call(client, "POST", f"{API}/applications/{w['ids'][0]}/objections", {"text": "Too little."})
    check(other, 201, "awarded objects")
    await login(client, w["manager"])
    check(await api_call(client, "POST", f"{API}/objections/{other.json()['id']}/answer", {"answer": "Reopened.", "uphold": True}),
          409, "uphold with an award", error="award_in_place")
    assert (await Objection.select().where(Objection.id == other.json()["id"]).first().run())["answered_at"] is None
    # after the window; before any decision
    await Determination.update({Determination.at: utcnow() - timedelta(days=15)}).where(Determination.application == approved).run()
    await login(client, owner)
    late = await api_call(client, "POST", url, {"text": "Late, but right."})
    check(late, 409, "after the window", error="objection_window_closed")
    assert "ended" in late.json()["detail"]
    assert (await post_form(client, f"/applications/{approved}/objection", {"text": "Late."})).status_code == 409
    await login(client, w["made"][2]["viewer"])
    check(await api_call(client, "POST", f"{API}/applications/{waiting}/objections", {"text": "Early."}), 409, "no decision", error="no_determination")
    assert await Objection.count() == 2


# -- awards and tranches --------------------------------------------------------------------------------

AMOUNTS: list[tuple[Any, str]] = [
    (0, "amount"), (-1, "amount"), (1.5, "amount"), (1e7, "amount"), ("1000", "amount"), ("1e9", "amount"), (True, "amount"),
    (None, "amount"), ([1], "amount"), (10**30, "amount"), (2**63, "amount"), (50_000_001, "amount"), (40_000_000, "amount"),
]


def tranches_cases() -> list[tuple[Any, str]]:
    """Tranche lists for an award of 10,000,000 and the field each names."""
    far, later = day(30), day(90)
    return [
        ([{"amount": 5_000_000, "due_on": far}], "tranches"),
        ([{"amount": 6_000_000, "due_on": far}, {"amount": 6_000_000, "due_on": later}], "tranches"),
        ([], "tranches"), ("monthly", "tranches"), ([1, 2], "tranches"), ({"amount": 10_000_000}, "tranches"),
        ([{"amount": 10_000_000, "due_on": far}] * 121, "tranches"),
        ([{"amount": -1, "due_on": far}, {"amount": 10_000_001, "due_on": later}], "tranches[0].amount"),
        ([{"amount": 10**30, "due_on": far}, {"amount": 10_000_000 - 10**30, "due_on": later}], "tranches[1].amount"),
        ([{"amount": "10000000", "due_on": far}], "tranches[0].amount"),
        ([{"amount": 10_000_000.0, "due_on": far}], "tranches[0].amount"),
        ([{"amount": True, "due_on": far}], "tranches[0].amount"),
        ([{"amount": 0, "due_on": far}, {"amount": 10_000_000, "due_on": later}], "tranches[0].amount"),
        ([{"amount": 10_000_000}], "tranches[0].due_on"),
        ([{"amount": 10_000_000, "due_on": "2099-02-30"}], "tranches[0].due_on"),
        ([{"amount": 10_000_000, "due_on": "tomorrow"}], "tranches[0].due_on"),
        ([{"amount": 10_000_000, "due_on": ""}], "tranches[0].due_on"),
        ([{"amount": 10_000_000, "due_on": 20270101}], "tranches[0].due_on"),
        ([{"amount": 10_000_000, "due_on": "01/02/2027"}], "tranches[0].due_on"),
        ([{"amount": 10_000_000, "due_on": "10000-01-01"}], "tranches[0].due_on"),
        ([{"amount": 10_000_000, "due_on": "2099-01-01T10:00:00+09:00"}], "tranches[0].due_on"),
        ([{"amount": 10_000_000, "due_on": day(-3)}], "tranches[0].due_on"),
        ([{"amount": 10_000_000, "due_on": "2001-01-01"}], "tranches[0].due_on"),
        ([{"amount": 10_000_000, "due_on": "9999-12-31"}], "tranches[0].due_on"),
        ([{"amount": 10_000_000, "due_on": day(366 * 10 + 2)}], "tranches[0].due_on"),  # just over 10 years away
        ([{"amount": 5_000_000, "due_on": later}, {"amount": 5_000_000, "due_on": far}], "tranches[1].due_on"),
    ]


async def test_bad_award_amounts_and_tranches_are_named_and_nothing_is_saved(client: AsyncClient, settings: Settings) -> None:
    w = await award_world(settings)
    approved = w["ids"][1]
    await login(client, w["manager"])
    url = f"{API}/applications/{approved}/award"
    awards_before, tranches_before = await rows(Award), await rows(Tranche)
    for amount, field in AMOUNTS:
        check(await api_call(client, "POST", url, {"amount": amount}), 422, amount, field)
    over_max = (await api_call(client, "POST", url, {"amount": 50_000_001})).json()["fields"]["amount"]
    assert "50,000,001" in over_max and "50,000,000" in over_max, over_max
    over_budget = (await api_call(client, "POST", url, {"amount": 40_000_000})).json()["fields"]["amount"]
    assert "30,000,000" in over_budget and "60,000,000" in over_budget, over_budget
    for raw in ('{"amount": 1e999}', '{"amount": NaN}', '{"amount": 1' + "0" * 400 + "}", '{"amount": -0}'):
        response = await raw_json(client, "POST", url, raw)
        assert 400 <= response.status_code < 500, (raw, response.status_code)
    for tranches, field in tranches_cases():
        check(await api_call(client, "POST", url, {"amount": 10_000_000, "tranches": tranches}), 422, str(tranches)[:80], field)
    far_off = await api_call(client, "POST", url, {"amount": 10_000_000, "tranches": [{"amount": 10_000_000, "due_on": "9999-12-31"}]})
    assert "Tranche 1: the due date is more than 10 years away." == far_off.json()["fields"]["tranches[0].due_on"], far_off.text
    check(await api_call(client, "POST", url, {"amount": 10_000_000, "status": "active"}), 422, "extra key", "status")
    check(await api_call(client, "POST", f"{API}/applications/{w['ids'][2]}/award", {"amount": 1_000_000}), 409, "not approved", error="not_approved")
    check(await api_call(client, "POST", f"{API}/applications/{w['ids'][0]}/award", {"amount": 1_000_000}), 409, "second award")
    # the staff form
    form_url = f"/staff/applications/{approved}/award"
    for data in ({"amount": "12x34"}, {"amount": ""}, {"amount": "-1"}, {"amount": "1e9"}, {"amount": BIG}, {"amount": "1.5"},
                 {"amount": "50,000,001"}, {"amount": "40000000"}, {"amount": "10000000", "tranche_amount": ["5000000"], "tranche_due": [day(30)]},
                 {"amount": "10000000", "tranche_amount": ["10000000"], "tranche_due": ["2099-02-30"]},
                 {"amount": "10000000", "tranche_amount": ["ten"], "tranche_due": [day(30)]},
                 {"amount": "10000000", "tranche_amount": ["10000000"], "tranche_due": [day(-3)]},
                 {"amount": "10000000", "tranche_amount": ["4000000", "6000000"], "tranche_due": [day(30)]}):
        response = await post_form(client, form_url, data)
        assert response.status_code == 422, (data, response.status_code)
    typed = await post_form(client, form_url, {"amount": "12x34"})
    assert "12x34" in typed.text
    assert await rows(Award) == awards_before and await rows(Tranche) == tranches_before
    # a due date nine years away is allowed (ten is the limit); fields a client should not set are ignored
    nine_years = day(365 * 9)
    made = await api_call(client, "POST", url, {"amount": 10_000_000, "tranches": [
        {"amount": 10_000_000, "due_on": nine_years, "paid_at": "2020-01-01T00:00:00Z", "report_accepted_at": "2020-01-01T00:00:00Z", "number": 7}]})
    check(made, 201, "nine years away")
    tranche = await Tranche.select().where(Tranche.award == made.json()["id"]).first().run()
    assert tranche["paid_at"] is None and tranche["report_accepted_at"] is None and tranche["number"] == 1 and str(tranche["due_on"]) == nine_years
    assert (await client.get(form_url)).status_code == 200
    # replacing the schedule: the same rules; nothing replaced on a refusal
    put = f"{API}/awards/{made.json()['id']}/tranches"
    for tranches, field in tranches_cases()[::3]:
        check(await api_call(client, "PUT", put, {"tranches": tranches}), 422, ("put", str(tranches)[:80]), field)
    check(await api_call(client, "PUT", put, {}), 422, "no tranches", "tranches")
    check(await api_call(client, "PUT", put, None), 422, "no body", "body")
    for data in ({"tranche_amount": ["5000000"], "tranche_due": [day(30)]}, {"tranche_amount": ["x"], "tranche_due": ["y"]}, {}):
        response = await post_form(client, f"/staff/awards/{made.json()['id']}/tranches", data)
        assert response.status_code == 422, (data, response.status_code)
    assert await Tranche.select().where(Tranche.award == made.json()["id"]).run() == [tranche]
    await login(client, w["made"][1]["viewer"])
    assert (await client.get(f"/applications/{approved}/award")).status_code == 200


async def test_agreements_reports_and_payments_out_of_order_twice_or_not_yours(
    client: AsyncClient, settings: Settings, monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = await award_world(settings)
    award_id, (first, second), foreign = w["award"]["id"], w["tranches"], w["other_tranche"]
    owner, other_owner, manager, finance = w["made"][0]["viewer"], w["other_made"]["viewer"], w["manager"], w["finance"]
    other_award = w["other_award"]["id"]

    # before the agreement: no report, no payment
    await login(client, owner)
    check(await api_call(client, "POST", f"{API}/tranches/{first}/report", {"text": "Early."}), 409, "pending", error="award_not_active")
    for body, field in (({"reason": "r" * 2001}, "reason"), ({"reason": "a\x00b"}, "reason"), ({"reason": 5}, "reason"), ({"why": "x"}, "why")):
        check(await api_call(client, "POST", f"{API}/awards/{award_id}/decline", body), 422, body, field)
    assert (await post_form(client, f"/awards/{award_id}/accept", {})).status_code == 422  # the box is not ticked
    assert (await post_form(client, f"/awards/{award_id}/decline", {"reason": "no box"})).status_code == 422
    # another startup's award, tranche and pages name nothing
    for method, path, body in (("GET", f"/awards/{other_award}", None), ("POST", f"/awards/{other_award}/accept", None),
                               ("POST", f"/awards/{other_award}/decline", None), ("POST", f"/tranches/{foreign}/report", {"text": "Mine."})):
        check(await api_call(client, method, f"{API}{path}", body), 404, path)
    for path, data in ((f"/awards/{other_award}/accept", {"confirm": "yes"}), (f"/awards/{other_award}/decline", {"confirm": "yes"}),
                       (f"/tranches/{foreign}/report", {"report": "Mine."})):
        response = await post_form(client, path, data)
        assert response.status_code == 404 and SECRET not in response.text, path
    assert (await client.get(f"/applications/{w['other_app']}/award")).status_code == 404
    assert (await Award.select().where(Award.id == other_award).first().run())["status"] == "agreement_pending"
    await login(client, finance)
    check(await api_call(client, "POST", f"{API}/tranches/{first}/paid"), 409, "unsigned", error="award_not_active")

    # the agreement: accepted once, then neither again nor declined
    await login(client, owner)
    check(await api_call(client, "POST", f"{API}/awards/{award_id}/accept"), 200, "accept")
    check(await api_call(client, "POST", f"{API}/awards/{award_id}/accept"), 409, "accept twice", error="not_pending")
    check(await api_call(client, "POST", f"{API}/awards/{award_id}/decline", {"reason": "changed my mind"}), 409, "decline after", error="not_pending")
    assert (await post_form(client, f"/awards/{award_id}/decline", {"confirm": "yes"})).status_code == 409
    assert (await post_form(client, f"/awards/{award_id}/accept", {"confirm": "yes"})).status_code == 409
    await login(client, manager)
    check(await api_call(client, "PUT", f"{API}/awards/{award_id}/tranches", {"tranches": [{"amount": 30_000_000, "due_on": day(9)}]}),
          409, "schedule after signing", error="agreement_signed")
    award_row = await Award.select().where(Award.id == award_id).first().run()
    assert award_row["status"] == "active" and award_row["declined_at"] is None

    # reports: refused when bad, not yours, or accepted already; payment only after acceptance
    check(await api_call(client, "POST", f"{API}/tranches/{first}/accept-report"), 409, "no report", error="no_report")
    await login(client, owner)
    report = f"{API}/tranches/{first}/report"
    for body, field in (({"text": ""}, "text"), ({"text": "   "}, "text"), ({"text": "r" * 20001}, "text"), ({"text": "a\x00b"}, "text"),
                        ({"text": 5}, "text"), ({}, "text"), ({"text": "ok", "file_id": "1"}, "file_id"), ({"text": "ok", "file_id": -1}, "file_id"),
                        ({"text": "ok", "file_id": int(BIG)}, "file_id"), ({"text": "ok", "file_id": True}, "file_id"),
                        ({"text": "ok", "file_id": 424242}, "file_id"), ({"text": "ok", "accepted": True}, "accepted")):
        check(await api_call(client, "POST", report, body), 422, body, field)
    for data in ({"report": ""}, {"report": "r" * 20001}, {"report": "a\x00b"}):
        assert (await post_form(client, f"/tranches/{first}/report", data)).status_code == 422, data
    assert (await Tranche.select().where(Tranche.id == first).first().run())["report_submitted_at"] is None
    check(await api_call(client, "POST", report, {"text": "Milestone 1 reached."}), 200, "report")
    await login(client, finance)
    check(await api_call(client, "POST", f"{API}/tranches/{first}/paid"), 409, "pay before acceptance", error="report_not_accepted")
    page = await post_form(client, f"/staff/tranches/{first}/paid", {})
    assert page.status_code == 409 and "milestone report" in page.text, page.status_code
    await login(client, manager)
    check(await api_call(client, "POST", f"{API}/tranches/{first}/paid"), 403, "a manager pays")
    check(await api_call(client, "POST", f"{API}/tranches/{first}/accept-report"), 200, "accept report")
    check(await api_call(client, "POST", f"{API}/tranches/{first}/accept-report"), 409, "accept twice", error="report_accepted")
    assert (await post_form(client, f"/staff/tranches/{first}/accept", {})).status_code == 409
    await login(client, owner)
    check(await api_call(client, "POST", report, {"text": "Rewritten after acceptance."}), 409, "rewrite", error="report_accepted")
    assert (await Tranche.select().where(Tranche.id == first).first().run())["report"] == "Milestone 1 reached."
    await login(client, finance)
    check(await api_call(client, "POST", f"{API}/tranches/{first}/paid"), 200, "pay")
    check(await api_call(client, "POST", f"{API}/tranches/{first}/paid"), 409, "pay twice", error="already_paid")
    assert (await post_form(client, f"/staff/tranches/{first}/paid", {})).status_code == 409
    check(await api_call(client, "POST", f"{API}/tranches/{foreign}/paid"), 409, "the other award is unsigned", error="award_not_active")

    # two payments of the same tranche at once: the second read it unpaid before the first was written
    await w["s"].awards.submit_report(second, owner, text="Milestone 2 reached.")
    await w["s"].awards.accept_report(second, manager)
    check(await api_call(client, "POST", f"{API}/tranches/{second}/paid"), 200, "pay the second")
    real = AwardRepository.tranche

    async def stale(self: AwardRepository, tranche_id: int) -> Any:
        row = await real(self, tranche_id)
        return {**row, "paid_at": None, "paid_by": None} if row and tranche_id == second else row

    monkeypatch.setattr(AwardRepository, "tranche", stale)
    raced = await api_call(client, "POST", f"{API}/tranches/{second}/paid")
    monkeypatch.setattr(AwardRepository, "tranche", real)
    check(raced, 409, "paid in a race")
    paid = await AuditEntry.select().where((AuditEntry.action == "tranche.paid") & (AuditEntry.object_id == str(second))).run()
    assert len(paid) == 1, paid
    assert (await Award.select().where(Award.id == award_id).first().run())["status"] == "completed"
    assert await AuditEntry.count().where(AuditEntry.action == "award.completed") == 1

    # the other startup declines its own award; then it can be neither accepted nor declined again
    await login(client, other_owner)
    check(await api_call(client, "POST", f"{API}/awards/{other_award}/decline", {"reason": "Another fund."}), 200, "decline")
    check(await api_call(client, "POST", f"{API}/awards/{other_award}/accept"), 409, "accept after decline", error="not_pending")
    check(await api_call(client, "POST", f"{API}/awards/{other_award}/decline"), 409, "decline twice", error="not_pending")
    check(await api_call(client, "GET", f"{API}/awards/{award_id}"), 404, "the first startup's award")
    assert (await Award.select().where(Award.id == other_award).first().run())["status"] == "declined"


async def test_an_award_without_a_schedule_cannot_be_accepted(client: AsyncClient, settings: Settings) -> None:
    w = await award_world(settings)
    await w["s"].awards.create(w["ids"][1], w["manager"], amount=5_000_000)
    award = await Award.select().where(Award.application == w["ids"][1]).first().run()
    await login(client, w["made"][1]["viewer"])
    check(await api_call(client, "POST", f"{API}/awards/{award['id']}/accept"), 409, "no tranches", error="no_tranches")
    assert (await Award.select().where(Award.id == award["id"]).first().run())["status"] == "agreement_pending"


# -- queues, bulk actions, exports -----------------------------------------------------------------------

QUEUE_QUERIES = [
    "page=abc", "page=-1", "page=0", f"page={10**14}", f"page={BIG}{BIG}", "page=1e3", "page=²", "page=٣", "page=", "status=bogus",
    "status=approved", "status=" + "x" * 5000, "program=abc", f"program={BIG}", "program=-1", "round=abc", f"round={BIG}", "round=0",
    "assigned=maybe", "assigned=2", "submitted_from=2026-02-30", "submitted_from=0001-01-01", "submitted_to=9999-12-31",
    "submitted_from=9999-12-31&submitted_to=0001-01-01", "submitted_from=tomorrow", "submitted_to=%00", "q=" + "%25" * 300,
    "q=%27%3B--", "q=a%00b", "q=" + "x" * 5000, "&".join(f"program={i}" for i in range(300)), "status=submitted&status=submitted",
]


async def test_junk_query_strings_of_the_queues_are_named_not_500(client: AsyncClient, settings: Settings) -> None:
    w = await review_world(settings)
    await login(client, w["manager"])
    for number, query in enumerate(QUEUE_QUERIES):
        for headers in ({}, {"HX-Request": "true", "HX-Target": "queue-results"})[: 2 if number < 4 else 1]:
            response = await client.get(f"/staff/queues?{query}", headers=headers)
            assert response.status_code in ((200, 400) if "%00" in query else (200,)), (query[:60], response.status_code)
    named = {"page=abc": "Page", "page=-1": "Page", "status=bogus": "bogus", "assigned=maybe": "Reviewers", "round=abc": "Review round",
             "submitted_from=2026-02-30": "Submitted from: give a date such as"}
    for query, words in named.items():
        response = await client.get(f"/staff/queues?{query}")
        assert words in response.text, (query, words)


async def test_bulk_actions_with_junk_or_foreign_ids(client: AsyncClient, settings: Settings) -> None:
    w = await review_world(settings)
    await login(client, w["manager"])
    ids = [str(a) for a in w["ids"]]
    assignments_before, statuses_before = await rows(ReviewAssignment), await Application.select(Application.id, Application.status).run()
    for data in (
        {"action": "explode", "ids": ids}, {"action": "", "ids": ids}, {"action": "move", "ids": [], "to": "screening"},
        {"action": "move", "ids": ids + ["abc"], "to": "screening"}, {"action": "move", "ids": [BIG], "to": "screening"},
        {"action": "move", "ids": ["-1"], "to": "screening"}, {"action": "move", "ids": ["²"], "to": "screening"},
        {"action": "move", "ids": [str(i) for i in range(1, 202)], "to": "screening"}, {"action": "move", "ids": ids, "to": "bogus"},
        {"action": "move", "ids": ids, "to": ""}, {"action": "assign", "ids": ids, "reviewer": "abc"},
        {"action": "assign", "ids": ids, "reviewer": f"{w['run']['id']}:"}, {"action": "assign", "ids": ids, "reviewer": ""},
        # ids PostgreSQL's integer cannot hold (they reached the database: 500 there)
        {"action": "assign", "ids": ids, "reviewer": f"99999999999:{w['inside'].id}"},
        {"action": "assign", "ids": ids, "reviewer": f"{w['run']['id']}:999999999999"}, {"action": "assign", "ids": ids, "reviewer": "0:0"},
        {"action": "determine", "ids": ids, "outcome": "maybe"}, {"action": "determine", "ids": ids, "outcome": ""},
    ):
        for htmx in (False, True)[: 2 if data["action"] in ("explode", "determine") else 1]:
            response = await post_form(client, "/staff/queues/bulk", data, headers={"HX-Target": "bulk-results"} if htmx else {})
            assert response.status_code == 422, (data, htmx, response.status_code)
    # rows that cannot be done (foreign, missing, decided) are reported one by one
    for data in (
        {"action": "assign", "ids": ids, "reviewer": f"{w['other_run']['id']}:{w['inside'].id}"},
        {"action": "assign", "ids": [str(w["other_app"]), "2147483647"], "reviewer": f"{w['run']['id']}:{w['inside'].id}"},
        {"action": "move", "ids": [str(w["other_app"]), "2147483647", ids[0]], "to": "approved"},
        {"action": "determine", "ids": [ids[0], "2147483647"], "outcome": "approved"},
    ):
        response = await post_form(client, "/staff/queues/bulk", data)
        assert response.status_code == 200, (data, response.status_code)
    assert await rows(ReviewAssignment) == assignments_before
    assert await Application.select(Application.id, Application.status).run() == statuses_before
    assert await Determination.count() == 0
    assert (await post_form(client, f"/staff/queues/{w['ids'][0]}/send-to-review", {})).status_code == 200


async def test_exports_of_a_round_with_zero_reviews_and_of_junk_rounds(client: AsyncClient, settings: Settings) -> None:
    w = await review_world(settings)
    await login(client, w["manager"])
    response = await client.get(f"/staff/exports/rounds/{w['other_run']['id']}/reviews.csv")
    assert response.status_code == 200, response.status_code
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(table) == 1 and table[0], table
    assert "stealth" not in response.headers["content-disposition"].lower()
    response = await client.get(f"/staff/exports/rounds/{w['other_run']['id']}/reviews.xlsx")
    assert response.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 1
    base = f"/staff/exports/programs/{w['program']['id']}"
    for query in ("round=abc", f"round={BIG}", "round=-1", f"round={w['other_run']['id']}", "round=%00", "round=" + "9" * 5000):
        for ext in ("csv", "xlsx"):
            response = await client.get(f"{base}/decisions.{ext}?{query}")
            assert response.status_code in ((400, 404) if "%00" in query else (404,)), (query[:40], ext, response.status_code)
    for ext in ("csv", "xlsx"):
        assert (await client.get(f"{base}/decisions.{ext}?round={w['run']['id']}")).status_code == 200
    await login(client, w["inside"])
    assert (await client.get(f"/staff/exports/rounds/{w['run']['id']}/reviews.csv")).status_code == 403


# -- CSRF ---------------------------------------------------------------------------------------------------


async def test_every_write_without_the_csrf_token_is_403_and_changes_nothing(client: AsyncClient, settings: Settings) -> None:
    w = await award_world(settings)
    run_id, award_id, tranche = w["run"]["id"], w["award"]["id"], w["tranches"][0]
    approved, waiting = w["ids"][1], w["ids"][2]
    await login(client, w["manager"])
    await csrf_token(client)
    before = {table: await rows(table) for table in (Award, Tranche, Determination, Objection, PanelMember, ReviewAssignment, ReviewRoundRun)}
    pages = [
        (f"/staff/programs/{w['program']['id']}/review-rounds/open", {}), (f"/staff/rounds/{run_id}/close", {}),
        (f"/staff/rounds/{run_id}/remind", {}), (f"/staff/rounds/{run_id}/advance", {}),
        (f"/staff/rounds/{run_id}/panel/add", {"user": "1"}), (f"/staff/rounds/{run_id}/panel/invite", {"email": "a@example.com", "affiliation": "U"}),
        (f"/staff/rounds/{run_id}/assignments", {"application": "1", "reviewer": "1"}), (f"/staff/rounds/{run_id}/assignments/auto", {"minimum": "2"}),
        (f"/staff/applications/{waiting}/decision", {"outcome": "rejected", "confirm": "yes"}),
        (f"/staff/applications/{waiting}/decision/preview", {"outcome": "rejected"}),
        (f"/staff/applications/{approved}/award", {"amount": "1000"}), (f"/staff/awards/{award_id}/tranches", {"tranche_amount": "1"}),
        (f"/staff/tranches/{tranche}/accept", {}), (f"/staff/tranches/{tranche}/paid", {}), ("/staff/queues/bulk", {"action": "move", "ids": [str(waiting)], "to": "screening"}),
        (f"/staff/queues/{waiting}/send-to-review", {}), (f"/awards/{award_id}/accept", {"confirm": "yes"}),
        (f"/awards/{award_id}/decline", {"confirm": "yes"}), (f"/tranches/{tranche}/report", {"report": "x"}),
        (f"/applications/{approved}/objection", {"text": "x"}), ("/staff/objections/1/answer", {"answer": "x"}),
        ("/reviewer/assignments/1/review", {"recommendation": "hold"}), ("/reviewer/assignments/1/no-conflict", {}),
        ("/reviewer/panels/1/pledge", {}), ("/reviewer/invitations/abc/accept", {}), ("/reviewer/invitations/abc/signup", {"name": "x"}),
    ]
    for url, data in pages:
        response = await client.post(url, data=data)
        assert response.status_code == 403, (url, response.status_code)
    calls = [
        ("POST", f"/programs/{w['program']['id']}/rounds", None), ("POST", f"/rounds/{run_id}/close", None), ("POST", f"/rounds/{run_id}/advance", None),
        ("POST", f"/rounds/{run_id}/panel", {"user_id": 1}), ("POST", f"/rounds/{run_id}/panel/invitations", {"email": "a@example.com", "affiliation": "U"}),
        ("POST", f"/rounds/{run_id}/assignments", {"application_id": 1, "reviewer_id": 1}), ("POST", f"/rounds/{run_id}/auto-assign", None),
        ("POST", "/assignments/1/no-conflict", None), ("POST", "/assignments/1/conflict", None),
        ("POST", "/assignments/1/review", {"scores": {}, "recommendation": "hold"}),
        ("POST", f"/applications/{waiting}/determination", {"outcome": "rejected"}),
        ("POST", "/determinations/bulk", {"application_ids": [waiting], "outcome": "rejected"}),
        ("POST", f"/applications/{approved}/objections", {"text": "x"}), ("POST", "/objections/1/answer", {"answer": "x"}),
        ("POST", f"/applications/{approved}/award", {"amount": 1000}), ("PUT", f"/awards/{award_id}/tranches", {"tranches": []}),
        ("POST", f"/awards/{award_id}/accept", None), ("POST", f"/awards/{award_id}/decline", None),
        ("POST", f"/tranches/{tranche}/report", {"text": "x"}), ("POST", f"/tranches/{tranche}/accept-report", None),
        ("POST", f"/tranches/{tranche}/paid", None),
    ]
    for method, path, body in calls:
        response = await client.request(method, f"{API}{path}", json=body, headers={"accept": "application/json"})
        assert response.status_code == 403, (path, response.status_code)
        if method == "PUT" or path.endswith(("/paid", "/determination")):
            wrong = await client.request(method, f"{API}{path}", json=body, headers={"accept": "application/json", "x-csrftoken": "forged"})
            assert wrong.status_code == 403, (path, wrong.status_code)
    for table, saved in before.items():
        assert await rows(table) == saved, table
