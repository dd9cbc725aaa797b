"""docker-compose.yml, the Dockerfile and their scripts, checked without a Docker engine.

No machine of the project runs Docker, so these files are never started here. These tests check
what can be checked: the compose file parses, names every service the production settings need,
gives each a health check, and its app/worker environment passes Hubcity's own settings
validation; the Dockerfile installs the CPU build of torch before the project and runs as a
non-root user; the files they reference exist. The settings list comes from ``Settings``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
import shlex
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from piccolo.apps.migrations.tables import Migration

from hubcity.config import piccolo_conf
from hubcity.config.settings import ENV_PREFIX, Settings, SettingsError, load_settings
from hubcity.db.tables import ALL_TABLES, Job

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
SERVICES = ("app", "worker", "postgres", "meilisearch", "redis")
HUBCITY_SERVICES = ("app", "worker")
# What production cannot run without (DESIGN.md §1); each must be a field of Settings.
PRODUCTION_NEEDS = ("env", "database_url", "search_backend", "meili_url", "redis_url", "secret_key")
# The URL settings and the compose service each must point at.
URL_SERVICES = {"database_url": "postgres", "meili_url": "meilisearch", "redis_url": "redis"}
SAMPLE_DOTENV = {"POSTGRES_PASSWORD": "pw0123456789", "HUBCITY_PUBLIC_URL": "https://hub.example.kr", "HUBCITY_SECRET_KEY": "s" * 48, "HUBCITY_MEILI_KEY": "m" * 24}
INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def env_name(field: str) -> str:
    return ENV_PREFIX + field.upper()


def setting_variables() -> set[str]:
    """Every HUBCITY_* variable Settings reads."""
    return {env_name(name) for name, field in Settings.model_fields.items() if not field.exclude}


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?error}`` against ``env``."""

    def substitute(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        if env.get(name) or (name in env and op and not op.startswith(":")):
            return env[name]
        if op in (":-", "-"):
            return arg
        if op in (":?", "?"):
            raise KeyError(f"compose refuses to start: {name} is required ({arg})")
        return ""

    return INTERPOLATION.sub(substitute, value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def service_env(compose: dict[str, Any], service: str) -> dict[str, str | None]:
    environment = compose["services"][service].get("environment") or {}
    if isinstance(environment, list):  # ["KEY=value", "KEY"]
        environment = dict(item.split("=", 1) if "=" in item else (item, None) for item in environment)
    return {key: None if value is None else str(value) for key, value in environment.items()}


def resolved_env(compose: dict[str, Any], service: str, dotenv: dict[str, str] = SAMPLE_DOTENV) -> dict[str, str]:
    """The service's variables as the container would see them (pass-through ones left out)."""
    return {key: interpolate(value, dotenv) for key, value in service_env(compose, service).items() if value is not None}


def command_words(service: dict[str, Any]) -> list[str]:
    command = service.get("command") or []
    return shlex.split(command) if isinstance(command, str) else [str(word) for word in command]


# -- docker-compose.yml ---------------------------------------------------------------------------


def test_compose_names_every_service_with_a_health_check(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(SERVICES) <= set(services)
    for name in SERVICES:
        test = (services[name].get("healthcheck") or {}).get("test")
        assert test and test not in (["NONE"], "NONE"), f"{name} has no health check"
        assert not services[name]["healthcheck"].get("disable"), f"{name} disables its health check"
    assert "/health" in " ".join(services["app"]["healthcheck"]["test"])


def test_images_are_pinned(compose: dict[str, Any]) -> None:
    services = compose["services"]
    meili = re.fullmatch(r"getmeili/meilisearch:v(\d+)\.(\d+)\.(\d+)", services["meilisearch"]["image"])
    assert meili, "pin Meilisearch to an exact version such as getmeili/meilisearch:v1.16.0"
    assert (int(meili[1]), int(meili[2])) >= (1, 13), "Hubcity needs Meilisearch 1.13 or newer"
    assert re.fullmatch(r"postgres:15(\.\d+)?(-\w+)?", services["postgres"]["image"])
    assert re.fullmatch(r"redis:7(\.\d+)*(-\w+)?", services["redis"]["image"])


def test_app_serves_on_all_interfaces_and_worker_runs_the_worker(compose: dict[str, Any]) -> None:
    services = compose["services"]
    app, worker = command_words(services["app"]), command_words(services["worker"])
    assert "serve" in app and app[app.index("--host") + 1] == "0.0.0.0"
    assert "worker" in worker and "serve" not in worker
    for name in HUBCITY_SERVICES:
        build = services[name].get("build")
        context = build if isinstance(build, str) else (build or {}).get("context")
        assert context in (".", "./"), f"{name} must be built from this repository's Dockerfile"


def test_every_setting_is_considered_and_none_is_misspelt(compose: dict[str, Any]) -> None:
    known = setting_variables()
    for name in HUBCITY_SERVICES:
        mentioned = {key for key in service_env(compose, name) if key.startswith(ENV_PREFIX)}
        assert not mentioned - known, f"{name}: variables Settings does not read: {sorted(mentioned - known)}"
        assert not known - mentioned, f"{name}: settings the compose file does not mention: {sorted(known - mentioned)}"


def test_app_and_worker_get_every_setting_production_needs(compose: dict[str, Any]) -> None:
    for field in PRODUCTION_NEEDS:
        assert field in Settings.model_fields, f"Settings has no field {field!r} any more"
    for name in HUBCITY_SERVICES:
        env = service_env(compose, name)
        for field in PRODUCTION_NEEDS:
            assert env.get(env_name(field)), f"{name}: {env_name(field)} is not set"
        assert env[env_name("env")] == "production"
        assert env[env_name("search_backend")] == "meilisearch"
        assert env[env_name("inprocess_worker")] == "false", f"{name}: the worker runs as its own service"
        assert re.fullmatch(r"\$\{HUBCITY_SECRET_KEY:\?.+\}", env[env_name("secret_key")]), (
            "the secret key must come from the environment or .env and be required (${HUBCITY_SECRET_KEY:?...})"
        )
        with pytest.raises(KeyError, match="HUBCITY_SECRET_KEY"):
            resolved_env(compose, name, {k: v for k, v in SAMPLE_DOTENV.items() if k != "HUBCITY_SECRET_KEY"})


def test_urls_point_at_the_compose_services(compose: dict[str, Any]) -> None:
    for name in HUBCITY_SERVICES:
        env = resolved_env(compose, name)
        for field, service in URL_SERVICES.items():
            host = urlsplit(env[env_name(field)]).hostname
            assert host == service and service in compose["services"], f"{name}: {env_name(field)} → {host}"
    database = urlsplit(resolved_env(compose, "app")[env_name("database_url")])
    postgres = compose["services"]["postgres"]["environment"]
    assert database.username == postgres["POSTGRES_USER"]
    assert database.path.lstrip("/") == postgres["POSTGRES_DB"]
    assert database.password == interpolate(postgres["POSTGRES_PASSWORD"], SAMPLE_DOTENV)
    meili_master = interpolate(compose["services"]["meilisearch"]["environment"]["MEILI_MASTER_KEY"], SAMPLE_DOTENV)
    assert resolved_env(compose, "app")[env_name("meili_key")] == meili_master


def test_compose_environment_passes_the_settings_validation(compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in HUBCITY_SERVICES:
        for variable in [v for v in os.environ if v.startswith(ENV_PREFIX)]:
            monkeypatch.delenv(variable)
        for variable, value in resolved_env(compose, name).items():
            monkeypatch.setenv(variable, value)
        try:
            settings = load_settings(_env_file=None)
        except SettingsError as error:
            pytest.fail(f"{name}: the compose environment is refused: {error}")
        assert settings.is_production and not settings.secret_key_generated
        assert settings.run_inprocess_worker is False
        assert settings.resolved_database_url.startswith("postgresql://")


def test_volumes_are_named_and_shared(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})
    assert {"pgdata", "meilidata"} <= declared

    def mounts(service: str) -> dict[str, str]:
        pairs = [str(v).split(":")[:2] for v in compose["services"][service].get("volumes", [])]
        return {target: source for source, target in pairs}

    assert mounts("postgres").get("/var/lib/postgresql/data") == "pgdata"
    assert mounts("meilisearch").get("/meili_data") == "meilidata"
    data_dir = service_env(compose, "app")[env_name("data_dir")]
    assert data_dir, "production needs an explicit HUBCITY_DATA_DIR on a volume"
    sources = {mounts(name).get(data_dir) for name in HUBCITY_SERVICES}
    assert len(sources) == 1 and sources <= declared, "app and worker must share one named volume at the data dir"


def test_health_check_scripts_exist(compose: dict[str, Any]) -> None:
    for name in HUBCITY_SERVICES:
        for word in compose["services"][name]["healthcheck"]["test"]:
            if str(word).startswith("/app/"):
                assert (ROOT / str(word).removeprefix("/app/")).is_file(), f"{name}: {word} is not in the repository"


# -- Dockerfile -----------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_dockerfile_installs_cpu_torch_before_the_project() -> None:
    instructions = dockerfile_instructions()
    froms = [args for keyword, args in instructions if keyword == "FROM"]
    assert froms[-1].split()[0] == "python:3.11-slim", "the final image is python:3.11-slim"
    runs = [args for keyword, args in instructions if keyword == "RUN"]
    torch = next(i for i, run in enumerate(runs) if "torch==2.13.0" in run)
    assert "--index-url https://download.pytorch.org/whl/cpu" in runs[torch]
    project = next(i for i, run in enumerate(runs) if re.search(r"pip install (-e )?\"?\.\[", run))
    assert torch < project, "torch==2.13.0 must be installed before the project"
    for extra in ("matching", "search", "payments"):
        assert extra in runs[project]
    assert any("npm ci" in run for run in runs), "front-end packages come from npm ci"


def test_dockerfile_runs_as_a_non_root_user_and_migrates_on_start() -> None:
    instructions = dockerfile_instructions()
    users = [args for keyword, args in instructions if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    entrypoint = next(args for keyword, args in instructions if keyword == "ENTRYPOINT")
    script = ROOT / re.search(r"/app/(scripts/[\w.-]+)", entrypoint)[1]
    assert script.is_file() and os.access(script, os.X_OK), f"{script} must exist and be executable"
    text = script.read_text()
    assert "hubcity migrate" in text and text.index("hubcity migrate") < text.index('exec hubcity "$@"')


def test_dockerfile_copies_only_what_exists() -> None:
    for keyword, args in dockerfile_instructions():
        if keyword == "COPY" and "--from=" not in args:
            for source in args.split()[:-1]:
                assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
    ignored = (ROOT / ".dockerignore").read_text().split()
    for private in (".venv", "node_modules", "data", ".env", ".git"):
        assert private in ignored, f".dockerignore must leave out {private}"


# -- scripts/healthcheck.py -----------------------------------------------------------------------


def load_healthcheck() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hubcity_healthcheck", ROOT / "scripts" / "healthcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_http_health_check_reports_an_unreachable_app() -> None:
    healthcheck = load_healthcheck()
    assert healthcheck.main(["http", "http://127.0.0.1:9/health"]) == 1
    assert healthcheck.main(["nonsense"]) == 2


def test_worker_health_check_follows_the_queue(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    healthcheck = load_healthcheck()
    bound = {table: table._meta._db for table in [*ALL_TABLES, Migration]}
    conf_db = piccolo_conf.DB
    monkeypatch.setenv("HUBCITY_DATABASE_URL", database_url)
    monkeypatch.setenv("HUBCITY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HUBCITY_ENV", "test")

    async def add_overdue_job() -> None:
        long_ago = datetime(2000, 1, 1, tzinfo=timezone.utc)
        await Job.insert(Job(name="healthcheck.probe", run_after=long_ago, created_at=long_ago)).run()

    try:
        assert healthcheck.main(["worker"]) == 0
        asyncio.run(add_overdue_job())
        assert healthcheck.main(["worker"]) == 1
    finally:
        asyncio.run(Job.delete(force=True).run())
        for table, engine in bound.items():
            table._meta._db = engine
        piccolo_conf.DB = conf_db
