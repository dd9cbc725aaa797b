"""Every query of the reviews domain. Rows come back as dicts with JSON columns loaded.

Reviewers' access is scoped HERE (DESIGN.md §2): :meth:`ReviewRepository.reviewer_assignment`
finds an assignment only for its own reviewer, and :meth:`ReviewRepository.readable_application`
returns an application to a reviewer only when an active assignment of theirs names it, their
panel membership is accepted with the pledge, they declared no conflict for it, and no
conflict declaration of theirs names its startup. Anything else is None (a 404 naming nothing).
"""

from __future__ import annotations

from typing import Any

from piccolo.query.functions.aggregate import Sum

from hubcity.db.tables import (
    Application,
    Award,
    ConflictDeclaration,
    Determination,
    Membership,
    Objection,
    Organisation,
    PanelMember,
    PresentationSlot,
    Program,
    Review,
    ReviewAssignment,
    ReviewComment,
    ReviewRoundRun,
    StartupProfile,
    StartupTag,
    StoredFile,
    Tranche,
    User,
)
from hubcity.programs.repositories import dump_json, load_json, members_of, write_transaction
from hubcity.reviews.conflicts import StartupFacts, startup_facts

__all__ = [
    "AwardRepository", "ConflictRepository", "DecisionRepository", "ReviewRepository", "members_of", "write_transaction",
]

#: Award statuses whose amount counts against the program's budget (declined ones free it).
BUDGET_STATUSES: tuple[str, ...] = ("agreement_pending", "active", "completed")
#: Award statuses that make a startup's award "active" for the family eligibility rule.
ACTIVE_AWARD_STATUSES: tuple[str, ...] = ("agreement_pending", "active")


def _loaded(row: dict[str, Any] | None, columns: dict[str, Any]) -> dict[str, Any] | None:
    if row is None:
        return None
    for column, empty in columns.items():
        if column in row:
            row[column] = load_json(row[column], empty)
    return row


def _run(row: dict[str, Any] | None) -> dict[str, Any] | None:
    return _loaded(row, {"participants": [], "advanced": []})


def _member(row: dict[str, Any] | None) -> dict[str, Any] | None:
    return _loaded(row, {"expertise_tags": []})


def _review(row: dict[str, Any] | None) -> dict[str, Any] | None:
    return _loaded(row, {"scores": {}})


async def _insert(table: Any, values: dict[str, Any], json_columns: tuple[str, ...] = ()) -> int:
    row = table(**{k: dump_json(v) if k in json_columns else v for k, v in values.items()})
    await row.save().run()
    return int(row.id)


async def _update(table: Any, row_id: int, values: dict[str, Any], json_columns: tuple[str, ...] = ()) -> None:
    if values:
        await table.update({getattr(table, k): dump_json(v) if k in json_columns else v for k, v in values.items()}).where(
            table.id == row_id
        ).run()


