"""RoleService: staff accounts, grants and revocations, the last-administrator rule."""

from __future__ import annotations

import asyncio

import pytest
from litestar import Litestar

from hubcity.accounts.roles import RoleService
from hubcity.core.errors import ConflictError, FormInvalid, NotFoundError
from hubcity.core.i18n import use_locale
from hubcity.core.passwords import verify_password
from hubcity.db.tables import AuditEntry, Notification, StaffRole, User
from tests.integration.staff.helpers import make_user, roles_of


@pytest.fixture
def service(app: Litestar) -> RoleService:
    return RoleService(app.state.notifier)


async def test_create_staff_makes_a_user_with_roles_and_an_email(service: RoleService) -> None:
    with use_locale("en"):
        account = await service.create_staff("  Kim.Seoyeon@Example.COM ", "김서연", "correct horse battery", ["admin", "reviewer", "admin"], "ko")
    assert account.created and account.email == "kim.seoyeon@example.com"
    assert account.roles == ("admin", "reviewer") and account.granted == ("admin", "reviewer")
    user = await User.objects().where(User.id == account.user_id).first().run()
    assert user.email == "kim.seoyeon@example.com" and user.locale == "ko" and user.is_active
    assert verify_password(user.password_hash, "correct horse battery")
    email = await Notification.objects().where(Notification.recipient == account.user_id).first().run()
    assert email.template == "staff_account_created" and email.locale == "ko" and email.status == "pending"


async def test_create_staff_only_grants_roles_to_an_existing_user(service: RoleService) -> None:
    """Granting roles must not take the account over: name, language and password stay."""
    existing = await make_user("founder@example.com", name="Old", org_kind="startup", roles=["reviewer"])
    old_hash = (await User.select(User.password_hash).where(User.id == existing).first().run())["password_hash"]
    account = await service.create_staff("FOUNDER@example.com", "New Name", "a-new-password", ["finance", "reviewer"], "ko")
    assert not account.created and not account.password_reset and account.user_id == existing
    assert account.granted == ("finance",) and account.roles == ("finance", "reviewer")
    user = await User.objects().where(User.id == existing).first().run()
    assert (user.name, user.locale, user.password_hash) == ("Old", "en", old_hash)
    assert user.sessions_valid_after is None
    assert await User.count().run() == 1
    assert await Notification.count().run() == 0  # only new accounts get the welcome email
    updated = await AuditEntry.select().where(AuditEntry.action == "staff.account_updated").output(load_json=True).run()
    assert updated[0]["after"] == {"email": "founder@example.com", "roles": ["finance", "reviewer"], "password_reset": False}


async def test_an_existing_user_needs_no_name_or_password(service: RoleService) -> None:
    existing = await make_user("member@example.com", name="Member")
    account = await service.create_staff("member@example.com", "", "", ["reviewer"])
    assert account.user_id == existing and account.roles == ("reviewer",)
    with pytest.raises(FormInvalid) as refused:  # a new account does need them
        await service.create_staff("nobody@example.com", "", "", ["reviewer"])
    assert set(refused.value.errors) == {"name", "password"}


async def test_reset_password_replaces_an_existing_password_and_ends_sessions(service: RoleService) -> None:
    existing = await make_user("lost@example.com", name="Lost")
    account = await service.create_staff("lost@example.com", "", "a-recovered-password", ["admin"], reset_password=True)
    assert account.password_reset and not account.created
    user = await User.objects().where(User.id == existing).first().run()
    assert verify_password(user.password_hash, "a-recovered-password") and user.name == "Lost"
    assert user.sessions_valid_after is not None
    with pytest.raises(FormInvalid) as short:
        await service.create_staff("lost@example.com", "", "short", ["admin"], reset_password=True)
    assert set(short.value.errors) == {"password"}


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        (("nobody", "Name", "long-enough-pw", ["admin"], "en"), "email"),
        (("a@example.com", "", "long-enough-pw", ["admin"], "en"), "name"),
        (("a@example.com", "Name", "short", ["admin"], "en"), "password"),
        (("a@example.com", "Name", "long-enough-pw", ["superuser"], "en"), "roles"),
        (("a@example.com", "Name", "long-enough-pw", [], "en"), "roles"),
        (("a@example.com", "Name", "long-enough-pw", ["admin"], "de"), "locale"),
    ],
)
async def test_create_staff_names_the_bad_field_and_saves_nothing(service: RoleService, arguments: tuple, field: str) -> None:
    with use_locale("en"), pytest.raises(FormInvalid) as caught:
        await service.create_staff(*arguments)
    assert list(caught.value.errors) == [field]
    assert "password" not in caught.value.values
    assert await User.count().run() == 0 and await StaffRole.count().run() == 0 and await AuditEntry.count().run() == 0


