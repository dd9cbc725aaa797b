"""Translations: Babel catalogs in ``locale/<ko|en>/LC_MESSAGES/messages.po``.

Message ids are English source strings. The catalogs are compiled in memory at start-up (no
``.mo`` build step). The request's language lives in a context variable set by the context
middleware, so ``gettext`` in services and templates follows the viewer; notifications switch it
to the recipient's language with :func:`use_locale`. Status keys are never passed through here.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from hubcity.paths import LOCALE_DIR

LOCALES: tuple[str, ...] = ("ko", "en")
LANGUAGE_NAMES = {"ko": "한국어", "en": "English"}

_current_locale: ContextVar[str] = ContextVar("hubcity_locale", default="ko")


@lru_cache(maxsize=8)
def translations_for(locale: str, locale_dir: Path = LOCALE_DIR) -> NullTranslations:
    """The compiled catalog of ``locale`` (``NullTranslations`` when it has none)."""
    po_path = locale_dir / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def is_known_message(message: str) -> bool:
    """True when ``message`` is a message id of the Korean catalog (text written for people,
    as opposed to a library's own English text that must not be shown as it is)."""
    catalog = getattr(translations_for("ko"), "_catalog", {})
    return message in catalog


def normalise_locale(value: str | None, default: str = "ko") -> str:
    """``value`` if it is a supported locale (``ko``/``en``, case-insensitive), else ``default``."""
    value = (value or "").strip().lower()[:2]
    return value if value in LOCALES else default


def current_locale() -> str:
    return _current_locale.get()


def set_locale(locale: str) -> None:
    """Set the language for the rest of the current task (the request)."""
    _current_locale.set(normalise_locale(locale))


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Run a block in ``locale`` (e.g. render a notification in the recipient's language)."""
    token = _current_locale.set(normalise_locale(locale))
    try:
        yield
    finally:
        _current_locale.reset(token)


def gettext(message: str, **params: object) -> str:
    """Translate ``message`` into the current language; ``params`` fill ``%(name)s`` placeholders."""
    text = translations_for(current_locale()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    """The singular or plural form for ``n`` in the current language, with ``%(num)s`` and the
    ``params`` placeholders filled."""
    text = translations_for(current_locale()).ngettext(singular, plural, n)
    return text % ({"num": n} | params)


def unformatted_ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, placeholders left in: for Jinja's new-style
    ``ngettext``, which fills ``num`` and the template's named parameters itself."""
    return translations_for(current_locale()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now (module-level labels)."""
    return message


_ = gettext
