"""Programs that fit a startup: the open calls it is eligible for, ranked by how close their
texts are in meaning to its profile, with the reasons; and, apart, the open calls it is not
eligible for with each rule it fails.

Eligibility is the programs domain's own check (:meth:`ApplicationService.check_eligibility`,
which names each rule); the fit is :meth:`matching.service.MatchingService.similarity` of the
profile's text (one-liner, description and offers, both languages) and the program's (titles,
summaries, descriptions), run in a worker thread through :class:`MatchingEngine`. A call the
startup already applied to stays among the fits (with its application), never among the
refusals for "one application per startup".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from matching.backends.base import SearchBackendError

from hubcity.core.clock import utcnow
from hubcity.core.errors import NotPermittedError
from hubcity.core.i18n import current_locale
from hubcity.core.i18n import gettext as _
from hubcity.core.viewer import Viewer
from hubcity.matches.engine import MatchingEngine
from hubcity.matches.repositories import IndexSourceRepository
from hubcity.matches.services import profile_query_text
from hubcity.programs import deadlines, eligibility
from hubcity.programs.services import ApplicationService, ProgramService

#: How many open calls are weighed at most (the soonest to close first).
MAX_PROGRAMS = 50
ONE_APPLICATION = "one_application_per_startup"


@dataclass(frozen=True)
class ProgramFit:
    """An open call the startup is eligible for.

    similarity: 0..1 (None when the profile or the call has no text to compare, or matching is
    unavailable); sectors_in_common: labels of the sectors the call asks for that the startup
    has; passed: the eligibility rules met (messages name them); application: the startup's
    application to this call, if it has one; deadline: the closing instant as text in the
    program's zone.
    """

    program: dict[str, Any]
    similarity: float | None
    sectors_in_common: tuple[str, ...]
    passed: tuple[eligibility.RuleResult, ...]
    application: dict[str, Any] | None
    deadline: str

    @property
    def score(self) -> float:
        """The rank of the fit: the similarity (0 when unknown)."""
        return self.similarity or 0.0

    @property
    def similarity_percent(self) -> int | None:
        return None if self.similarity is None else round(self.similarity * 100)


@dataclass(frozen=True)
class ProgramMiss:
    """An open call the startup is not eligible for: ``failed`` rules (each message names the
    rule and why), ``passed`` the others."""

    program: dict[str, Any]
    failed: tuple[eligibility.RuleResult, ...]
    passed: tuple[eligibility.RuleResult, ...]
    deadline: str


@dataclass(frozen=True)
class ProgramsForStartup:
    """What the page shows: the startup's ``profile``, ``fits`` best first, ``not_eligible``
    closing soonest first; ``unavailable`` when the matching service could not be reached
    (fits are then in closing order, without similarity)."""

    profile: dict[str, Any]
    fits: list[ProgramFit] = field(default_factory=list)
    not_eligible: list[ProgramMiss] = field(default_factory=list)
    unavailable: bool = False


def program_text(program: Mapping[str, Any]) -> str:
    """The texts of a call that describe what it funds: titles, summaries and descriptions in
    both languages, one per line (empty parts left out)."""
    parts = [str(program.get(k) or "") for k in ("title_en", "summary_en", "description_en", "title_ko", "summary_ko", "description_ko")]
    return "\n".join(p for p in parts if p.strip())


def sector_rule_values(program: Mapping[str, Any]) -> list[str]:
    """The sector slugs of the call's ``sectors`` eligibility rule (empty when it has none)."""
    for rule in program.get("eligibility") or []:
        if isinstance(rule, Mapping) and rule.get("rule") == "sectors":
            return [str(v).strip().lower() for v in rule.get("values") or [] if str(v).strip()]
    return []


