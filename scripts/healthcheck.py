"""Container health checks (docker-compose.yml): ``healthcheck.py http URL`` or ``healthcheck.py worker``.

``http URL``: exit 0 when ``URL`` answers 200 within 5 s (the app's ``GET /health``, which itself
checks the database and the job queue).

``worker``: exit 0 when the database in the worker's own settings answers and no due job has been
waiting longer than ``HUBCITY_WORKER_STALL_S`` seconds (default 600), i.e. the worker keeps up.

Exit 1 with a one-line reason otherwise. Uses only the standard library and hubcity.
"""

from __future__ import annotations

import asyncio
import os
import sys
import urllib.request

HTTP_TIMEOUT_S = 5
DEFAULT_STALL_S = 600.0


def check_http(url: str) -> str | None:
    """None when ``url`` answers 200, else the reason."""
    try:
        with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT_S) as response:  # noqa: S310 - fixed local URL
            return None if response.status == 200 else f"{url} answered {response.status}"
    except Exception as error:  # noqa: BLE001 - any failure is unhealthy
        return f"{url}: {error}"


async def check_worker() -> str | None:
    """None when the database answers and the oldest due job is younger than the stall limit."""
    from hubcity.config.settings import load_settings
    from hubcity.core.jobs import queue_health
    from hubcity.db.engine import use_database

    use_database(load_settings().resolved_database_url)
    try:
        queue = await queue_health()
    except Exception as error:  # noqa: BLE001
        return f"database: {type(error).__name__}: {error}"
    limit = float(os.environ.get("HUBCITY_WORKER_STALL_S", DEFAULT_STALL_S))
    if queue["oldest_due_age_s"] > limit:
        return f"a due job has waited {queue['oldest_due_age_s']:.0f} s (limit {limit:.0f} s)"
    return None


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "http":
        problem = check_http(argv[1])
    elif argv == ["worker"]:
        problem = asyncio.run(check_worker())
    else:
        print("usage: healthcheck.py http URL | healthcheck.py worker", file=sys.stderr)
        return 2
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
