"""Translatable labels of the corporates domain's keys (the keys themselves are never translated)."""

from __future__ import annotations

from hubcity.core.i18n import N_

VISIBILITIES: tuple[str, ...] = ("public", "verified", "staff", "anonymised")
STATUSES: tuple[str, ...] = ("draft", "open", "closed")

VISIBILITY_LABELS: dict[str, str] = {
    "public": N_("Public"),
    "verified": N_("Verified startups only"),
    "staff": N_("Agency staff only"),
    "anonymised": N_("Public, with the corporation's name hidden"),
}
VISIBILITY_HELP: dict[str, str] = {
    "public": N_("Anyone can see the need and your corporation's name."),
    "verified": N_("Only members of startups verified by the agency (and agency staff) can see the need."),
    "staff": N_("Only agency staff can see the need, for example while they look for startups for you."),
    "anonymised": N_("Anyone can see the need, but your corporation is shown only by the label you give, such as “a global automaker”."),
}
STATUS_LABELS: dict[str, str] = {
    "draft": N_("Draft"),
    "open": N_("Open"),
    "closed": N_("Closed"),
}
#: What a need's window means right now (see :func:`hubcity.corporates.services.window_state`).
WINDOW_LABELS: dict[str, str] = {
    "draft": N_("Draft"),
    "closed": N_("Closed"),
    "upcoming": N_("Not open yet"),
    "open": N_("Open"),
    "ended": N_("No longer open"),
}
