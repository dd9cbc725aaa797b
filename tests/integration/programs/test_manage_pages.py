"""Program managers' pages: who may use them, the details form (local times in the program's
zone, bad input), publish / close / archive with their refusals, the form builder and its
versions, the eligibility and review-round editors, notices and Q&A."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from httpx import AsyncClient
from litestar import Litestar

from hubcity.db.tables import Application, AuditEntry, Notification, Program, ProgramFormVersion, ProgramNotice, ProgramQuestion
from tests.conftest import open_client, post_form
from tests.factories.accounts import create_user
from tests.factories.corporates import corporation_with_member, login_as, login_route
from tests.factories.programs import FORM, create_application, create_program, create_startup, staff_viewer

ROLES = ("program_manager", "admin", "finance", "reviewer", "startup", "corporation", "anonymous")
MANAGERS = ("program_manager", "admin")
PAGES = ("", "/edit", "/form", "/eligibility", "/rounds", "/notices", "/questions")


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncClient]:
    """The app's client with the test-only login route."""
    app.register(login_route)
    async with open_client(app) as test_client:
        yield test_client


async def person(role: str) -> dict[str, Any] | None:
    """A user of ``role`` (a staff role, ``startup``, ``corporation``), None for ``anonymous``."""
    if role == "anonymous":
        return None
    if role == "startup":
        return {"id": (await create_startup())["owner"].id}
    if role == "corporation":
        return (await corporation_with_member())[1]
    return await create_user(roles=(role,))


async def manager_client(client: AsyncClient) -> Any:
    """Log a program manager in on ``client``; returns the manager as a Viewer."""
    manager = await staff_viewer("program_manager")
    await login_as(client, {"id": manager.id})
    return manager


def field_errors(text: str) -> dict[str, str]:
    """Input name → the error message shown under it."""
    return {k: html.unescape(v) for k, v in re.findall(r'<small id="error-([\w-]+)" class="field-error">([^<]*)</small>', text)}


def input_value(text: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" type="[^"]*" value="([^"]*)"', text)
    assert match, f"no input {name}"
    return html.unescape(match.group(1))


async def row(program_id: int) -> dict[str, Any]:
    return await Program.select().where(Program.id == program_id).first().output(load_json=True).run()


def details_form(**overrides: str) -> dict[str, str]:
    data = {
        "title_ko": "AI 바우처", "title_en": "AI Voucher", "summary_ko": "", "summary_en": "Vouchers for AI pilots",
        "description_ko": "", "description_en": "", "kind": "fund", "family": "ai-voucher", "time_zone": "Asia/Seoul",
        "opens_at": "2030-03-02T09:00", "closes_at": "2030-03-31T18:00", "budget": "900000000", "max_award": "30000000",
        "currency": "KRW", "capacity": "30",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ROLES)
async def test_every_page_is_for_program_managers_and_admins_only(client: AsyncClient, role: str) -> None:
    program = await create_program(publish=False)
    await login_as(client, await person(role))
    urls = ["/staff/programs", "/staff/programs/new"] + [f"/staff/programs/{program['id']}{page}" for page in PAGES]
    for url in urls:
        response = await client.get(url, follow_redirects=False)
        if role in MANAGERS:
            assert response.status_code == 200, (url, response.text[:300])
        elif role == "anonymous":
            assert response.status_code == 303 and response.headers["location"].startswith("/login"), url
        else:
            assert response.status_code == 403, url
            assert "AI Seed Fund" not in response.text
    refused = 303 if role == "anonymous" else 403
    posts = [f"/staff/programs/{program['id']}/{action}" for action in ("publish", "archive", "edit", "form", "eligibility", "rounds", "notices")]
    for url in posts + ["/staff/programs"]:
        response = await post_form(client, url, details_form(title_en="Hijacked"), follow_redirects=False)
        if role not in MANAGERS:
            assert response.status_code == refused, url
    stored = await row(program["id"])
    if role not in MANAGERS:
        assert stored["status"] == "draft" and stored["title_en"] == "AI Seed Fund"
        assert await Program.count().run() == 1


