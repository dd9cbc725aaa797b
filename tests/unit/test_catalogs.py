"""Every visible string has a Korean translation, with the same placeholders as its source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from hubcity.core.i18n import translations_for, use_locale, gettext
from hubcity.paths import LOCALE_DIR, PROJECT_ROOT

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
METHOD_MAP = [("platform/**.py", "python"), ("templates/**.j2", "jinja2")]
OPTIONS = {"templates/**.j2": {"extensions": "jinja2.ext.i18n"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def _source_messages() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT), METHOD_MAP, OPTIONS, keywords=KEYWORDS
    ):
        for msgid in (message[:1] if isinstance(message, tuple) else (message,)):  # plurals are keyed by the singular
            if msgid:
                found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def korean_catalog():
    with (LOCALE_DIR / "ko" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale="ko")


def test_every_source_string_has_a_korean_translation(korean_catalog) -> None:
    missing = []
    for msgid, places in sorted(_source_messages().items()):
        entry = korean_catalog.get(msgid)
        text = entry.string if entry else ""
        if isinstance(text, tuple):
            text = text[0]
        if not text or (entry is not None and entry.fuzzy):
            missing.append(f"{msgid!r} ({places[0]})")
    assert not missing, f"{len(missing)} strings lack a Korean translation (run `make messages`):\n" + "\n".join(missing[:40])


def test_translations_keep_their_placeholders(korean_catalog) -> None:
    wrong = []
    for entry in korean_catalog:
        if not entry.id or not entry.string:
            continue
        source = entry.id if isinstance(entry.id, str) else entry.id[0]
        target = entry.string if isinstance(entry.string, str) else entry.string[0]
        if set(PLACEHOLDER.findall(source)) != set(PLACEHOLDER.findall(target)):
            wrong.append(f"{source!r} → {target!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_korean_catalog_is_used_at_run_time() -> None:
    translations_for.cache_clear()
    with use_locale("ko"):
        assert gettext("Log in") != "Log in"
    with use_locale("en"):
        assert gettext("Log in") == "Log in"