class ReviewRepository:
    """Round runs, panels, assignments, reviews, comments and presentation slots."""

    # -- round runs ---------------------------------------------------------------------------
    async def runs(self, program_id: int) -> list[dict[str, Any]]:
        """The round runs of a program, in round order."""
        rows = await ReviewRoundRun.select().where(ReviewRoundRun.program == program_id).order_by(ReviewRoundRun.round_order).run()
        return [_run(r) for r in rows]  # type: ignore[misc]

    async def run(self, run_id: int) -> dict[str, Any] | None:
        return _run(await ReviewRoundRun.select().where(ReviewRoundRun.id == run_id).first().run())

    async def insert_run(self, values: dict[str, Any]) -> int:
        """A new run; the engine's unique error when the program's round already has one."""
        return await _insert(ReviewRoundRun, values, ("participants", "advanced"))

    async def update_run(self, run_id: int, values: dict[str, Any]) -> None:
        await _update(ReviewRoundRun, run_id, values, ("participants", "advanced"))

    async def close_run_if_open(self, run_id: int, values: dict[str, Any]) -> bool:
        """Close run ``run_id`` with ``values`` only if it is still open; False otherwise."""
        rows = await ReviewRoundRun.update({getattr(ReviewRoundRun, k): v for k, v in values.items()}).where(
            (ReviewRoundRun.id == run_id) & (ReviewRoundRun.status == "open")
        ).returning(ReviewRoundRun.id).run()
        return bool(rows)

    # -- panel --------------------------------------------------------------------------------
    async def insert_member(self, values: dict[str, Any]) -> int:
        return await _insert(PanelMember, values, ("expertise_tags",))

    async def update_member(self, member_id: int, values: dict[str, Any]) -> None:
        await _update(PanelMember, member_id, values, ("expertise_tags",))

    async def member(self, member_id: int) -> dict[str, Any] | None:
        return _member(await PanelMember.select().where(PanelMember.id == member_id).first().run())

    async def member_by_token(self, token_hash: str) -> dict[str, Any] | None:
        return _member(await PanelMember.select().where(PanelMember.token_hash == token_hash).first().run())

    async def member_of(self, run_id: int, user_id: int) -> dict[str, Any] | None:
        """The (not removed) panel membership of ``user_id`` in run ``run_id``, or None."""
        return _member(
            await PanelMember.select().where(
                (PanelMember.round_run == run_id) & (PanelMember.user == user_id) & PanelMember.removed_at.is_null()
            ).first().run()
        )

    async def members(self, run_id: int) -> list[dict[str, Any]]:
        """The panel of a run (not removed; pending invitations included), oldest first."""
        rows = await PanelMember.select().where((PanelMember.round_run == run_id) & PanelMember.removed_at.is_null()).order_by(PanelMember.id).run()
        return [_member(r) for r in rows]  # type: ignore[misc]

    async def memberships_of(self, user_id: int) -> list[dict[str, Any]]:
        """Every (not removed) panel membership of a user, newest first."""
        rows = await PanelMember.select().where((PanelMember.user == user_id) & PanelMember.removed_at.is_null()).order_by(
            PanelMember.id, ascending=False
        ).run()
        return [_member(r) for r in rows]  # type: ignore[misc]

    # -- assignments --------------------------------------------------------------------------
    async def insert_assignment(self, values: dict[str, Any]) -> int:
        return await _insert(ReviewAssignment, values)

    async def update_assignment(self, assignment_id: int, values: dict[str, Any]) -> None:
        await _update(ReviewAssignment, assignment_id, values)

    async def assignment(self, assignment_id: int) -> dict[str, Any] | None:
        """Assignment ``assignment_id`` (unscoped: staff and internal use)."""
        return await ReviewAssignment.select().where(ReviewAssignment.id == assignment_id).first().run()

    async def find_assignment(self, run_id: int, application_id: int, reviewer_id: int) -> dict[str, Any] | None:
        return await ReviewAssignment.select().where(
            (ReviewAssignment.round_run == run_id) & (ReviewAssignment.application == application_id)
            & (ReviewAssignment.reviewer == reviewer_id)
        ).first().run()

    async def reviewer_assignment(self, assignment_id: int, reviewer_id: int) -> dict[str, Any] | None:
        """Assignment ``assignment_id`` only if it is ``reviewer_id``'s own (any status)."""
        return await ReviewAssignment.select().where(
            (ReviewAssignment.id == assignment_id) & (ReviewAssignment.reviewer == reviewer_id)
        ).first().run()

    async def assignments(self, run_id: int, *, application_id: int | None = None, reviewer_id: int | None = None,
                          active_only: bool = False) -> list[dict[str, Any]]:
        """Assignments of a run (filtered), by application then reviewer."""
        query = ReviewAssignment.select().where(ReviewAssignment.round_run == run_id)
        if application_id is not None:
            query = query.where(ReviewAssignment.application == application_id)
        if reviewer_id is not None:
            query = query.where(ReviewAssignment.reviewer == reviewer_id)
        if active_only:
            query = query.where(ReviewAssignment.status != "withdrawn")
        return await query.order_by(ReviewAssignment.application).order_by(ReviewAssignment.reviewer).order_by(ReviewAssignment.id).run()

    async def assignments_of_reviewer(self, reviewer_id: int) -> list[dict[str, Any]]:
        """A reviewer's active assignments in open or closed runs, newest first, with
        ``round_run.status`` and ``round_run.program``."""
        return await ReviewAssignment.select(
            ReviewAssignment.all_columns(), ReviewAssignment.round_run.status, ReviewAssignment.round_run.program,
        ).where((ReviewAssignment.reviewer == reviewer_id) & (ReviewAssignment.status != "withdrawn")).order_by(
            ReviewAssignment.id, ascending=False
        ).run()

    async def readable_application(self, application_id: int, reviewer_id: int) -> dict[str, Any] | None:
        """Application ``application_id`` (row, JSON loaded) if reviewer ``reviewer_id`` may read
        it: an active assignment of theirs in a run whose panel holds them with the pledge
        accepted, no-conflict declared on it, and no conflict declaration of theirs naming the
        application or its profile. None otherwise."""
        from hubcity.programs.repositories import ApplicationRepository

        rows = await ReviewAssignment.select(ReviewAssignment.round_run).where(
            (ReviewAssignment.application == application_id) & (ReviewAssignment.reviewer == reviewer_id)
            & (ReviewAssignment.status != "withdrawn") & ReviewAssignment.no_conflict_declared_at.is_not_null()
        ).run()
        for row in rows:
            member = await self.member_of(row["round_run"], reviewer_id)
            if member is not None and member["pledge_accepted_at"] is not None:
                break
        else:
            return None
        application = await ApplicationRepository().get(application_id)
        if application is None:
            return None
        if await ConflictDeclaration.exists().where(
            (ConflictDeclaration.user == reviewer_id) & (ConflictDeclaration.kind == "declared")
            & ((ConflictDeclaration.profile == application["profile"]) | (ConflictDeclaration.application == application_id))
        ).run():
            return None
        return application

    # -- reviews ------------------------------------------------------------------------------
    async def insert_review(self, values: dict[str, Any]) -> int:
        """A new review; the engine's unique error when the assignment has one already."""
        return await _insert(Review, values, ("scores",))

    async def update_review(self, review_id: int, values: dict[str, Any]) -> None:
        await _update(Review, review_id, values, ("scores",))

    async def review(self, review_id: int) -> dict[str, Any] | None:
        """Review ``review_id`` with ``assignment.application``, ``assignment.reviewer``,
        ``assignment.round_run`` (unscoped)."""
        return _review(await Review.select(
            Review.all_columns(), Review.assignment.application, Review.assignment.reviewer, Review.assignment.round_run,
        ).where(Review.id == review_id).first().run())

    async def review_of_assignment(self, assignment_id: int) -> dict[str, Any] | None:
        return _review(await Review.select().where(Review.assignment == assignment_id).first().run())

    async def reviews(self, run_id: int, application_id: int | None = None) -> list[dict[str, Any]]:
        """Reviews of a run's active assignments (optionally one application's), oldest first,
        each with ``application`` and ``reviewer`` (user id) and ``reviewer_name``."""
        query = Review.select(
            Review.all_columns(),
            Review.assignment.application.as_alias("application"),
            Review.assignment.reviewer.as_alias("reviewer"),
            Review.assignment.reviewer.name.as_alias("reviewer_name"),
        ).where((Review.assignment.round_run == run_id) & (Review.assignment.status != "withdrawn"))
        if application_id is not None:
            query = query.where(Review.assignment.application == application_id)
        return [_review(r) for r in await query.order_by(Review.id).run()]  # type: ignore[misc]

    async def insert_comment(self, values: dict[str, Any]) -> int:
        return await _insert(ReviewComment, values)

    async def comments(self, review_ids: list[int]) -> list[dict[str, Any]]:
        """Comments on ``review_ids``, oldest first, with ``author_name``."""
        if not review_ids:
            return []
        return await ReviewComment.select(ReviewComment.all_columns(), ReviewComment.author.name.as_alias("author_name")).where(
            ReviewComment.review.is_in(review_ids)
        ).order_by(ReviewComment.id).run()

    # -- slots --------------------------------------------------------------------------------
    async def insert_slot(self, values: dict[str, Any]) -> int:
        return await _insert(PresentationSlot, values)

    async def update_slot(self, slot_id: int, values: dict[str, Any]) -> None:
        await _update(PresentationSlot, slot_id, values)

    async def slots(self, run_id: int, application_id: int | None = None) -> list[dict[str, Any]]:
        """Presentation slots of a run, earliest first."""
        query = PresentationSlot.select().where(PresentationSlot.round_run == run_id)
        if application_id is not None:
            query = query.where(PresentationSlot.application == application_id)
        return await query.order_by(PresentationSlot.starts_at).order_by(PresentationSlot.id).run()

    # -- what fit needs -----------------------------------------------------------------------
    async def application_texts(self, application_ids: list[int]) -> dict[int, tuple[str, tuple[str, ...]]]:
        """application id → (text describing it, tags): the frozen profile's names, one-liners
        and descriptions plus the answers' text values; tags from the live profile's sectors and
        technologies."""
        result: dict[int, tuple[str, tuple[str, ...]]] = {}
        if not application_ids:
            return result
        rows = await Application.select(Application.id, Application.profile, Application.snapshot, Application.answers).where(
            Application.id.is_in(application_ids)
        ).run()
        for row in rows:
            snapshot = load_json(row["snapshot"], {})
            answers = load_json(row["answers"], {})
            parts = [str(snapshot.get(k) or "") for k in ("name_en", "name_ko", "one_liner_en", "one_liner_ko", "description_en", "description_ko")]
            parts += [str(v) for v in answers.values() if isinstance(v, str)]
            tags = await StartupTag.select(StartupTag.slug).where(StartupTag.profile == row["profile"]).order_by(StartupTag.id).run()
            result[int(row["id"])] = (" ".join(p.strip() for p in parts if p and p.strip()), tuple(t["slug"] for t in tags))
        return result

    async def user(self, user_id: int) -> dict[str, Any] | None:
        return await User.select(User.id, User.email, User.name, User.locale).where(User.id == user_id).first().run()

    async def reviewer_users(self) -> list[dict[str, Any]]:
        """Agency users holding the ``reviewer`` staff role (not deleted), by name."""
        from hubcity.db.tables import StaffRole

        rows = await StaffRole.select(StaffRole.user).where(StaffRole.role == "reviewer").run()
        ids = sorted({int(r["user"]) for r in rows})
        if not ids:
            return []
        return await User.select(User.id, User.email, User.name, User.locale).where(
            User.id.is_in(ids) & User.deleted_at.is_null()
        ).order_by(User.name).order_by(User.id).run()

    async def has_membership(self, user_id: int) -> bool:
        """Whether ``user_id`` holds any (not removed) panel membership."""
        return bool(await PanelMember.exists().where((PanelMember.user == user_id) & PanelMember.removed_at.is_null()).run())

    async def user_by_email(self, email: str) -> dict[str, Any] | None:
        return await User.select(User.id, User.email, User.name, User.locale).where(
            (User.email == email.strip().lower()) & User.deleted_at.is_null()
        ).first().run()


