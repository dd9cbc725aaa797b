"""The application workflow as data (DESIGN.md §4): THE table that pages, permission checks,
the applicant's timeline and the tests all read.

Each :class:`Status` has an ASCII key (never translated), a staff label and a public label
(message ids marked with ``N_``; translate with :func:`staff_label`/:func:`public_label`), who
may see an application in it, who may edit its answers, and the transitions out of it, each
with the roles allowed to make it. Roles are :data:`ROLES`: ``applicant`` (a member of the
startup), ``program_manager`` and ``admin`` (agency staff), ``system`` (jobs).

Issue 5 opens draft → submitted → screening → (ineligible | more_info_requested | in_review) and
withdrawal. Issue 6 adds review and decision: in_review → awaiting_decision (staff, or the
system when the last review round closes); awaiting_decision → approved | waitlisted | rejected
(staff: :class:`hubcity.reviews.services.DecisionService` makes these moves with a determination);
waitlisted → approved | rejected; approved, waitlisted, rejected → awaiting_decision (staff,
after an upheld objection, with a reason).

:data:`REVIEWER` is a viewing role only (no transition names it): the table says in which
statuses a reviewer may see an application (``in_review``); which ones is the reviews
repository's business (assigned to them, pledge accepted, no conflict declared).
"""

from __future__ import annotations

from dataclasses import dataclass

from hubcity.core.i18n import N_
from hubcity.core.i18n import gettext as _
from hubcity.core.errors import AppError, InvalidStateError, NotPermittedError
from hubcity.core.permissions import ALLOW, Decision, deny

APPLICANT = "applicant"
PROGRAM_MANAGER = "program_manager"
ADMIN = "admin"
SYSTEM = "system"
ROLES: tuple[str, ...] = (APPLICANT, PROGRAM_MANAGER, ADMIN, SYSTEM)
STAFF: frozenset[str] = frozenset({PROGRAM_MANAGER, ADMIN})
#: A panel member reviewing applications (internal or external): sees, never moves.
REVIEWER = "reviewer"
#: Every role that may appear in ``Status.visible_to`` (:data:`ROLES` plus :data:`REVIEWER`).
VIEWING_ROLES: tuple[str, ...] = ROLES + (REVIEWER,)


@dataclass(frozen=True)
class Transition:
    """A move to status ``to`` that any of ``roles`` may make.

    needs_reason: the actor must give a message (a refusal or a request says why).
    needs_fields: the actor must name fields (``more_info_requested``: the form fields reopened;
    ``ineligible``: the eligibility rule keys that failed).
    """

    to: str
    roles: frozenset[str]
    needs_reason: bool = False
    needs_fields: bool = False


@dataclass(frozen=True)
class Status:
    """One status of an application.

    visible_to: roles that see an application in this status (``applicant``: its startup's members).
    editable_by: roles that may change the answers (``applicant`` may edit only the reopened
    fields in ``more_info_requested``). terminal: no way out (besides what later issues add).
    """

    key: str
    staff_label: str
    public_label: str
    visible_to: frozenset[str]
    editable_by: frozenset[str]
    transitions: tuple[Transition, ...] = ()
    terminal: bool = False


_ALL = frozenset(ROLES)
_APPLICANT = frozenset({APPLICANT})
_WITHDRAW = Transition("withdrawn", _APPLICANT)
_STAFF_OR_SYSTEM = STAFF | {SYSTEM}
#: Decision statuses: awaiting_decision's outcomes, and back after an upheld objection.
_REOPEN = Transition("awaiting_decision", STAFF, needs_reason=True)

STATUSES: tuple[Status, ...] = (
    Status(
        "draft", N_("Draft"), N_("Draft"), _ALL, _APPLICANT,
        (Transition("submitted", _APPLICANT), _WITHDRAW),
    ),
    Status(
        "submitted", N_("Submitted"), N_("Submitted"), _ALL, frozenset(),
        (Transition("screening", STAFF), _WITHDRAW),
    ),
    Status(
        "screening", N_("Screening"), N_("Eligibility check"), _ALL, frozenset(),
        (
            Transition("ineligible", STAFF, needs_reason=True, needs_fields=True),
            Transition("more_info_requested", STAFF, needs_reason=True, needs_fields=True),
            Transition("in_review", STAFF),
            _WITHDRAW,
        ),
    ),
    Status("ineligible", N_("Ineligible"), N_("Not eligible"), _ALL, frozenset(), (), terminal=True),
    Status(
        "more_info_requested", N_("More information requested"), N_("More information needed"), _ALL, _APPLICANT,
        (Transition("submitted", _APPLICANT), _WITHDRAW),
    ),
    Status(
        "in_review", N_("In review"), N_("Under review"), _ALL | {REVIEWER}, frozenset(),
        (Transition("awaiting_decision", _STAFF_OR_SYSTEM), _WITHDRAW),
    ),
    Status(
        "awaiting_decision", N_("Awaiting decision"), N_("Decision pending"), _ALL, frozenset(),
        (Transition("approved", STAFF), Transition("waitlisted", STAFF), Transition("rejected", STAFF)),
    ),
    Status("approved", N_("Approved"), N_("Selected"), _ALL, frozenset(), (_REOPEN,)),
    Status(
        "waitlisted", N_("Waitlisted"), N_("On the waiting list"), _ALL, frozenset(),
        (Transition("approved", STAFF), Transition("rejected", STAFF), _REOPEN),
    ),
    Status("rejected", N_("Rejected"), N_("Not selected"), _ALL, frozenset(), (_REOPEN,)),
    Status("withdrawn", N_("Withdrawn"), N_("Withdrawn"), _ALL, frozenset(), (), terminal=True),
)

