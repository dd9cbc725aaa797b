"""Translatable labels of the accounts domain's status keys (keys are never translated)."""

from __future__ import annotations

from hubcity.core.i18n import N_

KIND_LABELS: dict[str, str] = {
    "startup": N_("Startup"),
    "corporate": N_("Corporation"),
    "agency": N_("Agency"),
}
ROLE_LABELS: dict[str, str] = {
    "owner": N_("Owner"),
    "member": N_("Member"),
}
STAFF_ROLE_LABELS: dict[str, str] = {
    "admin": N_("Administrator"),
    "program_manager": N_("Program manager"),
    "finance": N_("Finance"),
    "reviewer": N_("Reviewer"),
}
