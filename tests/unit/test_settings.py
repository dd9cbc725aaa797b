"""Settings (DESIGN.md §1): the defaults, and a clear refusal naming the variable for each wrong value."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from hubcity.asgi import create_app
from hubcity.config.settings import (
    ENV_PREFIX,
    MIN_SECRET_LENGTH,
    SECRET_FILE_NAME,
    Settings,
    SettingsError,
    load_settings,
)

GOOD_SECRET = "k" * 48


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No HUBCITY_* from the caller's shell, and a working directory of its own (./data, .env)."""
    for name in list(os.environ):
        if name.startswith(ENV_PREFIX):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def load(**overrides: Any) -> Settings:
    return load_settings(_env_file=None, **overrides)


def test_defaults_match_the_design(tmp_path: Path) -> None:
    settings = load()
    data_dir = (tmp_path / "data").resolve()
    assert settings.env == "development"
    assert settings.data_dir == data_dir
    assert settings.database_url is None
    assert settings.resolved_database_url == f"sqlite:///{data_dir / 'hubcity.sqlite'}"
    assert settings.time_zone == "Asia/Seoul"
    assert str(settings.zone) == "Asia/Seoul"
    assert settings.default_locale == "ko"
    assert settings.search_backend == "embedded"
    assert settings.meili_url is None and settings.meili_key is None
    assert settings.redis_url is None
    assert settings.smtp_url is None
    assert settings.stripe_secret_key is None and settings.stripe_webhook_secret is None
    assert settings.embedding_model is None
    assert settings.run_inprocess_worker is True
    assert settings.cpu_threads == (os.cpu_count() or 1)


def test_every_design_variable_is_a_setting() -> None:
    documented = {
        "ENV", "DATA_DIR", "DATABASE_URL", "SECRET_KEY", "TIME_ZONE", "DEFAULT_LOCALE",
        "SEARCH_BACKEND", "MEILI_URL", "MEILI_KEY", "REDIS_URL", "SMTP_URL", "STRIPE_SECRET_KEY",
        "STRIPE_WEBHOOK_SECRET", "EMBEDDING_MODEL", "INPROCESS_WORKER", "CPU_THREADS",
    }
    fields = {name.upper() for name, field in Settings.model_fields.items() if not field.exclude}
    assert documented <= fields


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HUBCITY_DATA_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("HUBCITY_DEFAULT_LOCALE", "en")
    monkeypatch.setenv("HUBCITY_TIME_ZONE", "Europe/Berlin")
    monkeypatch.setenv("HUBCITY_CPU_THREADS", "3")
    settings = load()
    assert settings.data_dir == (tmp_path / "elsewhere").resolve()
    assert settings.resolved_database_url.endswith("/elsewhere/hubcity.sqlite")
    assert (settings.default_locale, settings.time_zone, settings.cpu_threads) == ("en", "Europe/Berlin", 3)


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("HUBCITY_DEFAULT_LOCALE=en\n")
    assert load_settings().default_locale == "en"


def test_in_process_worker_is_off_in_production_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBCITY_SECRET_KEY", GOOD_SECRET)
    monkeypatch.setenv("HUBCITY_ENV", "production")
    monkeypatch.setenv("HUBCITY_PUBLIC_URL", "https://hub.example.kr")
    assert load().run_inprocess_worker is False
    monkeypatch.setenv("HUBCITY_INPROCESS_WORKER", "true")
    assert load().run_inprocess_worker is True
    monkeypatch.setenv("HUBCITY_ENV", "development")
    monkeypatch.setenv("HUBCITY_INPROCESS_WORKER", "false")
    assert load().run_inprocess_worker is False


@pytest.mark.parametrize(
    ("variable", "value", "also"),
    [
        ("HUBCITY_ENV", "staging", {}),
        ("HUBCITY_TIME_ZONE", "Mars/Olympus", {}),
        ("HUBCITY_DATABASE_URL", "mysql://x", {}),
        ("HUBCITY_CPU_THREADS", "0", {}),
        ("HUBCITY_CPU_THREADS", "many", {}),
        ("HUBCITY_MEILI_URL", "", {"HUBCITY_SEARCH_BACKEND": "meilisearch"}),
        ("HUBCITY_REDIS_URL", "http://x", {}),
        ("HUBCITY_SMTP_URL", "mail.example.org", {}),
        ("HUBCITY_DEFAULT_LOCALE", "fr", {}),
        ("HUBCITY_INPROCESS_WORKER", "maybe", {}),
        ("HUBCITY_SEARCH_BACKEND", "elastic", {}),
    ],
)
def test_a_wrong_value_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, also: dict[str, str]
) -> None:
    monkeypatch.setenv(variable, value)
    for name, extra in also.items():
        monkeypatch.setenv(name, extra)
    with pytest.raises(SettingsError) as caught:
        load()
    assert variable in str(caught.value)


