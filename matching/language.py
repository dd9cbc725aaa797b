"""Which language a text is written in (Korean or English), from its share of Hangul letters.

Hubcity's texts are Korean, English, or Korean with English technical words ("AI 기반 라이다
센서"). A text counts as Korean when at least :data:`KOREAN_SHARE` of its letters are Hangul:
then the English-only MiniLM cannot read it and the matching service leaves it out.
"""

from __future__ import annotations

KOREAN = "ko"
ENGLISH = "en"
LANGUAGES = (KOREAN, ENGLISH)

#: Share of Hangul among a text's letters from which it counts as Korean.
KOREAN_SHARE = 0.3


def is_hangul(char: str) -> bool:
    """True for a Hangul syllable or jamo (U+AC00–D7A3, U+1100–11FF, U+3130–318F)."""
    code = ord(char)
    return 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def hangul_share(text: str) -> float:
    """Hangul letters / all letters of ``text``, 0.0 to 1.0 (0.0 when it has no letters)."""
    letters = [char for char in text or "" if char.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for char in letters if is_hangul(char)) / len(letters)


def detect_language(text: str, default: str = ENGLISH) -> str:
    """``"ko"`` when at least :data:`KOREAN_SHARE` of the letters are Hangul, ``"en"`` when the
    text has other letters, ``default`` when it has none (empty text, numbers only)."""
    letters = [char for char in text or "" if char.isalpha()]
    if not letters:
        return default
    share = sum(1 for char in letters if is_hangul(char)) / len(letters)
    return KOREAN if share >= KOREAN_SHARE else ENGLISH
