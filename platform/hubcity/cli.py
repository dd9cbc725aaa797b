"""The ``hubcity`` command: ``serve``, ``worker``, ``migrate``, ``create-staff``, ``seed-demo``,
``seed-taxonomies``, ``import-startups``.

Every command reads the settings afresh from the environment (``HUBCITY_*`` and ``.env``), so a
wrong value stops it with ``error: HUBCITY_…: …`` on stderr and exit status 2, no traceback. A
database that is not migrated yet stops the commands that need tables with a message saying to
run ``hubcity migrate`` (also status 2). Bad input to a command (an email, a short password, an
unknown role) exits with status 1 and names the option.

Adding a command (later issues): decorate a function with ``@cli.command("name")``, call
:func:`load_cli_settings`, and run the async part with ``run(...)`` inside ``async with
open_database(settings):``.
"""

from __future__ import annotations

import asyncio
import time
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import click
from piccolo.engine.postgres import PostgresEngine

from hubcity.accounts.labels import STAFF_ROLE_LABELS
from hubcity.config.settings import Settings, SettingsError, load_settings
from hubcity.core.errors import FormInvalid
from hubcity.core.i18n import gettext as _
from hubcity.core.i18n import ngettext, set_locale
from hubcity.db.engine import use_database

T = TypeVar("T")
EXIT_INPUT = 1
EXIT_CONFIG = 2


class DatabaseNotReady(RuntimeError):
    """The database cannot be reached, or lacks migrations. The message says what to do."""


class HubcityGroup(click.Group):
    """A click group that turns configuration errors into one line on stderr and exit status 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (SettingsError, DatabaseNotReady) as error:
            click.echo(f"error: {error}", err=True)
            ctx.exit(EXIT_CONFIG)


@click.group(cls=HubcityGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Hubcity, the platform of the city's AI startup hub.

    Settings come from HUBCITY_* environment variables and .env (see README.md).
    """


def main() -> None:
    """Console-script entry point (``hubcity = "hubcity.cli:main"``)."""
    cli(prog_name="hubcity")


# -- helpers shared by the commands ------------------------------------------------------------
def load_cli_settings() -> Settings:
    """Settings read afresh from the environment; messages follow ``HUBCITY_DEFAULT_LOCALE``.

    Raises :class:`SettingsError` (the group prints it and exits 2).
    """
    settings = load_settings()
    set_locale(settings.default_locale)
    return settings


def run(coroutine: Awaitable[T]) -> T:
    """Run one async step of a command to completion."""
    return asyncio.run(coroutine)  # type: ignore[arg-type]