async def test_grant_and_revoke_are_idempotent(service: RoleService) -> None:
    user = await make_user()
    assert await service.grant_role(user, "finance", None) == ("finance",)
    assert await service.grant_role(user, "finance", None) == ("finance",)
    assert await StaffRole.count().run() == 1
    assert await service.revoke_role(user, "finance", None) == ()
    assert await service.revoke_role(user, "finance", None) == ()
    assert await AuditEntry.count().run() == 2  # one grant, one revocation: no-ops are not audited


async def test_unknown_role_and_unknown_user(service: RoleService) -> None:
    user = await make_user()
    with use_locale("en"), pytest.raises(FormInvalid) as caught:
        await service.grant_role(user, "root", None)
    assert caught.value.errors["role"].startswith("Role: 'root' is not an agency role")
    with pytest.raises(NotFoundError):
        await service.grant_role(987654, "finance", None)
    with pytest.raises(NotFoundError):
        await service.revoke_role(987654, "finance", None)


async def test_the_last_admin_keeps_the_admin_role(service: RoleService) -> None:
    only = await make_user("only@example.com", roles=["admin"])
    with use_locale("en"), pytest.raises(ConflictError) as caught:
        await service.revoke_role(only, "admin", only)
    assert caught.value.code == "last_admin" and "only@example.com is the last administrator" in caught.value.message
    assert await roles_of(only) == {"admin"}
    # An inactive admin does not count as someone who could still run the back office.
    inactive = await make_user("gone@example.com", roles=["admin"])
    await User.update({User.is_active: False}).where(User.id == inactive).run()
    with pytest.raises(ConflictError):
        await service.revoke_role(only, "admin", only)
    # Other roles of the last admin may go.
    await service.grant_role(only, "finance", only)
    assert await service.revoke_role(only, "finance", only) == ("admin",)


async def test_two_admins_revoking_each_other_at_once_leave_one_admin(service: RoleService) -> None:
    first = await make_user("first@example.com", roles=["admin"])
    second = await make_user("second@example.com", roles=["admin"])
    results = await asyncio.gather(
        service.revoke_role(first, "admin", second),
        service.revoke_role(second, "admin", first),
        return_exceptions=True,
    )
    conflicts = [r for r in results if isinstance(r, ConflictError)]
    assert len(conflicts) == 1, results
    remaining = await StaffRole.select(StaffRole.user).where(StaffRole.role == "admin").run()
    assert len(remaining) == 1


async def test_directory_search_and_paging(service: RoleService) -> None:
    for number in range(7):
        await make_user(f"person{number}@example.com", roles=["reviewer"] if number % 2 else [])
    await make_user("other@example.org")
    page = await service.directory("PERSON", page=2, page_size=3)
    assert [u.email for u in page.items] == ["person3@example.com", "person4@example.com", "person5@example.com"]
    assert page.total == 7 and page.pages == 3 and page.has_previous and page.has_next
    assert page.items[0].roles == ("reviewer",) and page.items[0].missing_roles == ("admin", "program_manager", "finance")
    counts = await service.counts()
    assert counts["users"] == 8 and counts["staff"] == 3
