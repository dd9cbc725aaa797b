"""The programs domain under ``/api/v1``: programs, applications and their actions (in the OpenAPI document)."""

from __future__ import annotations

from typing import Any

CONTROLLERS: list[Any] = []
