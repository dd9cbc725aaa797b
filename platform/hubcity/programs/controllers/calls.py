"""Public call pages: open and closed calls, deadlines in the program's zone and the viewer's, notices and Q&A."""

from __future__ import annotations

from typing import Any

CONTROLLERS: list[Any] = []
