"""Review rounds, panels, reviewer assignment, conflicts, scorecards, determinations,
objections, awards and tranches (DESIGN.md §2-4).

Modules: :mod:`.scoring` (pure: totals, mean/trimmed mean, spread, ranking, who advances, who is
missing), :mod:`.conflicts` (who may not review whom, and why), :mod:`.assignment` (pure,
deterministic automatic assignment with reasons; the similarity function is injected),
:mod:`.repositories` (every query; reviewers' access scoped there), :mod:`.services`
(:class:`~hubcity.reviews.services.ReviewService`,
:class:`~hubcity.reviews.services.DecisionService`,
:class:`~hubcity.reviews.services.AwardService`) and :mod:`.rules` (the eligibility rule
``no_active_award_in_family``).

Importing this package registers that rule with :mod:`hubcity.programs.eligibility`; the
composition root imports it (``import hubcity.reviews``) so the rule is known before a program
using it is validated.
"""

from __future__ import annotations

from typing import Any

from hubcity.reviews import rules as _rules

_rules.register()

#: Modules whose ``CONTROLLERS`` list holds route handlers (pages, fragments, API, exports).
CONTROLLER_MODULES: tuple[str, ...] = (
    "hubcity.reviews.controllers.rounds",
    "hubcity.reviews.controllers.reviewer",
    "hubcity.reviews.controllers.decisions",
    "hubcity.reviews.controllers.awards",
    "hubcity.reviews.controllers.queues",
    "hubcity.reviews.api",
)


def routes(settings: Any = None) -> list[Any]:
    """Route handlers of the reviews domain: every ``CONTROLLERS`` of :data:`CONTROLLER_MODULES`."""
    import importlib

    handlers: list[Any] = []
    for name in CONTROLLER_MODULES:
        handlers += getattr(importlib.import_module(name), "CONTROLLERS")
    return handlers


def dependencies(similarity: Any) -> dict[str, Any]:
    """Providers of ``review_service``, ``decision_service`` and ``award_service``. similarity:
    ``(text_a, text_b) -> 0..1`` for reviewers' fit (the matching service's, from the composition root)."""
    from litestar.di import Provide

    from hubcity.reviews import deps

    return {
        "review_service": Provide(deps.review_service_provider(similarity), sync_to_thread=False),
        "decision_service": Provide(deps.provide_decision_service, sync_to_thread=False),
        "award_service": Provide(deps.provide_award_service, sync_to_thread=False),
    }
