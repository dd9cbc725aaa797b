"""Public call pages: the list (open first, closed with counts), one call in the viewer's
language, deadlines in the program's zone and the viewer's (the ``tz`` cookie) agreeing on the
instant, the countdown, drafts hidden, and asking a question."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from httpx import AsyncClient
from litestar import Litestar

from hubcity.core.clock import utcnow
from hubcity.db.tables import Application, ProgramQuestion
from hubcity.programs.services import ProgramService
from tests.conftest import open_client, post_form
from tests.factories.accounts import create_user
from tests.factories.corporates import corporation_with_member, login_as, login_route
from tests.factories.programs import SEOUL, create_application, create_program, create_startup, staff_viewer

CLOSES = datetime(2099, 1, 15, 9, 0, tzinfo=UTC)  # 18:00 in Seoul, 04:00 in New York
_INSTANT = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}) [^\s(]+ \(([\w/+-]+)\)")


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncClient]:
    """The app's client with the test-only login route."""
    app.register(login_route)
    async with open_client(app) as test_client:
        yield test_client


def shown(text: str, name: str) -> str:
    """The text inside the first element with ``data-testid=name`` (tags stripped)."""
    match = re.search(rf'data-testid="{name}"[^>]*>(.*?)</(?:dd|p|time)>', text, re.S)
    assert match, f"no {name}"
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


def instant(text: str) -> datetime:
    """``2099-01-15 18:00 KST (Asia/Seoul)`` → the aware UTC instant it names."""
    match = _INSTANT.search(text)
    assert match, text
    local = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(match.group(2)))
    return local.astimezone(UTC)


async def test_a_viewer_in_another_zone_sees_the_deadline_in_both_zones_agreeing_on_the_instant(client: AsyncClient) -> None:
    program = await create_program(closes_at=CLOSES)
    client.cookies.set("tz", "America/New_York")
    for url in (f"/calls/{program['id']}", "/calls"):
        page = await client.get(url)
        assert page.status_code == 200
        own, theirs = shown(page.text, "deadline-program"), shown(page.text, "deadline-viewer")
        assert own == "2099-01-15 18:00 KST (Asia/Seoul)"
        assert theirs == "2099-01-15 04:00 EST (America/New_York)"
        assert instant(own) == instant(theirs) == CLOSES
        assert "in yours (America/New_York)" in shown(page.text, "zone-note")
        assert "In your time zone" in page.text
        assert 'src="/static/js/calls.js"' in page.text


async def test_the_zone_cookie_may_be_url_encoded_and_a_bad_one_falls_back_to_the_agency_zone(client: AsyncClient) -> None:
    program = await create_program(closes_at=CLOSES, time_zone="Europe/Berlin")
    client.cookies.set("tz", "America%2FLos_Angeles")
    page = await client.get(f"/calls/{program['id']}")
    assert shown(page.text, "deadline-program") == "2099-01-15 10:00 CET (Europe/Berlin)"
    assert shown(page.text, "deadline-viewer") == "2099-01-15 01:00 PST (America/Los_Angeles)"
    for bad in ("Mars/Olympus_Mons", "../../etc/passwd", ""):
        client.cookies.set("tz", bad)
        page = await client.get(f"/calls/{program['id']}")
        note = shown(page.text, "zone-note")
        assert "Your time zone is not known" in note and "the agency's (Asia/Seoul)" in note
        assert shown(page.text, "deadline-viewer") == "2099-01-15 18:00 KST (Asia/Seoul)"
        assert instant(shown(page.text, "deadline-program")) == instant(shown(page.text, "deadline-viewer")) == CLOSES


async def test_a_viewer_in_the_calls_zone_is_told_it_is_the_same_zone(client: AsyncClient) -> None:
    program = await create_program(closes_at=CLOSES)
    client.cookies.set("tz", "Asia/Seoul")
    page = await client.get(f"/calls/{program['id']}")
    assert shown(page.text, "deadline-viewer") == "2099-01-15 18:00 KST (Asia/Seoul) (the same zone)"


