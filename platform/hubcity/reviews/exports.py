"""CSV and XLSX exports of a round's reviews and of a program's (or a round's) decisions.

Reviews of one round run: one row per submitted review of an active assignment, with the
application id, the startup's Korean and English names, the reviewer (name, external or
internal, affiliation), one column per rubric criterion (labelled in the viewer's language with
its scale), the weighted total (0–100), the recommendation, the comment, the submission instant
(ISO 8601 in the program's zone) and a link back to the application.

Decisions of a program (``run_id``: only that run's participants): one row per current
(not superseded) determination with the application id, the startup's names, the outcome, the
conditions, the feedback, who decided and when, the award amount and currency (empty without an
award) and the link.

The cells go through :mod:`hubcity.programs.exports` (:func:`~hubcity.programs.exports.to_csv`,
:func:`~hubcity.programs.exports.to_xlsx`), so spreadsheet formula injection is neutralised the
same way (a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading ``'``) and numbers stay numbers. Staff only: callers check first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from hubcity.core.i18n import N_
from hubcity.core.i18n import gettext as _
from hubcity.db.tables import Application, Award, Determination, PanelMember
from hubcity.programs import workflow
from hubcity.programs.exports import CSV_TYPE, XLSX_TYPE, Column, Table, iso_in_zone, to_csv, to_xlsx
from hubcity.reviews.repositories import ReviewRepository

RECOMMENDATION_LABELS: dict[str, str] = {"advance": N_("Advance"), "hold": N_("Hold"), "reject": N_("Reject")}


def _label(item: Mapping[str, Any], locale: str, field: str = "label") -> str:
    first, second = (f"{field}_ko", f"{field}_en") if locale == "ko" else (f"{field}_en", f"{field}_ko")
    return str(item.get(first) or item.get(second) or item.get("key") or "")


async def _startups(application_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    if not application_ids:
        return {}
    rows = await Application.select(
        Application.id, Application.profile.name_ko.as_alias("name_ko"), Application.profile.name_en.as_alias("name_en"),
    ).where(Application.id.is_in(list(application_ids))).run()
    return {row["id"]: row for row in rows}


async def review_rows(run_id: int) -> list[dict[str, Any]]:
    """The submitted reviews of run ``run_id`` (active assignments), by application then
    submission, each with ``reviewer_name``, ``external``, ``affiliation``, ``name_ko``/``name_en``."""
    reviews = await ReviewRepository().reviews(run_id)
    members = {m["user"]: m for m in await PanelMember.select().where(PanelMember.round_run == run_id).order_by(PanelMember.id).run()
               if m["user"] is not None}
    startups = await _startups(sorted({int(r["application"]) for r in reviews}))
    rows = []
    for review in sorted(reviews, key=lambda r: (int(r["application"]), r["submitted_at"], r["id"])):
        member = members.get(review["reviewer"], {})
        startup = startups.get(int(review["application"]), {})
        rows.append({**review, "reviewer_name": member.get("name") or review.get("reviewer_name") or member.get("email") or "",
                     "external": bool(member.get("external")), "affiliation": member.get("affiliation") or "",
                     "name_ko": startup.get("name_ko") or "", "name_en": startup.get("name_en") or ""})
    return rows


def reviews_table(rows: Sequence[Mapping[str, Any]], rubric: Sequence[Mapping[str, Any]], *, zone: ZoneInfo, public_url: str,
                  locale: str) -> Table:
    """The export of :func:`review_rows` for a round with ``rubric`` (criterion dicts)."""
    criteria = [dict(c) for c in rubric]
    columns = [
        Column("application", _("Application")),
        Column("name_ko", _("Startup name (Korean)")),
        Column("name_en", _("Startup name (English)")),
        Column("reviewer", _("Reviewer")),
        Column("reviewer_kind", _("External or internal")),
        Column("affiliation", _("Affiliation")),
        *[Column(f"score:{c['key']}", f"{_label(c, locale)} ({c.get('scale_min')}–{c.get('scale_max')})") for c in criteria],
        Column("total", _("Total (0–100)")),
        Column("recommendation", _("Recommendation")),
        Column("comment", _("Comment")),
        Column("submitted_at", _("Submitted at (%(zone)s)", zone=zone.key)),
        Column("link", _("Link")),
    ]
    base = public_url.rstrip("/")
    out = []
    for row in rows:
        scores = row.get("scores") or {}
        recommendation = str(row.get("recommendation") or "")
        out.append([
            int(row["application"]), row.get("name_ko") or "", row.get("name_en") or "", row.get("reviewer_name") or "",
            _("External") if row.get("external") else _("Internal"), row.get("affiliation") or "",
            *[scores.get(c["key"]) if isinstance(scores.get(c["key"]), int | float) else None for c in criteria],
            round(int(row.get("total") or 0) / 1000, 3),
            _(RECOMMENDATION_LABELS[recommendation]) if recommendation in RECOMMENDATION_LABELS else recommendation,
            row.get("comment") or "", iso_in_zone(row.get("submitted_at"), zone), f"{base}/staff/applications/{row['application']}",
        ])
    return Table(columns, out)


async def decision_rows(program_id: int, application_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """The current determinations of program ``program_id``'s applications (only
    ``application_ids`` when given), by application, each with ``name_ko``/``name_en``,
    ``decided_by_name``, ``award_amount`` and ``award_currency`` (None without an award)."""
    query = Determination.select(
        Determination.all_columns(), Determination.decided_by.name.as_alias("decided_by_name"),
    ).where((Determination.application.program == program_id) & Determination.superseded_at.is_null())
    if application_ids is not None:
        if not application_ids:
            return []
        query = query.where(Determination.application.is_in(list(application_ids)))
    rows = await query.order_by(Determination.application).order_by(Determination.id).run()
    ids = [int(r["application"]) for r in rows]
    startups = await _startups(ids)
    awards = {a["application"]: a for a in await Award.select(Award.application, Award.amount, Award.currency, Award.status).where(
        Award.application.is_in(ids)).run()} if ids else {}
    for row in rows:
        startup = startups.get(int(row["application"]), {})
        award = awards.get(row["application"])
        row.update({"name_ko": startup.get("name_ko") or "", "name_en": startup.get("name_en") or "",
                    "award_amount": int(award["amount"]) if award and award["status"] != "declined" else None,
                    "award_currency": award["currency"] if award and award["status"] != "declined" else ""})
    return rows


def decisions_table(rows: Sequence[Mapping[str, Any]], *, zone: ZoneInfo, public_url: str) -> Table:
    """The export of :func:`decision_rows`."""
    columns = [
        Column("application", _("Application")),
        Column("name_ko", _("Startup name (Korean)")),
        Column("name_en", _("Startup name (English)")),
        Column("outcome", _("Decision")),
        Column("conditions", _("Conditions")),
        Column("feedback", _("Feedback")),
        Column("decided_by", _("Decided by")),
        Column("decided_at", _("Decided at (%(zone)s)", zone=zone.key)),
        Column("award_amount", _("Award amount")),
        Column("award_currency", _("Currency")),
        Column("link", _("Link")),
    ]
    base = public_url.rstrip("/")
    out = [[
        int(row["application"]), row.get("name_ko") or "", row.get("name_en") or "", workflow.staff_label(str(row["outcome"])),
        row.get("conditions") or "", row.get("feedback") or "", row.get("decided_by_name") or "", iso_in_zone(row.get("at"), zone),
        row.get("award_amount"), row.get("award_currency") or "", f"{base}/staff/applications/{row['application']}",
    ] for row in rows]
    return Table(columns, out)


__all__ = [
    "CSV_TYPE", "XLSX_TYPE", "decision_rows", "decisions_table", "review_rows", "reviews_table", "to_csv", "to_xlsx",
]
