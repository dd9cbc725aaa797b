"""Failed logins counted per account, so one account's password cannot be guessed from many
addresses (the per-address limit alone would never slow that down).

The counts live in a key-value store with Litestar's ``Store`` interface (the app's
``rate_limit`` store: files in the data dir, or Redis), keyed by a hash of the email: after
:data:`MAX_FAILURES` failed logins within :data:`WINDOW` the account's login is refused until
the oldest of them is older than the window. Emails without an account are counted the same
way, so the refusal does not tell whether an account exists. A successful login or a password
reset clears the count.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import timedelta
from typing import Protocol

MAX_FAILURES = 10
WINDOW = timedelta(minutes=15)


class KeyValueStore(Protocol):
    """What the throttle needs of a store (``litestar.stores.base.Store`` has it)."""

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None: ...

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None: ...

    async def delete(self, key: str) -> None: ...


class LoginThrottle:
    """Per-account failed-login counter. ``store``: a :class:`KeyValueStore`; times in seconds."""

    def __init__(self, store: KeyValueStore, *, max_failures: int = MAX_FAILURES, window: timedelta = WINDOW):
        self.store = store
        self.max_failures = max_failures
        self.window_s = int(window.total_seconds())

    @staticmethod
    def _key(email: str) -> str:
        return "login-failures:" + hashlib.sha256(email.encode()).hexdigest()

    async def _recent(self, email: str) -> list[float]:
        raw = await self.store.get(self._key(email))
        try:
            stamps = [float(stamp) for stamp in json.loads(raw or b"[]")]
        except (TypeError, ValueError):
            stamps = []
        cutoff = time.time() - self.window_s
        return [stamp for stamp in stamps if stamp > cutoff]

    async def is_locked(self, email: str) -> bool:
        """True when ``email`` has had :data:`MAX_FAILURES` failed logins within the window."""
        return len(await self._recent(email)) >= self.max_failures

    async def record_failure(self, email: str) -> int:
        """Count one failed login of ``email``; returns the failures within the window."""
        stamps = [*await self._recent(email), time.time()][-self.max_failures :]
        await self.store.set(self._key(email), json.dumps(stamps), expires_in=self.window_s)
        return len(stamps)

    async def clear(self, email: str) -> None:
        """Forget ``email``'s failures (after a successful login or a password reset)."""
        await self.store.delete(self._key(email))
