"""Reviewers' pages: who may use them, invitations (new account, existing account, expired,
used), the pledge before anything, expertise, conflict declarations (and reassignment), the
application read-only with its files, the scorecard with its refusals, others' reviews only
after one's own, comments that never count — and 404 naming nothing for an application typed
by URL that is not the reviewer's, or is but conflicted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient

import hubcity.reviews  # noqa: F401
from hubcity.core.clock import utcnow
from hubcity.db.tables import ConflictDeclaration, PanelMember, Review, ReviewAssignment, ReviewComment, User
from hubcity.programs.services import ApplicationService
from hubcity.reviews.services import ReviewService
from tests.conftest import post_form
from tests.factories.accounts import create_user
from tests.factories.programs import create_startup, staff_viewer, viewer_of
from tests.factories.reviews import application_in_review, internal_reviewer, on_panel, program_with_rounds
from tests.integration.programs.test_apply_pages import app_clock, client, login  # noqa: F401 - fixtures
from tests.integration.reviews.test_round_pages import person

GOOD = {"score-team": "4", "score-market": "7", "recommendation": "advance", "comment": "Strong team."}


async def assigned_round(count: int = 1, reviewers: int = 2, **startup: Any) -> dict[str, Any]:
    """A first round open with ``count`` applications (startups named "Startup N"), ``reviewers``
    internal reviewers on the panel with the pledge accepted, each assigned to every application."""
    manager = await staff_viewer("program_manager")
    service, applications = ReviewService(), ApplicationService()
    program = await program_with_rounds(manager, title_en="Reviewer Fund")
    made = []
    for i in range(count):
        s = await create_startup(name_en=f"Startup {i + 1}", name_ko=f"스타트업 {i + 1}", **startup)
        made.append(await application_in_review(program, manager, applications, startup=s))
    run = await service.open_round(program["id"], manager)
    people = []
    for i in range(reviewers):
        viewer = await internal_reviewer(name=f"Reviewer {i + 1}")
        await on_panel(service, run["id"], manager, viewer, affiliation="Hub Agency")
        people.append(viewer)
    for m in made:
        for viewer in people:
            await service.assign(run["id"], m["application"]["id"], viewer.id, manager)
    return {"manager": manager, "service": service, "program": program, "made": made, "run": run, "reviewers": people}


async def assignment_of(application_id: int, reviewer_id: int) -> dict[str, Any]:
    return await ReviewAssignment.select().where(
        (ReviewAssignment.application == application_id) & (ReviewAssignment.reviewer == reviewer_id)
    ).first().run()


@pytest.mark.parametrize("who", ["anonymous", "startup", "corporation", "finance", "program_manager", "reviewer", "admin"])
async def test_reviewer_pages_are_for_reviewers(client: AsyncClient, who: str) -> None:
    setup = await assigned_round(1, reviewers=1)
    app_id = setup["made"][0]["application"]["id"]
    assignment = await assignment_of(app_id, setup["reviewers"][0].id)
    viewer = await person(who)
    if viewer is not None:
        await login(client, viewer)
    home = await client.get("/reviewer", follow_redirects=False)
    page = await client.get(f"/reviewer/applications/{app_id}", follow_redirects=False)
    posted = await post_form(client, f"/reviewer/assignments/{assignment['id']}/no-conflict", follow_redirects=False)
    scored = await post_form(client, f"/reviewer/assignments/{assignment['id']}/review", GOOD, follow_redirects=False)
    if who == "anonymous":
        for response in (home, page, posted, scored):
            assert response.status_code == 303 and response.headers["location"].startswith("/login")
    elif who in ("reviewer", "admin"):
        assert home.status_code == 200 and "Reviewing" in home.text
        # not theirs: nothing of it shows
        for response in (page, posted, scored):
            assert response.status_code == 404 and "Startup 1" not in response.text
    else:
        for response in (home, page, posted, scored):
            assert response.status_code == 403 and "Startup 1" not in response.text, (who, response.url)
    assert (await ReviewAssignment.select().where(ReviewAssignment.id == assignment["id"]).first().run())["no_conflict_declared_at"] is None
    assert not await Review.exists().run()


async def test_the_pledge_comes_before_anything(client: AsyncClient) -> None:
    manager = await staff_viewer("program_manager")
    service, applications = ReviewService(), ApplicationService()
    program = await program_with_rounds(manager)
    made = await application_in_review(program, manager, applications, startup=await create_startup(name_en="Pledge Startup"))
    run = await service.open_round(program["id"], manager)
    reviewer = await internal_reviewer()
    member = await on_panel(service, run["id"], manager, reviewer, pledge=False)
    await service.assign(run["id"], made["application"]["id"], reviewer.id, manager)
    await login(client, reviewer)
    home = await client.get("/reviewer")
    assert f"/reviewer/panels/{member['id']}/pledge" in home.text and "Pledge Startup" not in home.text
    assert 'data-application="' not in home.text.split('data-testid="panels"')[0]
    page = await client.get(f"/reviewer/applications/{made['application']['id']}", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == f"/reviewer/panels/{member['id']}/pledge"
    assignment = await assignment_of(made["application"]["id"], reviewer.id)
    refused = await post_form(client, f"/reviewer/assignments/{assignment['id']}/no-conflict", follow_redirects=False)
    assert refused.headers["location"].endswith("/pledge")
    unticked = await post_form(client, f"/reviewer/panels/{member['id']}/pledge", {}, follow_redirects=False)
    assert unticked.status_code == 303 and (await PanelMember.select().first().run())["pledge_accepted_at"] is None
    other = await internal_reviewer()
    await login(client, other)
    assert (await client.get(f"/reviewer/panels/{member['id']}/pledge")).status_code == 404
    assert (await post_form(client, f"/reviewer/panels/{member['id']}/pledge", {"agree": "yes"})).status_code == 404
    await login(client, reviewer)
    accepted = await post_form(client, f"/reviewer/panels/{member['id']}/pledge", {"agree": "yes"}, follow_redirects=False)
    assert accepted.status_code == 303
    home = await client.get("/reviewer")
    assert "Pledge Startup" in home.text


async def test_expertise_tags_and_text_with_bad_input(client: AsyncClient) -> None:
    setup = await assigned_round(1, reviewers=1)
    reviewer = setup["reviewers"][0]
    member = await PanelMember.select().where(PanelMember.user == reviewer.id).first().run()
    await login(client, reviewer)
    too_long = await post_form(client, f"/reviewer/panels/{member['id']}/expertise", {"tags": ["mobility"], "text": "x" * 2001})
    assert too_long.status_code == 422 and "Expertise: at most 2000" in too_long.text
    too_many = await post_form(client, f"/reviewer/panels/{member['id']}/expertise", {"tags": [f"t{i}" for i in range(21)], "text": "ok"})
    assert too_many.status_code == 422 and "at most 20 tags" in too_many.text
    saved = await post_form(client, f"/reviewer/panels/{member['id']}/expertise", {"tags": ["mobility", "robotics"], "text": "Autonomous driving."},
                            follow_redirects=False)
    assert saved.status_code == 303
    row = await PanelMember.select().where(PanelMember.id == member["id"]).first().output(load_json=True).run()
    assert row["expertise_tags"] == ["mobility", "robotics"] and row["expertise_text"] == "Autonomous driving."
    other = await internal_reviewer()
    await login(client, other)
    assert (await post_form(client, f"/reviewer/panels/{member['id']}/expertise", {"text": "mine"})).status_code == 404


async def test_invitations_new_account_existing_account_expired_and_used(client: AsyncClient) -> None:
    setup = await assigned_round(1, reviewers=0)
    service, manager, run_id = setup["service"], setup["manager"], setup["run"]["id"]
    assert (await client.get("/reviewer/invitations/not-a-token")).status_code == 404

    _member, token = await service.invite_external(run_id, manager, email="new@example.com", affiliation="KAIST", locale="en")
    legacy = await client.get(f"/reviews/invitations/{token}", follow_redirects=False)
    assert legacy.status_code == 303 and legacy.headers["location"] == f"/reviewer/invitations/{token}"
    page = await client.get(f"/reviewer/invitations/{token}")
    assert 'data-invitation-state="signup"' in page.text and "new@example.com" in page.text
    short = await post_form(client, f"/reviewer/invitations/{token}/signup",
                            {"name": "Dr. New", "password": "short", "password_confirm": "short", "locale": "en", "consent_collection": "yes"})
    assert short.status_code == 422 and 'value="Dr. New"' in short.text and "short" not in short.text.split('id="field-password"')[1][:80]
    no_consent = await post_form(client, f"/reviewer/invitations/{token}/signup",
                                 {"name": "Dr. New", "password": "a-long-password-1", "password_confirm": "a-long-password-1", "locale": "en"})
    assert no_consent.status_code == 422
    assert not await User.exists().where(User.email == "new@example.com").run()
    made = await post_form(client, f"/reviewer/invitations/{token}/signup",
                           {"name": "Dr. New", "password": "a-long-password-1", "password_confirm": "a-long-password-1", "locale": "en",
                            "consent_collection": "yes"}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].endswith("/pledge")
    user = await User.select().where(User.email == "new@example.com").first().run()
    assert (await PanelMember.select().where(PanelMember.email == "new@example.com").first().run())["user"] == user["id"]
    assert (await client.get("/reviewer")).status_code == 200  # an external reviewer without the role
    # used: someone else opening the link is told so
    client.cookies.clear()
    used = await client.get(f"/reviewer/invitations/{token}")
    assert used.status_code == 409 and "accepted already" in used.text
    again = await post_form(client, f"/reviewer/invitations/{token}/signup",
                            {"name": "Mallory", "password": "a-long-password-1", "password_confirm": "a-long-password-1", "consent_collection": "yes"})
    assert again.status_code == 409

    # an existing account logs in first, then joins
    existing = await create_user(email="known@example.com")
    _member, token2 = await service.invite_external(run_id, manager, email="known@example.com", affiliation="POSTECH")
    page = await client.get(f"/reviewer/invitations/{token2}")
    assert 'data-invitation-state="login"' in page.text and f"next=/reviewer/invitations/{token2}" in page.text
    refused = await post_form(client, f"/reviewer/invitations/{token2}/signup",
                              {"name": "Known", "password": "a-long-password-1", "password_confirm": "a-long-password-1", "consent_collection": "yes"})
    assert refused.status_code == 409 and "Log in to accept" in refused.text
    anonymous_accept = await post_form(client, f"/reviewer/invitations/{token2}/accept", follow_redirects=False)
    assert anonymous_accept.status_code == 303 and anonymous_accept.headers["location"].startswith("/login")
    await login(client, await viewer_of(existing))
    page = await client.get(f"/reviewer/invitations/{token2}")
    assert 'data-invitation-state="accept"' in page.text
    joined = await post_form(client, f"/reviewer/invitations/{token2}/accept", follow_redirects=False)
    assert joined.status_code == 303 and joined.headers["location"].endswith("/pledge")

    # expired
    _member, token3 = await service.invite_external(run_id, manager, email="late@example.com", affiliation="UNIST")
    await PanelMember.update({PanelMember.token_expires_at: utcnow() - timedelta(minutes=1)}).where(
        PanelMember.email == "late@example.com").run()
    expired = await client.get(f"/reviewer/invitations/{token3}")
    assert expired.status_code == 410 and "expired" in expired.text
    late = await post_form(client, f"/reviewer/invitations/{token3}/accept")
    assert late.status_code == 410 and (await PanelMember.select().where(PanelMember.email == "late@example.com").first().run())["user"] is None


async def test_a_reviewer_typing_urls_gets_404_for_what_is_not_theirs_or_conflicted(client: AsyncClient) -> None:
    setup = await assigned_round(2, reviewers=1)
    reviewer = setup["reviewers"][0]
    service, manager, run_id = setup["service"], setup["manager"], setup["run"]["id"]
    first, second = (m["application"]["id"] for m in setup["made"])
    # an application of another round, not assigned to them
    outsider = await assigned_round(1, reviewers=1)
    foreign = outsider["made"][0]["application"]["id"]
    await login(client, reviewer)
    for url in (f"/reviewer/applications/{foreign}", f"/reviewer/applications/{foreign}/files/1", "/reviewer/applications/999999"):
        response = await client.get(url)
        assert response.status_code == 404 and "Startup 1" not in response.text, url

    # assigned, then the reviewer's affiliation turns out to be the startup's investor
    backed = setup["made"][1]["startup"]["profile_id"]
    from hubcity.db.tables import StartupProfile
    await StartupProfile.update({StartupProfile.investors: '["Hub Agency"]'}).where(StartupProfile.id == backed).run()
    conflicted = await client.get(f"/reviewer/applications/{second}")
    assert conflicted.status_code == 404 and "Startup 2" not in conflicted.text
    assignment = await assignment_of(second, reviewer.id)
    declared = await post_form(client, f"/reviewer/assignments/{assignment['id']}/no-conflict", follow_redirects=False)
    assert declared.status_code == 303 and declared.headers["location"] == "/reviewer"
    assert (await assignment_of(second, reviewer.id))["status"] == "withdrawn"
    assert (await client.get(f"/reviewer/applications/{second}")).status_code == 404

    # a declared conflict: withdrawn, reassigned, gone from the list, 404 afterwards
    helper = await internal_reviewer(name="Stand-in")
    await on_panel(service, run_id, manager, helper)
    mine = await assignment_of(first, reviewer.id)
    too_long = await post_form(client, f"/reviewer/assignments/{mine['id']}/conflict", {"reason": "r" * 2001})
    assert too_long.status_code == 422 and "at most 2000" in too_long.text
    gone = await post_form(client, f"/reviewer/assignments/{mine['id']}/conflict", {"reason": "My cousin founded it."}, follow_redirects=False)
    assert gone.status_code == 303
    assert (await assignment_of(first, reviewer.id))["status"] == "withdrawn"
    assert (await assignment_of(first, helper.id))["status"] == "assigned"
    assert await ConflictDeclaration.exists().where((ConflictDeclaration.user == reviewer.id) & (ConflictDeclaration.kind == "declared")).run()
    home = await client.get("/reviewer")
    assert f'data-application="{first}"' not in home.text
    for url in (f"/reviewer/applications/{first}", f"/reviewer/applications/{first}/files/1"):
        assert (await client.get(url)).status_code == 404
    scored = await post_form(client, f"/reviewer/assignments/{mine['id']}/review", GOOD)
    assert scored.status_code == 404
    # staff giving it back by hand is refused: the declared conflict holds
    await login(client, manager)
    back = await post_form(client, f"/staff/rounds/{run_id}/assignments", {"application": str(first), "reviewer": str(reviewer.id)})
    assert back.status_code == 409 and "cannot review this application" in back.text


async def test_files_download_only_for_an_assigned_reviewer_without_conflict(client: AsyncClient, settings: Any) -> None:
    setup = await assigned_round(1, reviewers=2)
    app_id = setup["made"][0]["application"]["id"]
    one, two = setup["reviewers"]
    # attach a stored file directly (the upload pages are the programs domain's)
    from hubcity.db.tables import ApplicationFile, StoredFile
    from hubcity.programs.uploads import FileStorage

    storage = FileStorage(settings.data_dir)
    content = b"%PDF-1.4 pitch deck"
    digest = storage.put(content)
    stored = StoredFile(sha256=digest, size=len(content), content_type="application/pdf", original_name="deck.pdf",
                        path=storage.relative_path(digest), created_at=utcnow())
    await stored.save().run()
    attached = ApplicationFile(application=app_id, field_key="deck", stored_file=stored.id, original_name="deck.pdf",
                               uploaded_by=None, at=utcnow())
    await attached.save().run()
    url = f"/reviewer/applications/{app_id}/files/{attached.id}"
    await login(client, one)
    assert (await client.get(url)).status_code == 404  # no-conflict not declared yet
    await post_form(client, f"/reviewer/assignments/{(await assignment_of(app_id, one.id))['id']}/no-conflict")
    got = await client.get(url)
    assert got.status_code == 200 and got.content == content and "attachment" in got.headers["content-disposition"]
    assert (await client.get(f"/reviewer/applications/{app_id}/files/{attached.id + 100}")).status_code == 404
    await login(client, two)
    assert (await client.get(url)).status_code == 404


async def test_the_scorecard_its_refusals_others_reviews_after_ones_own_and_comments(client: AsyncClient) -> None:
    setup = await assigned_round(1, reviewers=2)
    app_id = setup["made"][0]["application"]["id"]
    one, two = setup["reviewers"]
    service, manager, run_id = setup["service"], setup["manager"], setup["run"]["id"]
    a_one, a_two = await assignment_of(app_id, one.id), await assignment_of(app_id, two.id)

    await login(client, one)
    before = await post_form(client, f"/reviewer/assignments/{a_one['id']}/review", GOOD)
    assert before.status_code == 409 and "Declare that you have no conflict" in before.text and 'data-testid="declare"' in before.text
    await post_form(client, f"/reviewer/assignments/{a_one['id']}/no-conflict")
    page = await client.get(f"/reviewer/applications/{app_id}")
    assert "Startup 1" in page.text and 'data-testid="snapshot"' in page.text and "1 to 5, weight 2" in page.text
    assert 'data-testid="others-hidden"' in page.text

    bad = await post_form(client, f"/reviewer/assignments/{a_one['id']}/review",
                          {"score-team": "9", "score-market": "abc", "recommendation": "maybe", "comment": "Kept text."})
    assert bad.status_code == 422
    assert "Team: the score must be a number from 1 to 5" in bad.text and "Market: the score must be a number from 0 to 10" in bad.text
    assert "Recommendation: choose" in bad.text and 'value="9"' in bad.text and 'value="abc"' in bad.text and "Kept text." in bad.text
    missing = await post_form(client, f"/reviewer/assignments/{a_one['id']}/review", {"score-team": "3", "recommendation": "hold"})
    assert missing.status_code == 422 and "Market: give a score from 0 to 10" in missing.text
    assert not await Review.exists().run()

    saved = await post_form(client, f"/reviewer/assignments/{a_one['id']}/review", GOOD, follow_redirects=False)
    assert saved.status_code == 303
    page = await client.get(f"/reviewer/applications/{app_id}")
    assert 'data-testid="own-review"' in page.text and "Strong team." in page.text and 'data-own="no"' not in page.text

    # the second reviewer sees nothing of the first review until theirs is in
    await login(client, two)
    await post_form(client, f"/reviewer/assignments/{a_two['id']}/no-conflict")
    page = await client.get(f"/reviewer/applications/{app_id}")
    assert 'data-testid="others-hidden"' in page.text and "Strong team." not in page.text
    first_review = (await Review.select().first().run())["id"]
    early_comment = await post_form(client, f"/reviewer/reviews/{first_review}/comments", {"text": "Peeking"})
    assert early_comment.status_code == 404
    await post_form(client, f"/reviewer/assignments/{a_two['id']}/review",
                    {"score-team": "2", "score-market": "3", "recommendation": "reject", "comment": "Weak market."})
    page = await client.get(f"/reviewer/applications/{app_id}")
    assert "Strong team." in page.text and 'data-own="no"' in page.text and "Weak market." in page.text

    empty = await post_form(client, f"/reviewer/reviews/{first_review}/comments", {"text": "  "})
    assert empty.status_code == 422 and "Comment: write from 1 to 5000" in empty.text
    posted = await post_form(client, f"/reviewer/reviews/{first_review}/comments", {"text": "I read the team differently."},
                             follow_redirects=False)
    assert posted.status_code == 303 and await ReviewComment.count().run() == 1
    # a comment is not a review: the results count two reviews
    results = await service.results(run_id, manager)
    assert len(results.rows[0].totals) == 2

    # editable until the round closes
    changed = await post_form(client, f"/reviewer/assignments/{a_two['id']}/review",
                              {"score-team": "3", "score-market": "3", "recommendation": "hold", "comment": "Second thoughts."},
                              follow_redirects=False)
    assert changed.status_code == 303 and await Review.count().run() == 2
    await service.close_round(run_id, manager)
    page = await client.get(f"/reviewer/applications/{app_id}")
    assert "The round is closed" in page.text and 'data-testid="submit-review"' not in page.text
    late = await post_form(client, f"/reviewer/assignments/{a_two['id']}/review", GOOD)
    assert late.status_code == 409 and "closed" in late.text
    assert (await Review.select().where(Review.assignment == a_two["id"]).first().run())["comment"] == "Second thoughts."
