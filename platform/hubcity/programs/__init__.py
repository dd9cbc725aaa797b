"""Fund programs (calls) and applications: the data model's rules, the workflow table
(:mod:`.workflow`), forms as data (:mod:`.forms`), eligibility rules (:mod:`.eligibility`),
deadlines (:mod:`.deadlines`), queries (:mod:`.repositories`) and services (:mod:`.services`).

Pages, API and exports are built on :class:`hubcity.programs.services.ProgramService` and
:class:`hubcity.programs.services.ApplicationService`.
"""

from __future__ import annotations

from typing import Any

#: Modules whose ``CONTROLLERS`` list holds route handlers (pages, fragments, API, exports).
CONTROLLER_MODULES: tuple[str, ...] = (
    "hubcity.programs.controllers.calls",
    "hubcity.programs.controllers.manage",
    "hubcity.programs.controllers.apply",
    "hubcity.programs.controllers.screening",
    "hubcity.programs.controllers.lists",
    "hubcity.programs.api",
)


def routes(settings: Any = None) -> list[Any]:
    """Route handlers of the programs domain: every ``CONTROLLERS`` of :data:`CONTROLLER_MODULES`."""
    import importlib

    handlers: list[Any] = []
    for name in CONTROLLER_MODULES:
        handlers += getattr(importlib.import_module(name), "CONTROLLERS")
    return handlers


def dependencies() -> dict[str, Any]:
    """Providers of ``program_service`` and ``application_service`` (they need ``settings`` and
    ``notifier`` from the composition root)."""
    from litestar.di import Provide

    from hubcity.programs import deps

    return {
        "program_service": Provide(deps.provide_program_service, sync_to_thread=False),
        "application_service": Provide(deps.provide_application_service, sync_to_thread=False),
    }


def register_jobs(registry: Any, notifier: Any, public_url: str) -> None:
    """Job handlers of the programs domain (reminders of unsubmitted drafts)."""
    from hubcity.programs import jobs

    jobs.register(registry, notifier, public_url)