async def test_list_filters_by_status_and_links_each_program(client: AsyncClient) -> None:
    manager = await manager_client(client)
    draft = await create_program(manager, publish=False, title_en="Draft Fund")
    published = await create_program(manager, title_en="Open Fund")
    everything = await client.get("/staff/programs")
    assert f'href="/staff/programs/{draft["id"]}"' in everything.text and f'href="/staff/programs/{published["id"]}"' in everything.text
    drafts = await client.get("/staff/programs?status=draft")
    assert "Draft Fund" in drafts.text and "Open Fund" not in drafts.text
    assert "Open Fund" in (await client.get("/staff/programs?status=published")).text
    assert "Draft Fund" in (await client.get("/staff/programs?status=nonsense")).text  # an unknown status filters nothing


async def test_a_new_program_reads_its_times_in_its_own_zone_and_stores_the_instants(client: AsyncClient) -> None:
    await manager_client(client)
    page = await client.get("/staff/programs/new")
    assert input_value(page.text, "time_zone") == "Asia/Seoul"  # the agency's zone by default
    response = await post_form(client, "/staff/programs", details_form(time_zone="America/New_York"), follow_redirects=False)
    assert response.status_code == 303, field_errors(response.text)
    program_id = int(response.headers["location"].rsplit("/", 1)[1])
    stored = await row(program_id)
    assert stored["status"] == "draft" and stored["time_zone"] == "America/New_York"
    assert stored["opens_at"] == datetime(2030, 3, 2, 14, 0, tzinfo=UTC)  # 09:00 EST
    assert stored["closes_at"] == datetime(2030, 3, 31, 22, 0, tzinfo=UTC)  # 18:00 EDT (summer time began on 10 March)
    assert (stored["budget"], stored["max_award"], stored["capacity"]) == (900_000_000, 30_000_000, 30)
    overview = await client.get(f"/staff/programs/{program_id}")
    assert "2030-03-31 18:00 EDT (America/New_York)" in overview.text
    edit = await client.get(f"/staff/programs/{program_id}/edit")
    assert input_value(edit.text, "closes_at") == "2030-03-31T18:00"


async def test_an_empty_time_zone_means_the_agency_zone(client: AsyncClient) -> None:
    await manager_client(client)
    response = await post_form(client, "/staff/programs", details_form(time_zone=""), follow_redirects=False)
    assert response.status_code == 303
    assert (await Program.select(Program.time_zone).first().run())["time_zone"] == "Asia/Seoul"


BAD_DETAILS = [
    ({"budget": "lots"}, "budget", "budget"),
    ({"capacity": "many"}, "capacity", "Capacity"),
    ({"opens_at": "next tuesday"}, "opens_at", "opens_at"),
    ({"opens_at": "2030-03-31T09:00", "closes_at": "2030-03-01T09:00"}, "closes_at", "Closes at"),
    ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "Time zone"),
    ({"budget": "10000000", "max_award": "30000000"}, "max_award", "Maximum award"),
    ({"kind": "lottery"}, "kind", "Kind"),
    ({"family": "AI Seed!"}, "family", "Family"),
    ({"currency": "won"}, "currency", "Currency"),
]


@pytest.mark.parametrize("overrides, name, words", BAD_DETAILS)
async def test_bad_details_get_422_naming_the_field_and_nothing_is_saved(
    client: AsyncClient, overrides: dict[str, str], name: str, words: str
) -> None:
    manager = await manager_client(client)
    program = await create_program(manager, publish=False)
    before = await row(program["id"])
    form = details_form(title_en="Changed title", **overrides)
    response = await post_form(client, f"/staff/programs/{program['id']}/edit", form)
    assert response.status_code == 422
    errors = field_errors(response.text)
    assert name in errors and words in errors[name], errors
    assert input_value(response.text, "title_en") == "Changed title"  # what was typed is kept on the page
    assert await row(program["id"]) == before
    # the same on a new program: nothing created
    count = await Program.count().run()
    response = await post_form(client, "/staff/programs", form)
    assert response.status_code == 422 and name in field_errors(response.text)
    assert await Program.count().run() == count


async def test_a_new_program_needs_a_title(client: AsyncClient) -> None:
    await manager_client(client)
    response = await post_form(client, "/staff/programs", details_form(title_ko="", title_en=""))
    assert response.status_code == 422 and "Title" in field_errors(response.text)["title"]
    assert await Program.count().run() == 0


