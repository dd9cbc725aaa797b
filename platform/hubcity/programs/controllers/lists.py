"""Staff lists of applications per program, with filters, shareable URLs and CSV/XLSX exports."""

from __future__ import annotations

from typing import Any

CONTROLLERS: list[Any] = []