async def test_an_open_call_has_a_countdown_with_static_text_and_the_instant_for_the_script(client: AsyncClient) -> None:
    closes = (utcnow() + timedelta(days=3, hours=5)).replace(microsecond=0)
    program = await create_program(closes_at=closes)
    page = await client.get(f"/calls/{program['id']}")
    match = re.search(r'<time datetime="([^"]+)" data-countdown data-deadline="([^"]+)" data-template="([^"]+)"', page.text)
    assert match and match.group(1) == match.group(2) == closes.isoformat().replace("+00:00", "Z")
    assert html.unescape(match.group(3)) == "{d} days {t} left"
    assert re.fullmatch(r"3 days 0[45]:\d\d:\d\d left", shown(page.text, "countdown"))
    assert f'href="/calls/{program["id"]}/apply"' in page.text


async def test_the_list_puts_open_calls_first_and_keeps_closed_ones_with_their_counts(client: AsyncClient) -> None:
    manager = await staff_viewer()
    now = utcnow()
    late = await create_program(manager, title_en="Closes later", closes_at=now + timedelta(days=30))
    soon = await create_program(manager, title_en="Closes soon", closes_at=now + timedelta(days=2))
    upcoming = await create_program(manager, title_en="Opens next month", opens_at=now + timedelta(days=30), closes_at=now + timedelta(days=60))
    finished = await create_program(manager, title_en="Finished call", closes_at=now + timedelta(days=1))
    for status in ("submitted", "submitted", "draft", "withdrawn"):
        made = await create_application(finished)
        await Application.update({Application.status: status}).where(Application.id == made["application"]["id"]).run()
    await ProgramService(SEOUL).close(finished["id"], manager)
    draft = await create_program(manager, title_en="Secret draft", publish=False)

    page = await client.get("/calls")
    order = [int(i) for i in re.findall(r'<article class="call" data-call="(\d+)"', page.text)]
    assert order == [soon["id"], late["id"], upcoming["id"], finished["id"]]
    assert draft["id"] not in order and "Secret draft" not in page.text
    states = dict(re.findall(r'data-call="(\d+)" data-state="(\w+)"', page.text))
    assert states == {str(soon["id"]): "open", str(late["id"]): "open", str(upcoming["id"]): "upcoming", str(finished["id"]): "closed"}
    closed_part = page.text[page.text.index(f'data-call="{finished["id"]}"'):]
    assert shown(closed_part, "received") == "2 applications received"  # drafts and withdrawn ones are not counted
    assert page.text.count('data-testid="countdown"') == 2  # open calls only


async def test_a_call_shows_texts_in_the_viewers_language_with_fallback_and_rules_in_words(client: AsyncClient) -> None:
    program = await create_program(
        title_ko="AI 씨앗 펀드", title_en="", summary_en="Seed money for AI teams", description_ko="설명",
        eligibility=[{"rule": "founded_within_years", "years": 7}, {"rule": "regions", "values": ["kr", "Busan"]},
                     {"rule": "team_size", "min": 1, "max": 50}, {"rule": "one_application_per_startup"}],
    )
    page = await client.get(f"/calls/{program['id']}")
    assert "<h1>AI 씨앗 펀드</h1>" in page.text  # no English title: the Korean one
    assert "Seed money for AI teams" in page.text and "설명" in page.text
    rules = re.findall(r"<li>([^<]+)</li>", page.text[page.text.index('data-testid="rules"'):])
    assert rules[:4] == [
        "Founded within the last 7 years, counted back from the closing date.",
        "Located in one of: kr, Busan.",
        "A team of 1 to 50 people.",
        "One application per startup.",
    ]
    assert "₩50,000,000" in shown(page.text, "max-award")


