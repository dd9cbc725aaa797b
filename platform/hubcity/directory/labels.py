"""Translatable labels of the statuses the directory shows (the keys are never translated)."""

from __future__ import annotations

from hubcity.core.i18n import N_

STARTUP_STATUS_LABELS: dict[str, str] = {
    "active": N_("Active"),
    "inactive": N_("Inactive"),
    "acquired": N_("Acquired"),
}
