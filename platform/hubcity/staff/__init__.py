"""Agency staff's back office: dashboard, users and roles, outbox, audit log."""

from typing import Any


def routes() -> list[Any]:
    return []
