"""The ``hubcity`` command, run through click's CliRunner against a SQLite file of its own.

These tests are synchronous on purpose: each command runs its own event loop.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner, Result

from hubcity import demo
from hubcity.cli import cli
from hubcity.core.i18n import current_locale, set_locale


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """HUBCITY_* for a data dir and SQLite file under tmp_path; no .env file and no outside HUBCITY_*.

    The commands set the language of this thread; it is put back afterwards for the other tests.
    """
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.startswith("HUBCITY_"):
            monkeypatch.delenv(key)
    locale = current_locale()
    yield {
        "HUBCITY_ENV": "test",
        "HUBCITY_DATA_DIR": str(tmp_path / "data"),
        "HUBCITY_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}",
        "HUBCITY_DEFAULT_LOCALE": "en",
    }
    set_locale(locale)


def hubcity(env: dict[str, str], *args: str, input: str | None = None, **extra_env: str) -> Result:
    return CliRunner().invoke(cli, list(args), env={**env, **extra_env}, input=input, catch_exceptions=False)


def query(env: dict[str, str], sql: str, *params: Any) -> list[tuple[Any, ...]]:
    path = env["HUBCITY_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        return connection.execute(sql, params).fetchall()


def staff_roles(env: dict[str, str], email: str) -> set[str]:
    rows = query(env, "SELECT r.role FROM staff_role r JOIN hub_user u ON u.id = r.user WHERE u.email = ?", email)
    return {row[0] for row in rows}


@pytest.fixture
def migrated(env: dict[str, str]) -> dict[str, str]:
    assert hubcity(env, "migrate").exit_code == 0
    return env


def test_migrate_applies_then_has_nothing_to_do(env: dict[str, str]) -> None:
    first = hubcity(env, "migrate")
    assert first.exit_code == 0, first.output
    assert "Applied migration" in first.stdout
    assert query(env, "SELECT count(*) FROM hub_user") == [(0,)]
    second = hubcity(env, "migrate")
    assert second.exit_code == 0
    assert "Nothing to apply" in second.stdout and "Applied" not in second.stdout


@pytest.mark.parametrize("command", [["seed-demo"], ["worker", "--once"], ["serve"], ["create-staff", "--email", "a@example.com", "--name", "A", "--role", "admin", "--password", "long-enough-pw"]])
def test_commands_refuse_an_unmigrated_database(env: dict[str, str], command: list[str]) -> None:
    result = hubcity(env, *command)
    assert result.exit_code == 2
    assert "Run `hubcity migrate` first" in result.stderr
    assert "Traceback" not in result.output


def test_create_staff(migrated: dict[str, str]) -> None:
    result = hubcity(migrated, "create-staff", "--email", "Ops@Example.com", "--name", "Ops Lead", "--role", "admin",
                     "--role", "finance", "--password", "a-long-password", "--locale", "en")
    assert result.exit_code == 0, result.output
    assert "Created the staff account ops@example.com with the roles: Administrator, Finance." in result.stdout
    assert staff_roles(migrated, "ops@example.com") == {"admin", "finance"}
    assert query(migrated, "SELECT template, status FROM notification") == [("staff_account_created", "pending")]
    ran = hubcity(migrated, "worker", "--once")
    assert ran.exit_code == 0 and "Ran 1 job." in ran.stdout
    assert query(migrated, "SELECT status FROM notification") == [("kept",)]
    hash_before = query(migrated, "SELECT password_hash, name FROM hub_user WHERE email = ?", "ops@example.com")
    again = hubcity(migrated, "create-staff", "--email", "ops@example.com", "--name", "Ops", "--role", "reviewer")
    assert again.exit_code == 0, again.output  # no password asked: an existing account keeps its own
    assert "The account ops@example.com already existed; its roles are now: Administrator, Finance, Reviewer." in again.stdout
    assert "--reset-password" in again.stdout
    assert staff_roles(migrated, "ops@example.com") == {"admin", "finance", "reviewer"}
    assert query(migrated, "SELECT password_hash, name FROM hub_user WHERE email = ?", "ops@example.com") == hash_before


def test_create_staff_reset_password_is_the_recovery_path(migrated: dict[str, str]) -> None:
    from hubcity.core.passwords import verify_password

    hubcity(migrated, "create-staff", "--email", "ops@example.com", "--name", "Ops", "--role", "admin", "--password", "the-first-password")
    ignored = hubcity(migrated, "create-staff", "--email", "ops@example.com", "--name", "X", "--role", "admin",
                      "--password", "not-applied-password")
    assert ignored.exit_code == 0 and "were not changed" in ignored.stdout
    [(password_hash, ended)] = query(migrated, "SELECT password_hash, sessions_valid_after FROM hub_user")
    assert verify_password(password_hash, "the-first-password") and ended is None
    reset = hubcity(migrated, "create-staff", "--email", "OPS@example.com", "--name", "X", "--role", "admin", "--reset-password",
                    input="a-recovered-password\na-recovered-password\n")
    assert reset.exit_code == 0, reset.output
    assert "Set a new password for ops@example.com and ended its sessions" in reset.stdout
    [(password_hash, name, ended)] = query(migrated, "SELECT password_hash, name, sessions_valid_after FROM hub_user")
    assert verify_password(password_hash, "a-recovered-password") and name == "Ops" and ended is not None


def test_create_staff_asks_for_the_password_twice(migrated: dict[str, str]) -> None:
    mismatch = hubcity(migrated, "create-staff", "--email", "pm@example.com", "--name", "PM", "--role", "program_manager",
                       input="first-password\nsecond-password\n")
    assert mismatch.exit_code != 0
    assert "do not match" in mismatch.output
    assert query(migrated, "SELECT count(*) FROM hub_user") == [(0,)]
    result = hubcity(migrated, "create-staff", "--email", "pm@example.com", "--name", "PM", "--role", "program_manager",
                     input="typed-password\ntyped-password\n")
    assert result.exit_code == 0, result.output
    assert "typed-password" not in result.output
    assert staff_roles(migrated, "pm@example.com") == {"program_manager"}


def test_create_staff_refuses_bad_input(migrated: dict[str, str]) -> None:
    result = hubcity(migrated, "create-staff", "--email", "not-an-email", "--name", "X", "--role", "boss", "--role", "admin",
                     "--password", "short")
    assert result.exit_code == 1
    assert "error: Email: must be an email address" in result.stderr
    assert "error: Password must be at least 10 characters." in result.stderr
    assert "error: Roles: 'boss' is not an agency role" in result.stderr
    assert "Traceback" not in result.output
    assert query(migrated, "SELECT count(*) FROM hub_user") == [(0,)]
    no_role = hubcity(migrated, "create-staff", "--email", "a@example.com", "--name", "X", "--password", "long-enough-pw")
    assert no_role.exit_code == 2 and "--role" in no_role.stderr


def test_seed_demo_twice_with_if_empty(migrated: dict[str, str]) -> None:
    first = hubcity(migrated, "seed-demo", "--if-empty")
    assert first.exit_code == 0, first.output
    assert "Created organisation agency: Hanbit City AI Convergence Industry Agency" in first.stdout
    assert "Created user admin@demo.hubcity.kr" in first.stdout
    assert demo.DEMO_PASSWORD in first.stdout
    for email, role in demo.staff_logins():
        assert email in first.stdout
        assert staff_roles(migrated, email) == {role}
    counts = query(migrated, "SELECT (SELECT count(*) FROM hub_user), (SELECT count(*) FROM organisation), (SELECT count(*) FROM consent)")
    assert counts == [(4 + len(demo.STARTUPS) + len(demo.CORPORATIONS), len(demo.ORGANISATIONS), counts[0][2])]
    assert counts[0][2] >= 2 * (len(demo.STARTUPS) + len(demo.CORPORATIONS))
    assert "calls added: 2" in first.stdout
    calls = query(migrated, "SELECT family, status, kind FROM program ORDER BY id")
    assert calls == [("ai-hub-seed-fund", "published", "fund"), ("ai-hub-global-market", "closed", "global_market")]
    assert query(migrated, "SELECT count(*) FROM program_form_version") == [(2,)]

    second = hubcity(migrated, "seed-demo", "--if-empty")
    assert second.exit_code == 0
    assert "not loaded" in second.stdout and "Created" not in second.stdout
    assert query(migrated, "SELECT (SELECT count(*) FROM hub_user), (SELECT count(*) FROM organisation), (SELECT count(*) FROM consent)") == counts

    without_flag = hubcity(migrated, "seed-demo")
    assert without_flag.exit_code == 0
    assert "already there" in without_flag.stdout
    assert query(migrated, "SELECT (SELECT count(*) FROM hub_user), (SELECT count(*) FROM organisation), (SELECT count(*) FROM consent)") == counts
    assert query(migrated, "SELECT count(*) FROM program") == [(2,)]


def test_seed_demo_if_empty_leaves_a_used_database_alone(migrated: dict[str, str]) -> None:
    hubcity(migrated, "create-staff", "--email", "real@example.com", "--name", "Real", "--role", "admin", "--password", "a-long-password")
    result = hubcity(migrated, "seed-demo", "--if-empty")
    assert result.exit_code == 0 and "not loaded" in result.stdout
    assert query(migrated, "SELECT count(*) FROM organisation") == [(0,)]


def test_serve_prints_the_url_and_staff_logins(migrated: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: calls.append((args, kwargs)))
    bare = hubcity(migrated, "serve", "--port", "8123")
    assert bare.exit_code == 0, bare.output
    assert "http://127.0.0.1:8123/" in bare.stdout and "hubcity create-staff" in bare.stdout
    hubcity(migrated, "seed-demo")
    result = hubcity(migrated, "serve", "--host", "0.0.0.0", "--port", "8124")
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8124/" in result.stdout
    assert "admin@demo.hubcity.kr  (Administrator)" in result.stdout and demo.DEMO_PASSWORD in result.stdout
    assert result.stdout.count("Log in as agency staff") == 1
    args, kwargs = calls[-1]
    assert args == ("hubcity.asgi:create_app",)
    assert kwargs["factory"] is True and kwargs["host"] == "0.0.0.0" and kwargs["port"] == 8124 and kwargs["reload"] is False
    assert kwargs["proxy_headers"] is False  # X-Forwarded-For from a client must not fake its address
    bad_port = hubcity(migrated, "serve", "--port", "70000")
    assert bad_port.exit_code == 2 and len(calls) == 2


def test_serve_lists_only_demo_staff_who_still_use_the_demo_password(migrated: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from hubcity.core.passwords import hash_password

    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: None)
    seeded = hubcity(migrated, "seed-demo")
    assert "Log in as agency staff" not in seeded.stdout  # the block is printed once, by serve
    query(migrated, "UPDATE hub_user SET password_hash = ? WHERE email = ?", hash_password("a-private-password"), "pm@demo.hubcity.kr")
    result = hubcity(migrated, "serve")
    assert "admin@demo.hubcity.kr  (Administrator)" in result.stdout
    assert "pm@demo.hubcity.kr" not in result.stdout


@pytest.mark.parametrize("command", [["migrate"], ["seed-demo"], ["worker", "--once"], ["serve"]])
def test_a_bad_setting_names_the_variable_and_exits_2(env: dict[str, str], command: list[str]) -> None:
    result = hubcity(env, *command, HUBCITY_TIME_ZONE="Mars/Olympus")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: HUBCITY_TIME_ZONE:")
    assert "Mars/Olympus" in result.stderr and "Traceback" not in result.output
    assert result.stdout == ""


def test_an_unreachable_database_is_named(env: dict[str, str]) -> None:
    result = hubcity(env, "worker", "--once", HUBCITY_DATABASE_URL="postgresql://postgres@127.0.0.1:1/nothing")
    assert result.exit_code == 2
    assert "cannot use the database postgresql://postgres@127.0.0.1:1/nothing (HUBCITY_DATABASE_URL)" in result.stderr


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_the_worker_stops_cleanly_on_a_signal(migrated: dict[str, str], signal_number: int) -> None:
    hubcity_script = Path(sys.executable).with_name("hubcity")
    worker = subprocess.Popen(
        [str(hubcity_script), "worker", "--poll-interval", "0.1"],
        env={**os.environ, **migrated},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        started = worker.stdout.readline()  # printed once the database is open and the loop is about to run
        assert "started" in started, started + worker.stderr.read()
        worker.send_signal(signal_number)
        out, err = worker.communicate(timeout=20)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, err
    assert "Job worker stopped." in out and "Traceback" not in err