async def test_publish_refused_names_what_is_missing_then_publish_close_archive(client: AsyncClient) -> None:
    await manager_client(client)
    created = await post_form(
        client, "/staff/programs", details_form(opens_at="", closes_at="", budget="", max_award=""), follow_redirects=False
    )
    program_id = int(created.headers["location"].rsplit("/", 1)[1])
    refused = await post_form(client, f"/staff/programs/{program_id}/publish")
    assert refused.status_code == 422
    problems = dict(re.findall(r'<li data-problem="([\w.\[\]]+)"><a href="[^"]+">([^<]*)</a>', refused.text))
    assert set(problems) >= {"opens_at", "closes_at", "max_award", "form"}, problems
    assert "Form" in html.unescape(problems["form"]) and f'href="/staff/programs/{program_id}/form"' in refused.text
    assert (await row(program_id))["status"] == "draft"

    closing = await post_form(client, f"/staff/programs/{program_id}/close")
    assert closing.status_code == 409 and "Only a published program can be closed." in closing.text

    await post_form(client, f"/staff/programs/{program_id}/edit", details_form())
    await post_form(client, f"/staff/programs/{program_id}/form", {
        "fields-0-key": "pitch", "fields-0-type": "long_text", "fields-0-label_en": "Pitch", "_action": "save",
    })
    published = await post_form(client, f"/staff/programs/{program_id}/publish", follow_redirects=False)
    assert published.status_code == 303 and (await row(program_id))["status"] == "published"
    assert "The program is published" in (await client.get(published.headers["location"])).text
    archiving = await post_form(client, f"/staff/programs/{program_id}/archive")
    assert archiving.status_code == 409 and "Close the program before archiving it." in archiving.text
    assert (await post_form(client, f"/staff/programs/{program_id}/close", follow_redirects=False)).status_code == 303
    assert (await post_form(client, f"/staff/programs/{program_id}/archive", follow_redirects=False)).status_code == 303
    assert (await row(program_id))["status"] == "archived"
    actions = [r["action"] for r in await AuditEntry.select(AuditEntry.action).where(AuditEntry.object_id == str(program_id)).order_by(AuditEntry.id).run()]
    assert actions[-3:] == ["program.published", "program.closed", "program.archived"]


async def test_the_overview_counts_applications_per_status_in_the_programs_zone(client: AsyncClient) -> None:
    manager = await manager_client(client)
    program = await create_program(manager, closes_at=datetime(2099, 1, 15, 9, 0, tzinfo=UTC))
    await create_application(program)
    await create_application(program)
    made = await create_application(program)
    await Application.update({Application.status: "submitted"}).where(Application.id == made["application"]["id"]).run()
    page = await client.get(f"/staff/programs/{program['id']}")
    counts = dict(re.findall(r'<tr data-status="(\w+)"><td>[^<]*</td><td>(\d+)</td></tr>', page.text))
    assert counts["draft"] == "2" and counts["submitted"] == "1" and counts["screening"] == "0"
    assert '<th data-testid="total">3</th>' in page.text
    assert "2099-01-15 18:00 KST (Asia/Seoul)" in page.text


# -- the form builder ---------------------------------------------------------------------------
def builder_form(rows: list[dict[str, Any]], action: str = "save", **extra: str) -> dict[str, Any]:
    data: dict[str, Any] = {"_action": action, **extra}
    for index, field in enumerate(rows):
        for key, value in field.items():
            data[f"fields-{index}-{key}"] = value
    return data


async def versions(program_id: int) -> list[dict[str, Any]]:
    return await ProgramFormVersion.select().where(ProgramFormVersion.program == program_id).order_by(ProgramFormVersion.version).output(load_json=True).run()


