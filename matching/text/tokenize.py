"""Turn Korean and English text into index terms, the same way for documents and queries.

Why a morphological analyser for Korean. Korean writes particles and endings onto the word:
``배터리를`` ("battery" + object particle) must find ``배터리`` and the other way round, and
most Korean nouns are two syllables (``물류``, ``의료``, ``영상``). Tried here:

- SQLite FTS5's ``trigram`` tokenizer matches substrings of three characters or more, so a
  two-syllable query such as ``물류`` finds nothing at all, and its BM25 counts trigrams, not words;
- a character-bigram scheme (Lucene's CJK analyser) finds ``배터리`` from ``배터리를`` only when
  queries are ORs of bigrams, which ranks noise (``리를``) alongside the word;
- kiwipiepy (Kiwi, a maintained Korean morphological analyser whose model ships in the
  ``kiwipiepy_model`` wheel, so it loads offline): ``배터리를`` → ``배터리`` + ``를`` (particle),
  ``전기차`` → ``전기`` ``차``, ``재활용합니다`` → ``재`` ``활용`` ``하`` ``ᆸ니다`` (kept as ``재활용``). Measured here: 1.6 s to
  load (once per process, only when Korean text first appears), ~1.3 ms per sentence.

So Korean text goes through Kiwi and keeps only content morphemes (nouns, numerals, roots,
verb and adjective stems, foreign words); particles, endings, suffixes and light verbs are
dropped. Everything else is NFKC-normalised, lower-cased, split at non-letters/digits, stripped of
English stop words and stemmed with the Snowball English stemmer (PyStemmer, a C extension:
``batteries`` and ``battery`` both become ``batteri``). Documents and queries use the same
functions, so a query term and an index term compare as plain strings.

Shapes: :meth:`Analyzer.terms` → list[str] of index terms in text order (repeats kept, for term
frequencies); :meth:`Analyzer.query_words` → list[:class:`QueryWord`], one per distinct word the
user typed that yields at least one term.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import Stemmer

#: Words a query may carry at most; later ones are ignored (Meilisearch keeps 10).
MAX_QUERY_WORDS = 64

_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
_WORD = re.compile(r"\S+")
_HANGUL_WORD = r"\S*[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]\S*"
_HANGUL_RUN = re.compile(rf"{_HANGUL_WORD}(?:\s+{_HANGUL_WORD})*")
_TOKEN = re.compile(r"[^\W_]+")
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")

# Kiwi part-of-speech tags whose morphemes are kept as terms (Sejong tag set as Kiwi uses it).
_KOREAN_CONTENT_TAGS = frozenset({"NNG", "NNP", "NR", "XR", "VV", "VA", "SH", "SN"})
# Tags whose form is foreign text (Latin letters, URLs, e-mails, hashtags): analysed as English.
_FOREIGN_TAGS = frozenset({"SL", "W_URL", "W_EMAIL", "W_HASHTAG", "W_MENTION", "W_SERIAL"})
# Light verbs and copulas that carry no meaning for search.
_KOREAN_STOP_STEMS = frozenset({"하", "되", "있", "없", "않", "이", "아니", "같", "보", "주"})

ENGLISH_STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    s t d ll m o re ve y also via etc us""".split()
)


@dataclass(frozen=True)
class QueryWord:
    """One word of a query: ``word`` as the user typed it (lower-cased, edge punctuation
    stripped), the index ``terms`` it becomes (one for most words; several for a Korean
    compound such as ``전기차`` → ("전기", "차"); all must be present for the word to match) and
    the ``forms`` behind them before stemming (``batteries`` → term ``batteri``, form
    ``batteries``), which typo tolerance compares with the forms seen in documents."""

    word: str
    terms: tuple[str, ...]
    forms: tuple[str, ...] = ()


