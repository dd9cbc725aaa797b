"""Factories of the reviews domain: programs with review rounds, applications brought to
``in_review``, reviewers (internal and external) on a round's panel with the pledge accepted,
submitted reviews — all made through the services the app uses.

Each returns what a test needs (rows as dicts and :class:`hubcity.core.viewer.Viewer` objects).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from hubcity.core.viewer import Viewer
from hubcity.programs.services import ApplicationService
from hubcity.reviews.services import ReviewService
from tests.factories.accounts import create_user
from tests.factories.programs import create_application, create_program, create_startup, staff_viewer, viewer_of

#: A written round (two criteria on different scales, trimmed mean, 2 advance) and a
#: presentation round (mean, 1 advances).
ROUNDS: list[dict[str, Any]] = [
    {
        "name_ko": "서면 심사", "name_en": "Written review", "kind": "written", "order": 1, "scoring": "trimmed_mean", "advance": 2,
        "rubric": [
            {"key": "team", "label_ko": "팀", "label_en": "Team", "weight": 2, "scale_min": 1, "scale_max": 5},
            {"key": "market", "label_ko": "시장", "label_en": "Market", "weight": 1, "scale_min": 0, "scale_max": 10},
        ],
    },
    {
        "name_ko": "발표 심사", "name_en": "Presentation", "kind": "presentation", "order": 2, "scoring": "mean", "advance": 1,
        "rubric": [{"key": "pitch", "label_ko": "발표", "label_en": "Pitch", "weight": 1, "scale_min": 1, "scale_max": 5}],
    },
]

#: A year for tranche due dates: in the future and within the 10 years an award may run.
DUE_YEAR = date.today().year + 2


def word_similarity(text_a: str, text_b: str) -> float:
    """A deterministic fake similarity for assignment tests: the share of ``text_a``'s words
    found in ``text_b`` (0..1)."""
    words_a = set(re.findall(r"\w+", text_a.lower()))
    words_b = set(re.findall(r"\w+", text_b.lower()))
    return len(words_a & words_b) / len(words_a) if words_a else 0.0


async def program_with_rounds(manager: Viewer | None = None, *, rounds: list[dict[str, Any]] | None = None, **values: Any) -> dict[str, Any]:
    """A published program with :data:`ROUNDS` (or ``rounds``); ``values`` as for create_program."""
    return await create_program(manager, review_rounds=ROUNDS if rounds is None else rounds, **values)


async def application_in_review(
    program: dict[str, Any], staff: Viewer, applications: ApplicationService, startup: dict[str, Any] | None = None,
    **profile: Any,
) -> dict[str, Any]:
    """An application of ``startup`` (a new one with ``profile`` values by default) submitted,
    taken into screening and sent to review by ``staff``. Returns {application, startup, viewer}."""
    startup = startup or await create_startup(**profile)
    made = await create_application(program, startup, service=applications)
    app_id = made["application"]["id"]
    await applications.submit(app_id, made["viewer"])
    await applications.transition(app_id, staff, "screening")
    made["application"] = await applications.transition(app_id, staff, "in_review")
    return made


async def internal_reviewer(*, locale: str = "en", name: str = "Internal Reviewer") -> Viewer:
    """An agency user with the ``reviewer`` role."""
    return await viewer_of(await create_user(roles=("reviewer",), locale=locale, name=name))


async def on_panel(service: ReviewService, run_id: int, staff: Viewer, reviewer: Viewer, *, affiliation: str = "",
                   tags: list[str] | None = None, text: str = "", pledge: bool = True) -> dict[str, Any]:
    """Put an internal ``reviewer`` on the run's panel, declare ``tags``/``text`` expertise and
    accept the pledge (unless ``pledge`` is False). Returns the PanelMember row."""
    member = await service.add_reviewer(run_id, staff, reviewer.id, affiliation=affiliation)
    if tags is not None or text:
        member = await service.declare_expertise(member["id"], reviewer, tags=tags or [], text=text)
    if pledge:
        member = await service.accept_pledge(member["id"], reviewer)
    return member


async def external_on_panel(service: ReviewService, run_id: int, staff: Viewer, *, affiliation: str, locale: str = "en",
                            pledge: bool = True) -> tuple[Viewer, dict[str, Any]]:
    """Invite an external reviewer (a new user, no staff role) with ``affiliation``, accept the
    invitation as them and the pledge. Returns (their Viewer, PanelMember row)."""
    user = await create_user(locale=locale, name="External Expert")
    viewer = await viewer_of(user)
    _member, token = await service.invite_external(run_id, staff, email=user["email"], affiliation=affiliation, locale=locale)
    member = await service.accept_invitation(token, viewer)
    if pledge:
        member = await service.accept_pledge(member["id"], viewer)
    return viewer, member


async def review(service: ReviewService, assignment_id: int, reviewer: Viewer, scores: dict[str, Any],
                 recommendation: str = "advance", comment: str = "Solid.") -> dict[str, Any]:
    """Declare no conflict (if not yet) and submit a review. Returns the review row."""
    await service.declare_no_conflict(assignment_id, reviewer)
    return await service.submit_review(assignment_id, reviewer, scores=scores, recommendation=recommendation, comment=comment)


__all__ = [
    "ROUNDS", "application_in_review", "create_startup", "external_on_panel", "internal_reviewer", "on_panel",
    "program_with_rounds", "review", "staff_viewer", "word_similarity",
]


async def attach_file(data_dir: Any, application_id: int, content: bytes = b"%PDF-1.4 pitch deck", name: str = "deck.pdf") -> int:
    """Store ``content`` under ``data_dir`` and attach it to ``application_id`` (as the upload
    pages would, without them). Returns the ApplicationFile id."""
    from hubcity.core.clock import utcnow
    from hubcity.db.tables import ApplicationFile, StoredFile
    from hubcity.programs.uploads import FileStorage

    storage = FileStorage(data_dir)
    digest = storage.put(content)
    stored = await StoredFile.select(StoredFile.id).where(StoredFile.sha256 == digest).first().run()
    if stored is None:
        row = StoredFile(sha256=digest, size=len(content), content_type="application/pdf", original_name=name,
                         path=storage.relative_path(digest), created_at=utcnow())
        await row.save().run()
        stored = {"id": row.id}
    attached = ApplicationFile(application=application_id, field_key="deck", stored_file=stored["id"], original_name=name,
                               uploaded_by=None, at=utcnow())
    await attached.save().run()
    return int(attached.id)


async def invited_external(service: ReviewService, run_id: int, staff: Viewer, *, affiliation: str, name: str = "External Expert",
                           pledge: bool = True) -> tuple[Viewer, dict[str, Any], str]:
    """As :func:`external_on_panel`, also returning the invitation token (for the invitation
    pages). Returns (their Viewer, PanelMember row, token)."""
    user = await create_user(name=name)
    viewer = await viewer_of(user)
    _member, token = await service.invite_external(run_id, staff, email=user["email"], affiliation=affiliation, locale="en")
    member = await service.accept_invitation(token, viewer)
    if pledge:
        member = await service.accept_pledge(member["id"], viewer)
    return viewer, member, token
