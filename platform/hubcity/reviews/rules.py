"""The eligibility rule of the reviews domain, registered with :mod:`hubcity.programs.eligibility`.

``{"rule": "no_active_award_in_family"}``: the startup holds no active award (agreement pending
or active) from a program of the same ``family`` as the one it applies to. The programs service
fills ``context.extra`` through the context provider registered here (``program_family`` and
``active_award_families``), so programs never imports reviews.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hubcity.core.i18n import N_
from hubcity.core.i18n import gettext as _
from hubcity.programs import eligibility

RULE = "no_active_award_in_family"
PROVIDER = "reviews.active_award_families"


def check_no_active_award(rule: Mapping[str, Any], profile: Mapping[str, Any], context: eligibility.EligibilityContext) -> eligibility.RuleResult:
    """Fails when ``context.extra["program_family"]`` is among
    ``context.extra["active_award_families"]`` (a list of family keys); passes otherwise
    (also when the program has no family)."""
    family = str(context.extra.get("program_family") or "")
    active = {str(f) for f in context.extra.get("active_award_families") or []}
    name = eligibility.rule_name(RULE)
    if family and family in active:
        return eligibility.RuleResult(RULE, False, _("%(rule)s: not met. %(why)s", rule=name, why=_(
            "Your startup already holds an active award from this fund (%(family)s).", family=family)).strip())
    return eligibility.RuleResult(RULE, True, _("%(rule)s: met.", rule=name))


async def provide_award_context(program: Mapping[str, Any], profile: Mapping[str, Any]) -> dict[str, Any]:
    """``context.extra`` for the rule: ``{"program_family": str, "active_award_families": [str]}``."""
    from hubcity.reviews.repositories import AwardRepository

    families = await AwardRepository().active_award_families(int(profile["id"])) if profile.get("id") is not None else []
    return {"program_family": program.get("family") or "", "active_award_families": families}


def register() -> None:
    """Register the rule and its context provider (idempotent)."""
    eligibility.register_rule(RULE, N_("No active award from the same fund"), check_no_active_award)
    eligibility.register_context_provider(PROVIDER, provide_award_context)
