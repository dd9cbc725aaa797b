"""Review rounds, panels, assignment, scorecards, determinations, objections, awards and
tranches: the rules and transactions of the ``reviews`` domain (DESIGN.md §3-4).

:class:`ReviewService` — staff open and close a program's review rounds in order, build each
round's panel (internal reviewers; external ones invited by email with their affiliation, who
accept the invitation and the reviewer pledge), assign reviewers by hand or automatically
(never a conflicted pair), reviewers declare no conflict before opening an application (or
declare one: the assignment is withdrawn and reassigned), submit scorecards, read others'
reviews once theirs is in and comment; staff read the round's results and advance the top N.

:class:`DecisionService` — staff determine (approve with optional conditions, waitlist,
reject) one or many applications through the same code, with a message rendered from
``templates/emails/determination_<outcome>.txt.j2`` in the applicant's language and written
feedback; applicants lodge objections within the program's window; staff answer and may reopen.

:class:`AwardService` — the award of an approved application (amount within the maximum and the
remaining budget), the agreement the startup accepts or declines, tranches with due dates,
milestone reports staff accept, and payment by finance only after acceptance.

Every status change of an application goes through
:meth:`hubcity.programs.services.ApplicationService.transition` (the workflow table, an
ApplicationEvent, an audit entry, a notification); every other change writes an audit entry,
and those that concern the applicant notify its members in their language.

Errors (from :mod:`hubcity.core.errors`, messages translated in the current language):
FormInvalid (field → message, nothing saved), NotFoundError (missing or not visible: names
nothing), NotPermittedError (visible but not yours to do), InvalidStateError (the state does not
allow it; ``code`` says which rule), ConflictError (a duplicate, a race, or a conflict of
interest: ``code="conflict_of_interest"``). Never imports Litestar.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from hubcity.accounts.tokens import hash_token, new_token
from hubcity.core import audit
from hubcity.core.clock import add_years, utcnow
from hubcity.core.errors import AppError, ConflictError, FormInvalid, InvalidStateError, NotFoundError, NotPermittedError
from hubcity.core.i18n import current_locale
from hubcity.core.i18n import gettext as _
from hubcity.core.notify import Notifier
from hubcity.core.viewer import Viewer, load_viewer
from hubcity.programs import deadlines, forms, uploads, workflow
from hubcity.programs.repositories import ApplicationRepository, ProgramRepository, is_unique_violation
from hubcity.programs.services import ApplicationService
from hubcity.reviews import assignment as assigning
from hubcity.reviews import conflicts, scoring
from hubcity.reviews.repositories import (
    AwardRepository,
    ConflictRepository,
    DecisionRepository,
    ReviewRepository,
    members_of,
    write_transaction,
)

#: How long an external reviewer's invitation link is valid.
INVITATION_DAYS = 14
COMMENT_LIMIT = 5000
FEEDBACK_LIMIT = 10000
EXPERTISE_TAG_LIMIT = 20
EXPERTISE_TEXT_LIMIT = 2000
AWARD_STATUSES: tuple[str, ...] = ("agreement_pending", "active", "completed", "declined")


# -- helpers shared by the services ---------------------------------------------------------------


def _is_staff(viewer: Viewer | None) -> bool:
    return bool(viewer and viewer.has_role("program_manager"))


def _require_staff(viewer: Viewer | None) -> Viewer:
    if not _is_staff(viewer):
        raise NotPermittedError(_("Only program managers may do this."))
    assert viewer is not None
    return viewer


def _staff_role(viewer: Viewer) -> str:
    role = workflow.role_of(viewer.staff_roles, is_member=False)
    if role is None:
        raise NotPermittedError(_("Only program managers may do this."))
    return role


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _refuse_control_characters(texts: Mapping[str, Any], values: Mapping[str, Any] | None = None) -> None:
    """FormInvalid naming each of ``texts`` (field → text) that holds a control character no
    one types (NUL, ESC, …; tabs and newlines are fine)."""
    errors = {key: forms.control_characters_message(key) for key, text in texts.items()
              if isinstance(text, str) and forms.has_control_characters(text)}
    if errors:
        raise FormInvalid(errors, dict(values or texts))


def rounds_of(program: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A program's review rounds (``review_rounds``) sorted by ``order``."""
    return sorted((dict(r) for r in program.get("review_rounds") or []), key=lambda r: r["order"])


def round_name(definition: Mapping[str, Any]) -> str:
    """A round's name in the current language, falling back to the other, then "Round N"."""
    first, second = ("name_ko", "name_en") if current_locale() == "ko" else ("name_en", "name_ko")
    return str(definition.get(first) or definition.get(second) or _("Round %(number)s", number=definition.get("order", "?")))


def money_text(amount: int, currency: str) -> str:
    """``50000000, "KRW"`` → ``"50,000,000 KRW"`` (minor units shown as stored; locale-neutral)."""
    return f"{amount:,} {currency}"


async def applicant_locale(application: Mapping[str, Any]) -> str:
    """The applicant's language: the locale of the member who started the application, else of
    the startup's first member, else ``ko``."""
    repo = ApplicationRepository()
    if application.get("created_by"):
        user = await repo.user(int(application["created_by"]))
        if user and user.get("locale") in ("ko", "en"):
            return str(user["locale"])
    people = await members_of([int(application["organisation"])])
    return str(people[0]["locale"]) if people and people[0]["locale"] in ("ko", "en") else "ko"


class _Notifying:
    """Notification helpers of the three services."""

    notifier: Notifier | None
    public_url: str

    async def _notify_people(self, people: Iterable[Mapping[str, Any]], template: str, context: Mapping[str, Any]) -> int:
        if self.notifier is None:
            return 0
        sent = 0
        for person in people:
            await self.notifier.notify(
                to_email=person["email"], locale=person.get("locale") or "ko", recipient_id=person.get("id"),
                template=template, context=dict(context),
            )
            sent += 1
        return sent

    async def _notify_applicant(self, application: Mapping[str, Any], template: str, context: Mapping[str, Any]) -> int:
        """Notify every member of the application's startup (each in their language)."""
        people = await members_of([int(application["organisation"])])
        link = f"{self.public_url}/applications/{application['id']}"
        return await self._notify_people(people, template, {"application": application, "link": link, **context})


# -- review rounds, panels, assignments and reviews ------------------------------------------------


@dataclass(frozen=True)
class ReviewsView:
    """What a viewer may read of one application's reviews in one run: ``reviews`` (rows with
    ``comments``), ``others_hidden`` (True when a reviewer has not submitted their own yet, so
    the others are left out)."""

    reviews: list[dict[str, Any]]
    others_hidden: bool


