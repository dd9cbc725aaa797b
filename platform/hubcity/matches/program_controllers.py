"""The programs that fit a startup (``/matches/programs``): open calls it is eligible for, ranked
by fit with the reasons, and the open calls it is not eligible for with the rules it fails.

The dashboard loads the short version into its ``programs-for-you`` section with HTMX
(``HX-Target: programs-for-you``): the best few fits, or a hint when the viewer has no startup
profile yet (never an error inside the dashboard).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from hubcity.core.errors import NotPermittedError
from hubcity.core.guards import requires_login, viewer_of
from hubcity.corporates.web import hx_target, partial, render
from hubcity.matches.engine import MatchingEngine
from hubcity.matches.program_fit import ProgramFitService
from hubcity.programs.services import ApplicationService, ProgramService

SECTION_TARGET = "programs-for-you"
#: How many fits the dashboard section shows.
SECTION_SIZE = 3


class ProgramsForYouController(Controller):
    include_in_schema = False
    path = "/matches/programs"
    guards = [requires_login]

    @get("/", name="matches:programs")
    async def index(
        self,
        request: Request,
        matching_engine: NamedDependency[MatchingEngine],
        program_service: NamedDependency[ProgramService],
        application_service: NamedDependency[ApplicationService],
    ) -> Template:
        """Open calls for the viewer's startup (members of a startup with a profile; 403 for
        anyone else, except in the dashboard section, which shows a hint instead)."""
        service = ProgramFitService(matching_engine, program_service, application_service)
        section = hx_target(request) == SECTION_TARGET
        try:
            view = await service.for_startup(viewer_of(request))
        except NotPermittedError:
            if section:
                return partial(request, "matches/programs_section.html.j2", {"view": None, "size": SECTION_SIZE})
            raise
        if section:
            return partial(request, "matches/programs_section.html.j2", {"view": view, "size": SECTION_SIZE})
        return render(request, "matches/programs.html.j2", {"view": view})


CONTROLLERS: list[Any] = [ProgramsForYouController]
