"""Agency staff's back office: dashboard, users and roles, outbox, audit log, jobs."""

from typing import Any


def routes() -> list[Any]:
    """Route handlers of the back office (all under ``/staff``, guarded by agency role)."""
    from hubcity.staff.controllers import StaffController

    return [StaffController]