class ReviewService(_Notifying):
    """Review rounds as staff run them and as reviewers work in them.

    notifier: writes notifications (None: none). public_url: base of links in emails.
    clock: the source of "now". similarity: ``(text_a, text_b) -> 0..1`` for reviewers' fit
    (the composition root passes the matching service's; default
    :func:`hubcity.reviews.assignment.lexical_similarity`). applications: the programs'
    :class:`ApplicationService` status changes go through (default: one on the same notifier).
    """

    def __init__(
        self,
        notifier: Notifier | None = None,
        public_url: str = "",
        clock: Any = utcnow,
        similarity: assigning.Similarity | None = None,
        applications: ApplicationService | None = None,
    ):
        self.notifier = notifier
        self.public_url = public_url.rstrip("/")
        self.clock = clock
        self.similarity = similarity or assigning.lexical_similarity
        self.applications = applications or ApplicationService(notifier, public_url, clock=clock)
        self.programs = ProgramRepository()
        self.application_rows = ApplicationRepository()
        self.reviews = ReviewRepository()
        self.conflict_rows = ConflictRepository()

    # -- round runs -----------------------------------------------------------------------------
    async def _program(self, program_id: int) -> dict[str, Any]:
        program = await self.programs.get(program_id)
        if program is None:
            raise NotFoundError(_("There is no program at this address."))
        return program

    async def _run(self, run_id: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """(run, program, round definition) of run ``run_id``; NotFoundError when missing."""
        run = await self.reviews.run(run_id)
        if run is None:
            raise NotFoundError(_("There is no review round at this address."))
        program = await self._program(run["program"])
        definition = next((r for r in rounds_of(program) if r["order"] == run["round_order"]), None)
        if definition is None:
            raise InvalidStateError(_("This review round is no longer part of the program."))
        return run, program, definition

    async def runs(self, program_id: int, viewer: Viewer) -> list[dict[str, Any]]:
        """The round runs of a program in order (staff), each with ``definition`` (its round
        from ``review_rounds``, or None if the program no longer has it) and ``name``."""
        _require_staff(viewer)
        program = await self._program(program_id)
        by_order = {r["order"]: r for r in rounds_of(program)}
        return [
            {**run, "definition": by_order.get(run["round_order"]), "name": round_name(by_order.get(run["round_order"]) or {"order": run["round_order"]})}
            for run in await self.reviews.runs(program_id)
        ]

    async def run(self, run_id: int, viewer: Viewer) -> dict[str, Any]:
        """Run ``run_id`` with ``definition``, ``name``, ``is_last`` and ``program`` (the row), for
        staff and for members of its panel; NotFoundError for anyone else."""
        run, program, definition = await self._run(run_id)
        if not _is_staff(viewer) and await self.reviews.member_of(run_id, viewer.id) is None:
            raise NotFoundError(_("There is no review round at this address."))
        return {**run, "definition": definition, "name": round_name(definition), "program_row": program,
                "is_last": definition["order"] == rounds_of(program)[-1]["order"]}

    async def open_round(self, program_id: int, viewer: Viewer, *, ip: str = "") -> dict[str, Any]:
        """Open the program's first review round with every application now ``in_review`` as
        participants (staff). Later rounds are opened by :meth:`advance`.

        InvalidStateError: the program has no review rounds (code ``no_rounds``), a round was
        run already (``already_opened``), or no application is in review (``nobody_in_review``).
        ConflictError when another staff member opened it at the same moment. Audits
        ``review_round.opened``. Returns the run row."""
        _require_staff(viewer)
        program = await self._program(program_id)
        definitions = rounds_of(program)
        if not definitions:
            raise InvalidStateError(_("This program has no review rounds; add them to the program first."), code="no_rounds")
        if await self.reviews.runs(program_id):
            raise InvalidStateError(_("The first review round was opened already; later rounds open when the previous one advances."),
                                    code="already_opened")
        participants = [a["id"] for a in await self.application_rows.listing(
            await self.application_rows.scope_for(viewer.id, staff=True), program_id=program_id, status="in_review")]
        if not participants:
            raise InvalidStateError(_("No application of this program is in review yet."), code="nobody_in_review")
        return await self._open(program, 0, sorted(participants), viewer.id, ip)

    async def _open(self, program: dict[str, Any], index: int, participants: list[int], actor_id: int | None, ip: str) -> dict[str, Any]:
        definition = rounds_of(program)[index]
        values = {"program": program["id"], "round_order": definition["order"], "round_index": index, "status": "open",
                  "participants": participants, "advanced": [], "opened_at": self.clock(), "opened_by": actor_id}
        try:
            async with write_transaction():
                run_id = await self.reviews.insert_run(values)
                await audit.record("review_round.opened", actor_id=actor_id, object_type="review_round_run", object_id=run_id,
                                   after={"program": program["id"], "round_order": definition["order"], "participants": participants}, ip=ip)
        except Exception as error:
            if is_unique_violation(error):
                raise ConflictError(_("This review round was opened already.")) from None
            raise
        run = await self.reviews.run(run_id)
        assert run is not None
        return run

    async def close_round(self, run_id: int, viewer: Viewer | None, *, ip: str = "") -> dict[str, Any]:
        """Close an open run (staff; ``viewer`` None: the system). Reviews can no longer change.
        When it is the program's last round, every participant still ``in_review`` moves to
        ``awaiting_decision`` as the ``system`` role (each with an event, audit entry and
        notification). InvalidStateError (code ``round_closed``) when it is closed already.
        Audits ``review_round.closed``. Returns the run row."""
        if viewer is not None:
            _require_staff(viewer)
        run, program, definition = await self._run(run_id)
        is_last = definition["order"] == rounds_of(program)[-1]["order"]
        async with write_transaction():
            if not await self.reviews.close_run_if_open(run_id, {"status": "closed", "closed_at": self.clock(),
                                                                  "closed_by": viewer.id if viewer else None}):
                raise InvalidStateError(_("This review round is closed already."), code="round_closed")
            await audit.record("review_round.closed", actor_id=viewer.id if viewer else None, object_type="review_round_run",
                               object_id=run_id, before={"status": "open"}, after={"status": "closed", "last": is_last}, ip=ip)
            if is_last:
                await self._to_decision(run["participants"], _("The review rounds are over; a decision follows."))
        closed = await self.reviews.run(run_id)
        assert closed is not None
        return closed

    async def _to_decision(self, application_ids: Iterable[int], reason: str) -> list[int]:
        moved = []
        for application_id in application_ids:
            row = await self.application_rows.get(int(application_id))
            if row is not None and row["status"] == "in_review":
                await self.applications.system_transition(int(application_id), "awaiting_decision", reason=reason)
                moved.append(int(application_id))
        return moved

    async def results(self, run_id: int, viewer: Viewer) -> scoring.RoundResults:
        """The run's results for staff (:func:`hubcity.reviews.scoring.round_results`): per
        participant the mean or trimmed mean of the submitted reviews, spread, rank, whether it
        advances, and the assignments still missing a review. Comments never count."""
        _require_staff(viewer)
        return await self._results(run_id)

    async def _results(self, run_id: int) -> scoring.RoundResults:
        run, _program, definition = await self._run(run_id)
        return scoring.round_results(
            application_ids=run["participants"], reviews=await self.reviews.reviews(run_id),
            assignments=await self.reviews.assignments(run_id), method=definition["scoring"], advance=int(definition["advance"]),
        )

    async def advance(self, run_id: int, viewer: Viewer, *, slots: Sequence[Mapping[str, Any]] = (), ip: str = "") -> dict[str, Any]:
        """Advance a closed run's top N (the round's ``advance``; a tie at the cut takes every
        tied application) to the next round: records ``advanced`` on the run, moves the other
        participants still ``in_review`` to ``awaiting_decision`` (system role), opens the next
        round's run with the advanced applications, notifies their applicants
        (``review_round_advanced``) and schedules ``slots`` in it if given (see
        :meth:`schedule_slots`). Staff only.

        InvalidStateError: the run is still open (``round_open``), advanced already
        (``already_advanced``), or it is the last round (``last_round``: closing the last
        round already moved everyone to ``awaiting_decision``; its results rank them for the
        decision). Audits ``review_round.advanced``. Returns the next run's row."""
        _require_staff(viewer)
        run, program, definition = await self._run(run_id)
        definitions = rounds_of(program)
        if run["status"] != "closed":
            raise InvalidStateError(_("Close the review round before advancing applications."), code="round_open")
        if run["advanced_at"] is not None:
            raise InvalidStateError(_("The applications of this round have advanced already."), code="already_advanced")
        index = next(i for i, r in enumerate(definitions) if r["order"] == definition["order"])
        if index == len(definitions) - 1:
            raise InvalidStateError(_("This is the last round: its applications now await a decision."), code="last_round")
        chosen = (await self._results(run_id)).advancing
        still = [a for a in chosen if (row := await self.application_rows.get(a)) is not None and row["status"] == "in_review"]
        nxt = definitions[index + 1]
        async with write_transaction():
            await self.reviews.update_run(run_id, {"advanced": still, "advanced_at": self.clock()})
            others = [a for a in run["participants"] if a not in still]
            await self._to_decision(others, _("Not advanced past the round “%(round)s”.", round=round_name(definition)))
            await audit.record("review_round.advanced", actor_id=viewer.id, object_type="review_round_run", object_id=run_id,
                               after={"advanced": still, "next_round_order": nxt["order"]}, ip=ip)
            next_run = await self._open(program, index + 1, still, viewer.id, ip)
            for application_id in still:
                application = await self.application_rows.get(application_id)
                assert application is not None
                await self._notify_applicant(application, "review_round_advanced", {"program": program, "round": nxt})
            if slots:
                await self.schedule_slots(next_run["id"], viewer, slots, ip=ip)
        return next_run

    async def schedule_slots(self, run_id: int, viewer: Viewer, slots: Sequence[Mapping[str, Any]], *, ip: str = "") -> list[dict[str, Any]]:
        """Schedule presentation slots in a run and tell each applicant (``notified_at`` set;
        template ``review_presentation_slot``). Each slot: ``{application (id, a participant),
        starts_at, ends_at (aware datetimes, start before end), location (text ≤ 300)}``.
        FormInvalid naming ``slots[i]`` for each bad slot (nothing written). Staff only. Audits
        ``review_round.slots_scheduled``. Returns the run's slots, earliest first."""
        _require_staff(viewer)
        run, program, definition = await self._run(run_id)
        errors: dict[str, str] = {}
        for i, slot in enumerate(slots):
            starts, ends = slot.get("starts_at"), slot.get("ends_at")
            if slot.get("application") not in run["participants"]:
                errors[f"slots[{i}]"] = _("Slot %(number)s: the application is not in this round.", number=i + 1)
            elif not all(isinstance(v, datetime) and v.tzinfo for v in (starts, ends)) or starts >= ends:
                errors[f"slots[{i}]"] = _("Slot %(number)s: give a start and an end with their zone, the start first.", number=i + 1)
            elif len(_text(slot.get("location"))) > 300:
                errors[f"slots[{i}]"] = _("Slot %(number)s: the place is at most %(limit)s characters.", number=i + 1, limit=300)
        if errors:
            raise FormInvalid(errors, {"slots": [dict(s) for s in slots]})
        now = self.clock()
        async with write_transaction():
            for slot in slots:
                application = await self.application_rows.get(int(slot["application"]))
                assert application is not None
                values = {"round_run": run_id, "application": int(slot["application"]), "starts_at": slot["starts_at"],
                          "ends_at": slot["ends_at"], "location": _text(slot.get("location")), "notified_at": now}
                await self.reviews.insert_slot(values)
                await self._notify_applicant(application, "review_presentation_slot", {
                    "program": program, "round": definition, "slot": values,
                    "zone": program["time_zone"],
                })
            await audit.record("review_round.slots_scheduled", actor_id=viewer.id, object_type="review_round_run", object_id=run_id,
                               after={"slots": [dict(s) for s in slots]}, ip=ip)
        return await self.reviews.slots(run_id)

    async def slots_for_applicant(self, application_id: int, viewer: Viewer) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """(the program, the presentation slots of an application the viewer may read — its
        members, staff — each with ``round``: the round's name in the viewer's language).
        NotFoundError for anyone else."""
        application = await self.applications.get(application_id, viewer)
        program = await self.programs.get(application["program"])
        assert program is not None
        names = {d["order"]: round_name(d) for d in rounds_of(program)}
        found = []
        for run in await self.reviews.runs(int(program["id"])):
            found += [{**slot, "round": names.get(run["round_order"], "")} for slot in await self.reviews.slots(run["id"], application_id)]
        return program, found

    async def remind_missing(self, run_id: int, viewer: Viewer, *, ip: str = "") -> int:
        """Remind every reviewer with an assignment still missing its review in an open run
        (template ``review_reminder``, one email per reviewer). Returns how many were reminded.
        InvalidStateError when the run is closed. Audits ``review_round.reminded``."""
        _require_staff(viewer)
        run, program, definition = await self._run(run_id)
        if run["status"] != "open":
            raise InvalidStateError(_("This review round is closed already."), code="round_closed")
        gaps = (await self._results(run_id)).missing
        by_reviewer: dict[int, int] = {}
        for gap in gaps:
            by_reviewer[gap.reviewer_id] = by_reviewer.get(gap.reviewer_id, 0) + 1
        async with write_transaction():
            for reviewer_id, count in sorted(by_reviewer.items()):
                user = await self.reviews.user(reviewer_id)
                if user:
                    await self._notify_people([user], "review_reminder", {
                        "program": program, "round": definition, "count": count, "link": f"{self.public_url}/reviews",
                    })
            await audit.record("review_round.reminded", actor_id=viewer.id, object_type="review_round_run", object_id=run_id,
                               after={"reviewers": sorted(by_reviewer)}, ip=ip)
        return len(by_reviewer)

    # -- panel ----------------------------------------------------------------------------------
    async def panel(self, run_id: int, viewer: Viewer) -> list[dict[str, Any]]:
        """The panel of a run (staff): PanelMember rows, pending invitations included."""
        _require_staff(viewer)
        await self._run(run_id)
        return await self.reviews.members(run_id)

    async def add_reviewer(self, run_id: int, viewer: Viewer, user_id: int, *, affiliation: str = "", ip: str = "") -> dict[str, Any]:
        """Put an agency reviewer (a user holding the ``reviewer`` staff role) on a run's panel,
        accepted at once (the pledge is still theirs to accept). NotFoundError for an unknown
        user, FormInvalid when the user is not a reviewer, ConflictError when already on the
        panel. Audits ``panel.member_added``. Returns the PanelMember row."""
        _require_staff(viewer)
        await self._run(run_id)
        person = await load_viewer(user_id)
        if person is None:
            raise NotFoundError(_("There is no such user."))
        if "reviewer" not in person.staff_roles and "admin" not in person.staff_roles:
            raise FormInvalid({"user": _("Reviewer: this person does not hold the reviewer role; invite them as an external reviewer.")},
                              {"user": user_id})
        if await self.reviews.member_of(run_id, user_id) is not None:
            raise ConflictError(_("This reviewer is on the panel already."))
        now = self.clock()
        values = {"round_run": run_id, "user": user_id, "email": person.email, "name": person.name, "locale": person.locale,
                  "external": False, "affiliation": _text(affiliation)[:200], "invited_by": viewer.id, "invited_at": now,
                  "accepted_at": now}
        try:
            async with write_transaction():
                member_id = await self.reviews.insert_member(values)
                await audit.record("panel.member_added", actor_id=viewer.id, object_type="panel_member", object_id=member_id,
                                   after={"round_run": run_id, "user": user_id, "external": False}, ip=ip)
        except Exception as error:
            if is_unique_violation(error):
                raise ConflictError(_("This reviewer is on the panel already.")) from None
            raise
        member = await self.reviews.member(member_id)
        assert member is not None
        return member

    async def invite_external(
        self, run_id: int, viewer: Viewer, *, email: str, affiliation: str, name: str = "", locale: str = "ko", ip: str = "",
    ) -> tuple[dict[str, Any], str]:
        """Invite an external reviewer to a run's panel by email: a one-time token (only its
        SHA-256 stored) valid :data:`INVITATION_DAYS` days, emailed as
        ``{public_url}/reviews/invitations/{token}`` (template ``reviewer_invitation``, in the
        invitee's language: their account's if they have one, else ``locale``).

        FormInvalid: ``email`` not an address, ``affiliation`` empty or over 200 characters.
        ConflictError when that person is on the panel already. Audits ``panel.invited``.
        Returns (PanelMember row, token) — the token for the caller's tests/links only."""
        _require_staff(viewer)
        run, program, definition = await self._run(run_id)
        address = _text(email).lower()
        errors: dict[str, str] = {}
        if "@" not in address or len(address) > 320 or " " in address:
            errors["email"] = _("Email: give the reviewer's email address.")
        if not _text(affiliation):
            errors["affiliation"] = _("Affiliation: name the organisation the reviewer works for (it is used to avoid conflicts of interest).")
        elif len(_text(affiliation)) > 200:
            errors["affiliation"] = _("Affiliation: at most %(limit)s characters.", limit=200)
        if errors:
            raise FormInvalid(errors, {"email": email, "affiliation": affiliation, "name": name})
        _refuse_control_characters({"email": email, "affiliation": affiliation, "name": name})
        existing_user = await self.reviews.user_by_email(address)
        if existing_user and await self.reviews.member_of(run_id, existing_user["id"]) is not None:
            raise ConflictError(_("This reviewer is on the panel already."))
        if any(m["email"] == address and m["accepted_at"] is None for m in await self.reviews.members(run_id)):
            raise ConflictError(_("This person has been invited to the panel already."))
        token, token_hash = new_token()
        now = self.clock()
        language = existing_user["locale"] if existing_user and existing_user.get("locale") in ("ko", "en") else (locale if locale in ("ko", "en") else "ko")
        values = {"round_run": run_id, "user": None, "email": address, "name": _text(name)[:100], "locale": language,
                  "external": True, "affiliation": _text(affiliation), "invited_by": viewer.id, "invited_at": now,
                  "token_hash": token_hash, "token_expires_at": now + timedelta(days=INVITATION_DAYS)}
        async with write_transaction():
            member_id = await self.reviews.insert_member(values)
            await self._notify_people([{"id": existing_user["id"] if existing_user else None, "email": address, "locale": language}],
                                      "reviewer_invitation", {
                                          "program": program, "round": definition, "affiliation": values["affiliation"],
                                          "expires_at": values["token_expires_at"], "link": f"{self.public_url}/reviews/invitations/{token}",
                                      })
            await audit.record("panel.invited", actor_id=viewer.id, object_type="panel_member", object_id=member_id,
                               after={"round_run": run_id, "email": address, "affiliation": values["affiliation"]}, ip=ip)
        member = await self.reviews.member(member_id)
        assert member is not None
        return member, token

    async def invitation(self, token: str) -> dict[str, Any]:
        """The invitation of ``token`` for its page: ``{member, program, round}`` (round: the
        definition). NotFoundError for an unknown or withdrawn token; InvalidStateError (code
        ``invitation_expired``) when it expired unaccepted."""
        member = await self.reviews.member_by_token(hash_token(token or ""))
        if member is None or member["removed_at"] is not None:
            raise NotFoundError(_("This invitation link is not valid."))
        if member["accepted_at"] is None and member["token_expires_at"] is not None and self.clock() >= member["token_expires_at"]:
            raise InvalidStateError(_("This invitation has expired; ask the program manager for a new one."), code="invitation_expired")
        run, program, definition = await self._run(member["round_run"])
        return {"member": member, "program": program, "round": definition}

    async def accept_invitation(self, token: str, viewer: Viewer, *, ip: str = "") -> dict[str, Any]:
        """Join the panel as the logged-in ``viewer`` with an invitation token (as
        :meth:`invitation` for bad tokens). Accepting twice as the same person is harmless;
        ConflictError when someone else accepted it or the viewer is on that panel already.
        The pledge is still to accept (:meth:`accept_pledge`). Audits ``panel.invitation_accepted``.
        Returns the PanelMember row."""
        found = await self.invitation(token)
        member = found["member"]
        if member["accepted_at"] is not None:
            if member["user"] == viewer.id:
                return member
            raise ConflictError(_("This invitation was accepted already."))
        if await self.reviews.member_of(member["round_run"], viewer.id) is not None:
            raise ConflictError(_("You are on this panel already."))
        async with write_transaction():
            await self.reviews.update_member(member["id"], {"user": viewer.id, "accepted_at": self.clock(), "name": viewer.name or member["name"],
                                                           "locale": viewer.locale})
            await audit.record("panel.invitation_accepted", actor_id=viewer.id, object_type="panel_member", object_id=member["id"],
                               after={"user": viewer.id}, ip=ip)
        accepted = await self.reviews.member(member["id"])
        assert accepted is not None
        return accepted

    async def _own_member(self, member_id: int, viewer: Viewer) -> dict[str, Any]:
        member = await self.reviews.member(member_id)
        if member is None or member["user"] != viewer.id or member["removed_at"] is not None:
            raise NotFoundError(_("There is no panel membership at this address."))
        return member

    async def accept_pledge(self, member_id: int, viewer: Viewer, *, ip: str = "") -> dict[str, Any]:
        """The panel member ``viewer`` accepts the reviewer pledge (confidentiality, declaring
        conflicts); nothing of an application is shown before. Idempotent. NotFoundError unless
        it is the viewer's own membership. Audits ``panel.pledge_accepted``."""
        member = await self._own_member(member_id, viewer)
        if member["pledge_accepted_at"] is None:
            async with write_transaction():
                await self.reviews.update_member(member_id, {"pledge_accepted_at": self.clock()})
                await audit.record("panel.pledge_accepted", actor_id=viewer.id, object_type="panel_member", object_id=member_id, ip=ip)
        accepted = await self.reviews.member(member_id)
        assert accepted is not None
        return accepted

    async def declare_expertise(self, member_id: int, viewer: Viewer, *, tags: Sequence[str], text: str, ip: str = "") -> dict[str, Any]:
        """Set the viewer's expertise on one panel membership: ``tags`` (taxonomy slugs, at most
        :data:`EXPERTISE_TAG_LIMIT`, each ≤ 64 characters; duplicates dropped) and ``text``
        (≤ :data:`EXPERTISE_TEXT_LIMIT`). FormInvalid otherwise. Audits ``panel.expertise_declared``."""
        member = await self._own_member(member_id, viewer)
        errors: dict[str, str] = {}
        clean = list(dict.fromkeys(_text(t).lower() for t in tags if isinstance(t, str) and _text(t)))
        if not isinstance(tags, list | tuple) or len(clean) > EXPERTISE_TAG_LIMIT or any(len(t) > 64 for t in clean):
            errors["tags"] = _("Expertise tags: at most %(limit)s tags, each at most 64 characters.", limit=EXPERTISE_TAG_LIMIT)
        if not isinstance(text, str) or len(text.strip()) > EXPERTISE_TEXT_LIMIT:
            errors["text"] = _("Expertise: at most %(limit)s characters.", limit=EXPERTISE_TEXT_LIMIT)
        if errors:
            raise FormInvalid(errors, {"tags": list(tags) if isinstance(tags, list | tuple) else tags, "text": text})
        _refuse_control_characters({"text": text, "tags": " ".join(clean)})
        values = {"expertise_tags": clean, "expertise_text": text.strip()}
        async with write_transaction():
            await self.reviews.update_member(member["id"], values)
            await audit.record("panel.expertise_declared", actor_id=viewer.id, object_type="panel_member", object_id=member_id, after=values, ip=ip)
        updated = await self.reviews.member(member_id)
        assert updated is not None
        return updated

    async def my_panels(self, viewer: Viewer) -> list[dict[str, Any]]:
        """The viewer's panel memberships, newest first."""
        return await self.reviews.memberships_of(viewer.id)

    async def may_review(self, viewer: Viewer | None) -> bool:
        """Whether ``viewer`` may use the reviewers' pages: the ``reviewer`` role (or admin), or
        a panel membership (an external reviewer who accepted an invitation)."""
        if viewer is None:
            return False
        return viewer.has_role("reviewer") or await self.reviews.has_membership(viewer.id)

    async def program_for_staff(self, program_id: int, viewer: Viewer) -> dict[str, Any]:
        """Program ``program_id`` (row) for the staff pages of its rounds; NotFoundError when missing."""
        _require_staff(viewer)
        return await self._program(program_id)

    async def run_assignments(self, run_id: int, viewer: Viewer) -> list[dict[str, Any]]:
        """Every assignment of a run, withdrawn ones included (staff), by application then reviewer."""
        _require_staff(viewer)
        await self._run(run_id)
        return await self.reviews.assignments(run_id)

    async def run_slots(self, run_id: int, viewer: Viewer) -> list[dict[str, Any]]:
        """The presentation slots of a run, earliest first (staff)."""
        _require_staff(viewer)
        await self._run(run_id)
        return await self.reviews.slots(run_id)

    async def person(self, user_id: int, viewer: Viewer) -> dict[str, Any] | None:
        """``{id, email, name, locale}`` of a user, for staff pages naming reviewers."""
        _require_staff(viewer)
        return await self.reviews.user(user_id)

    async def own_membership(self, run_id: int, viewer: Viewer) -> dict[str, Any] | None:
        """The viewer's own (not removed) panel membership in run ``run_id``, or None."""
        return await self.reviews.member_of(run_id, viewer.id)

    async def review_target(self, review_id: int, viewer: Viewer) -> int:
        """The application id of review ``review_id`` when the viewer may read it (as
        :meth:`reviews_of`); NotFoundError naming nothing otherwise."""
        review = await self.reviews.review(review_id)
        if review is None:
            raise NotFoundError(_("There is no review at this address."))
        view = await self.reviews_of(review["assignment.round_run"], review["assignment.application"], viewer)
        if all(r["id"] != review_id for r in view.reviews):
            raise NotFoundError(_("There is no review at this address."))
        return int(review["assignment.application"])

    async def invitee_has_account(self, token: str) -> bool:
        """Whether the email an invitation was sent to has an account (log in rather than sign up)."""
        found = await self.invitation(token)
        return await self.reviews.user_by_email(found["member"]["email"]) is not None

    async def reviewer_choices(self, viewer: Viewer) -> list[dict[str, Any]]:
        """Agency users with the ``reviewer`` role, for a panel's "add" form (staff)."""
        _require_staff(viewer)
        return await self.reviews.reviewer_users()

    async def remove_member(self, member_id: int, viewer: Viewer, *, ip: str = "") -> dict[str, Any]:
        """Take a member (or a pending invitation) off a run's panel (staff): ``removed_at`` set,
        the invitation token no longer valid, their active assignments in an open run withdrawn
        (reviews of those stop counting). NotFoundError for an unknown or removed member.
        Audits ``panel.member_removed``. Returns the row."""
        _require_staff(viewer)
        member = await self.reviews.member(member_id)
        if member is None or member["removed_at"] is not None:
            raise NotFoundError(_("There is no panel membership at this address."))
        run, _program, _definition = await self._run(member["round_run"])
        now = self.clock()
        withdrawn: list[int] = []
        async with write_transaction():
            await self.reviews.update_member(member_id, {"removed_at": now, "token_hash": None})
            if member["user"] is not None and run["status"] == "open":
                for row in await self.reviews.assignments(run["id"], reviewer_id=member["user"], active_only=True):
                    await self.reviews.update_assignment(row["id"], {"status": "withdrawn", "withdrawn_at": now,
                                                                     "withdrawn_reason": _("Removed from the panel.")})
                    withdrawn.append(row["id"])
            await audit.record("panel.member_removed", actor_id=viewer.id, object_type="panel_member", object_id=member_id,
                               before={"user": member["user"], "email": member["email"]}, after={"withdrawn": withdrawn}, ip=ip)
        removed = await self.reviews.member(member_id)
        assert removed is not None
        return removed

    async def signup_for_invitation(self, token: str, data: Mapping[str, Any], *, ip: str = "") -> dict[str, Any]:
        """An invited external reviewer without an account creates one (name, password,
        confirmation, language, consents as :class:`hubcity.accounts.schemas.InvitationSignupInput`;
        the email is the invitation's) and joins the panel in one go. Errors as :meth:`invitation`;
        InvalidStateError (code ``account_exists``) when the email has an account (log in instead);
        FormInvalid naming each bad field (nothing written). Audits ``account.signup`` and
        ``panel.invitation_accepted``. Returns ``{user_id, locale, member}``."""
        from hubcity.accounts.repositories import ConsentRepository, UserRepository
        from hubcity.accounts.schemas import InvitationSignupInput
        from hubcity.accounts.services.common import give_consent
        from hubcity.core.forms import validate
        from hubcity.core.passwords import hash_password

        found = await self.invitation(token)
        member = found["member"]
        if member["accepted_at"] is not None:
            raise ConflictError(_("This invitation was accepted already."))
        users = UserRepository()
        if await self.reviews.user_by_email(member["email"]) is not None:
            raise InvalidStateError(_("An account with this email address exists. Log in to accept the invitation."), code="account_exists")
        form = validate(InvitationSignupInput, data)
        password_hash = await asyncio.to_thread(hash_password, form.password)
        now = self.clock()
        try:
            async with write_transaction():
                if await users.email_taken(member["email"]):
                    raise InvalidStateError(_("An account with this email address exists. Log in to accept the invitation."),
                                            code="account_exists")
                user_id = await users.insert(email=member["email"], password_hash=password_hash, name=form.name, locale=form.locale, now=now)
                purposes = form.given_purposes()
                consents = ConsentRepository()
                for purpose in purposes:
                    await give_consent(consents, user_id=user_id, purpose=purpose, now=now, ip=ip)
                await audit.record("account.signup", actor_id=user_id, object_type="user", object_id=user_id,
                                   after={"panel_member": member["id"], "consents": purposes, "locale": form.locale}, ip=ip)
                await self.reviews.update_member(member["id"], {"user": user_id, "accepted_at": now, "name": form.name, "locale": form.locale})
                await audit.record("panel.invitation_accepted", actor_id=user_id, object_type="panel_member", object_id=member["id"],
                                   after={"user": user_id}, ip=ip)
        except Exception as error:
            if is_unique_violation(error):
                raise InvalidStateError(_("An account with this email address exists. Log in to accept the invitation."),
                                        code="account_exists") from None
            raise
        accepted = await self.reviews.member(member["id"])
        return {"user_id": user_id, "locale": form.locale, "member": accepted}

    async def assignment_for(self, application_id: int, viewer: Viewer) -> dict[str, Any]:
        """The viewer's current active assignment naming ``application_id`` (the newest; one in
        an open run first), with ``member`` (their panel row) and ``run``; NotFoundError naming
        nothing when there is none, their membership was removed, or the pair is conflicted
        (an affiliation match, a startup naming their affiliation, a declared conflict)."""
        rows = [r for r in await self.reviews.assignments_of_reviewer(viewer.id) if r["application"] == application_id]
        rows.sort(key=lambda r: (r["round_run.status"] != "open", -int(r["id"])))
        for row in rows:
            member = await self.reviews.member_of(row["round_run"], viewer.id)
            if member is None:
                continue
            if await conflicts.check(viewer.id, member["affiliation"], application_id) is not None:
                break
            run = await self.reviews.run(row["round_run"])
            return {**row, "member": member, "run": run}
        raise NotFoundError(_("There is no application at this address, or you may not see it."))

    # -- conflicts and assignment --------------------------------------------------------------
    async def conflict(self, run_id: int, reviewer_id: int, application_id: int) -> conflicts.Conflict | None:
        """The conflict between a panel member of run ``run_id`` and an application, or None
        (uses the affiliation given on the panel)."""
        member = await self.reviews.member_of(run_id, reviewer_id)
        return await conflicts.check(reviewer_id, member["affiliation"] if member else "", application_id)

    async def _require_open_run(self, run_id: int) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        run, program, definition = await self._run(run_id)
        if run["status"] != "open":
            raise InvalidStateError(_("This review round is closed; reviews can no longer change."), code="round_closed")
        return run, program, definition

    async def assign(self, run_id: int, application_id: int, reviewer_id: int, viewer: Viewer, *, reason: str = "", ip: str = "") -> dict[str, Any]:
        """Assign a panel member to an application of an open run by hand (staff).

        NotFoundError when the application is not in the run or the reviewer not on its panel
        (accepted); ConflictError with ``code="conflict_of_interest"`` and the reason
        (:mod:`hubcity.reviews.conflicts`) for a conflicted pair, ConflictError when already
        assigned; InvalidStateError when the run is closed. A withdrawn assignment of the same
        pair is made active again. Notifies the reviewer (``review_assigned``). Audits
        ``review.assigned``. Returns the assignment row."""
        _require_staff(viewer)
        run, program, definition = await self._require_open_run(run_id)
        if application_id not in run["participants"]:
            raise NotFoundError(_("This application is not in this review round."))
        member = await self.reviews.member_of(run_id, reviewer_id)
        if member is None or member["accepted_at"] is None:
            raise NotFoundError(_("This reviewer is not on the panel of this round."))
        found = await conflicts.check(reviewer_id, member["affiliation"], application_id)
        if found is not None:
            raise ConflictError(
                _("%(reviewer)s cannot review this application: %(reason)s", reviewer=member["name"] or member["email"], reason=found.message()),
                code="conflict_of_interest",
            )
        existing = await self.reviews.find_assignment(run_id, application_id, reviewer_id)
        if existing is not None and existing["status"] != "withdrawn":
            raise ConflictError(_("This reviewer is assigned to this application already."))
        note = _text(reason)[:2000] or _("Assigned by hand.")
        async with write_transaction():
            if existing is not None:
                assignment_id = existing["id"]
                await self.reviews.update_assignment(assignment_id, {"status": "assigned", "assigned_by": viewer.id, "reason": note,
                                                                     "withdrawn_at": None, "withdrawn_reason": "", "no_conflict_declared_at": None})
            else:
                assignment_id = await self.reviews.insert_assignment({
                    "round_run": run_id, "application": application_id, "reviewer": reviewer_id, "assigned_by": viewer.id,
                    "reason": note, "status": "assigned", "created_at": self.clock(),
                })
            await self._tell_reviewers({reviewer_id: 1}, program, definition)
            await audit.record("review.assigned", actor_id=viewer.id, object_type="review_assignment", object_id=assignment_id,
                               after={"round_run": run_id, "application": application_id, "reviewer": reviewer_id, "reason": note}, ip=ip)
        row = await self.reviews.assignment(assignment_id)
        assert row is not None
        return row

    async def unassign(self, assignment_id: int, viewer: Viewer, *, reason: str = "", ip: str = "") -> dict[str, Any]:
        """Withdraw an assignment (staff) in an open run; its review, if any, stops counting.
        Audits ``review.unassigned``."""
        _require_staff(viewer)
        row = await self.reviews.assignment(assignment_id)
        if row is None:
            raise NotFoundError(_("There is no assignment at this address."))
        await self._require_open_run(row["round_run"])
        async with write_transaction():
            await self.reviews.update_assignment(assignment_id, {"status": "withdrawn", "withdrawn_at": self.clock(), "withdrawn_reason": _text(reason)})
            await audit.record("review.unassigned", actor_id=viewer.id, object_type="review_assignment", object_id=assignment_id,
                               before={"status": row["status"]}, after={"status": "withdrawn", "reason": _text(reason)}, ip=ip)
        updated = await self.reviews.assignment(assignment_id)
        assert updated is not None
        return updated

    async def _tell_reviewers(self, counts: Mapping[int, int], program: Mapping[str, Any], definition: Mapping[str, Any]) -> None:
        for reviewer_id, count in sorted(counts.items()):
            user = await self.reviews.user(reviewer_id)
            if user:
                await self._notify_people([user], "review_assigned", {
                    "program": program, "round": definition, "count": count, "link": f"{self.public_url}/reviews",
                })

    async def _plan(self, run: Mapping[str, Any], *, minimum: int, max_load: int | None,
                    only: Iterable[int] | None = None, excluded: Mapping[int, Iterable[int]] | None = None) -> assigning.Plan:
        members = [m for m in await self.reviews.members(run["id"]) if m["user"] is not None and m["accepted_at"] is not None]
        active = await self.reviews.assignments(run["id"], active_only=True)
        loads = {m["user"]: 0 for m in members}
        for a in active:
            loads[a["reviewer"]] = loads.get(a["reviewer"], 0) + 1
        wanted = [int(a) for a in (only if only is not None else run["participants"])]
        in_review = [a for a in wanted if (row := await self.application_rows.get(a)) is not None and row["status"] == "in_review"]
        texts = await self.reviews.application_texts(in_review)
        targets = [
            assigning.Target(a, texts.get(a, ("", ()))[0], texts.get(a, ("", ()))[1],
                             tuple(x["reviewer"] for x in active if x["application"] == a), tuple((excluded or {}).get(a, ())))
            for a in in_review
        ]
        index = await conflicts.load_index({m["user"]: m["affiliation"] for m in members}, in_review)
        # The plan embeds two texts per reviewer × application pair: off the event loop.
        return await asyncio.to_thread(
            assigning.plan, targets, [assigning.candidate_from(m, loads.get(m["user"], 0)) for m in members],
            minimum=minimum, similarity=self.similarity, conflict=index, max_load=max_load,
        )

    async def _write_plan(self, run_id: int, plan: assigning.Plan, by: int | None) -> list[int]:
        ids = []
        for choice in plan.choices:
            existing = await self.reviews.find_assignment(run_id, choice.application_id, choice.reviewer_id)
            values = {"status": "assigned", "assigned_by": by, "reason": choice.reason, "fit": int(round(choice.fit * 1000))}
            if existing is not None:
                await self.reviews.update_assignment(existing["id"], {**values, "withdrawn_at": None, "withdrawn_reason": "", "no_conflict_declared_at": None})
                ids.append(existing["id"])
            else:
                ids.append(await self.reviews.insert_assignment({
                    "round_run": run_id, "application": choice.application_id, "reviewer": choice.reviewer_id,
                    "created_at": self.clock(), **values,
                }))
        return ids

    async def auto_assign(self, run_id: int, viewer: Viewer, *, minimum: int = 2, max_load: int | None = None, ip: str = "") -> assigning.Plan:
        """Assign reviewers automatically in an open run (staff) so every participant still in
        review has at least ``minimum`` (1..20) active reviewers: balanced load, then fit, never a
        conflicted pair (see :func:`hubcity.reviews.assignment.plan`). Writes one assignment per
        :class:`~hubcity.reviews.assignment.Choice` (``assigned_by`` NULL, the reason and fit
        kept), notifies each chosen reviewer once. Returns the plan (its ``shortfalls`` say which
        applications still lack reviewers and why). FormInvalid for a bad ``minimum``/``max_load``.
        Audits ``review.auto_assigned``."""
        _require_staff(viewer)
        if not isinstance(minimum, int) or isinstance(minimum, bool) or not 1 <= minimum <= 20:
            raise FormInvalid({"minimum": _("Minimum reviews: a whole number from 1 to 20.")}, {"minimum": minimum})
        if max_load is not None and (not isinstance(max_load, int) or isinstance(max_load, bool) or max_load < 1):
            raise FormInvalid({"max_load": _("Most reviews per reviewer: a whole number from 1, or empty.")}, {"max_load": max_load})
        run, program, definition = await self._require_open_run(run_id)
        plan = await self._plan(run, minimum=minimum, max_load=max_load)
        async with write_transaction():
            ids = await self._write_plan(run_id, plan, None)
            counts: dict[int, int] = {}
            for choice in plan.choices:
                counts[choice.reviewer_id] = counts.get(choice.reviewer_id, 0) + 1
            await self._tell_reviewers(counts, program, definition)
            await audit.record("review.auto_assigned", actor_id=viewer.id, object_type="review_round_run", object_id=run_id, after={
                "minimum": minimum, "assignments": ids,
                "choices": [{"application": c.application_id, "reviewer": c.reviewer_id, "reason": c.reason} for c in plan.choices],
                "shortfalls": [{"application": s.application_id, "missing": s.missing, "reason": s.reason} for s in plan.shortfalls],
            }, ip=ip)
        return plan

    async def my_assignments(self, viewer: Viewer) -> list[dict[str, Any]]:
        """The viewer's active assignments, newest first: assignment columns plus
        ``round_run.status``, ``startup_name`` (what a reviewer needs to declare a conflict, from
        the application's frozen profile), ``review_id`` (None until submitted)."""
        rows = await self.reviews.assignments_of_reviewer(viewer.id)
        out = []
        for row in rows:
            application = await self.application_rows.get(row["application"])
            snapshot = (application or {}).get("snapshot") or {}
            review = await self.reviews.review_of_assignment(row["id"])
            out.append({**row, "startup_name": snapshot.get("name_ko") or snapshot.get("name_en") or "",
                        "startup_name_en": snapshot.get("name_en") or snapshot.get("name_ko") or "",
                        "review_id": review["id"] if review else None})
        return out

    async def _own_assignment(self, assignment_id: int, viewer: Viewer) -> dict[str, Any]:
        row = await self.reviews.reviewer_assignment(assignment_id, viewer.id)
        if row is None or row["status"] == "withdrawn":
            raise NotFoundError(_("There is no assignment at this address, or it is no longer yours."))
        return row

    async def _require_pledge(self, run_id: int, viewer: Viewer) -> dict[str, Any]:
        member = await self.reviews.member_of(run_id, viewer.id)
        if member is None:
            raise NotFoundError(_("There is no assignment at this address, or it is no longer yours."))
        if member["pledge_accepted_at"] is None:
            raise InvalidStateError(_("Accept the reviewer pledge before you open an application."), code="pledge_required")
        return member

    async def declare_no_conflict(self, assignment_id: int, viewer: Viewer, *, ip: str = "") -> dict[str, Any]:
        """The reviewer declares no conflict of interest with the assignment's application (after
        the pledge: InvalidStateError ``pledge_required`` otherwise); only then may they open it.
        When the facts show a conflict anyway (an affiliation match, a declared conflict), the
        assignment is withdrawn and reassigned as by :meth:`declare_conflict`, and ConflictError
        (``conflict_of_interest``) says why. Writes a ConflictDeclaration of kind ``none``;
        audits ``review.no_conflict_declared``. Returns the assignment row."""
        row = await self._own_assignment(assignment_id, viewer)
        member = await self._require_pledge(row["round_run"], viewer)
        found = await conflicts.check(viewer.id, member["affiliation"], row["application"])
        if found is not None:
            await self._withdraw_and_reassign(row, viewer, found.message(), ip=ip)
            raise ConflictError(_("You cannot review this application: %(reason)s It was given to another reviewer.", reason=found.message()),
                                code="conflict_of_interest")
        if row["no_conflict_declared_at"] is None:
            application = await self.application_rows.get(row["application"])
            assert application is not None
            now = self.clock()
            async with write_transaction():
                await self.reviews.update_assignment(assignment_id, {"no_conflict_declared_at": now})
                await self.conflict_rows.insert({"user": viewer.id, "application": row["application"], "profile": application["profile"],
                                                 "kind": "none", "at": now})
                await audit.record("review.no_conflict_declared", actor_id=viewer.id, object_type="review_assignment",
                                   object_id=assignment_id, after={"application": row["application"]}, ip=ip)
        updated = await self.reviews.assignment(assignment_id)
        assert updated is not None
        return updated

    async def declare_conflict(self, assignment_id: int, viewer: Viewer, *, reason: str = "", ip: str = "") -> dict[str, Any] | None:
        """The reviewer declares a conflict of interest with the assignment's startup: a
        ConflictDeclaration (kind ``declared``, naming the application and its profile, so it holds
        for every later application of that startup), the assignment withdrawn (its review, if
        any, no longer counts) and, when the run is open, another reviewer chosen as
        :meth:`auto_assign` would (same count of active reviewers as before). Audits
        ``review.conflict_declared`` (and ``review.reassigned``). Returns the new assignment row,
        or None when nobody could take it (staff then assign by hand; the audit entry names why)."""
        row = await self._own_assignment(assignment_id, viewer)
        if len(_text(reason)) > 2000:
            raise FormInvalid({"reason": _("Reason: at most %(limit)s characters.", limit=2000)}, {"reason": reason})
        _refuse_control_characters({"reason": reason})
        return await self._withdraw_and_reassign(row, viewer, _text(reason), declared=True, ip=ip)

    async def _withdraw_and_reassign(self, row: Mapping[str, Any], viewer: Viewer, reason: str, *, declared: bool = False,
                                     ip: str = "") -> dict[str, Any] | None:
        run, program, definition = await self._run(row["round_run"])
        application = await self.application_rows.get(row["application"])
        assert application is not None
        now = self.clock()
        before = len(await self.reviews.assignments(run["id"], application_id=row["application"], active_only=True))
        new_id = None
        async with write_transaction():
            if declared:
                await self.conflict_rows.insert({"user": viewer.id, "application": row["application"], "profile": application["profile"],
                                                 "kind": "declared", "reason": reason, "at": now})
            await self.reviews.update_assignment(row["id"], {"status": "withdrawn", "withdrawn_at": now,
                                                             "withdrawn_reason": reason or _("Conflict of interest.")})
            await audit.record("review.conflict_declared", actor_id=viewer.id, object_type="review_assignment", object_id=row["id"],
                               before={"status": row["status"]}, after={"status": "withdrawn", "reason": reason, "declared": declared}, ip=ip)
            if run["status"] == "open":
                plan = await self._plan(run, minimum=before, max_load=None, only=[row["application"]],
                                        excluded={row["application"]: [viewer.id]})
                ids = await self._write_plan(run["id"], plan, None)
                new_id = ids[0] if ids else None
                await self._tell_reviewers({c.reviewer_id: 1 for c in plan.choices}, program, definition)
                await audit.record("review.reassigned", actor_id=None, object_type="review_assignment", object_id=row["id"], after={
                    "replacement": new_id, "reasons": [c.reason for c in plan.choices], "shortfalls": [s.reason for s in plan.shortfalls],
                }, ip=ip)
        return await self.reviews.assignment(new_id) if new_id else None

    async def open_application(self, application_id: int, viewer: Viewer) -> dict[str, Any]:
        """The application as a reviewer reads it (answers and the frozen profile): only with an
        active assignment of theirs, the pledge accepted, no conflict declared on it, no conflict
        declared with its startup, none by affiliation (even one arising after the no-conflict
        declaration), and a status the workflow shows reviewers (``in_review``).
        Staff get it as :meth:`ApplicationService.get`. NotFoundError naming nothing otherwise."""
        if _is_staff(viewer):
            return await self.applications.get(application_id, viewer)
        row = await self.reviews.readable_application(application_id, viewer.id)
        if row is None or not workflow.visible_to(row["status"], workflow.REVIEWER):
            raise NotFoundError(_("There is no application at this address, or you may not see it."))
        await self.assignment_for(application_id, viewer)  # NotFoundError when conflicted (affiliation, investor, …) now
        return row

    # -- reviews --------------------------------------------------------------------------------
    async def submit_review(
        self, assignment_id: int, viewer: Viewer, *, scores: Mapping[str, Any], recommendation: str, comment: str = "", ip: str = "",
    ) -> dict[str, Any]:
        """Submit (or, while the run is open, change) the viewer's review of an assignment.

        scores: criterion key → number inside that criterion's scale (numeric text is read as a
        number); recommendation: ``advance`` | ``hold`` | ``reject``; comment ≤ 5000 characters.
        FormInvalid naming each bad ``scores.<key>``, ``recommendation``, ``comment`` (nothing
        saved). NotFoundError unless it is the viewer's active assignment and the pair is not
        conflicted (a conflict arising after the no-conflict declaration included); InvalidStateError when
        no conflict was declared yet (``no_conflict_required``), the pledge is missing
        (``pledge_required``), or the run is closed (``round_closed``). The total is
        :func:`hubcity.reviews.scoring.weighted_total` in thousandths. Audits ``review.submitted``
        or ``review.updated``. Returns the review row."""
        row = await self._own_assignment(assignment_id, viewer)
        member = await self._require_pledge(row["round_run"], viewer)
        if await conflicts.check(viewer.id, member["affiliation"], row["application"]) is not None:
            raise NotFoundError(_("There is no assignment at this address, or it is no longer yours."))
        if row["no_conflict_declared_at"] is None:
            raise InvalidStateError(_("Declare that you have no conflict of interest before reviewing this application."),
                                    code="no_conflict_required")
        run, program, definition = await self._require_open_run(row["round_run"])
        values = {str(k): _as_number(v) for k, v in (scores or {}).items()} if isinstance(scores, Mapping) else scores
        errors = scoring.score_errors(values, definition["rubric"])
        if recommendation not in scoring.RECOMMENDATIONS:
            errors["recommendation"] = _("Recommendation: choose advance, hold or reject.")
        if not isinstance(comment, str) or len(comment.strip()) > COMMENT_LIMIT:
            errors["comment"] = _("Comment: at most %(limit)s characters.", limit=COMMENT_LIMIT)
        if errors:
            raise FormInvalid(errors, {"scores": dict(scores) if isinstance(scores, Mapping) else scores,
                                       "recommendation": recommendation, "comment": comment})
        _refuse_control_characters({"comment": comment}, {"scores": dict(scores), "recommendation": recommendation, "comment": comment})
        total = scoring.to_thousandths(scoring.weighted_total(values, definition["rubric"]))
        now = self.clock()
        existing = await self.reviews.review_of_assignment(assignment_id)
        stored = {"scores": values, "total": total, "recommendation": recommendation, "comment": comment.strip(), "updated_at": now}
        try:
            async with write_transaction():
                if existing is None:
                    review_id = await self.reviews.insert_review({"assignment": assignment_id, "submitted_at": now, **stored})
                else:
                    review_id = existing["id"]
                    await self.reviews.update_review(review_id, stored)
                await self.reviews.update_assignment(assignment_id, {"status": "submitted"})
                await audit.record("review.updated" if existing else "review.submitted", actor_id=viewer.id, object_type="review",
                                   object_id=review_id, before={k: existing[k] for k in stored if k in existing} if existing else {},
                                   after=stored, ip=ip)
        except Exception as error:
            if is_unique_violation(error):
                raise ConflictError(_("Your review was saved from another window; reload to see it.")) from None
            raise
        review = await self.reviews.review_of_assignment(assignment_id)
        assert review is not None
        return review

    async def reviews_of(self, run_id: int, application_id: int, viewer: Viewer) -> ReviewsView:
        """The reviews of one application in one run, oldest first, each with ``comments``.
        Staff see every review. A reviewer who may open the application (see
        :meth:`open_application`) sees their own review, and the others only once theirs is
        submitted (``others_hidden`` says so). NotFoundError for anyone else, and for an
        application that is not in the run (a round of one program with an application of another)."""
        run, _program, _definition = await self._run(run_id)
        if application_id not in [int(a) for a in run["participants"]] or (
            not _is_staff(viewer) and await self.reviews.member_of(run_id, viewer.id) is None
        ):
            raise NotFoundError(_("There is no application at this address, or you may not see it."))
        rows = await self.reviews.reviews(run_id, application_id)
        if _is_staff(viewer):
            visible, hidden = rows, False
        else:
            await self.open_application(application_id, viewer)
            own = [r for r in rows if r["reviewer"] == viewer.id]
            hidden = not own
            visible = rows if own else []
        comments = await self.reviews.comments([r["id"] for r in visible])
        for review in visible:
            review["comments"] = [c for c in comments if c["review"] == review["id"]]
        return ReviewsView(visible, hidden)

    async def comment(self, review_id: int, viewer: Viewer, text: str, *, ip: str = "") -> dict[str, Any]:
        """Comment on a review (staff, or a reviewer who may read it per :meth:`reviews_of`). A
        comment never counts as a review. FormInvalid for an empty text or one over 5000
        characters. Audits ``review.commented``. Returns the comment row."""
        review = await self.reviews.review(review_id)
        if review is None:
            raise NotFoundError(_("There is no review at this address."))
        view = await self.reviews_of(review["assignment.round_run"], review["assignment.application"], viewer)
        if all(r["id"] != review_id for r in view.reviews):
            raise NotFoundError(_("There is no review at this address."))
        body = _text(text)
        if not body or len(body) > COMMENT_LIMIT:
            raise FormInvalid({"text": _("Comment: write from 1 to %(limit)s characters.", limit=COMMENT_LIMIT)}, {"text": text})
        _refuse_control_characters({"text": body})
        async with write_transaction():
            comment_id = await self.reviews.insert_comment({"review": review_id, "author": viewer.id, "text": body, "at": self.clock()})
            await audit.record("review.commented", actor_id=viewer.id, object_type="review", object_id=review_id,
                               after={"comment": comment_id}, ip=ip)
        return next(c for c in await self.reviews.comments([review_id]) if c["id"] == comment_id)


def _as_number(value: Any) -> Any:
    """Numeric text (``"4"``, ``"3.5"``) as a number; anything else unchanged (for validation)."""
    if isinstance(value, str) and value.strip():
        try:
            number = float(value.strip())
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    return value


# -- determinations and objections ------------------------------------------------------------------


@dataclass
class BulkOutcome:
    """The outcome of a bulk action: ``done`` (application id → the determination row) and
    ``failed`` (application id → the message the single action would have given), both in the
    order asked."""

    done: dict[int, dict[str, Any]] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)