class ConflictRepository:
    """What :mod:`hubcity.reviews.conflicts` reads, and declarations."""

    async def organisation_ids(self, user_id: int) -> list[int]:
        rows = await Membership.select(Membership.organisation).where(Membership.user == user_id).run()
        return [int(r["organisation"]) for r in rows]

    async def declared_profiles(self, user_id: int) -> list[int]:
        """Profiles ``user_id`` declared a conflict with (directly or through an application)."""
        rows = await ConflictDeclaration.select(ConflictDeclaration.profile).where(
            (ConflictDeclaration.user == user_id) & (ConflictDeclaration.kind == "declared") & ConflictDeclaration.profile.is_not_null()
        ).run()
        return sorted({int(r["profile"]) for r in rows})

    async def startup_of(self, application_id: int) -> StartupFacts | None:
        """The conflict facts of an application's startup (live profile and organisation)."""
        application = await Application.select(Application.id, Application.profile, Application.organisation).where(
            Application.id == application_id
        ).first().run()
        if application is None:
            return None
        profile = await StartupProfile.select(
            StartupProfile.name_ko, StartupProfile.name_en, StartupProfile.investors, StartupProfile.customers, StartupProfile.partners,
        ).where(StartupProfile.id == application["profile"]).first().run()
        profile = _loaded(profile, {"investors": [], "customers": [], "partners": []})
        organisation = await Organisation.select(Organisation.name_ko, Organisation.name_en).where(
            Organisation.id == application["organisation"]
        ).first().run()
        return startup_facts(application, profile, organisation)

    async def insert(self, values: dict[str, Any]) -> int:
        return await _insert(ConflictDeclaration, values)

    async def declarations(self, user_id: int) -> list[dict[str, Any]]:
        return await ConflictDeclaration.select().where(ConflictDeclaration.user == user_id).order_by(ConflictDeclaration.id).run()