class Analyzer:
    """Text → index terms for Korean and English. Thread-safe; Kiwi is loaded on first Korean text.

    ``korean_analyzer``: an object with Kiwi's ``tokenize(text)`` (tokens with ``form``, ``tag``,
    ``start``, ``len``); None loads ``kiwipiepy.Kiwi`` when first needed.
    """

    def __init__(self, korean_analyzer: Any | None = None) -> None:
        self._kiwi = korean_analyzer
        self._kiwi_lock = threading.Lock()
        self._stemmer = Stemmer.Stemmer("english")
        self._stem_lock = threading.Lock()

    # -- public ------------------------------------------------------------------------------

    def terms(self, text: str) -> list[str]:
        """All index terms of ``text`` in order, repeats kept. "" → []."""
        return [term for _form, term in self.pairs(text)]

    def pairs(self, text: str) -> list[tuple[str, str]]:
        """(form, term) of every token of ``text`` in order: the lower-cased word form before
        stemming and the index term it becomes (equal for Korean morphemes)."""
        if not isinstance(text, str) or not text:
            return []
        text = unicodedata.normalize("NFKC", text)
        if not _HANGUL.search(text):
            return self._english(text)
        out: list[tuple[str, str]] = []
        position = 0
        for run in _HANGUL_RUN.finditer(text):
            out.extend(self._english(text[position : run.start()]))
            words = list(_WORD.finditer(text, run.start(), run.end()))
            for _word, pairs in self._korean_run(text, words):
                out.extend(pairs)
            position = run.end()
        out.extend(self._english(text[position:]))
        return out

    def query_words(self, text: str) -> list[QueryWord]:
        """The distinct words of a query that yield terms, in order (at most MAX_QUERY_WORDS)."""
        words: dict[str, QueryWord] = {}
        for word, pairs in self._analyse(text):
            if not pairs or word in words:
                continue
            unique = list(dict.fromkeys(pairs))
            words[word] = QueryWord(
                word=word,
                terms=tuple(dict.fromkeys(term for _form, term in unique)),
                forms=tuple(dict.fromkeys(form for form, _term in unique)),
            )
            if len(words) >= MAX_QUERY_WORDS:
                break
        return list(words.values())

    # -- analysis ------------------------------------------------------------------------------

    def _analyse(self, text: str) -> Iterator[tuple[str, list[tuple[str, str]]]]:
        """Yield (typed word, its (form, term) pairs) for every whitespace-separated word."""
        if not isinstance(text, str) or not text:
            return
        text = unicodedata.normalize("NFKC", text)
        matches = list(_WORD.finditer(text))
        i = 0
        while i < len(matches):
            if _HANGUL.search(matches[i].group()):
                j = i
                while j + 1 < len(matches) and _HANGUL.search(matches[j + 1].group()):
                    j += 1
                yield from self._korean_run(text, matches[i : j + 1])
                i = j + 1
            else:
                raw = matches[i].group()
                yield _typed(raw), self._english(raw)
                i += 1

    def _korean_run(self, text: str, words: list[re.Match[str]]) -> Iterator[tuple[str, list[tuple[str, str]]]]:
        start, end = words[0].start(), words[-1].end()
        per_word: list[list[tuple[str, str]]] = [[] for _ in words]
        bounds = [(w.start() - start, w.end() - start) for w in words]
        prefix, prefix_end = "", -1
        for token in self._tokenize_korean(text[start:end]):
            index = _word_at(bounds, token.start)
            if token.tag == "XPN":  # a prefix (재-, 비-, 초-) stays on the next morpheme: 재활용
                prefix, prefix_end = token.form, token.start + token.len
                continue
            if token.tag in _FOREIGN_TAGS:
                per_word[index].extend(self._english(token.form))
            elif token.tag in _KOREAN_CONTENT_TAGS:
                form = token.form.lower()
                if token.start == prefix_end:
                    form = prefix + form
                elif token.tag in ("VV", "VA") and form in _KOREAN_STOP_STEMS:
                    continue
                per_word[index].append((form, form))
            prefix_end = -1
        for word, terms in zip(words, per_word):
            yield _typed(word.group()), terms

    def _english(self, raw: str) -> list[tuple[str, str]]:
        tokens = [t for t in _TOKEN.findall(raw.lower()) if t not in ENGLISH_STOP_WORDS]
        if not tokens:
            return []
        with self._stem_lock:  # PyStemmer objects are not thread-safe
            stems = self._stemmer.stemWords(tokens)
        return list(zip(tokens, stems))

    def _tokenize_korean(self, text: str) -> list[Any]:
        with self._kiwi_lock:
            if self._kiwi is None:
                from kiwipiepy import Kiwi

                self._kiwi = Kiwi(num_workers=1)
            return self._kiwi.tokenize(text)


def _typed(raw: str) -> str:
    return _EDGE_PUNCTUATION.sub("", raw.lower())


def _word_at(bounds: list[tuple[int, int]], offset: int) -> int:
    for index, (start, end) in enumerate(bounds):
        if offset < end:
            return index
    return len(bounds) - 1


@lru_cache(maxsize=1)
def default_analyzer() -> Analyzer:
    """The process-wide analyzer (one Kiwi model per process)."""
    return Analyzer()