async def test_the_builder_saves_every_type_of_field(client: AsyncClient) -> None:
    await manager_client(client)
    created = await post_form(client, "/staff/programs", details_form(), follow_redirects=False)
    program = {"id": int(created.headers["location"].rsplit("/", 1)[1])}  # a draft with no form yet
    page = await client.get(f"/staff/programs/{program['id']}/form")
    assert "no form yet" in page.text
    rows = [
        {"key": "summary", "type": "text", "label_ko": "요약", "label_en": "Summary", "required": "yes", "max_length": "120"},
        {"key": "plan", "type": "long_text", "label_en": "Plan", "help_en": "Two pages at most"},
        {"key": "team", "type": "number", "label_en": "Team", "min": "1", "max": "500", "prefill": "team_size"},
        {"key": "track", "type": "single_choice", "label_en": "Track", "choices": "ai | 인공지능 | AI\nbio | 바이오 | Bio"},
        {"key": "markets", "type": "multiple_choice", "label_en": "Markets", "choices": "kr\njp"},
        {"key": "start", "type": "date", "label_en": "Start"},
        {"key": "deck", "type": "file", "label_en": "Deck", "max_files": "2", "max_mb": "5", "allowed_types": "application/pdf"},
    ]
    response = await post_form(client, f"/staff/programs/{program['id']}/form", builder_form(rows), follow_redirects=False)
    assert response.status_code == 303, field_errors(response.text)
    [version] = await versions(program["id"])
    fields = {f["key"]: f for f in version["fields"]}
    assert [f["key"] for f in version["fields"]] == ["summary", "plan", "team", "track", "markets", "start", "deck"]
    assert fields["summary"]["required"] is True and fields["summary"]["max_length"] == 120 and fields["summary"]["label_ko"] == "요약"
    assert fields["plan"]["help_en"] == "Two pages at most" and fields["plan"]["required"] is False
    assert (fields["team"]["min"], fields["team"]["max"], fields["team"]["prefill"]) == (1, 500, "team_size")
    assert fields["track"]["choices"] == [{"value": "ai", "label_ko": "인공지능", "label_en": "AI"}, {"value": "bio", "label_ko": "바이오", "label_en": "Bio"}]
    assert [c["value"] for c in fields["markets"]["choices"]] == ["kr", "jp"]
    assert fields["deck"]["max_bytes"] == 5 * 1024 * 1024 and fields["deck"]["allowed_types"] == ["application/pdf"] and fields["deck"]["max_files"] == 2
    # the page shows it back as typed
    again = await client.get(f"/staff/programs/{program['id']}/form")
    assert "ai | 인공지능 | AI" in again.text and input_value(again.text, "fields-6-max_mb") == "5"


async def test_builder_buttons_add_move_and_remove_without_saving(client: AsyncClient) -> None:
    manager = await manager_client(client)
    program = await create_program(manager, publish=False)
    rows = [{"key": "a", "type": "text", "label_en": "First"}, {"key": "b", "type": "text", "label_en": "Second"}]
    added = await post_form(client, f"/staff/programs/{program['id']}/form", builder_form(rows, "add", _new_type="file"))
    assert added.status_code == 200 and 'name="fields-2-max_mb"' in added.text and "not saved" in added.text
    assert input_value(added.text, "fields-0-label_en") == "First"
    moved = await post_form(client, f"/staff/programs/{program['id']}/form", builder_form(rows, "down-0"))
    assert input_value(moved.text, "fields-0-label_en") == "Second" and input_value(moved.text, "fields-1-label_en") == "First"
    removed = await post_form(client, f"/staff/programs/{program['id']}/form", builder_form(rows, "remove-0"), headers={"HX-Request": "true", "HX-Target": "form-builder"})
    assert removed.status_code == 200 and "<html" not in removed.text
    assert input_value(removed.text, "fields-0-label_en") == "Second" and 'name="fields-1-key"' not in removed.text
    assert [f["key"] for f in (await versions(program["id"]))[0]["fields"]] == [f["key"] for f in FORM]  # nothing saved


BAD_FIELDS = [
    ({"key": "track", "type": "single_choice", "label_en": "Track", "choices": ""}, "fields-0-choices", "Track: a choice field needs at least one choice."),
    ({"key": "pitch", "type": "text", "label_en": "Pitch", "max_length": "long"}, "fields-0-max_length", "Pitch: the maximum length"),
    ({"key": "team", "type": "number", "label_en": "Team", "min": "ten"}, "fields-0-min", "Team: the minimum and maximum must be numbers."),
    ({"key": "team", "type": "number", "label_en": "Team", "min": "10", "max": "1"}, "fields-0-min", "Team: the minimum is greater"),
    ({"key": "Bad Key", "type": "text", "label_en": "Pitch"}, "fields-0-key", "Pitch: the key must start"),
    ({"key": "pitch", "type": "text"}, "fields-0-label_ko", "give a Korean or an English label"),
    ({"key": "deck", "type": "file", "label_en": "Deck", "max_mb": "huge"}, "fields-0-max_mb", "Deck: the file size limit"),
    ({"key": "deck", "type": "file", "label_en": "Deck", "max_files": "0"}, "fields-0-max_files", "Deck: the number of files"),
]