class DecisionService(_Notifying):
    """Determinations and objections.

    notifier: renders the determination message (required: the message is a template) and
    notifies. applications: the :class:`ApplicationService` status changes go through.
    """

    def __init__(self, notifier: Notifier, public_url: str = "", clock: Any = utcnow, applications: ApplicationService | None = None):
        self.notifier = notifier
        self.public_url = public_url.rstrip("/")
        self.clock = clock
        self.applications = applications or ApplicationService(notifier, public_url, clock=clock)
        self.programs = ProgramRepository()
        self.decisions = DecisionRepository()
        self.awards = AwardRepository()

    def render_message(self, outcome: str, locale: str, program: Mapping[str, Any], *, conditions: str, objection_days: int) -> str:
        """The determination message of ``outcome`` in ``locale``: the in-app text of
        ``emails/determination_<outcome>.txt.j2`` (its body with ``for_email`` False)."""
        _subject, body = self.notifier.render(f"determination_{outcome}", locale, {
            "program": program, "conditions": conditions, "objection_days": objection_days, "for_email": False,
            "feedback": "", "link": "", "message": "",
        })
        return body.strip()

    @staticmethod
    def _check_fields(outcome: str, conditions: str, feedback: str) -> tuple[str, str]:
        """The checks of a determination's own fields (the same for every application):
        (conditions, feedback) stripped, or FormInvalid naming ``outcome``/``conditions``/``feedback``."""
        errors: dict[str, str] = {}
        if outcome not in workflow.DECISIONS:
            errors["outcome"] = _("Decision: choose approve, waitlist or reject.")
        conditions_text, feedback_text = _text(conditions), _text(feedback)
        if conditions_text and outcome != "approved":
            errors["conditions"] = _("Conditions: only an approval has conditions.")
        if len(conditions_text) > 5000:
            errors["conditions"] = _("Conditions: at most %(limit)s characters.", limit=5000)
        if len(feedback_text) > FEEDBACK_LIMIT:
            errors["feedback"] = _("Feedback: at most %(limit)s characters.", limit=FEEDBACK_LIMIT)
        if errors:
            raise FormInvalid(errors, {"outcome": outcome, "conditions": conditions, "feedback": feedback})
        _refuse_control_characters({"conditions": conditions_text, "feedback": feedback_text},
                                   {"outcome": outcome, "conditions": conditions, "feedback": feedback})
        return conditions_text, feedback_text

    async def _checked(
        self, application_id: int, viewer: Viewer, outcome: str, *, conditions: str, feedback: str,
    ) -> tuple[dict[str, Any], dict[str, Any], str, int, str, str]:
        """The checks of :meth:`determine` (and :meth:`preview`): (application, program, the
        applicant's locale, objection days, conditions, feedback) or the error determine raises."""
        _require_staff(viewer)
        role = _staff_role(viewer)
        application = await self.applications.get(application_id, viewer)
        conditions_text, feedback_text = self._check_fields(outcome, conditions, feedback)
        if (refused := workflow.refusal(application["status"], outcome, role)) is not None:
            raise refused
        program = await self.programs.get(application["program"])
        assert program is not None
        locale = await applicant_locale(application)
        days = int(program.get("objection_days") or 0)
        return application, program, locale, days, conditions_text, feedback_text

    async def preview(
        self, application_id: int, viewer: Viewer, outcome: str, *, conditions: str = "", feedback: str = "",
    ) -> dict[str, Any]:
        """What :meth:`determine` would store, without storing anything: ``{outcome, message,
        locale, conditions, feedback}`` (the message rendered by :meth:`render_message` in the
        applicant's language). The same checks and errors as :meth:`determine`."""
        _application, program, locale, days, conditions_text, feedback_text = await self._checked(
            application_id, viewer, outcome, conditions=conditions, feedback=feedback)
        return {"outcome": outcome, "locale": locale, "conditions": conditions_text, "feedback": feedback_text,
                "message": self.render_message(outcome, locale, program, conditions=conditions_text, objection_days=days)}

    async def determine(
        self, application_id: int, viewer: Viewer, outcome: str, *, conditions: str = "", feedback: str = "", ip: str = "",
    ) -> dict[str, Any]:
        """Determine one application (program managers, admins): ``outcome`` ``approved`` |
        ``waitlisted`` | ``rejected`` from ``awaiting_decision`` (or approved/rejected from
        ``waitlisted``), as the workflow table allows (NotPermittedError naming both statuses
        otherwise). ``conditions`` (≤ 5000, approvals only) and ``feedback`` (≤ 10000): FormInvalid.

        The message is rendered from ``determination_<outcome>`` in the applicant's language
        (:func:`applicant_locale`); the status change writes an ApplicationEvent (message = the
        rendered text), an audit entry ``application.<outcome>`` and emails each member in their
        own language (template ``determination_<outcome>``, with conditions and feedback). An
        earlier determination is superseded. Audits ``determination.made``. Returns the
        Determination row."""
        application, program, locale, days, conditions_text, feedback_text = await self._checked(
            application_id, viewer, outcome, conditions=conditions, feedback=feedback)
        message = self.render_message(outcome, locale, program, conditions=conditions_text, objection_days=days)
        now = self.clock()
        async with write_transaction():
            await self.decisions.supersede(application_id, now)
            determination_id = await self.decisions.insert_determination({
                "application": application_id, "outcome": outcome, "conditions": conditions_text, "message": message,
                "locale": locale, "feedback": feedback_text, "decided_by": viewer.id, "at": now,
            })
            await self.applications.transition(application_id, viewer, outcome, reason=message, ip=ip, determined=True, notification=(
                f"determination_{outcome}",
                {"conditions": conditions_text, "feedback": feedback_text, "objection_days": days, "for_email": True},
            ))
            await audit.record("determination.made", actor_id=viewer.id, object_type="determination", object_id=determination_id,
                               after={"application": application_id, "outcome": outcome, "conditions": conditions_text,
                                      "feedback": feedback_text, "locale": locale}, ip=ip)
        row = await self.decisions.determination(determination_id)
        assert row is not None
        return row

    async def determine_bulk(
        self, application_ids: Sequence[int], viewer: Viewer, outcome: str, *, conditions: str = "", feedback: str = "", ip: str = "",
    ) -> BulkOutcome:
        """:meth:`determine` for each of ``application_ids`` (duplicates once, in the order
        given), each in its own transaction: the same code, so the same message and feedback as
        one by one. One that fails does not stop the others; its message is in ``failed``.
        FormInvalid before any row when the outcome, conditions or feedback themselves are bad."""
        _require_staff(viewer)
        self._check_fields(outcome, conditions, feedback)
        outcome_of = BulkOutcome()
        for application_id in dict.fromkeys(int(a) for a in application_ids):
            try:
                outcome_of.done[application_id] = await self.determine(
                    application_id, viewer, outcome, conditions=conditions, feedback=feedback, ip=ip)
            except FormInvalid as error:
                outcome_of.failed[application_id] = " ".join(error.errors.values()) or error.message
            except AppError as error:
                outcome_of.failed[application_id] = error.message
        return outcome_of

    def objection_deadline(self, determination: Mapping[str, Any], program: Mapping[str, Any]) -> datetime:
        """The instant the objection window of ``determination`` closes: its ``at`` plus the
        program's ``objection_days`` days (0 days: the window is already closed)."""
        return determination["at"] + timedelta(days=int(program.get("objection_days") or 0))

    async def current(self, application_id: int, viewer: Viewer) -> dict[str, Any] | None:
        """The whole current determination for its applicant (members) or staff: the
        Determination row plus ``objection_deadline`` (aware), ``objection_open`` (bool, now before
        the deadline) and ``objections`` (rows). None before any determination. NotFoundError when
        the viewer may not read the application."""
        application = await self.applications.get(application_id, viewer)
        row = await self.decisions.current(application_id)
        if row is None:
            return None
        program = await self.programs.get(application["program"])
        assert program is not None
        deadline = self.objection_deadline(row, program)
        return {**row, "objection_deadline": deadline, "objection_open": self.clock() < deadline,
                "objections": [o for o in await self.decisions.objections(application_id) if o["determination"] == row["id"]]}

    async def history(self, application_id: int, viewer: Viewer) -> list[dict[str, Any]]:
        """Every determination of an application, oldest first (its members or staff)."""
        await self.applications.get(application_id, viewer)
        return await self.decisions.determinations(application_id)

    async def lodge_objection(self, application_id: int, viewer: Viewer, text: str, *, ip: str = "") -> dict[str, Any]:
        """A member of the applying startup objects to the current determination, within the
        window (:meth:`objection_deadline`). FormInvalid for an empty text or one over 5000
        characters; InvalidStateError with code ``no_determination`` or
        ``objection_window_closed`` (naming the deadline in the program's zone); ConflictError
        when an objection to this determination awaits its answer. Notifies the members
        (``determination_objection_received``). Audits ``objection.lodged``. Returns the row."""
        application = await self.applications.get(application_id, viewer)
        if not viewer.membership_in(application["organisation"]):
            raise NotPermittedError(_("Only members of the applying startup can object to a decision."))
        body = _text(text)
        if not body or len(body) > 5000:
            raise FormInvalid({"text": _("Objection: write from 1 to %(limit)s characters.", limit=5000)}, {"text": text})
        _refuse_control_characters({"text": body})
        determination = await self.decisions.current(application_id)
        if determination is None:
            raise InvalidStateError(_("There is no decision to object to yet."), code="no_determination")
        program = await self.programs.get(application["program"])
        assert program is not None
        deadline = self.objection_deadline(determination, program)
        if self.clock() >= deadline:
            zone = deadlines.zone_named(program["time_zone"])
            shown = deadlines.describe(deadline, zone, None, current_locale()).program_zone
            raise InvalidStateError(_("The time to object ended on %(deadline)s.", deadline=shown), code="objection_window_closed")
        if await self.decisions.open_objection(determination["id"]) is not None:
            raise ConflictError(_("Your objection to this decision is waiting for its answer."))
        now = self.clock()
        try:
            async with write_transaction():
                objection_id = await self.decisions.insert_objection({
                    "application": application_id, "determination": determination["id"], "text": body, "lodged_by": viewer.id, "at": now,
                })
                await self._notify_applicant(application, "determination_objection_received", {"program": program, "objection_text": body})
                await audit.record("objection.lodged", actor_id=viewer.id, object_type="objection", object_id=objection_id,
                                   after={"application": application_id, "determination": determination["id"]}, ip=ip)
        except Exception as error:
            if is_unique_violation(error):  # another member lodged one at the same moment
                raise ConflictError(_("Your objection to this decision is waiting for its answer.")) from error
            raise
        row = await self.decisions.objection(objection_id)
        assert row is not None
        return row

    async def objections(self, program_id: int, viewer: Viewer, *, open_only: bool = False) -> list[dict[str, Any]]:
        """A program's objections for staff (``open_only``: unanswered), oldest first."""
        _require_staff(viewer)
        return await self.decisions.objections_of_program(program_id, open_only=open_only)

    async def objection(self, objection_id: int, viewer: Viewer) -> dict[str, Any]:
        """An objection for staff, with ``program`` (the id of its application's program).
        NotFoundError when there is none."""
        _require_staff(viewer)
        row = await self.decisions.objection(objection_id)
        if row is None:
            raise NotFoundError(_("There is no objection at this address."))
        application = await self.applications.get(row["application"], viewer)
        return {**row, "program": application["program"]}

    async def answer_objection(self, objection_id: int, viewer: Viewer, *, answer: str, uphold: bool, ip: str = "") -> dict[str, Any]:
        """Staff answer an objection (``answer`` 1..5000 characters: FormInvalid). ``uphold``
        True reopens the decision: the determination is superseded and the application moves
        back to ``awaiting_decision`` (the workflow's reopening transition, with the answer as
        its message). InvalidStateError (``award_in_place``) when upholding an approval whose
        award was not declined; InvalidStateError (``objection_answered``) when answered
        already. Notifies the members (``determination_objection_answered``). Audits
        ``objection.answered``. Returns the objection row."""
        _require_staff(viewer)
        objection = await self.decisions.objection(objection_id)
        if objection is None:
            raise NotFoundError(_("There is no objection at this address."))
        if objection["answered_at"] is not None:
            raise InvalidStateError(_("This objection has been answered already."), code="objection_answered")
        body = _text(answer)
        if not body or len(body) > 5000:
            raise FormInvalid({"answer": _("Answer: write from 1 to %(limit)s characters.", limit=5000)}, {"answer": answer})
        _refuse_control_characters({"answer": body})
        application = await self.applications.get(objection["application"], viewer)
        program = await self.programs.get(application["program"])
        assert program is not None
        if uphold:
            award = await self.awards.award_of(application["id"])
            if award is not None and award["status"] != "declined":
                raise InvalidStateError(_("This application has an award; it must be declined before the decision is reopened."),
                                        code="award_in_place")
        now = self.clock()
        async with write_transaction():
            await self.decisions.update_objection(objection_id, {"answer": body, "answered_by": viewer.id, "answered_at": now, "upheld": bool(uphold)})
            context = {"program": program, "answer": body, "upheld": bool(uphold)}
            if uphold:
                await self.decisions.supersede(application["id"], now)
                await self.applications.transition(application["id"], viewer, "awaiting_decision", reason=body, ip=ip,
                                                   notification=("determination_objection_answered", context))
            else:
                await self._notify_applicant(application, "determination_objection_answered", context)
            await audit.record("objection.answered", actor_id=viewer.id, object_type="objection", object_id=objection_id,
                               after={"answer": body, "upheld": bool(uphold)}, ip=ip)
        row = await self.decisions.objection(objection_id)
        assert row is not None
        return row