@pytest.mark.parametrize(
    ("variable", "value", "also"),
    [
        ("HUBCITY_ENV", "test", {}),
        ("HUBCITY_TIME_ZONE", "UTC", {}),
        ("HUBCITY_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/hubcity", {}),
        ("HUBCITY_CPU_THREADS", "1", {}),
        ("HUBCITY_MEILI_URL", "http://meilisearch:7700", {"HUBCITY_SEARCH_BACKEND": "meilisearch"}),
        ("HUBCITY_REDIS_URL", "redis://redis:6379/0", {}),
        ("HUBCITY_SMTP_URL", "smtp://mail.example.org:587", {}),
        ("HUBCITY_DEFAULT_LOCALE", "en", {}),
        ("HUBCITY_INPROCESS_WORKER", "false", {}),
    ],
)
def test_the_right_values_are_accepted(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, also: dict[str, str]
) -> None:
    monkeypatch.setenv(variable, value)
    for name, extra in also.items():
        monkeypatch.setenv(name, extra)
    settings = load()
    field = variable.removeprefix(ENV_PREFIX).lower()
    assert str(getattr(settings, field)).lower() == value.lower()


def test_production_refuses_to_start_without_a_secret_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HUBCITY_ENV", "production")
    monkeypatch.setenv("HUBCITY_PUBLIC_URL", "https://hub.example.kr")
    with pytest.raises(SettingsError, match="HUBCITY_SECRET_KEY"):
        load()
    assert not (tmp_path / "data" / SECRET_FILE_NAME).exists(), "production must not generate a key"


def test_production_refuses_the_generated_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    generated = load().secret()  # a development start writes data/secret_key
    monkeypatch.setenv("HUBCITY_ENV", "production")
    monkeypatch.setenv("HUBCITY_PUBLIC_URL", "https://hub.example.kr")
    monkeypatch.setenv("HUBCITY_SECRET_KEY", generated)
    with pytest.raises(SettingsError, match="HUBCITY_SECRET_KEY"):
        load()
    monkeypatch.setenv("HUBCITY_SECRET_KEY", GOOD_SECRET)
    settings = load()
    assert settings.secret() == GOOD_SECRET
    assert settings.secret_key_generated is False


@pytest.mark.parametrize("env", ["development", "production"])
def test_a_short_secret_key_is_refused(monkeypatch: pytest.MonkeyPatch, env: str) -> None:
    monkeypatch.setenv("HUBCITY_ENV", env)
    monkeypatch.setenv("HUBCITY_PUBLIC_URL", "https://hub.example.kr")
    monkeypatch.setenv("HUBCITY_SECRET_KEY", "s" * (MIN_SECRET_LENGTH - 1))
    with pytest.raises(SettingsError, match="HUBCITY_SECRET_KEY"):
        load()
    monkeypatch.setenv("HUBCITY_SECRET_KEY", "s" * MIN_SECRET_LENGTH)
    assert load().secret() == "s" * MIN_SECRET_LENGTH


def test_the_generated_key_is_created_once_private_and_reused(tmp_path: Path) -> None:
    first = load()
    key_file = tmp_path / "data" / SECRET_FILE_NAME
    assert first.secret_key_generated is True
    assert key_file.read_text().strip() == first.secret()
    assert len(first.secret()) >= MIN_SECRET_LENGTH
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    written_at = key_file.stat().st_mtime_ns

    second = load()
    assert second.secret() == first.secret()
    assert key_file.stat().st_mtime_ns == written_at


def test_create_app_with_a_bad_setting_never_starts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HUBCITY_TIME_ZONE", "Mars/Olympus")
    with pytest.raises(SettingsError, match="HUBCITY_TIME_ZONE"):
        create_app()
    monkeypatch.delenv("HUBCITY_TIME_ZONE")
    monkeypatch.setenv("HUBCITY_ENV", "production")
    monkeypatch.setenv("HUBCITY_PUBLIC_URL", "https://hub.example.kr")
    with pytest.raises(SettingsError, match="HUBCITY_SECRET_KEY"):
        create_app()
    assert not (tmp_path / "data").exists(), "nothing is created before the settings are valid"


def test_production_needs_the_public_url_for_links_in_emails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HUBCITY_ENV", "production")
    monkeypatch.setenv("HUBCITY_SECRET_KEY", "p" * 48)
    with pytest.raises(SettingsError, match="HUBCITY_PUBLIC_URL"):
        load_settings(_env_file=None, data_dir=tmp_path / "data")


@pytest.mark.parametrize("value", ["hub.example.kr", "ftp://hub.example.kr", "https://hub.example.kr/?x=1"])
def test_a_public_url_that_is_not_a_site_address_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str) -> None:
    monkeypatch.setenv("HUBCITY_PUBLIC_URL", value)
    with pytest.raises(SettingsError, match="HUBCITY_PUBLIC_URL"):
        load_settings(_env_file=None, data_dir=tmp_path / "data")


def test_production_refuses_the_test_suites_password_hash_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBCITY_ENV", "production")
    monkeypatch.setenv("HUBCITY_PUBLIC_URL", "https://hub.example.kr")
    monkeypatch.setenv("HUBCITY_SECRET_KEY", GOOD_SECRET)
    monkeypatch.setenv("HUBCITY_PASSWORD_HASH_PROFILE", "cheapest-for-tests")
    with pytest.raises(SettingsError, match="HUBCITY_PASSWORD_HASH_PROFILE must be rfc9106-low-memory"):
        load()
    monkeypatch.setenv("HUBCITY_PASSWORD_HASH_PROFILE", "rfc9106-low-memory")
    assert load().is_production
