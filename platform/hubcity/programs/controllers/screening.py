"""Staff screening of one application: take into screening, request more information, ineligible, extensions."""

from __future__ import annotations

from typing import Any

CONTROLLERS: list[Any] = []
