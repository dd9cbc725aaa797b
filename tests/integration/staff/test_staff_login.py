"""End to end through the real login form: a staff account made with the accounts factories, and
the demo staff logging in with the documented demo password."""

from __future__ import annotations

from httpx import AsyncClient as AsyncTestClient

from hubcity import demo
from tests.factories.accounts import create_user, login


async def test_an_admin_logs_in_and_reaches_the_back_office(client: AsyncTestClient) -> None:
    admin = await create_user(roles=["admin"])
    response = await login(client, admin["email"], admin["password"])
    assert response.status_code == 303
    users = await client.get("/staff/users")
    assert users.status_code == 200 and admin["email"] in users.text


async def test_a_reviewer_logs_in_and_sees_only_the_dashboard(client: AsyncTestClient) -> None:
    reviewer = await create_user(roles=["reviewer"])
    assert (await login(client, reviewer["email"], reviewer["password"])).status_code == 303
    assert (await client.get("/staff")).status_code == 200
    assert (await client.get("/staff/audit")).status_code == 403


async def test_the_demo_staff_log_in_with_the_demo_password(client: AsyncTestClient) -> None:
    report = await demo.seed_demo()
    assert report.created_anything
    assert [email for email, _ in await demo.demo_staff_logins()] == [email for email, _ in demo.staff_logins()]
    for email, role in demo.staff_logins():
        response = await login(client, email, demo.DEMO_PASSWORD)
        assert response.status_code == 303, (email, response.text[:300])
        expected = 200 if role == "admin" else 403
        assert (await client.get("/staff")).status_code == 200
        assert (await client.get("/staff/users")).status_code == expected
        client.cookies.clear()
    founder = demo.STARTUPS[0].owner
    assert (await login(client, founder.email, demo.DEMO_PASSWORD)).status_code == 303
    assert (await client.get("/staff")).status_code == 403


async def test_seeding_twice_adds_nothing(client: AsyncTestClient) -> None:
    await demo.seed_demo()
    again = await demo.seed_demo()
    assert not again.created_anything and not again.skipped
    skipped = await demo.seed_demo(if_empty=True)
    assert skipped.skipped
