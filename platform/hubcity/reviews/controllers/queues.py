"""Staff screening queues with filters, shareable URLs and bulk actions (assign, move status, determine)."""

from __future__ import annotations

from typing import Any

CONTROLLERS: list[Any] = []