#: key → :class:`Status`, in workflow order.
WORKFLOW: dict[str, Status] = {status.key: status for status in STATUSES}
INITIAL = "draft"
#: Statuses of an application that is still a draft for deadline purposes (not yet submitted).
UNSUBMITTED: frozenset[str] = frozenset({"draft"})
#: Outcomes of a determination (statuses reached from ``awaiting_decision``).
DECISIONS: tuple[str, ...] = ("approved", "waitlisted", "rejected")


def status(key: str) -> Status:
    """The :class:`Status` of ``key``. Raises ``KeyError`` for an unknown key."""
    return WORKFLOW[key]


def transitions_from(key: str) -> tuple[Transition, ...]:
    """The transitions out of status ``key`` (empty for an unknown or terminal one)."""
    found = WORKFLOW.get(key)
    return found.transitions if found else ()


def transition(from_key: str, to_key: str) -> Transition | None:
    """The transition ``from_key`` → ``to_key``, or None when the table has none."""
    return next((t for t in transitions_from(from_key) if t.to == to_key), None)


def can_transition(from_key: str, to_key: str, role: str) -> Decision:
    """May ``role`` move an application from ``from_key`` to ``to_key``? ``Decision(allowed,
    reason)``; the reason is translated (current language) and names both statuses."""
    if from_key not in WORKFLOW or to_key not in WORKFLOW:
        return deny(_("There is no application status “%(key)s”.", key=from_key if from_key not in WORKFLOW else to_key))
    found = transition(from_key, to_key)
    if found is None:
        return deny(
            _("An application that is “%(from)s” cannot become “%(to)s”.", **{"from": staff_label(from_key), "to": staff_label(to_key)})
        )
    if role not in found.roles:
        return deny(
            _("You may not move an application from “%(from)s” to “%(to)s”.", **{"from": staff_label(from_key), "to": staff_label(to_key)})
        )
    return ALLOW


def refusal(from_key: str, to_key: str, role: str) -> AppError | None:
    """The error refusing ``role``'s move from ``from_key`` to ``to_key`` (None when allowed):
    InvalidStateError (409, code ``invalid_transition``) when the table has no such move from
    that status for anyone; NotPermittedError (403) when the move exists but not for ``role``.
    Both carry :func:`can_transition`'s reason."""
    decision = can_transition(from_key, to_key, role)
    if decision:
        return None
    if transition(from_key, to_key) is None:
        return InvalidStateError(decision.reason, code="invalid_transition")
    return NotPermittedError(decision.reason)


def allowed_targets(from_key: str, role: str) -> list[str]:
    """The statuses ``role`` may move an application in ``from_key`` to (for buttons)."""
    return [t.to for t in transitions_from(from_key) if role in t.roles]


def public_label(key: str) -> str:
    """The applicant-facing label of status ``key``, translated (the key itself if unknown)."""
    found = WORKFLOW.get(key)
    return _(found.public_label) if found else key


def staff_label(key: str) -> str:
    """The staff-facing label of status ``key``, translated (the key itself if unknown)."""
    found = WORKFLOW.get(key)
    return _(found.staff_label) if found else key


def editable_by_applicant(key: str) -> bool:
    """True when the applicant may change answers in status ``key`` (a draft, or the reopened
    fields of a more-information request)."""
    found = WORKFLOW.get(key)
    return bool(found and APPLICANT in found.editable_by)


def visible_to(key: str, role: str) -> bool:
    """True when ``role`` sees an application in status ``key``."""
    found = WORKFLOW.get(key)
    return bool(found and role in found.visible_to)


def role_of(staff_roles: frozenset[str] | set[str], *, is_member: bool) -> str | None:
    """The workflow role of a viewer: ``admin`` before ``program_manager`` (staff roles), else
    ``applicant`` when ``is_member`` of the application's startup, else None."""
    if ADMIN in staff_roles:
        return ADMIN
    if PROGRAM_MANAGER in staff_roles:
        return PROGRAM_MANAGER
    return APPLICANT if is_member else None