def describe_database(url: str) -> str:
    """``url`` without its password, for messages."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


async def pending_migrations() -> list[str]:
    """Ids of the migrations in ``hubcity/db/migrations`` that the bound database has not run."""
    from piccolo.apps.migrations.commands.base import BaseMigrationManager
    from piccolo.apps.migrations.tables import Migration

    from hubcity.db.piccolo_app import APP_CONFIG

    known = BaseMigrationManager().get_migration_modules(APP_CONFIG.resolved_migrations_folder_path)
    ran: list[str] = []
    if await Migration.table_exists().run():
        ran = await Migration.get_migrations_which_ran(app_name="hubcity")
    return sorted(set(known) - set(ran))


@asynccontextmanager
async def open_database(settings: Settings, *, require_migrated: bool = True) -> AsyncIterator[None]:
    """Bind every table to the configured database (a pool on PostgreSQL) for one command.

    require_migrated: raise :class:`DatabaseNotReady` when migrations are pending.
    """
    url = settings.resolved_database_url
    engine = use_database(url)
    pool = False
    try:
        if isinstance(engine, PostgresEngine):
            await engine.start_connection_pool(min_size=1, max_size=4)
            pool = True
        pending = await pending_migrations() if require_migrated else []
    except Exception as error:  # OSError, asyncpg's and sqlite3's errors: the database is out of reach
        if pool:
            await engine.close_connection_pool()
        raise DatabaseNotReady(
            _("cannot use the database %(url)s (HUBCITY_DATABASE_URL): %(reason)s", url=describe_database(url), reason=error)
        ) from None
    try:
        if pending:
            raise DatabaseNotReady(
                ngettext(
                    "the database %(url)s has %(num)s migration not applied yet. Run `hubcity migrate` first.",
                    "the database %(url)s has %(num)s migrations not applied yet. Run `hubcity migrate` first.",
                    len(pending),
                    url=describe_database(url),
                )
            )
        yield
    finally:
        if pool:
            await engine.close_connection_pool()


def role_names(roles: Sequence[str]) -> str:
    return ", ".join(_(STAFF_ROLE_LABELS.get(role, role)) for role in roles)


def echo_staff_logins(logins: Sequence[tuple[str, Sequence[str]]], password: str) -> None:
    click.echo(_("Log in as agency staff with one of these accounts; the password of each is %(password)s", password=password))
    for email, roles in logins:
        click.echo(f"  {email}  ({role_names(roles)})")


# -- migrate -----------------------------------------------------------------------------------
@cli.command()
def migrate() -> None:
    """Apply the database migrations not applied yet."""
    from hubcity.db.migrate import migrate_forwards

    settings = load_cli_settings()

    async def apply() -> list[str]:
        async with open_database(settings, require_migrated=False):
            return await migrate_forwards()

    click.echo(_("Database: %(url)s", url=describe_database(settings.resolved_database_url)))
    try:
        applied = run(apply())
    except RuntimeError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_INPUT)
    for migration_id in applied:
        click.echo(_("Applied migration %(id)s.", id=migration_id))
    if not applied:
        click.echo(_("Nothing to apply: the database is up to date."))


# -- create-staff ------------------------------------------------------------------------------
@cli.command("create-staff")
@click.option("--email", required=True, help="Email address; an existing account with it is given the roles.")
@click.option("--name", required=True, help="The person's name as staff pages show it (new accounts).")
@click.option("--role", "roles", multiple=True, required=True, metavar="ROLE",
              help="admin, program_manager, finance or reviewer; repeat for several.")
@click.option("--password", default=None,
              help="At least 10 characters; asked twice when needed and not given. Used for a new account, "
                   "or with --reset-password.")
@click.option("--locale", default="ko", show_default=True, help="Language of a new account: ko or en.")
@click.option("--reset-password", is_flag=True,
              help="The account exists: replace its password (ending its sessions). Without this flag an "
                   "existing account keeps its password, name and language.")
def create_staff(email: str, name: str, roles: tuple[str, ...], password: str | None, locale: str, reset_password: bool) -> None:
    """Create an agency staff account, or give an existing account staff roles.

    An existing account keeps its name, language and password unless --reset-password is given
    (the operator's way to recover an account whose password is lost).
    """
    from hubcity.accounts.roles import RoleService
    from hubcity.accounts.schemas import lookup_email
    from hubcity.core.notify import Notifier
    from hubcity.core.templating import build_environment

    settings = load_cli_settings()

    async def existing() -> bool:
        async with open_database(settings):
            return await RoleService().repository.user_by_email(lookup_email(email)) is not None

    exists = run(existing())
    if password is None:
        if exists and not reset_password:
            password = ""
        else:
            password = click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)

    async def create() -> Any:
        async with open_database(settings):
            notifier = Notifier(build_environment(settings), smtp_url=settings.smtp_url)
            return await RoleService(notifier).create_staff(
                email, name, password or "", list(roles), locale, reset_password=reset_password
            )

    try:
        account = run(create())
    except FormInvalid as error:
        for message in error.errors.values():
            click.echo(f"error: {message}", err=True)
        sys.exit(EXIT_INPUT)
    if account.created:
        click.echo(_("Created the staff account %(email)s with the roles: %(roles)s.", email=account.email, roles=role_names(account.roles)))
        click.echo(_("A welcome email is in the outbox; the job worker sends it."))
    elif account.password_reset:
        click.echo(
            _("Set a new password for %(email)s and ended its sessions; its roles are now: %(roles)s.",
              email=account.email, roles=role_names(account.roles))
        )
    else:
        click.echo(
            _("The account %(email)s already existed; its roles are now: %(roles)s. Its name, password and "
              "language were not changed (add --reset-password to set a new password).",
              email=account.email, roles=role_names(account.roles))
        )


# -- seed-demo ---------------------------------------------------------------------------------
@cli.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has a user.")
def seed_demo(if_empty: bool) -> None:
    """Load the demo content: the agency, startups, corporations, their users and staff, the
    startups' profiles and the corporations' partner needs.

    The taxonomies' missing terms are added first, even with --if-empty on a used database."""
    from hubcity import demo
    from hubcity.startups import taxonomy

    settings = load_cli_settings()

    from hubcity import demo_profiles, demo_programs

    async def seed() -> tuple[int, demo.DemoReport, dict[str, int]]:
        async with open_database(settings):
            terms = await taxonomy.seed_missing()  # always, even when the demo itself is skipped
            report = await demo.seed_demo(if_empty=if_empty)
            profiles = {} if report.skipped else await demo_profiles.seed_profiles_and_needs(settings.zone)
            if not report.skipped:
                profiles["calls"] = await demo_programs.seed_programs(settings.zone, demo.PROGRAM_MANAGER_EMAIL)
            return terms, report, profiles

    terms, report, profiles = run(seed())
    echo_taxonomy_terms(terms)
    if profiles:
        click.echo(
            _("Demo startup profiles added: %(profiles)s; partner needs added: %(needs)s; calls added: %(calls)s.",
              profiles=profiles["profiles"], needs=profiles["needs"], calls=profiles.get("calls", 0))
        )
    if report.skipped:
        click.echo(_("The database already has users, so the demo content was not loaded (--if-empty)."))
        return
    if not report.created_anything:
        click.echo(_("The demo content is already there; nothing was added."))
    for organisation in report.organisations:
        click.echo(_("Created organisation %(name)s", name=organisation))
    for email in report.users:
        click.echo(_("Created user %(email)s", email=email))
    if report.users:
        # The staff logins themselves are listed once, by `hubcity serve` (which `make run` starts next).
        click.echo(
            _("Every demo account logs in with the password %(password)s; `hubcity serve` lists the staff accounts.",
              password=demo.DEMO_PASSWORD)
        )


def echo_taxonomy_terms(count: int) -> None:
    if count:
        click.echo(ngettext("Added %(num)s taxonomy term.", "Added %(num)s taxonomy terms.", count))
    else:
        click.echo(_("The taxonomies have every term already; nothing was added."))


# -- seed-taxonomies ---------------------------------------------------------------------------
@cli.command("seed-taxonomies")
def seed_taxonomies() -> None:
    """Add the missing terms of the taxonomies (sectors, AI technologies, stages, engagement
    types, countries). Terms staff edited, deactivated or added are left as they are."""
    from hubcity.startups import taxonomy

    settings = load_cli_settings()

    async def seed() -> int:
        async with open_database(settings):
            return await taxonomy.seed_missing()

    echo_taxonomy_terms(run(seed()))


# -- serve -------------------------------------------------------------------------------------
@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--reload/--no-reload", default=False, show_default=True, help="Restart when the code changes (development).")
def serve(host: str, port: int, reload: bool) -> None:
    """Run the web server (uvicorn with hubcity.asgi:create_app)."""
    import uvicorn

    from hubcity import demo
    from hubcity.paths import PROJECT_ROOT

    settings = load_cli_settings()

    async def logins() -> list[tuple[str, tuple[str, ...]]]:
        async with open_database(settings):
            return await demo.demo_staff_logins()

    staff = run(logins())
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{shown_host}:{port}/"
    click.echo(_("Hubcity is starting at %(url)s", url=url))
    if staff:
        echo_staff_logins(staff, demo.DEMO_PASSWORD)
    else:
        click.echo(_("To log in as agency staff, create an account: hubcity create-staff --email EMAIL --name NAME --role admin"))
    if not settings.run_inprocess_worker:
        click.echo(_("The in-process job worker is off (HUBCITY_INPROCESS_WORKER); run `hubcity worker` beside the server."))
    uvicorn.run(
        "hubcity.asgi:create_app",
        factory=True,
        host=host,
        port=port,
        # The client's address is the connection's: an X-Forwarded-For header, which any client can
        # send, must not choose the address that the login rate limit and the audit log see.
        proxy_headers=False,
        reload=reload,
        reload_dirs=[str(PROJECT_ROOT / "platform"), str(PROJECT_ROOT / "templates")] if reload else None,
    )


# -- worker ------------------------------------------------------------------------------------
@cli.command()
@click.option("--once", is_flag=True, help="Run the jobs due now, then exit.")
@click.option("--poll-interval", default=1.0, show_default=True, type=click.FloatRange(0.05, 60), help="Seconds between looks at an idle queue.")
def worker(once: bool, poll_interval: float) -> None:
    """Run background jobs from the jobs table until stopped (SIGINT or SIGTERM)."""
    from hubcity.asgi import build_job_registry
    from hubcity.core.jobs import Worker, lanes
    from hubcity.matches.engine import MatchingEngine
    from hubcity.core.notify import Notifier
    from hubcity.core.templating import build_environment

    settings = load_cli_settings()

    async def work() -> int:
        async with open_database(settings):
            notifier = Notifier(build_environment(settings), smtp_url=settings.smtp_url)
            registry = build_job_registry(notifier, MatchingEngine(settings), settings.public_url)
            job_worker = Worker(registry)
            if once:
                await job_worker.reclaim_stale()
                return await job_worker.drain()
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            signals = (signal.SIGINT, signal.SIGTERM)
            for sig in signals:
                loop.add_signal_handler(sig, stop.set)
            click.echo(_("Job worker %(id)s started (index jobs in a lane of their own); press Ctrl+C to stop.", id=job_worker.worker_id))
            try:
                await asyncio.gather(*(lane.run_forever(stop, poll_interval_s=poll_interval) for lane in lanes(registry)))
            finally:
                for sig in signals:
                    loop.remove_signal_handler(sig)
            click.echo(_("Job worker stopped."))
            return 0

    count = run(work())
    if once:
        click.echo(ngettext("Ran %(num)s job.", "Ran %(num)s jobs.", count))


# -- import-startups ---------------------------------------------------------------------------
@cli.command("import-startups")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--source", default="", help="Source name records are keyed by (default: yc for JSON, csv for CSV).")
@click.option("--format", "file_format", type=click.Choice(["json", "csv"]), default=None,
              help="File format; by default from the file's extension.")
@click.option("--dry-run", is_flag=True, help="Check the file and show the report without writing anything.")
def import_startups(file: Path, source: str, file_format: str | None, dry_run: bool) -> None:
    """Import startup profiles from FILE (a JSON array like yc_startups.json, or a CSV; see README).

    Re-importing updates and never duplicates. Exit status 0 even when records were rejected
    (they are listed); 2 when the file cannot be read.
    """
    from hubcity.startups.importing import cli_report
    from hubcity.startups.importing.readers import UnreadableFile, detect_format
    from hubcity.startups.importing.services import ImportService, check_source

    settings = load_cli_settings()
    fmt = file_format or detect_format(file.name)
    if fmt is None:
        click.echo(f"error: {_('Cannot tell the format of %(file)s from its name; pass --format json or --format csv.', file=file)}", err=True)
        sys.exit(EXIT_CONFIG)
    try:
        source = check_source(source, fmt)
        data = file.read_bytes()
    except ValueError as error:
        click.echo(f"error: --source: {error}", err=True)
        sys.exit(EXIT_INPUT)
    except OSError as error:
        click.echo(f"error: {_('Cannot read %(file)s: %(reason)s', file=file, reason=error.strerror or error)}", err=True)
        sys.exit(EXIT_CONFIG)

    async def work() -> Any:
        async with open_database(settings):
            service = ImportService()
            seeded = 0 if dry_run else await service.ensure_taxonomies()
            with cli_report.progress_bar() as advance:
                report = await service.import_bytes(data, fmt, source, dry_run=dry_run, progress=advance)
            run_id = None if dry_run else await service.record_cli_run(report, file_name=file.name, file_path=str(file.resolve()))
            return seeded, report, run_id

    try:
        seeded, report, run_id = run(work())
    except UnreadableFile as error:
        click.echo(f"error: {file}: {error.message}", err=True)
        sys.exit(EXIT_CONFIG)
    if seeded:
        click.echo(_("The taxonomies were empty; %(count)s terms were added first.", count=seeded))
    cli_report.print_report(report, file.name, run_id)


# -- search index and matching (issue 4) -------------------------------------------------------
@cli.command()
@click.option("--drop", is_flag=True, help="Start from empty indexes (after an index text or embedder change).")
def reindex(drop: bool) -> None:
    """Rebuild the search index from the database (every profile and partner need)."""
    from hubcity.matches.cli_report import progress_bar
    from hubcity.matches.engine import MatchingEngine
    from hubcity.matches.indexing import IndexSync

    settings = load_cli_settings()

    async def work() -> dict[str, int]:
        async with open_database(settings):
            sync = IndexSync(MatchingEngine(settings))
            with progress_bar(_("Indexing")) as advance:
                return await sync.reindex(advance, drop=drop)

    started = time.perf_counter()
    counts = run(work())
    click.echo(
        _(
            "Indexed %(startups)s startups and %(needs)s partner needs in %(seconds).1f s; removed %(removed)s stale documents.",
            startups=counts["startups"], needs=counts["needs"], seconds=time.perf_counter() - started, removed=counts["removed"],
        )
    )


@cli.command("index-status")
def index_status() -> None:
    """Compare the database with the search index (missing, outdated and extra documents).
    Exit status 0 when in step, 1 when not."""
    from hubcity.matches.cli_report import print_status
    from hubcity.matches.engine import MatchingEngine
    from hubcity.matches.indexing import IndexSync

    settings = load_cli_settings()

    async def work() -> Any:
        async with open_database(settings):
            return await IndexSync(MatchingEngine(settings)).status()

    status = run(work())
    print_status(status)
    sys.exit(0 if status.in_step else EXIT_INPUT)


@cli.command()
@click.argument("need_text")
@click.option("--filter", "filters", multiple=True, metavar="NAME=VALUE",
              help="A directory filter, repeatable: sector=energy, technology=computer-vision, stage=seed, location=seoul, team_min=5, team_max=50, verified=1.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 200), help="How many startups to print.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts and benchmarks).")
def match(need_text: str, filters: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Print the startups that fit NEED_TEXT (Korean or English), ranked, with their import
    source ids and the reasons."""
    from hubcity.corporates.filters import STARTUP_PARAMS, parse_filters
    from hubcity.matches.cli_report import match_rows, print_matches
    from hubcity.matches.engine import MatchingEngine
    from hubcity.matches.repositories import IndexSourceRepository
    from hubcity.matches.services import startup_filter
    from hubcity.startups import taxonomy

    if not need_text.strip():
        click.echo(f"error: NEED_TEXT: {_('give the need in words (Korean or English).')}", err=True)
        sys.exit(EXIT_INPUT)
    raw: dict[str, list[str]] = {}
    for item in filters:
        name, sep, value = item.partition("=")
        if not sep or name not in STARTUP_PARAMS - {"q", "page", "status"}:
            click.echo(f"error: --filter {item!r}: {_('use NAME=VALUE with NAME one of sector, technology, stage, location, team_min, team_max, founded_after, verified.')}", err=True)
            sys.exit(EXIT_INPUT)
        raw.setdefault(name, []).append(value)
    settings = load_cli_settings()

    async def work() -> Any:
        async with open_database(settings):
            vocabulary = {kind: await taxonomy.valid_slugs(kind) for kind in ("sector", "technology", "stage")}
            parsed, errors = parse_filters(raw, vocabulary)
            if errors:
                return errors, None, {}
            engine = MatchingEngine(settings)
            page = await engine.call("match", "startups", need_text, filter=startup_filter(parsed), limit=limit)
            profiles = {row["id"]: row for row in await IndexSourceRepository().profiles([int(m.hit.id) for m in page.matches])}
            return {}, page, profiles

    errors, page, profiles = run(work())
    if errors:
        for name, message in errors.items():
            click.echo(f"error: --filter {name}: {message}", err=True)
        sys.exit(EXIT_INPUT)
    print_matches(match_rows(list(page.matches), profiles), int(page.total), as_json=as_json)


if __name__ == "__main__":  # pragma: no cover
    main()
