"""Splitting text into pieces an embedding model reads whole: no text is silently truncated.

A transformer such as all-MiniLM-L6-v2 reads at most 256 tokens and drops the rest without a
word. :func:`chunk_text` cuts a text into windows that each fit a token budget, at sentence and
paragraph boundaries where it can, at word boundaries where a sentence alone is too long, and
inside a word only when a single word is longer than the budget. Every word of the text is in
exactly one chunk, in order (tests/matching/test_embeddings.py checks this).
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: Sentence ends (Latin and CJK punctuation followed by space) and line breaks.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?。！？])\s+|\s*\n+\s*")
_SPACE = re.compile(r"\s+")


def split_sentences(text: str) -> list[str]:
    """``text`` → its sentences and lines, stripped, empty ones left out (str → list[str])."""
    return [part.strip() for part in _SENTENCE_BREAK.split(text or "") if part and part.strip()]


def chunk_text(text: str, max_tokens: int, count_tokens: Callable[[str], int]) -> list[str]:
    """Cut ``text`` into chunks of at most ``max_tokens`` tokens as ``count_tokens`` counts them.

    Sentences are packed greedily into windows (joined by one space); a sentence longer than the
    budget is cut between words, a word longer than the budget between characters. Whitespace
    is normalised to single spaces; nothing else is dropped or changed. An empty or blank text
    gives ``[]``. Raises ValueError when ``max_tokens`` < 1.
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
    pieces: list[tuple[str, int]] = []
    for sentence in split_sentences(text):
        size = count_tokens(sentence)
        if size <= max_tokens:
            pieces.append((sentence, size))
        else:
            pieces.extend(_split_long(sentence, max_tokens, count_tokens))
    chunks: list[str] = []
    current: list[str] = []
    used = 0
    for piece, size in pieces:
        if current and used + size > max_tokens:
            chunks.append(" ".join(current))
            current, used = [], 0
        current.append(piece)
        used += size
    if current:
        chunks.append(" ".join(current))
    return chunks


def _split_long(sentence: str, max_tokens: int, count_tokens: Callable[[str], int]) -> list[tuple[str, int]]:
    """A sentence over the budget → word windows (and character windows for giant words)."""
    out: list[tuple[str, int]] = []
    current: list[str] = []
    used = 0
    for word in _SPACE.split(sentence):
        size = count_tokens(word)
        if size > max_tokens:
            if current:
                out.append((" ".join(current), used))
                current, used = [], 0
            out.extend(_split_word(word, max_tokens, count_tokens))
            continue
        if current and used + size > max_tokens:
            out.append((" ".join(current), used))
            current, used = [], 0
        current.append(word)
        used += size
    if current:
        out.append((" ".join(current), used))
    return out


def _split_word(word: str, max_tokens: int, count_tokens: Callable[[str], int]) -> list[tuple[str, int]]:
    """A single word over the budget → the longest character runs that fit (at least one char)."""
    out: list[tuple[str, int]] = []
    start = 0
    while start < len(word):
        low, high = start + 1, len(word)
        while low < high:  # the longest prefix word[start:end] within the budget
            mid = (low + high + 1) // 2
            if count_tokens(word[start:mid]) <= max_tokens:
                low = mid
            else:
                high = mid - 1
        out.append((word[start:low], count_tokens(word[start:low])))
        start = low
    return out