@pytest.mark.parametrize("field, name, words", BAD_FIELDS)
async def test_a_bad_field_gets_422_naming_it_and_the_saved_form_is_kept(client: AsyncClient, field: dict[str, str], name: str, words: str) -> None:
    manager = await manager_client(client)
    program = await create_program(manager, publish=False)
    before = await versions(program["id"])
    response = await post_form(client, f"/staff/programs/{program['id']}/form", builder_form([field]))
    assert response.status_code == 422
    errors = field_errors(response.text)
    assert name in errors and words in errors[name], errors
    assert await versions(program["id"]) == before


async def test_saving_a_draft_form_without_applications_changes_it_in_place(client: AsyncClient) -> None:
    manager = await manager_client(client)
    program = await create_program(manager, publish=False)
    page = await client.get(f"/staff/programs/{program['id']}/form")
    assert "saving changes it in place" in page.text
    response = await post_form(client, f"/staff/programs/{program['id']}/form", builder_form([{"key": "only", "type": "text", "label_en": "Only"}]), follow_redirects=False)
    assert response.status_code == 303
    [version] = await versions(program["id"])
    assert version["version"] == 1 and [f["key"] for f in version["fields"]] == ["only"]


async def test_a_form_change_after_publication_makes_a_new_version_and_applications_keep_theirs(client: AsyncClient) -> None:
    manager = await manager_client(client)
    program = await create_program(manager)
    made = await create_application(program)
    page = await client.get(f"/staff/programs/{program['id']}/form")
    note = re.search(r'data-testid="version-note">(.*?)</p>', page.text, re.S).group(1)
    assert "saving creates version 2" in note and "keep the version they began on" in note and "(1 on this version)" in note
    rows = [dict(f) for f in (await versions(program["id"]))[0]["fields"]]
    form = builder_form([{"key": "summary", "type": "text", "label_en": "Summary, shorter", "required": "yes", "max_length": "50"}])
    response = await post_form(client, f"/staff/programs/{program['id']}/form", form, follow_redirects=False)
    assert response.status_code == 303
    flashed = await client.get(response.headers["location"])
    assert "saved as version 2" in flashed.text and "keep version 1" in flashed.text
    old, new = await versions(program["id"])
    assert old["fields"] == rows  # version 1 never changes
    assert [f["label_en"] for f in new["fields"]] == ["Summary, shorter"]
    assert (await row(program["id"]))["current_form_version"] == new["id"]
    application = await Application.select(Application.form_version).where(Application.id == made["application"]["id"]).first().run()
    assert application["form_version"] == old["id"]


# -- eligibility ---------------------------------------------------------------------------------
async def test_the_eligibility_editor_saves_rules_as_data(client: AsyncClient) -> None:
    manager = await manager_client(client)
    program = await create_program(manager, publish=False, eligibility=[])
    form = {
        "rule-founded_within_years-on": "yes", "rule-founded_within_years-years": "7",
        "rule-regions-on": "yes", "rule-regions-values": "kr, Busan",
        "rule-team_size-on": "yes", "rule-team_size-min": "1", "rule-team_size-max": "50",
        "rule-stages-values": "seed",  # not ticked: not a rule
        "rule-one_application_per_startup-on": "yes",
    }
    response = await post_form(client, f"/staff/programs/{program['id']}/eligibility", form, follow_redirects=False)
    assert response.status_code == 303
    assert (await row(program["id"]))["eligibility"] == [
        {"rule": "founded_within_years", "years": 7},
        {"rule": "regions", "values": ["kr", "Busan"]},
        {"rule": "team_size", "min": 1, "max": 50},
        {"rule": "one_application_per_startup"},
    ]
    page = await client.get(f"/staff/programs/{program['id']}/eligibility")
    assert input_value(page.text, "rule-regions-values") == "kr, Busan"


