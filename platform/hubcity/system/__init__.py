"""Pages and endpoints that belong to no domain: home, language choice, health."""

from typing import Any


def routes() -> list[Any]:
    from hubcity.system.controllers import HealthController, HomeController

    return [HomeController, HealthController]