# -- awards and tranches ----------------------------------------------------------------------------

#: The largest file a milestone report may carry, in bytes (the largest file an application takes).
REPORT_FILE_LIMIT = uploads.MAX_UPLOAD_BYTES


@dataclass(frozen=True)
class ReportUpload:
    """A file chosen for a milestone report: ``name`` as the browser or client sent it, ``content``
    its bytes (a caller may stop reading after :data:`REPORT_FILE_LIMIT` + 1 bytes: enough to refuse it)."""

    name: str
    content: bytes


@dataclass(frozen=True)
class ReportFile:
    """The file of a milestone report: ``id`` (StoredFile), ``name`` (as the startup uploaded
    it), ``size`` in bytes, ``content_type`` (read from the bytes), ``sha256``."""

    id: int
    name: str
    size: int
    content_type: str
    sha256: str

    @property
    def size_text(self) -> str:
        return uploads.size_text(self.size)

    @property
    def type_name(self) -> str:
        return uploads.type_name(self.content_type)


def _report_file(tranche: Mapping[str, Any], stored: Mapping[str, Any] | None) -> ReportFile | None:
    if stored is None:
        return None
    extension = uploads.TYPE_NAMES.get(stored["content_type"], ("", "bin"))[1]
    name = tranche.get("report_file_name") or f"report-{tranche['number']}.{extension}"
    return ReportFile(id=int(stored["id"]), name=name, size=int(stored["size"]), content_type=stored["content_type"], sha256=stored["sha256"])