@pytest.mark.parametrize("form, name, words", [
    ({"rule-founded_within_years-on": "yes", "rule-founded_within_years-years": "seven"}, "rule-founded_within_years-years", "whole number"),
    ({"rule-team_size-on": "yes", "rule-team_size-min": "50", "rule-team_size-max": "5"}, "rule-team_size-min", "minimum is greater"),
    ({"rule-team_size-on": "yes", "rule-team_size-min": "a few"}, "rule-team_size-min", "whole numbers"),
    ({"rule-sectors-on": "yes", "rule-sectors-values": " , "}, "rule-sectors-values", "at least one value"),
])
async def test_bad_rules_get_422_naming_the_rule_and_the_stored_rules_are_kept(client: AsyncClient, form: dict[str, str], name: str, words: str) -> None:
    manager = await manager_client(client)
    program = await create_program(manager, publish=False)
    before = (await row(program["id"]))["eligibility"]
    response = await post_form(client, f"/staff/programs/{program['id']}/eligibility", form)
    assert response.status_code == 422
    errors = field_errors(response.text)
    assert name in errors and words in errors[name], errors
    assert (await row(program["id"]))["eligibility"] == before


# -- review rounds ------------------------------------------------------------------------------
def rounds_form(rounds: list[dict[str, Any]], action: str = "save") -> dict[str, Any]:
    data: dict[str, Any] = {"_action": action}
    for index, rnd in enumerate(rounds):
        for key, value in rnd.items():
            if key == "criteria":
                for c_index, criterion in enumerate(value):
                    for c_key, c_value in criterion.items():
                        data[f"rounds-{index}-criteria-{c_index}-{c_key}"] = c_value
            else:
                data[f"rounds-{index}-{key}"] = value
    return data


WRITTEN = {
    "name_ko": "서면 평가", "name_en": "Written review", "kind": "written", "order": "1", "scoring": "trimmed_mean", "advance": "20",
    "criteria": [
        {"key": "team", "label_ko": "팀", "label_en": "Team", "weight": "0.4", "scale_min": "1", "scale_max": "5"},
        {"key": "market", "label_ko": "시장", "label_en": "Market", "weight": "60", "scale_min": "0", "scale_max": "10"},
    ],
}


async def test_the_rounds_editor_saves_rounds_with_their_rubric(client: AsyncClient) -> None:
    manager = await manager_client(client)
    program = await create_program(manager, publish=False)
    pitch = {"name_en": "Pitch day", "name_ko": "", "kind": "presentation", "order": "2", "scoring": "mean", "advance": "5",
             "criteria": [{"key": "pitch", "label_ko": "", "label_en": "Pitch", "weight": "1", "scale_min": "1", "scale_max": "10"}]}
    response = await post_form(client, f"/staff/programs/{program['id']}/rounds", rounds_form([pitch, WRITTEN]), follow_redirects=False)
    assert response.status_code == 303, field_errors(response.text)
    rounds = (await row(program["id"]))["review_rounds"]
    assert [r["name_en"] for r in rounds] == ["Written review", "Pitch day"]  # in order
    assert rounds[0]["scoring"] == "trimmed_mean" and rounds[0]["advance"] == 20
    assert [(c["key"], c["weight"], c["scale_min"], c["scale_max"]) for c in rounds[0]["rubric"]] == [("team", 0.4, 1, 5), ("market", 60, 0, 10)]
    added = await post_form(client, f"/staff/programs/{program['id']}/rounds", rounds_form([WRITTEN], "add-round"))
    assert added.status_code == 200 and input_value(added.text, "rounds-1-order") == "2"
    more = await post_form(client, f"/staff/programs/{program['id']}/rounds", rounds_form([WRITTEN], "add-criterion-0"))
    assert 'name="rounds-0-criteria-2-weight"' in more.text
    assert len((await row(program["id"]))["review_rounds"]) == 2  # buttons save nothing


@pytest.mark.parametrize("change, name, words", [
    ({"criteria": [{**WRITTEN["criteria"][0], "weight": "heavy"}]}, "rounds-0-criteria-0-weight", "Round 1, criterion 1: the weight must be a positive number."),
    ({"criteria": [{**WRITTEN["criteria"][0], "weight": "-1"}]}, "rounds-0-criteria-0-weight", "weight must be a positive number"),
    ({"criteria": [{**WRITTEN["criteria"][0], "scale_min": "5", "scale_max": "1"}]}, "rounds-0-criteria-0-scale_min", "the scale must be two whole numbers"),
    ({"scoring": "median"}, "rounds-0-scoring", "mean or trimmed_mean"),
    ({"advance": "half"}, "rounds-0-advance", "how many advance"),
    ({"order": "first"}, "rounds-0-order", "the order must be a whole number"),
    ({"name_ko": "", "name_en": ""}, "rounds-0-name_ko", "give a Korean or an English name"),
    ({"criteria": []}, "rounds-0-rubric", "at least one criterion"),
])
async def test_bad_rounds_get_422_naming_the_value_and_the_stored_rounds_are_kept(client: AsyncClient, change: dict[str, Any], name: str, words: str) -> None:
    manager = await manager_client(client)
    program = await create_program(manager, publish=False)
    await post_form(client, f"/staff/programs/{program['id']}/rounds", rounds_form([WRITTEN]))
    before = (await row(program["id"]))["review_rounds"]
    assert len(before) == 1
    response = await post_form(client, f"/staff/programs/{program['id']}/rounds", rounds_form([{**WRITTEN, **change}]))
    assert response.status_code == 422
    errors = field_errors(response.text)
    assert name in errors and words in errors[name], errors
    assert (await row(program["id"]))["review_rounds"] == before


