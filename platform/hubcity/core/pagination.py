"""Pages of a long list: which rows a ``?page=`` shows, and how many pages there are."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
# No list is this long; a larger ``?page=`` (say 10**20) would overflow the database's OFFSET.
MAX_PAGE = 100_000


def clamp_page(page: int) -> int:
    """``page`` moved into 1…:data:`MAX_PAGE` (a page below 1 is page 1, a huge one the last allowed)."""
    return min(max(page, 1), MAX_PAGE)


def page_bounds(page: int, page_size: int = DEFAULT_PAGE_SIZE) -> tuple[int, int]:
    """(limit, offset) of 1-based ``page``, clamped with :func:`clamp_page`."""
    return page_size, (clamp_page(page) - 1) * page_size


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of ``total`` rows. ``number`` is 1-based; ``items`` holds at most ``size`` rows."""

    items: list[T]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least 1, so an empty list still has its page 1)."""
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        """1-based position of the first row shown (0 when the page is empty)."""
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return (self.number - 1) * self.size + len(self.items)
