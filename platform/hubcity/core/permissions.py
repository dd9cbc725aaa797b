"""Permission decisions with a reason (Hypha's pattern): ``Decision(allowed, reason)``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    """The answer to "may this viewer do this?". ``reason`` is a translatable message id."""

    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)


def deny(reason: str) -> Decision:
    return Decision(False, reason)