# -- notices and questions ----------------------------------------------------------------------
async def test_a_notice_is_published_on_the_call_page_and_applicants_are_notified(client: AsyncClient) -> None:
    manager = await manager_client(client)
    program = await create_program(manager)
    made = await create_application(program)
    empty = await post_form(client, f"/staff/programs/{program['id']}/notices", {"title_en": "Deadline moved", "body_en": ""})
    assert empty.status_code == 422 and "Text" in field_errors(empty.text)["body"]
    assert input_value(empty.text, "title_en") == "Deadline moved"
    assert await ProgramNotice.count().run() == 0
    response = await post_form(client, f"/staff/programs/{program['id']}/notices",
                               {"title_en": "Info session", "body_en": "Join us on Friday."}, follow_redirects=False)
    assert response.status_code == 303
    assert "applicants are notified" in (await client.get(response.headers["location"])).text
    sent = await Notification.select().where(Notification.template == "program_notice_published").run()
    assert [n["to_email"] for n in sent] == [made["viewer"].email]
    assert f"/calls/{program['id']}" in sent[0]["body"]
    public = await client.get(f"/calls/{program['id']}")
    assert "Info session" in public.text and "Join us on Friday." in public.text


async def test_a_notice_on_a_draft_is_refused_with_the_reason(client: AsyncClient) -> None:
    manager = await manager_client(client)
    program = await create_program(manager, publish=False)
    response = await post_form(client, f"/staff/programs/{program['id']}/notices", {"title_en": "Hi", "body_en": "Text"})
    assert response.status_code == 409 and "published or closed programs only" in response.text
    assert await ProgramNotice.count().run() == 0


async def test_staff_see_questions_and_answer_them_in_both_languages(client: AsyncClient) -> None:
    program = await create_program()
    startup = await create_startup()
    await login_as(client, {"id": startup["owner"].id})
    asked = await post_form(client, f"/calls/{program['id']}/questions", {"question": "Can a foreign branch apply?"}, follow_redirects=False)
    assert asked.status_code == 303
    [question] = await ProgramQuestion.select().run()
    assert "Can a foreign branch apply?" not in (await client.get(f"/calls/{program['id']}")).text  # not answered yet

    await manager_client(client)
    page = await client.get(f"/staff/programs/{program['id']}/questions")
    assert "Can a foreign branch apply?" in page.text and "Not answered yet" in page.text
    url = f"/staff/programs/{program['id']}/questions/{question['id']}/answer"
    empty = await post_form(client, url, {"answer_ko": " ", "answer_en": "", "publish": "yes"})
    assert empty.status_code == 422 and "Answer" in field_errors(empty.text)[f"answer-{question['id']}"]
    assert (await ProgramQuestion.select().first().run())["published_at"] is None
    answered = await post_form(client, url, {"answer_ko": "네, 가능합니다.", "answer_en": "Yes, it can.", "publish": "yes"}, follow_redirects=False)
    assert answered.status_code == 303
    stored = await ProgramQuestion.select().first().run()
    assert (stored["answer_ko"], stored["answer_en"]) == ("네, 가능합니다.", "Yes, it can.") and stored["published_at"] is not None
    public = await client.get(f"/calls/{program['id']}")
    assert "Can a foreign branch apply?" in public.text and "Yes, it can." in public.text
    other = await create_program()
    assert (await post_form(client, f"/staff/programs/{other['id']}/questions/{question['id']}/answer", {"answer_en": "x"})).status_code == 404