@pytest.mark.parametrize("role", ["anonymous", "startup", "corporation", "finance", "reviewer"])
async def test_a_draft_is_404_without_its_title_for_everyone_but_program_managers(client: AsyncClient, role: str) -> None:
    program = await create_program(publish=False, title_en="Secret Seed Fund", title_ko="비밀 펀드")
    if role == "startup":
        await login_as(client, {"id": (await create_startup())["owner"].id})
    elif role == "corporation":
        await login_as(client, (await corporation_with_member())[1])
    elif role != "anonymous":
        await login_as(client, await create_user(roles=(role,)))
    page = await client.get(f"/calls/{program['id']}")
    assert page.status_code == 404
    assert "Secret Seed Fund" not in page.text and "비밀 펀드" not in page.text
    asked = await post_form(client, f"/calls/{program['id']}/questions", {"question": "Hello?"}, follow_redirects=False)
    assert asked.status_code == (303 if role == "anonymous" else 404)
    assert await ProgramQuestion.count().run() == 0


@pytest.mark.parametrize("role", ["program_manager", "admin"])
async def test_program_managers_see_a_draft_marked_as_such(client: AsyncClient, role: str) -> None:
    program = await create_program(publish=False, title_en="Secret Seed Fund")
    await login_as(client, await create_user(roles=(role,)))
    page = await client.get(f"/calls/{program['id']}")
    assert page.status_code == 200 and "Secret Seed Fund" in page.text and 'data-testid="draft-note"' in page.text
    assert 'data-testid="apply-link"' not in page.text


async def test_asking_a_question_needs_a_login_and_bad_text_gets_422_with_the_text_kept(client: AsyncClient) -> None:
    program = await create_program()
    anonymous = await client.get(f"/calls/{program['id']}")
    assert 'data-testid="question-form"' not in anonymous.text and f"/login?next=/calls/{program['id']}" in anonymous.text
    refused = await post_form(client, f"/calls/{program['id']}/questions", {"question": "Anyone?"}, follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"].startswith("/login")

    await login_as(client, {"id": (await create_startup())["owner"].id})
    assert 'data-testid="question-form"' in (await client.get(f"/calls/{program['id']}")).text
    too_long = "x" * 2001
    response = await post_form(client, f"/calls/{program['id']}/questions", {"question": too_long})
    assert response.status_code == 422
    assert "Question" in re.search(r'<small id="error-question" class="field-error">([^<]*)</small>', response.text).group(1)
    assert too_long in response.text
    assert (await post_form(client, f"/calls/{program['id']}/questions", {"question": "  "})).status_code == 422
    assert await ProgramQuestion.count().run() == 0
    sent = await post_form(client, f"/calls/{program['id']}/questions", {"question": "Is a pre-seed team eligible?"}, follow_redirects=False)
    assert sent.status_code == 303
    assert "Your question is sent" in (await client.get(sent.headers["location"])).text
    assert [q["question"] for q in await ProgramQuestion.select().run()] == ["Is a pre-seed team eligible?"]


async def test_a_closed_call_takes_no_questions_and_shows_its_count(client: AsyncClient) -> None:
    manager = await staff_viewer()
    program = await create_program(manager)
    await create_application(program)
    made = await create_application(program)
    await Application.update({Application.status: "submitted"}).where(Application.id == made["application"]["id"]).run()
    await ProgramService(SEOUL).close(program["id"], manager)
    await login_as(client, {"id": (await create_startup())["owner"].id})
    page = await client.get(f"/calls/{program['id']}")
    assert "This call is closed." in shown(page.text, "closed-note") and "1 application received" in shown(page.text, "closed-note")
    assert 'data-testid="question-form"' not in page.text and 'data-testid="apply-link"' not in page.text
    response = await post_form(client, f"/calls/{program['id']}/questions", {"question": "Too late?"})
    assert response.status_code == 409 and "Questions are taken while the call is open." in response.text
    assert await ProgramQuestion.count().run() == 0


async def test_the_pages_are_fragments_for_htmx(client: AsyncClient) -> None:
    program = await create_program()
    for url in ("/calls", f"/calls/{program['id']}"):
        fragment = await client.get(url, headers={"HX-Request": "true"})
        assert fragment.status_code == 200 and "<html" not in fragment.text and "AI Seed Fund" in fragment.text