#: How far ahead a tranche may fall due (years from today): a longer schedule is a typo, not a grant.
MAX_TRANCHE_YEARS = 10


class AwardService(_Notifying):
    """Awards of approved applications and their tranches.

    notifier: notifies the startup's members (None: none). clock: the source of "now".
    storage: where milestone reports' files are kept (the applications' :class:`~hubcity.programs.uploads.FileStorage`;
    None: reports take no uploaded file).
    """

    def __init__(self, notifier: Notifier | None = None, public_url: str = "", clock: Any = utcnow,
                 applications: ApplicationService | None = None, storage: uploads.FileStorage | None = None):
        self.notifier = notifier
        self.public_url = public_url.rstrip("/")
        self.clock = clock
        self.storage = storage
        self.applications = applications or ApplicationService(notifier, public_url, clock=clock)
        self.awards = AwardRepository()
        self.application_rows = ApplicationRepository()

    async def _award(self, award_id: int, viewer: Viewer) -> tuple[dict[str, Any], dict[str, Any]]:
        """(award, application) when the viewer may read the application (members, staff);
        finance may read every award. NotFoundError otherwise."""
        award = await self.awards.award(award_id)
        if award is None:
            raise NotFoundError(_("There is no award at this address."))
        if viewer.has_role("finance") and not _is_staff(viewer):
            application = await self.application_rows.get(award["application"])
            assert application is not None
        else:
            try:
                application = await self.applications.get(award["application"], viewer)
            except NotFoundError:
                raise NotFoundError(_("There is no award at this address.")) from None
        return award, application

    async def _with_files(self, tranches: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``tranches`` each with ``file``: its report's :class:`ReportFile`, or None."""
        found = await self.awards.report_files([t["report_file"] for t in tranches if t.get("report_file")])
        return [{**t, "file": _report_file(t, found.get(t["report_file"])) if t.get("report_file") else None} for t in tranches]

    async def get(self, award_id: int, viewer: Viewer) -> dict[str, Any]:
        """The award with its ``tranches`` (rows by number, each with its report's ``file``) for
        the startup's members, staff and finance. NotFoundError otherwise."""
        award, _application = await self._award(award_id, viewer)
        return {**award, "tranches": await self._with_files(await self.awards.tranches(award_id))}

    async def of_application(self, application_id: int, viewer: Viewer) -> dict[str, Any] | None:
        """The award of an application the viewer may read (with ``tranches`` as :meth:`get`), or None."""
        await self.applications.get(application_id, viewer)
        award = await self.awards.award_of(application_id)
        return None if award is None else {**award, "tranches": await self._with_files(await self.awards.tranches(award["id"]))}

    async def payable(self, viewer: Viewer) -> list[dict[str, Any]]:
        """For finance (and admins): unpaid tranches of active awards, by due date, each with
        ``ready`` (its report is accepted, so it may be paid), ``currency``, ``application``,
        ``program``, ``title_ko``/``title_en``, ``file`` (the report's). NotPermittedError for anyone else."""
        if not viewer.has_role("finance"):
            raise NotPermittedError(_("Only finance staff may mark payments."))
        return [{**row, "ready": row["report_accepted_at"] is not None} for row in await self._with_files(await self.awards.unpaid_tranches())]

    async def remaining_budget(self, program_id: int) -> int:
        """The program's budget minus its awards that are pending, active or completed (declined
        awards free their amount), in minor units (never below 0)."""
        program = await self.awards.program(program_id)
        if program is None:
            raise NotFoundError(_("There is no program at this address."))
        return max(0, int(program["budget"]) - await self.awards.committed(program_id))

    def _tranche_errors(self, tranches: Any, amount: int) -> tuple[list[dict[str, Any]], dict[str, str]]:
        errors: dict[str, str] = {}
        clean: list[dict[str, Any]] = []
        if not isinstance(tranches, list | tuple) or not tranches:
            return [], {"tranches": _("Tranches: give at least one payment with its amount and due date.")}
        for i, tranche in enumerate(tranches):
            value = tranche.get("amount") if isinstance(tranche, Mapping) else None
            due = tranche.get("due_on") if isinstance(tranche, Mapping) else None
            if isinstance(due, str):
                try:
                    due = date.fromisoformat(due)
                except ValueError:
                    due = None
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                errors[f"tranches[{i}].amount"] = _("Tranche %(number)s: the amount must be a whole number above 0.", number=i + 1)
            if not isinstance(due, date) or isinstance(due, datetime):
                errors[f"tranches[{i}].due_on"] = _("Tranche %(number)s: give the due date (YYYY-MM-DD).", number=i + 1)
            elif due < (self.clock() - timedelta(days=1)).date():  # yesterday in UTC is today somewhere
                errors[f"tranches[{i}].due_on"] = _("Tranche %(number)s: the due date is in the past.", number=i + 1)
            elif due > add_years(self.clock().date(), MAX_TRANCHE_YEARS):
                errors[f"tranches[{i}].due_on"] = _("Tranche %(number)s: the due date is more than %(years)s years away.",
                                                    number=i + 1, years=MAX_TRANCHE_YEARS)
            elif clean and clean[-1]["due_on"] is not None and due < clean[-1]["due_on"]:
                errors[f"tranches[{i}].due_on"] = _("Tranche %(number)s: due dates must not go back in time.", number=i + 1)
            clean.append({"number": i + 1, "amount": value if isinstance(value, int) else 0, "due_on": due if isinstance(due, date) else None})
        total = sum(t["amount"] for t in clean)
        if not errors and total != amount:
            errors["tranches"] = _("Tranches: the payments add up to %(sum)s but the award is %(amount)s.",
                                   sum=format(total, ","), amount=format(amount, ","))
        return clean, errors

    async def create(self, application_id: int, viewer: Viewer, *, amount: int, tranches: Sequence[Mapping[str, Any]] | None = None,
                     ip: str = "") -> dict[str, Any]:
        """The award of an ``approved`` application (program managers, admins), status
        ``agreement_pending``, in the program's currency.

        ``amount`` (minor units) must be a whole number above 0, at most the program's
        ``max_award`` and at most :meth:`remaining_budget` — FormInvalid ``amount`` with a message
        naming the limit and what remains. ``tranches`` (optional here, required before the
        agreement): ``[{amount, due_on (date or YYYY-MM-DD)}]`` in order, due dates from today to
        ``MAX_TRANCHE_YEARS`` years ahead and not going back, amounts adding up to ``amount``
        (FormInvalid ``tranches…``). InvalidStateError
        (``not_approved``) unless approved; ConflictError when the application has an award.
        Notifies the members (``award_offered``). Audits ``award.created``. Returns the award
        with ``tranches``."""
        _require_staff(viewer)
        application = await self.applications.get(application_id, viewer)
        if application["status"] != "approved":
            raise InvalidStateError(_("Only an approved application can receive an award."), code="not_approved")
        if await self.awards.award_of(application_id) is not None:
            raise ConflictError(_("This application has an award already."))
        program = await self.awards.program(application["program"])
        assert program is not None
        errors: dict[str, str] = {}
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            errors["amount"] = _("Amount: a whole amount above 0 in the currency's smallest unit.")
        else:
            remaining = await self.remaining_budget(program["id"])
            if amount > int(program["max_award"]):
                errors["amount"] = _("Amount: %(amount)s is more than the program's maximum award of %(max)s.",
                                     amount=money_text(amount, program["currency"]), max=money_text(int(program["max_award"]), program["currency"]))
            elif amount > remaining:
                errors["amount"] = _("Amount: %(amount)s is more than the %(remaining)s left of the program's budget of %(budget)s.",
                                     amount=money_text(amount, program["currency"]), remaining=money_text(remaining, program["currency"]),
                                     budget=money_text(int(program["budget"]), program["currency"]))
        clean: list[dict[str, Any]] = []
        if tranches is not None and "amount" not in errors:
            clean, problems = self._tranche_errors(tranches, amount)
            errors.update(problems)
        if errors:
            raise FormInvalid(errors, {"amount": amount, "tranches": [dict(t) for t in tranches] if isinstance(tranches, list | tuple) else tranches})
        now = self.clock()
        try:
            async with write_transaction():
                award_id = await self.awards.insert_award({
                    "application": application_id, "program": program["id"], "amount": amount, "currency": program["currency"],
                    "status": "agreement_pending", "created_by": viewer.id, "created_at": now,
                })
                # the budget again inside the transaction: two awards created at once cannot both fit
                if await self.awards.committed(program["id"]) > int(program["budget"]):
                    raise FormInvalid({"amount": _("Amount: the program's budget was used by another award meanwhile; %(remaining)s is left.",
                                                   remaining=money_text(max(0, int(program["budget"]) - await self.awards.committed(program["id"], excluding=award_id)), program["currency"]))},
                                      {"amount": amount})
                for tranche in clean:
                    await self.awards.insert_tranche({"award": award_id, **tranche})
                await self._notify_applicant(application, "award_offered", {
                    "program": program, "amount_text": money_text(amount, program["currency"]),
                })
                await audit.record("award.created", actor_id=viewer.id, object_type="award", object_id=award_id,
                                   after={"application": application_id, "amount": amount, "currency": program["currency"],
                                          "tranches": clean}, ip=ip)
        except Exception as error:
            if is_unique_violation(error):
                raise ConflictError(_("This application has an award already.")) from None
            raise
        return await self.get(award_id, viewer)

    async def set_tranches(self, award_id: int, viewer: Viewer, tranches: Sequence[Mapping[str, Any]], *, ip: str = "") -> dict[str, Any]:
        """Replace the tranches of an award whose agreement is still pending (staff); rules as in
        :meth:`create`. InvalidStateError (``agreement_signed``) once accepted or declined.
        Audits ``award.tranches_set``. Returns the award with ``tranches``."""
        _require_staff(viewer)
        award, _application = await self._award(award_id, viewer)
        if award["status"] != "agreement_pending":
            raise InvalidStateError(_("The tranches cannot change after the agreement was accepted or declined."), code="agreement_signed")
        clean, errors = self._tranche_errors(list(tranches) if isinstance(tranches, list | tuple) else tranches, int(award["amount"]))
        if errors:
            raise FormInvalid(errors, {"tranches": tranches})
        async with write_transaction():
            await self.awards.delete_tranches(award_id)
            for tranche in clean:
                await self.awards.insert_tranche({"award": award_id, **tranche})
            await audit.record("award.tranches_set", actor_id=viewer.id, object_type="award", object_id=award_id, after={"tranches": clean}, ip=ip)
        return await self.get(award_id, viewer)

    def _require_member(self, viewer: Viewer, application: Mapping[str, Any]) -> None:
        if not viewer.membership_in(application["organisation"]):
            raise NotPermittedError(_("Only members of the awarded startup can do this."))

    async def accept_agreement(self, award_id: int, viewer: Viewer, *, ip: str = "") -> dict[str, Any]:
        """A member of the startup accepts the award agreement: ``agreement_pending`` →
        ``active``. InvalidStateError: not pending (``not_pending``), or no tranches yet
        (``no_tranches``). Notifies the members (``award_agreement_accepted``). Audits
        ``award.agreement_accepted``."""
        award, application = await self._award(award_id, viewer)
        self._require_member(viewer, application)
        if award["status"] != "agreement_pending":
            raise InvalidStateError(_("This award's agreement is not waiting for acceptance."), code="not_pending")
        if not await self.awards.tranches(award_id):
            raise InvalidStateError(_("The payment schedule is not set yet; the agreement can be accepted once it is."), code="no_tranches")
        now = self.clock()
        async with write_transaction():
            if not await self.awards.update_award_if_status(award_id, "agreement_pending", {
                "status": "active", "agreement_accepted_at": now, "agreement_accepted_by": viewer.id,
            }):
                raise ConflictError(_("The award changed meanwhile; reload the page."))
            await self._notify_applicant(application, "award_agreement_accepted", {"award": award, "amount_text": money_text(award["amount"], award["currency"])})
            await audit.record("award.agreement_accepted", actor_id=viewer.id, object_type="award", object_id=award_id,
                               before={"status": "agreement_pending"}, after={"status": "active"}, ip=ip)
        return await self.get(award_id, viewer)

    async def decline(self, award_id: int, viewer: Viewer, *, reason: str = "", ip: str = "") -> dict[str, Any]:
        """A member of the startup declines the award (only while ``agreement_pending``:
        InvalidStateError ``not_pending`` otherwise); its amount returns to the budget.
        Notifies the members (``award_declined``). Audits ``award.declined``."""
        award, application = await self._award(award_id, viewer)
        self._require_member(viewer, application)
        if award["status"] != "agreement_pending":
            raise InvalidStateError(_("Only an award whose agreement is not accepted yet can be declined."), code="not_pending")
        if len(_text(reason)) > 2000:
            raise FormInvalid({"reason": _("Reason: at most %(limit)s characters.", limit=2000)}, {"reason": reason})
        _refuse_control_characters({"reason": reason})
        now = self.clock()
        async with write_transaction():
            if not await self.awards.update_award_if_status(award_id, "agreement_pending", {
                "status": "declined", "declined_at": now, "declined_by": viewer.id, "decline_reason": _text(reason),
            }):
                raise ConflictError(_("The award changed meanwhile; reload the page."))
            await self._notify_applicant(application, "award_declined", {"award": award, "amount_text": money_text(award["amount"], award["currency"])})
            await audit.record("award.declined", actor_id=viewer.id, object_type="award", object_id=award_id,
                               before={"status": "agreement_pending"}, after={"status": "declined", "reason": _text(reason)}, ip=ip)
        return await self.get(award_id, viewer)

    async def _tranche(self, tranche_id: int, viewer: Viewer) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        tranche = await self.awards.tranche(tranche_id)
        if tranche is None:
            raise NotFoundError(_("There is no payment at this address."))
        award, application = await self._award(tranche["award"], viewer)
        return tranche, award, application

    async def tranche(self, tranche_id: int, viewer: Viewer) -> dict[str, Any]:
        """A tranche the viewer may read (as its award: members, staff, finance); NotFoundError otherwise."""
        tranche, _award, _application = await self._tranche(tranche_id, viewer)
        return tranche

    async def submit_report(
        self, tranche_id: int, viewer: Viewer, *, text: str, file_id: int | None = None, upload: ReportUpload | None = None,
        keep_file: bool = False, ip: str = "",
    ) -> dict[str, Any]:
        """A member of the startup submits (or, until accepted, replaces) the milestone report of a
        tranche of an ``active`` award: ``text`` 1..20000 characters, and optionally a file:

        - ``upload``: a new file, stored as applications' files are (:mod:`hubcity.programs.uploads`:
          the type read from the bytes — PDF, PNG, JPEG, WebP, DOCX, XLSX, PPTX, HWP — at most
          :data:`REPORT_FILE_LIMIT` bytes, not empty, kept once by SHA-256);
        - ``file_id``: the StoredFile of a file attached to this application (FormInvalid ``file_id`` otherwise);
        - neither, with ``keep_file``: the report keeps the file it has; without: the report has no file.

        A replaced file's bytes are deleted when nothing else uses them. FormInvalid names
        ``report`` and ``file`` (or ``file_id``) together; nothing is saved then.
        InvalidStateError: award not active (``award_not_active``), report accepted already
        (``report_accepted``, also when staff accept it while this is being saved). Audits
        ``tranche.report_submitted``. Returns the tranche (with ``file``)."""
        tranche, award, application = await self._tranche(tranche_id, viewer)
        self._require_member(viewer, application)
        if award["status"] != "active":
            raise InvalidStateError(_("Reports are submitted once the award agreement is accepted."), code="award_not_active")
        if tranche["report_accepted_at"] is not None:
            raise InvalidStateError(_("This report was accepted already and can no longer change."), code="report_accepted")
        body = _text(text)
        errors: dict[str, str] = {}
        if not body or len(body) > 20000:
            errors["report"] = _("Report: write from 1 to %(limit)s characters.", limit=20000)
        elif forms.has_control_characters(body):
            errors["report"] = forms.control_characters_message("report")
        file_values: dict[str, Any] = {} if keep_file and upload is None and file_id is None else {"report_file": None, "report_file_name": ""}
        label = _("Report file")
        media_type: str | None = None
        if upload is not None and file_id is not None:
            errors["file"] = _("%(field)s: upload a file or give the id of an attached one, not both.", field=label)
        elif upload is not None:
            media_type, problem = uploads.upload_problem(
                upload.content, limit=REPORT_FILE_LIMIT, label=label, allowed=tuple(forms.FILE_TYPES),
                empty=_("%(field)s: the file is empty (0 bytes). Choose a file with content.", field=label),
            )
            if problem:
                errors["file"] = problem
            file_values = {"report_file_name": uploads.safe_name(upload.name)}
        elif file_id is not None:
            attached = next((f for f in await self.application_rows.files(application["id"]) if f["stored_file"] == file_id), None)
            if attached is None:
                errors["file_id"] = _("File: give the id of a file attached to this application.")
            else:
                file_values = {"report_file": file_id, "report_file_name": attached["original_name"]}
        if errors:
            raise FormInvalid(errors, {"report": text})
        if upload is not None and self.storage is None:
            raise RuntimeError("AwardService was built without a FileStorage: reports cannot take files")
        digest = self.storage.put(upload.content) if upload is not None and self.storage is not None else None
        previous = tranche["report_file"]
        unused: str | None = None
        for _attempt in range(3):
            try:
                async with write_transaction():
                    if upload is not None and digest is not None and self.storage is not None and media_type is not None:
                        file_values["report_file"] = await uploads.stored_file_id(
                            self.application_rows, self.storage, digest, upload.content, media_type, file_values["report_file_name"], self.clock())
                    values = {"report": body, "report_submitted_at": self.clock(), "report_submitted_by": viewer.id, **file_values}
                    if not await self.awards.update_tranche_unless_accepted(tranche_id, values):
                        raise InvalidStateError(_("This report was accepted already and can no longer change."), code="report_accepted")
                    if (previous and "report_file" in file_values and file_values["report_file"] != previous
                            and self.storage is not None and not await self.application_rows.stored_file_in_use(previous)):
                        old = (await self.awards.report_files([previous])).get(previous)
                        await self.application_rows.delete_stored_file(previous)
                        unused = old["sha256"] if old else None
                    await audit.record("tranche.report_submitted", actor_id=viewer.id, object_type="tranche", object_id=tranche_id,
                                       after={"award": award["id"], "number": tranche["number"],
                                              "file": file_values.get("report_file", previous), "file_name": file_values.get("report_file_name"),
                                              "sha256": digest, "size": len(upload.content) if upload is not None else None}, ip=ip)
                break
            except Exception as error:
                if is_unique_violation(error):  # the same bytes were stored by another upload meanwhile
                    unused = None
                    continue
                raise
        else:
            raise ConflictError(_("The report changed while the file was uploading. Reload the page and try again."))
        if unused and self.storage is not None:
            self.storage.delete(unused)
        updated = await self.awards.tranche(tranche_id)
        assert updated is not None
        return (await self._with_files([updated]))[0]

    async def report_file(self, tranche_id: int, viewer: Viewer) -> tuple[Path, ReportFile]:
        """(path on disk, file) of the file of tranche ``tranche_id``'s milestone report, for
        whoever may read the award (the startup's members, program staff, finance);
        NotFoundError for anyone else, a report without a file or bytes missing on disk (never saying which)."""
        tranche = await self.tranche(tranche_id, viewer)
        item = (await self._with_files([tranche]))[0]["file"]
        path = self.storage.path_of(item.sha256) if item is not None and self.storage is not None else None
        if item is None or path is None or not path.is_file():
            raise NotFoundError(_("There is no file with this milestone report."))
        return path, item

    async def accept_report(self, tranche_id: int, viewer: Viewer, *, ip: str = "") -> dict[str, Any]:
        """Staff accept a tranche's submitted report. InvalidStateError: no report yet
        (``no_report``), accepted already (``report_accepted``). Notifies the members
        (``tranche_report_accepted``). Audits ``tranche.report_accepted``."""
        _require_staff(viewer)
        tranche, award, application = await self._tranche(tranche_id, viewer)
        if tranche["report_submitted_at"] is None:
            raise InvalidStateError(_("The startup has not submitted this milestone report yet."), code="no_report")
        if tranche["report_accepted_at"] is not None:
            raise InvalidStateError(_("This report was accepted already."), code="report_accepted")
        async with write_transaction():
            if not await self.awards.update_tranche_unless_accepted(tranche_id, {"report_accepted_at": self.clock(), "accepted_by": viewer.id}):
                raise InvalidStateError(_("This report was accepted already."), code="report_accepted")  # by someone else, just now
            await self._notify_applicant(application, "tranche_report_accepted", {"award": award, "tranche": tranche})
            await audit.record("tranche.report_accepted", actor_id=viewer.id, object_type="tranche", object_id=tranche_id,
                               after={"award": award["id"], "number": tranche["number"]}, ip=ip)
        updated = await self.awards.tranche(tranche_id)
        assert updated is not None
        return updated

    async def mark_paid(self, tranche_id: int, viewer: Viewer, *, ip: str = "") -> dict[str, Any]:
        """Finance marks a tranche paid (the ``finance`` role; admins hold every role).
        InvalidStateError: the award is not active (``award_not_active``), the report is not
        accepted yet (``report_not_accepted``: nothing is paid before), paid already
        (``already_paid``). When every tranche is paid the award becomes ``completed``.
        Notifies the members (``tranche_paid``, and ``award_completed``). Audits
        ``tranche.paid`` (and ``award.completed``). Returns the tranche."""
        if not viewer.has_role("finance"):
            raise NotPermittedError(_("Only finance staff may mark payments."))
        tranche, award, application = await self._tranche(tranche_id, viewer)
        if award["status"] != "active":
            raise InvalidStateError(_("Payments are made only on an award whose agreement was accepted."), code="award_not_active")
        if tranche["paid_at"] is not None:
            raise InvalidStateError(_("This payment was marked paid already."), code="already_paid")
        if tranche["report_accepted_at"] is None:
            raise InvalidStateError(
                _("Tranche %(number)s cannot be paid before its milestone report is accepted.", number=tranche["number"]),
                code="report_not_accepted",
            )
        now = self.clock()
        async with write_transaction():
            if not await self.awards.update_tranche_if_unpaid(tranche_id, {"paid_at": now, "paid_by": viewer.id}):
                raise InvalidStateError(_("This payment was marked paid already."), code="already_paid")
            amount = money_text(int(tranche["amount"]), award["currency"])
            await self._notify_applicant(application, "tranche_paid", {"award": award, "tranche": tranche, "amount_text": amount})
            await audit.record("tranche.paid", actor_id=viewer.id, object_type="tranche", object_id=tranche_id,
                               after={"award": award["id"], "number": tranche["number"], "amount": tranche["amount"]}, ip=ip)
            if all(t["paid_at"] is not None for t in await self.awards.tranches(award["id"])) and \
                    await self.awards.update_award_if_status(award["id"], "active", {"status": "completed", "completed_at": now}):
                await self._notify_applicant(application, "award_completed", {"award": award, "amount_text": money_text(award["amount"], award["currency"])})
                await audit.record("award.completed", actor_id=viewer.id, object_type="award", object_id=award["id"],
                                   before={"status": "active"}, after={"status": "completed"}, ip=ip)
        updated = await self.awards.tranche(tranche_id)
        assert updated is not None
        return updated


__all__ = [
    "AWARD_STATUSES", "REPORT_FILE_LIMIT", "AwardService", "BulkOutcome", "ReportFile", "ReportUpload", "DecisionService", "ReviewService", "ReviewsView",
    "applicant_locale", "money_text", "round_name", "rounds_of",
]
