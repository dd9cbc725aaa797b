"""Awards: the agreement (accept or decline), tranches, milestone reports, acceptance and payment by finance."""

from __future__ import annotations

from typing import Any

CONTROLLERS: list[Any] = []
