"""Public call pages: open and closed calls, deadlines in the program's zone and the viewer's, notices and Q&A.

The viewer's zone comes from the ``tz`` cookie that ``static/js/calls.js`` sets from the browser
(``Intl.DateTimeFormat().resolvedOptions().timeZone``); a missing or unknown zone falls back to
the agency's, and the page says which zone it shows. The countdown is static text the script
keeps ticking. Draft programs are 404 for everyone but program managers, with no title.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.plugins.flash import flash
from litestar.response import Template

from hubcity.core.clock import utcnow
from hubcity.core.errors import FormInvalid, InvalidStateError
from hubcity.core.guards import requires_login, viewer_of
from hubcity.core.i18n import current_locale
from hubcity.core.i18n import gettext as _
from hubcity.core.params import ObjectId
from hubcity.core.templating import get_viewer
from hubcity.core.timefmt import format_instant
from hubcity.programs import web_manage as web
from hubcity.programs.services import ProgramService

Programs = NamedDependency[ProgramService]
#: Statuses that are not counted as applications received on the public pages.
NOT_RECEIVED = frozenset({"draft", "withdrawn"})
_STATE_ORDER = {"open": 0, "upcoming": 1, "closed": 2}


def _zone_context(request: Request, service: ProgramService) -> dict[str, Any]:
    zone, known = web.viewer_zone(request, service.zone)
    return {"viewer_zone": zone, "viewer_zone_known": known, "agency_zone_name": service.zone.key,
            "countdown_template": web.countdown_template()}


async def _call_page(
    request: Request, service: ProgramService, program: dict[str, Any], *, question: str = "",
    errors: dict[str, str] | None = None, status_code: int = 200,
) -> Template:
    viewer = get_viewer(request)
    zones = _zone_context(request, service)
    now = utcnow()
    own = web.program_zone(program, service.zone)
    notices = await service.notices(program["id"], viewer)
    questions = [q for q in await service.questions(program["id"], viewer) if q["published_at"] is not None]
    counts = (await service.application_counts([program["id"]]))[program["id"]]
    return web.render(
        request,
        "programs/calls/detail.html.j2",
        {
            **zones,
            "program": program,
            "state": web.call_state(program, now),
            "deadline": web.deadline_view(program, service.zone, zones["viewer_zone"], now),
            "rules": [web.rule_in_words(rule) for rule in program["eligibility"]],
            "notices": [dict(n, at_text=format_instant(n["published_at"], own, current_locale())) for n in notices],
            "questions": questions,
            "received": sum(n for status, n in counts.items() if status not in NOT_RECEIVED),
            "values": {"question": question},
            "errors": errors or {},
        },
        status_code=status_code,
    )


class CallsController(Controller):
    """``/calls``: the calls, one call, and asking a question about it."""

    include_in_schema = False
    path = "/calls"

    @get("/", name="programs:calls")
    async def index(self, request: Request, program_service: Programs) -> Template:
        """Published and closed calls: open ones first (closing soonest first), then upcoming,
        then closed ones with their counts of applications."""
        viewer = get_viewer(request)
        zones = _zone_context(request, program_service)
        now = utcnow()
        programs = await program_service.listing(viewer, statuses=("published", "closed"))
        counts = await program_service.application_counts([p["id"] for p in programs])
        calls = []
        for program in programs:
            state = web.call_state(program, now)
            calls.append({
                "program": program,
                "state": state,
                "deadline": web.deadline_view(program, program_service.zone, zones["viewer_zone"], now),
                "received": sum(n for status, n in counts.get(program["id"], {}).items() if status not in NOT_RECEIVED),
            })
        far = now.replace(year=9999)
        calls.sort(key=lambda c: (
            _STATE_ORDER.get(c["state"], 3),
            -(c["program"]["closes_at"] or far).timestamp() if c["state"] == "closed" else (c["program"]["closes_at"] or far).timestamp(),
        ))
        return web.render(request, "programs/calls/list.html.j2", {**zones, "calls": calls})

    @get("/{program_id:int}", name="programs:call")
    async def show(self, request: Request, program_id: ObjectId, program_service: Programs) -> Template:
        """One call: texts in the viewer's language (falling back to the other), eligibility in
        words, the deadline in both zones with a countdown, notices, answered questions."""
        program = await program_service.get(program_id, get_viewer(request))
        return await _call_page(request, program_service, program)

    @post("/{program_id:int}/questions", name="programs:call_ask", guards=[requires_login], status_code=200)
    async def ask(self, request: Request, program_id: ObjectId, program_service: Programs) -> Response[Any] | Template:
        """Ask a question about an open call (logged-in users); 422 with the text kept when it is
        empty or too long, 409 when the call takes no questions."""
        viewer = viewer_of(request)
        program = await program_service.get(program_id, viewer)
        form = await request.form()
        question = str(form.get("question") or "")
        try:
            await program_service.ask(program_id, viewer, question)
        except FormInvalid as error:
            return await _call_page(request, program_service, program, question=question, errors=error.errors, status_code=422)
        except InvalidStateError as error:
            return await _call_page(request, program_service, program, question=question, errors={"question": error.message}, status_code=409)
        flash(request, _("Your question is sent. Staff publish the answer on this page."), "success")
        return web.see_other(request, f"/calls/{program_id}")


CONTROLLERS: list[Any] = [CallsController]
