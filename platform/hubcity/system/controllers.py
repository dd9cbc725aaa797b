"""Home page and ``/health``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from hubcity.core.templating import page
from hubcity.system.services import health


class HomeController(Controller):
    include_in_schema = False

    @get("/", name="home")
    async def home(self, request: Request) -> Template:
        """The landing page: what Hubcity offers, and the viewer's next steps."""
        return page(request, "home.html.j2")

    @get("/{path:path}", name="not_found", sync_to_thread=False)
    def not_found(self, path: FromPath[str]) -> None:
        """Any other address: a 404 rendered with the viewer's session, language and navigation."""
        raise NotFoundException()


class HealthController(Controller):
    tags = ["system"]

    @get("/health", name="health", media_type=MediaType.JSON)
    async def health(self) -> Response[dict[str, Any]]:
        """Database reachability and job-queue counts; 503 when the database is down."""
        healthy, report = await health()
        return Response(report, status_code=200 if healthy else 503)
