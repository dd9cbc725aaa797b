"""Eligibility rules as data, and the check that names every rule a startup fails.

A program's ``eligibility`` is a JSON list of rule dicts, each with a ``rule`` key:

- ``{"rule": "founded_within_years", "years": 7}``: founded on or after the program's closing
  date (in the program's zone) minus ``years`` years;
- ``{"rule": "regions", "values": ["kr", "Busan"]}``: the profile's ``country`` or ``location``
  is one of ``values`` (case-insensitive);
- ``{"rule": "sectors", "values": ["mobility"]}``: the profile has at least one of the sectors;
- ``{"rule": "stages", "values": ["seed", "series_a"]}``: the profile's stage is one of them;
- ``{"rule": "team_size", "min": 1, "max": 50}``: team size within the range (either end optional);
- ``{"rule": "one_application_per_startup"}``: the startup has no application to this call yet.

The hook for later rules (the next issue's "no active award from the same family"): register a
checker with :func:`register_rule` and a validator for its parameters; checkers get the rule dict,
the profile and the :class:`EligibilityContext` (whose ``extra`` mapping carries what the caller
looked up, e.g. ``extra["active_award_families"]``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hubcity.core.clock import add_years
from hubcity.core.i18n import N_
from hubcity.core.i18n import gettext as _

#: rule key → translatable name (message ids).
RULE_NAMES: dict[str, str] = {
    "founded_within_years": N_("Founded recently enough"),
    "regions": N_("Located in an eligible region"),
    "sectors": N_("Works in an eligible sector"),
    "stages": N_("At an eligible stage"),
    "team_size": N_("Team size"),
    "one_application_per_startup": N_("One application per startup"),
}


@dataclass(frozen=True)
class EligibilityContext:
    """What a check needs besides the profile.

    closes_at: the program's closing instant (aware); zone: the program's zone;
    has_application: the startup already has an application to this program;
    extra: anything a registered rule needs (looked up by the caller).
    """

    closes_at: datetime | None
    zone: ZoneInfo
    has_application: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleResult:
    """The outcome of one rule: ``key`` (the rule key), ``passed``, and ``message`` (translated)
    naming the rule and, when it failed, why."""

    key: str
    passed: bool
    message: str


Checker = Callable[[Mapping[str, Any], Mapping[str, Any], EligibilityContext], RuleResult]
Validator = Callable[[Mapping[str, Any]], str | None]


def rule_name(key: str) -> str:
    """The translated name of rule ``key`` (the key itself for an unknown rule)."""
    return _(RULE_NAMES[key]) if key in RULE_NAMES else key


def years_before(day: date, years: int) -> date:
    """``day`` minus ``years`` calendar years (29 February becomes 28 February)."""
    return add_years(day, -years)


def _values(rule: Mapping[str, Any]) -> list[str]:
    return [str(v).strip().lower() for v in rule.get("values") or [] if str(v).strip()]


def _result(key: str, passed: bool, why: str = "") -> RuleResult:
    name = rule_name(key)
    if passed:
        return RuleResult(key, True, _("%(rule)s: met.", rule=name))
    return RuleResult(key, False, _("%(rule)s: not met. %(why)s", rule=name, why=why).strip())


def _founded(rule: Mapping[str, Any], profile: Mapping[str, Any], context: EligibilityContext) -> RuleResult:
    years = int(rule["years"])
    founded = profile.get("founded_on")
    if isinstance(founded, str) and founded:
        try:
            founded = date.fromisoformat(founded[:10])
        except ValueError:
            founded = None
    if not isinstance(founded, date):
        return _result("founded_within_years", False, _("The profile has no founding date."))
    reference = context.closes_at.astimezone(context.zone).date() if context.closes_at else datetime.now(context.zone).date()
    cutoff = years_before(reference, years)
    if founded >= cutoff:
        return _result("founded_within_years", True)
    return _result(
        "founded_within_years", False,
        _("It must have been founded on or after %(cutoff)s (%(years)s years before the closing date).", cutoff=cutoff.isoformat(), years=years),
    )


def _regions(rule: Mapping[str, Any], profile: Mapping[str, Any], context: EligibilityContext) -> RuleResult:
    allowed = _values(rule)
    mine = {str(profile.get("country") or "").strip().lower(), str(profile.get("location") or "").strip().lower()} - {""}
    if mine & set(allowed):
        return _result("regions", True)
    return _result("regions", False, _("Eligible regions: %(values)s.", values=", ".join(rule.get("values") or [])))


def _sectors(rule: Mapping[str, Any], profile: Mapping[str, Any], context: EligibilityContext) -> RuleResult:
    mine = {str(s).lower() for s in profile.get("sectors") or []}
    if mine & set(_values(rule)):
        return _result("sectors", True)
    return _result("sectors", False, _("Eligible sectors: %(values)s.", values=", ".join(rule.get("values") or [])))


def _stages(rule: Mapping[str, Any], profile: Mapping[str, Any], context: EligibilityContext) -> RuleResult:
    if str(profile.get("stage") or "").lower() in set(_values(rule)):
        return _result("stages", True)
    return _result("stages", False, _("Eligible stages: %(values)s.", values=", ".join(rule.get("values") or [])))


def _team_size(rule: Mapping[str, Any], profile: Mapping[str, Any], context: EligibilityContext) -> RuleResult:
    size = profile.get("team_size")
    low, high = rule.get("min"), rule.get("max")
    bounds = _("from %(min)s to %(max)s people", min=low if low is not None else 1, max=high if high is not None else "∞")
    if not isinstance(size, int) or isinstance(size, bool):
        return _result("team_size", False, _("The profile has no team size; it must be %(bounds)s.", bounds=bounds))
    if (low is not None and size < low) or (high is not None and size > high):
        return _result("team_size", False, _("The team has %(size)s people; it must be %(bounds)s.", size=size, bounds=bounds))
    return _result("team_size", True)


def _one_application(rule: Mapping[str, Any], profile: Mapping[str, Any], context: EligibilityContext) -> RuleResult:
    if context.has_application:
        return _result("one_application_per_startup", False, _("Your startup already has an application to this call."))
    return _result("one_application_per_startup", True)


def _check_years(rule: Mapping[str, Any]) -> str | None:
    years = rule.get("years")
    if not isinstance(years, int) or isinstance(years, bool) or not 1 <= years <= 100:
        return _("%(rule)s: the number of years must be a whole number from 1 to 100.", rule=rule_name("founded_within_years"))
    return None


def _check_values(key: str) -> Validator:
    def check(rule: Mapping[str, Any]) -> str | None:
        values = rule.get("values")
        if not isinstance(values, list) or not values or not all(isinstance(v, str) and v.strip() for v in values):
            return _("%(rule)s: list at least one value.", rule=rule_name(key))
        return None

    return check


def _check_team(rule: Mapping[str, Any]) -> str | None:
    low, high = rule.get("min"), rule.get("max")
    for bound in (low, high):
        if bound is not None and (not isinstance(bound, int) or isinstance(bound, bool) or bound < 0):
            return _("%(rule)s: the limits must be whole numbers of people.", rule=rule_name("team_size"))
    if low is None and high is None:
        return _("%(rule)s: give a minimum, a maximum or both.", rule=rule_name("team_size"))
    if low is not None and high is not None and low > high:
        return _("%(rule)s: the minimum is greater than the maximum.", rule=rule_name("team_size"))
    return None


#: rule key → (checker, validator of the rule's parameters). Extend with :func:`register_rule`.
RULES: dict[str, tuple[Checker, Validator]] = {
    "founded_within_years": (_founded, _check_years),
    "regions": (_regions, _check_values("regions")),
    "sectors": (_sectors, _check_values("sectors")),
    "stages": (_stages, _check_values("stages")),
    "team_size": (_team_size, _check_team),
    "one_application_per_startup": (_one_application, lambda rule: None),
}


def register_rule(key: str, name: str, checker: Checker, validator: Validator | None = None) -> None:
    """Add rule ``key`` (``name``: a message id marked with ``N_``). The next issue registers
    ``no_active_award_in_family`` here, reading ``context.extra``."""
    RULE_NAMES[key] = name
    RULES[key] = (checker, validator or (lambda rule: None))


#: ``async provider(program row, profile row) -> mapping`` merged into ``EligibilityContext.extra``.
ContextProvider = Callable[[Mapping[str, Any], Mapping[str, Any]], Awaitable[Mapping[str, Any]]]
#: Providers registered by higher domains (``hubcity.reviews`` registers the active-award lookup);
#: the programs service calls :func:`context_extra` before every check, so programs never
#: imports the domain that knows the answer.
CONTEXT_PROVIDERS: dict[str, ContextProvider] = {}


def register_context_provider(key: str, provider: ContextProvider) -> None:
    """Register (or replace, under the same ``key``) a provider of ``context.extra`` values."""
    CONTEXT_PROVIDERS[key] = provider


async def context_extra(program: Mapping[str, Any], profile: Mapping[str, Any]) -> dict[str, Any]:
    """Every registered provider's values for ``program`` and ``profile``, merged in
    registration order (empty when none is registered)."""
    extra: dict[str, Any] = {}
    for provider in list(CONTEXT_PROVIDERS.values()):
        extra.update(await provider(program, profile))
    return extra


def check_rules_definition(rules: Any) -> dict[str, str]:
    """Problems of a program's rule list: ``"eligibility[i]"`` → message naming the rule.
    Empty when valid (an empty list is valid: anyone may apply)."""
    if not isinstance(rules, list):
        return {"eligibility": _("The eligibility rules must be a list.")}
    errors: dict[str, str] = {}
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        path = f"eligibility[{index}]"
        key = rule.get("rule") if isinstance(rule, Mapping) else None
        if key not in RULES:
            errors[path] = _("Rule %(number)s: “%(key)s” is not a known eligibility rule.", number=index + 1, key=str(key)[:40])
            continue
        if key in seen:
            errors[path] = _("%(rule)s: this rule is listed twice.", rule=rule_name(key))
            continue
        seen.add(key)
        problem = RULES[key][1](rule)
        if problem:
            errors[path] = problem
    return errors


def check(rules: list[Mapping[str, Any]], profile: Mapping[str, Any], context: EligibilityContext) -> list[RuleResult]:
    """One :class:`RuleResult` per rule, in order. ``profile``: a StartupProfile row with
    ``sectors`` (list of slugs) added. Unknown rules fail (naming the key), so a rule of a later
    issue is never silently passed."""
    results = []
    for rule in rules:
        key = str(rule.get("rule"))
        entry = RULES.get(key)
        if entry is None:
            results.append(RuleResult(key, False, _("“%(key)s” is not a known eligibility rule.", key=key[:40])))
            continue
        results.append(entry[0](rule, profile, context))
    return results


def failures(results: list[RuleResult]) -> list[RuleResult]:
    """The failed results of :func:`check`."""
    return [r for r in results if not r.passed]