class DecisionRepository:
    """Determinations and objections."""

    async def insert_determination(self, values: dict[str, Any]) -> int:
        return await _insert(Determination, values)

    async def current(self, application_id: int) -> dict[str, Any] | None:
        """The application's determination that is not superseded (the newest), or None."""
        return await Determination.select().where(
            (Determination.application == application_id) & Determination.superseded_at.is_null()
        ).order_by(Determination.id, ascending=False).first().run()

    async def determination(self, determination_id: int) -> dict[str, Any] | None:
        return await Determination.select().where(Determination.id == determination_id).first().run()

    async def determinations(self, application_id: int) -> list[dict[str, Any]]:
        """Every determination of an application, oldest first."""
        return await Determination.select().where(Determination.application == application_id).order_by(Determination.id).run()

    async def supersede(self, application_id: int, at: Any) -> None:
        await Determination.update({Determination.superseded_at: at}).where(
            (Determination.application == application_id) & Determination.superseded_at.is_null()
        ).run()

    async def insert_objection(self, values: dict[str, Any]) -> int:
        return await _insert(Objection, values)

    async def update_objection(self, objection_id: int, values: dict[str, Any]) -> None:
        await _update(Objection, objection_id, values)

    async def objection(self, objection_id: int) -> dict[str, Any] | None:
        return await Objection.select().where(Objection.id == objection_id).first().run()

    async def objections(self, application_id: int) -> list[dict[str, Any]]:
        return await Objection.select().where(Objection.application == application_id).order_by(Objection.id).run()

    async def open_objection(self, determination_id: int) -> dict[str, Any] | None:
        return await Objection.select().where(
            (Objection.determination == determination_id) & Objection.answered_at.is_null()
        ).first().run()

    async def objections_of_program(self, program_id: int, *, open_only: bool = False) -> list[dict[str, Any]]:
        """Objections to a program's applications (for staff queues), oldest first."""
        query = Objection.select().where(Objection.application.program == program_id)
        if open_only:
            query = query.where(Objection.answered_at.is_null())
        return await query.order_by(Objection.id).run()


