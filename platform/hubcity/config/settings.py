"""Hubcity settings: one pydantic-settings object read from ``HUBCITY_*`` variables and ``.env``.

The table of variables is DESIGN.md §1. Nothing in the application chooses behaviour by "are we
testing"; every choice is one of these settings. A wrong value stops start-up with
:class:`SettingsError`, whose message names the variable and the rule it broke.

This module imports nothing from ``hubcity``.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "HUBCITY_"
SECRET_FILE_NAME = "secret_key"
MIN_SECRET_LENGTH = 32


class SettingsError(RuntimeError):
    """A setting is missing or wrong. ``str(error)`` names the ``HUBCITY_*`` variable and the rule."""


class Settings(BaseSettings):
    """Every knob of a Hubcity deployment (DESIGN.md §1).

    Paths are resolved against the working directory. ``secret_key`` is filled by
    :func:`load_settings` (generated once into the data dir outside production).
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("./data")
    public_url: str = "http://127.0.0.1:8000"
    database_url: str | None = None
    secret_key: SecretStr | None = None
    time_zone: str = "Asia/Seoul"
    default_locale: Literal["ko", "en"] = "ko"
    search_backend: Literal["embedded", "meilisearch"] = "embedded"
    meili_url: str | None = None
    meili_key: SecretStr | None = None
    redis_url: str | None = None
    smtp_url: str | None = None
    stripe_secret_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    embedding_model: str | None = None
    inprocess_worker: bool | None = None
    cpu_threads: int = Field(default_factory=lambda: os.cpu_count() or 1)

    # Set by load_settings(): True when the key came from the data dir rather than the environment.
    secret_key_generated: bool = Field(default=False, exclude=True)

    @field_validator("database_url")
    @classmethod
    def _database_url_scheme(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        scheme = urlsplit(value).scheme
        if scheme not in ("sqlite", "postgresql", "postgres"):
            raise ValueError("must start with sqlite:/// or postgresql://")
        if scheme == "sqlite" and not value.startswith("sqlite:///"):
            raise ValueError("a SQLite URL must look like sqlite:///path/to/file.sqlite")
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as Asia/Seoul") from None
        return value

    @field_validator("meili_url", "redis_url", "smtp_url")
    @classmethod
    def _url_with_scheme(cls, value: str | None, info: Any) -> str | None:
        if value in (None, ""):
            return None
        allowed = {
            "meili_url": ("http", "https"),
            "redis_url": ("redis", "rediss", "unix"),
            "smtp_url": ("smtp", "smtps"),
        }[info.field_name]
        parts = urlsplit(value)
        if parts.scheme not in allowed or not (parts.netloc or parts.path):
            raise ValueError(f"must be a URL starting with {' or '.join(s + '://' for s in allowed)}")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError("must be the site's address, such as https://hub.example.kr")
        return value.rstrip("/")

    @field_validator("cpu_threads")
    @classmethod
    def _positive_threads(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be a whole number of at least 1")
        return value

    @model_validator(mode="after")
    def _backend_needs_url(self) -> "Settings":
        if self.search_backend == "meilisearch" and not self.meili_url:
            raise ValueError("HUBCITY_MEILI_URL is required when HUBCITY_SEARCH_BACKEND=meilisearch")
        if self.env == "production" and "public_url" not in self.model_fields_set:
            raise ValueError("HUBCITY_PUBLIC_URL is required when HUBCITY_ENV=production (links in emails use it)")
        hash_profile = os.environ.get("HUBCITY_PASSWORD_HASH_PROFILE", "").strip() or "rfc9106-low-memory"
        if self.env == "production" and hash_profile != "rfc9106-low-memory":
            raise ValueError("HUBCITY_PASSWORD_HASH_PROFILE must be rfc9106-low-memory (or unset) when HUBCITY_ENV=production")
        return self

    # -- derived values -------------------------------------------------------------------------
    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def run_inprocess_worker(self) -> bool:
        """``HUBCITY_INPROCESS_WORKER``; unset means true, except in production."""
        return (not self.is_production) if self.inprocess_worker is None else self.inprocess_worker

    @property
    def resolved_database_url(self) -> str:
        """The database URL; by default a SQLite file ``hubcity.sqlite`` in the data dir."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'hubcity.sqlite').resolve()}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def secret(self) -> str:
        if self.secret_key is None:
            raise SettingsError("HUBCITY_SECRET_KEY: not loaded; build settings with load_settings()")
        return self.secret_key.get_secret_value()


def _variable_for(loc: tuple[Any, ...]) -> str:
    return ENV_PREFIX + str(loc[0]).upper() if loc else "HUBCITY settings"


def _explain(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        message = item["msg"].removeprefix("Value error, ")
        if item["loc"]:
            lines.append(f"{_variable_for(item['loc'])}: {message} (got {item.get('input')!r})")
        else:
            lines.append(message)
    return "; ".join(lines)


def _ensure_secret(settings: Settings) -> Settings:
    secret_path = settings.data_dir / SECRET_FILE_NAME
    if settings.secret_key is not None:
        value = settings.secret_key.get_secret_value()
        if len(value) < MIN_SECRET_LENGTH:
            raise SettingsError(
                f"HUBCITY_SECRET_KEY: must be at least {MIN_SECRET_LENGTH} characters long"
            )
        if settings.is_production and secret_path.exists() and secret_path.read_text().strip() == value:
            raise SettingsError(
                "HUBCITY_SECRET_KEY: production refuses the key generated into the data dir; set your own"
            )
        return settings
    if settings.is_production:
        raise SettingsError("HUBCITY_SECRET_KEY: required when HUBCITY_ENV=production")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if not secret_path.exists():
        secret_path.write_text(secrets.token_urlsafe(48))
        secret_path.chmod(0o600)
    return settings.model_copy(
        update={"secret_key": SecretStr(secret_path.read_text().strip()), "secret_key_generated": True}
    )


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment (and ``.env``), apply ``overrides``, validate.

    overrides: field names of :class:`Settings` (``data_dir=...``), as tests and the CLI pass them.
    Raises :class:`SettingsError` naming the variable for any wrong value.
    """
    try:
        settings = Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(_explain(error)) from None
    settings = settings.model_copy(update={"data_dir": settings.data_dir.resolve()})
    return _ensure_secret(settings)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, loaded once from the environment."""
    return load_settings()
