"""A bilingual glossary that adds the other language's words to a query's keywords.

The keyword side of a search only finds the words it is given: a Korean need ("에너지 저장 장치")
finds no English profile by its words. The caller (the platform, from its taxonomy terms that
carry a Korean and an English label) gives the matching service pairs of (Korean term, English
term); :meth:`Glossary.expand` returns the terms of the *other* language found in a query:

- a Korean term is found as a substring (Korean attaches particles: "에너지를" contains "에너지");
- an English term is found as whole words, case-insensitively ("AI" is not found in "said").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from matching.language import ENGLISH, KOREAN

_LABEL_PARTS = re.compile(r"\s*(?:·|/|,|\band\b)\s*")
_WORDS = re.compile(r"[^\W_]+")


class Glossary:
    """Pairs of (Korean term, English term). ValueError for a pair with an empty side."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._pairs: list[tuple[str, str, re.Pattern[str]]] = []
        seen: set[tuple[str, str]] = set()
        for index, pair in enumerate(pairs):
            korean, english = (" ".join(str(side).split()) for side in pair)
            if not korean or not english:
                raise ValueError(f"glossary pair {index}: both the Korean and the English term are required, got {pair!r}")
            if (korean, english.casefold()) in seen:
                continue
            seen.add((korean, english.casefold()))
            pattern = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, english.split())) + r"(?!\w)", re.IGNORECASE)
            self._pairs.append((korean, english, pattern))

    def __len__(self) -> int:
        return len(self._pairs)

    def expand(self, text: str, language: str) -> list[str]:
        """Terms of the other language for the glossary terms found in ``text`` (written in
        ``language``, "ko" or "en"), in glossary order, without repeats and without a term whose
        words another found term already has ("Logistics" beside "Logistics and supply chain");
        [] when none."""
        found: dict[str, None] = {}
        for korean, english, pattern in self._pairs:
            if language == KOREAN and korean in text:
                found[english] = None
            elif language == ENGLISH and pattern.search(text):
                found[korean] = None
        words = {term: set(_WORDS.findall(term.casefold())) for term in found}
        return [
            term
            for term in found
            if not any(other != term and words[term] < words[other] for other in found)
        ]

    @classmethod
    def from_labels(cls, labels: Iterable[tuple[str, str]]) -> "Glossary":
        """A glossary from taxonomy labels (Korean label, English label), e.g. ("물류·공급망",
        "Logistics and supply chain"): each label and each part of it (split at "·", "/", ","
        and "and"; English parts of 3 letters or more) is paired with the other whole label."""
        pairs: list[tuple[str, str]] = []
        for korean, english in labels:
            pairs.append((korean, english))
            for part in _LABEL_PARTS.split(korean):
                if part.strip() and part.strip() != korean:
                    pairs.append((part.strip(), english))
            for part in _LABEL_PARTS.split(english):
                if len(part.strip()) >= 3 and part.strip() != english:
                    pairs.append((korean, part.strip()))
        return cls(pairs)
