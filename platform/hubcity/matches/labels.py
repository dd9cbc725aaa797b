"""Labels of the matches pages (marked for translation; translated where shown)."""

from __future__ import annotations

from hubcity.core.i18n import N_

#: Criterion keys of ``services.need_criteria`` / ``startup_criteria`` → what the reason says.
CRITERION_LABELS: dict[str, str] = {
    "stage": N_("Stage"),
    "country": N_("Country"),
    "team_size": N_("Team size"),
    "sector": N_("Sector"),
    "technology": N_("AI technology"),
}
STATUS_LABELS: dict[str, str] = {
    "requested": N_("Requested"),
    "accepted": N_("Accepted"),
    "declined": N_("Declined"),
}
OUTCOME_LABELS: dict[str, str] = {
    "": N_("No outcome yet"),
    "met": N_("Met"),
    "poc": N_("PoC agreed"),
    "contract": N_("Contract signed"),
}
