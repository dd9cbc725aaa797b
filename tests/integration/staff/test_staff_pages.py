"""What the dashboard, the outbox, the audit log and the jobs page show."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from litestar import Litestar
from httpx import AsyncClient as AsyncTestClient

from hubcity.core import audit
from hubcity.core.clock import utcnow
from hubcity.core.jobs import enqueue
from hubcity.db.tables import Job
from tests.conftest import post_form
from tests.integration.staff.helpers import login, make_org, make_user


@pytest.fixture
async def admin(client: AsyncTestClient) -> int:
    user_id = await make_user("boss@example.com", name="Boss", roles=["admin"])
    await login(client, user_id)
    return user_id


def count_in(html: str, marker: str) -> int:
    match = re.search(re.escape(marker) + r"[^<]*<strong>(\d+)</strong>", html)
    assert match, f"no count after {marker!r}"
    return int(match[1])


async def test_dashboard_counts(client: AsyncTestClient, app: Litestar) -> None:
    reviewer = await make_user("reviewer@example.com", roles=["reviewer"])
    await login(client, reviewer)
    await make_user("a@example.com", org_kind="startup")
    await make_user("b@example.com", org_kind="startup")
    await make_user("c@example.com", org_kind="corporate")
    await make_org("agency")
    await enqueue("test.queued")
    failed = await enqueue("test.failed")
    await Job.update({Job.status: "failed"}).where(Job.id == failed).run()
    await app.state.notifier.notify(to_email="a@example.com", locale="en", template="staff_account_created",
                                    context={"name": "A", "roles": [], "role_labels": {}, "login_url": ""})
    page = await client.get("/staff")
    assert page.status_code == 200
    stats = page.text
    assert re.search(r'data-testid="stat-users">\s*<header>Users</header>\s*<p class="stat">4</p>', stats)
    assert "1 of them hold an agency role" in stats
    assert count_in(stats, 'data-kind="startup">Startup:') == 2
    assert count_in(stats, 'data-kind="corporate">Corporation:') == 1
    assert count_in(stats, 'data-kind="agency">Agency:') == 1
    assert count_in(stats, 'data-status="queued">') == 2  # test.queued and the email's delivery job
    assert count_in(stats, 'data-status="failed">') == 1
    assert count_in(stats, 'data-status="pending">') == 1
    assert "Reviewer" in stats


async def test_outbox_shows_each_email_with_its_body(client: AsyncTestClient, app: Litestar, admin: int) -> None:
    notifier = app.state.notifier
    for email, locale in (("ko@example.com", "ko"), ("en@example.com", "en")):
        await notifier.notify(to_email=email, locale=locale, template="staff_account_created",
                              context={"name": "Kim", "roles": ["finance"], "role_labels": {"finance": "Finance"}, "login_url": ""})
    await app.state.worker.drain()
    page = await client.get("/staff/outbox")
    assert page.status_code == 200
    rows = page.text.split('<tr id="notification-')[1:]
    assert len(rows) == 2
    newest = rows[0]
    assert "en@example.com" in newest and "Your Hubcity staff account is ready" in newest
    assert '<pre class="email-body" lang="en">Hello Kim,' in newest  # the body, behind <details>
    assert 'data-status="kept">Kept in the outbox<' in newest and "English" in newest  # a label, not the key
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d KST \(Asia/Seoul\)", newest)
    assert "한국어" in rows[1]
    only_pending = await client.get("/staff/outbox", params={"status": "pending"})
    assert "<tr id=\"notification-" not in only_pending.text and "Nothing to show." in only_pending.text


async def test_audit_filters_by_action_prefix(client: AsyncTestClient, admin: int) -> None:
    await audit.record("staff.role_granted", actor_id=admin, object_type="user", object_id=7,
                       before={"roles": []}, after={"roles": ["finance"], "name": "김서연"}, ip="10.0.0.1")
    await audit.record("account.login_failed", actor_id=None, object_type="user", object_id=8)
    everything = await client.get("/staff/audit")
    assert everything.status_code == 200
    assert "staff.role_granted" in everything.text and "account.login_failed" in everything.text
    assert "김서연" in everything.text  # before/after shown as readable JSON
    assert "boss@example.com" in everything.text and "the system" in everything.text
    staff_only = await client.get("/staff/audit", params={"action": "staff."})
    assert "staff.role_granted" in staff_only.text and "account.login_failed" not in staff_only.text
    assert 'value="staff."' in staff_only.text
    fragment = await client.get("/staff/audit", params={"action": "account."}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert "account.login_failed" in fragment.text and "staff.role_granted" not in fragment.text


async def test_jobs_page_shows_status_attempts_error_and_next_run(client: AsyncTestClient, admin: int) -> None:
    job_id = await enqueue("test.flaky", {"n": 1})
    later = utcnow() + timedelta(minutes=5)
    await Job.update({Job.attempts: 2, Job.last_error: "ConnectionRefusedError: mail server down", Job.run_after: later}).where(
        Job.id == job_id
    ).run()
    done = await enqueue("test.done")
    await Job.update({Job.status: "done", Job.attempts: 1}).where(Job.id == done).run()
    page = await client.get("/staff/jobs")
    assert page.status_code == 200
    row = page.text.split(f'<tr id="job-{job_id}">')[1].split("</tr>")[0]
    assert "test.flaky" in row and 'data-status="queued">Waiting to run<' in row
    assert "2 of 5" in row and "mail server down" in row and "KST (Asia/Seoul)" in row
    assert re.search(r'data-filter="queued"\s+aria-current="page"', (await client.get("/staff/jobs?status=queued")).text)
    assert ">Failed for good</a>" in page.text and "<code>queued</code>" not in page.text
    queued_only = await client.get("/staff/jobs", params={"status": "queued"})
    assert "test.flaky" in queued_only.text and "test.done" not in queued_only.text


async def test_outbox_filters_show_labels_in_the_viewers_language(client: AsyncTestClient, admin: int) -> None:
    await post_form(client, "/locale", {"locale": "ko"})
    page = await client.get("/staff/outbox")
    assert 'data-filter="pending"' in page.text and "<code>pending</code>" not in page.text
    assert ">Not sent yet</a>" not in page.text and ">발송 대기</a>" in page.text  # translated


async def test_audit_filter_takes_like_wildcards_literally(client: AsyncTestClient, admin: int) -> None:
    await audit.record("staff.role_granted", actor_id=admin, object_type="user", object_id=7)
    await audit.record("staffxrole", actor_id=admin, object_type="user", object_id=8)
    underscore = await client.get("/staff/audit", params={"action": "staff_"})
    assert "staff.role_granted" not in underscore.text and "staffxrole" not in underscore.text
    percent = await client.get("/staff/audit", params={"action": "%"})
    assert percent.status_code == 200 and "staffxrole" not in percent.text
    nul = await client.get("/staff/audit?action=a%00b")
    assert nul.status_code == 400


@pytest.mark.parametrize("page", ["/staff/users", "/staff/audit", "/staff/outbox", "/staff/jobs"])
async def test_huge_page_numbers_show_an_empty_page(client: AsyncTestClient, admin: int, page: str) -> None:
    response = await client.get(page, params={"page": "99999999999999999999"})
    assert response.status_code == 200
