"""Words that say *that* something is wanted, not *what*: left out of a query's keywords.

A partner need reads "An energy company is looking for partners in carbon capture" or "탄소
포집 기술을 가진 협력사를 찾습니다". Its keywords should be carbon and capture (탄소, 포집), not
company, looking, partners (협력사, 찾다): those words match profiles at random, and in Korean they
are rare in the index (so BM25 weighs them heavily) while saying nothing about the need. The
vectors still read the whole text; only the keyword side drops these words.

:data:`REQUEST_TERMS` are index terms as :mod:`matching.text.tokenize` makes them (English
Snowball stems, Korean morphemes): the request verbs (look, seek, find, want, need; 찾다, 원하다,
필요, 구하다, 희망), who is asked or asking (partner, startup, company, firm; 파트너, 스타트업, 기업,
회사, 업체, 협력사, 저희), and Korean light words whose English counterparts are already stop
words (가지다 "have", 위하다 "for"). A word is dropped only when every term it yields is one of
these, so "enterprise software" (기업용 소프트웨어) keeps 소프트웨어 (but loses 기업용, which
Kiwi reads as 기업 + a suffix; the vectors still read it).
"""

from __future__ import annotations

from matching.text import default_analyzer

REQUEST_TERMS = frozenset(
    {
        # English (Snowball stems)
        "look", "seek", "find", "want", "need", "partner", "startup", "compani", "firm",
        # Korean (Kiwi morphemes)
        "찾", "원하", "필요", "구하", "희망", "파트너", "스타트업", "기업", "회사", "업체", "협력사", "저희", "가지", "위하",
    }
)


def content_keywords(text: str) -> str:
    """``text`` without its request words, as the words the user typed, space-separated (lower-
    cased, edge punctuation stripped). Returns ``text`` unchanged when nothing would be left."""
    words = default_analyzer().query_words(text)
    kept = [word.word for word in words if not set(word.terms) <= REQUEST_TERMS]
    if not kept:
        return text
    return " ".join(kept)
