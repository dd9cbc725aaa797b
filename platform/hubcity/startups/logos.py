"""Startup logos: checking an upload by its content and storing it under its SHA-256.

The type is read from the bytes with Pillow (the file name and the browser's content type are
never trusted): only PNG, JPEG and WebP images that Pillow can parse are accepted, at most
:data:`MAX_LOGO_BYTES`. Files live in ``<data dir>/uploads/logos/<sha256>.<ext>`` and are served
at ``/uploads/logos/<sha256>.<ext>``; the profile's ``logo_path`` holds ``logos/<sha256>.<ext>``.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from pathlib import Path

from hubcity.core.errors import FormInvalid
from hubcity.core.i18n import gettext as _

MAX_LOGO_BYTES = 2 * 1024 * 1024
MAX_LOGO_MB = 2
#: The logo routes' own request body limit: above the logo limit (room for the form's other
#: parts), far below the app's 10 MB, so an oversized logo is answered by the logo step itself.
LOGO_ROUTE_BODY_LIMIT = 3 * 1024 * 1024
#: Pillow format → (extension, media type).
FORMATS: dict[str, tuple[str, str]] = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
}
MEDIA_TYPES: dict[str, str] = {ext: media for ext, media in FORMATS.values()}
_STORED_NAME = re.compile(r"^[0-9a-f]{64}\.(png|jpg|webp)$")


def too_large_message() -> str:
    return _("The logo is larger than %(limit)s MB. Choose an image of at most %(limit)s MB.", limit=MAX_LOGO_MB)


def logo_error(message: str) -> FormInvalid:
    """A :class:`FormInvalid` carrying ``message`` on the ``logo`` field."""
    return FormInvalid({"logo": message}, {})


def sniff(content: bytes) -> str | None:
    """The extension (``png``, ``jpg``, ``webp``) of the image in ``content``, or None when it is
    not a PNG, JPEG or WebP image Pillow can read."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                kind = image.format
                image.verify()
    except Exception:  # noqa: BLE001 - any failure to parse means "not an image we accept"
        return None
    return FORMATS[kind][0] if kind in FORMATS else None


def check(content: bytes) -> str:
    """Validate an uploaded logo; returns its extension. Raises :class:`FormInvalid` on the
    ``logo`` field: empty, larger than 2 MB, or not a PNG, JPEG or WebP image."""
    if not content:
        raise logo_error(_("Logo: choose an image file."))
    if len(content) > MAX_LOGO_BYTES:
        raise logo_error(too_large_message())
    ext = sniff(content)
    if ext is None:
        raise logo_error(_("The logo must be a PNG, JPEG or WebP image; the content of this file is not one."))
    return ext


def store(data_dir: Path, content: bytes, ext: str) -> str:
    """Write ``content`` (already checked) under its SHA-256; returns ``logos/<sha256>.<ext>``."""
    digest = hashlib.sha256(content).hexdigest()
    folder = data_dir / "uploads" / "logos"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{digest}.{ext}"
    if not target.exists():
        temporary = target.with_suffix(f".{ext}.part")
        temporary.write_bytes(content)
        temporary.replace(target)
    return f"logos/{digest}.{ext}"


def url_of(logo_path: str) -> str:
    """``logos/<sha>.<ext>`` → ``/uploads/logos/<sha>.<ext>`` (``""`` when there is no logo)."""
    return f"/uploads/{logo_path}" if logo_path else ""


def stored_file(data_dir: Path, name: str) -> tuple[Path, str] | None:
    """(path, media type) of stored logo ``name`` (``<sha256>.<ext>``), or None when the name is
    not one we store or the file is missing."""
    if not _STORED_NAME.match(name or ""):
        return None
    path = data_dir / "uploads" / "logos" / name
    if not path.is_file():
        return None
    return path, MEDIA_TYPES[name.rsplit(".", 1)[1]]