class ProgramFitService:
    """The programs-for-you page's rules. engine: the app's :class:`MatchingEngine`;
    programs/applications: the programs domain's services (injected per request); clock: "now"."""

    def __init__(self, engine: MatchingEngine, programs: ProgramService, applications: ApplicationService, clock: Any = utcnow) -> None:
        self.engine = engine
        self.programs = programs
        self.applications = applications
        self.clock = clock
        self.source = IndexSourceRepository()

    async def _startup(self, viewer: Viewer) -> tuple[int, dict[str, Any]]:
        for membership in viewer.memberships:
            if membership.kind == "startup":
                ids = await self.source.profile_ids_of_organisation(membership.organisation_id)
                if ids:
                    return membership.organisation_id, (await self.source.profiles([min(ids)]))[0]
        raise NotPermittedError(_("This page is for members of a startup with a profile."))

    async def open_programs(self, viewer: Viewer) -> list[dict[str, Any]]:
        """Published calls taking applications now, closing soonest first (at most :data:`MAX_PROGRAMS`)."""
        now = self.clock()
        rows = await self.programs.listing(viewer, statuses=("published",))
        return [p for p in rows if deadlines.is_open(now, p["opens_at"], p["closes_at"])][:MAX_PROGRAMS]

    async def for_startup(self, viewer: Viewer) -> ProgramsForStartup:
        """The open calls for the viewer's (first) startup, split into fits (ranked by
        similarity) and calls it is not eligible for. NotPermittedError when the viewer is not
        a member of a startup with a profile."""
        organisation_id, profile = await self._startup(viewer)
        programs = await self.open_programs(viewer)
        mine = {
            row["program"]: row
            for row in await self.applications.listing(viewer)
            if row["organisation"] == organisation_id
        }
        labels = await self.source.taxonomy_labels()
        locale = current_locale()
        profile_sectors = {str(s).lower() for s in profile.get("sectors") or []}
        eligible: list[tuple[dict[str, Any], tuple[eligibility.RuleResult, ...], str]] = []
        misses: list[ProgramMiss] = []
        for program in programs:
            report = await self.applications.check_eligibility(program["id"], viewer, organisation_id)
            applied = program["id"] in mine
            failed = tuple(r for r in report.failed if not (applied and r.key == ONE_APPLICATION))
            passed = tuple(r for r in report.results if r.passed)
            deadline = deadlines.describe(program["closes_at"], deadlines.zone_named(program["time_zone"]), None, locale).program_zone
            if failed:
                misses.append(ProgramMiss(program, failed, passed, deadline))
            else:
                eligible.append((program, passed, deadline))
        similarities, unavailable = await self._similarities(profile_query_text(profile), [p for p, _r, _d in eligible])
        fits = []
        for (program, passed, deadline), similarity in zip(eligible, similarities, strict=True):
            common = [s for s in sector_rule_values(program) if s in profile_sectors]
            fits.append(
                ProgramFit(
                    program=program, similarity=similarity,
                    sectors_in_common=tuple(_label(labels, "sector", s, locale) for s in common),
                    passed=passed, application=mine.get(program["id"]), deadline=deadline,
                )
            )
        fits.sort(key=lambda fit: -fit.score)  # stable: equal scores keep closing order
        return ProgramsForStartup(profile=profile, fits=fits, not_eligible=misses, unavailable=unavailable)

    async def _similarities(self, text: str, programs: Sequence[Mapping[str, Any]]) -> tuple[list[float | None], bool]:
        """Similarity of ``text`` to each program's text (None where either is blank), and
        whether the matching service was unavailable (then every value is None)."""
        results: list[float | None] = []
        if not text.strip():
            return [None] * len(programs), False
        for program in programs:
            other = program_text(program)
            if not other.strip():
                results.append(None)
                continue
            try:
                results.append(float(await self.engine.call("similarity", text, other)))
            except ValueError:
                results.append(None)
            except SearchBackendError:
                return [None] * len(programs), True
        return results, False


def _label(labels: Mapping[tuple[str, str], tuple[str, str]], kind: str, slug: str, locale: str) -> str:
    label_ko, label_en = labels.get((kind, slug), ("", ""))
    first, second = (label_ko, label_en) if locale == "ko" else (label_en, label_ko)
    return first or second or slug