class AwardRepository:
    """Awards and tranches."""

    async def insert_award(self, values: dict[str, Any]) -> int:
        """A new award; the engine's unique error when the application has one already."""
        return await _insert(Award, values)

    async def update_award(self, award_id: int, values: dict[str, Any]) -> None:
        await _update(Award, award_id, values)

    async def update_award_if_status(self, award_id: int, status: str, values: dict[str, Any]) -> bool:
        """Set ``values`` on award ``award_id`` only if its status is still ``status``."""
        rows = await Award.update({getattr(Award, k): v for k, v in values.items()}).where(
            (Award.id == award_id) & (Award.status == status)
        ).returning(Award.id).run()
        return bool(rows)

    async def award(self, award_id: int) -> dict[str, Any] | None:
        return await Award.select().where(Award.id == award_id).first().run()

    async def award_of(self, application_id: int) -> dict[str, Any] | None:
        return await Award.select().where(Award.application == application_id).first().run()

    async def committed(self, program_id: int, *, excluding: int | None = None) -> int:
        """The sum of a program's award amounts that count against its budget
        (:data:`BUDGET_STATUSES`), in minor units; ``excluding`` leaves one award out."""
        query = Award.select(Sum(Award.amount, alias="total")).where(
            (Award.program == program_id) & Award.status.is_in(list(BUDGET_STATUSES))
        )
        if excluding is not None:
            query = query.where(Award.id != excluding)
        row = await query.first().run()
        return int((row or {}).get("total") or 0)

    async def active_award_families(self, profile_id: int) -> list[str]:
        """Families of programs in which profile ``profile_id``'s applications hold an active
        award (:data:`ACTIVE_AWARD_STATUSES`)."""
        rows = await Award.select(Award.program.family.as_alias("family")).where(
            (Award.application.profile == profile_id) & Award.status.is_in(list(ACTIVE_AWARD_STATUSES))
        ).run()
        return sorted({r["family"] for r in rows if r["family"]})

    async def insert_tranche(self, values: dict[str, Any]) -> int:
        return await _insert(Tranche, values)

    async def delete_tranches(self, award_id: int) -> None:
        await Tranche.delete().where(Tranche.award == award_id).run()

    async def update_tranche(self, tranche_id: int, values: dict[str, Any]) -> None:
        await _update(Tranche, tranche_id, values)

    async def update_tranche_if_unpaid(self, tranche_id: int, values: dict[str, Any]) -> bool:
        """Set ``values`` on tranche ``tranche_id`` only while it is not paid (two payments of
        the same tranche at once: one is written); False when nothing was written."""
        rows = await Tranche.update({getattr(Tranche, k): v for k, v in values.items()}).where(
            (Tranche.id == tranche_id) & Tranche.paid_at.is_null()
        ).returning(Tranche.id).run()
        return bool(rows)

    async def update_tranche_unless_accepted(self, tranche_id: int, values: dict[str, Any]) -> bool:
        """Set ``values`` on tranche ``tranche_id`` only while its report is not accepted (a
        report staff accept meanwhile stays as accepted); False when nothing was written."""
        rows = await Tranche.update({getattr(Tranche, k): v for k, v in values.items()}).where(
            (Tranche.id == tranche_id) & Tranche.report_accepted_at.is_null()
        ).returning(Tranche.id).run()
        return bool(rows)

    async def report_files(self, stored_ids: list[int]) -> dict[int, dict[str, Any]]:
        """StoredFile id → ``{id, sha256, size, content_type}`` for the files of milestone reports."""
        wanted = sorted({int(i) for i in stored_ids if i})
        if not wanted:
            return {}
        rows = await StoredFile.select(StoredFile.id, StoredFile.sha256, StoredFile.size, StoredFile.content_type).where(
            StoredFile.id.is_in(wanted)
        ).run()
        return {int(r["id"]): r for r in rows}

    async def tranche(self, tranche_id: int) -> dict[str, Any] | None:
        return await Tranche.select().where(Tranche.id == tranche_id).first().run()

    async def tranches(self, award_id: int) -> list[dict[str, Any]]:
        return await Tranche.select().where(Tranche.award == award_id).order_by(Tranche.number).run()

    async def unpaid_tranches(self) -> list[dict[str, Any]]:
        """Unpaid tranches of active awards (for finance), by due date then id, each with
        ``currency``, ``application`` and ``program`` (id) plus ``title_ko``/``title_en`` of
        the program."""
        return await Tranche.select(
            Tranche.all_columns(),
            Tranche.award.currency.as_alias("currency"),
            Tranche.award.application.as_alias("application"),
            Tranche.award.program.as_alias("program"),
            Tranche.award.program.title_ko.as_alias("title_ko"),
            Tranche.award.program.title_en.as_alias("title_en"),
        ).where(Tranche.paid_at.is_null() & (Tranche.award.status == "active")).order_by(Tranche.due_on).order_by(Tranche.id).run()

    async def program(self, program_id: int) -> dict[str, Any] | None:
        return await Program.select().where(Program.id == program_id).first().run()
