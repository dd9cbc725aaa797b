"""Startup logos: checking an upload by its content, re-encoding it, and storing the result
under its SHA-256.

The type is read from the bytes with Pillow (the file name and the browser's content type are
never trusted): only PNG, JPEG and WebP images that Pillow can decode completely are accepted,
at most :data:`MAX_LOGO_BYTES` as uploaded and :data:`MAX_SOURCE_PIXELS` pixels. What is stored
is never the uploaded file: the decoded pixels are written again as a new file of the same
format (see :func:`prepare`), so bytes after the image (a polyglot's payload), metadata (EXIF
with GPS, text chunks, ICC profiles, comments) and extra animation frames are dropped, the
EXIF orientation is applied, and the longer side is at most :data:`MAX_LOGO_SIDE` pixels.

Files live in ``<data dir>/uploads/logos/<sha256>.<ext>`` and are served at
``/uploads/logos/<sha256>.<ext>``; the profile's ``logo_path`` holds ``logos/<sha256>.<ext>``.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from pathlib import Path
from typing import Any

from hubcity.core.errors import FormInvalid
from hubcity.core.i18n import gettext as _

MAX_LOGO_BYTES = 2 * 1024 * 1024
MAX_LOGO_MB = 2
#: The most pixels an uploaded logo may have (width × height), checked before decoding it, so
#: a small file that would decode to a huge image (a "decompression bomb") is refused.
MAX_SOURCE_PIXELS = 16_000_000
#: The longest side, in pixels, of a stored logo; larger logos are scaled down (aspect kept).
MAX_LOGO_SIDE = 1024
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
#: Pillow encoder options per format of the stored file.
_SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "PNG": {},
    "JPEG": {"quality": 90, "optimize": True},
    "WEBP": {"quality": 90, "method": 4},
}
_STORED_NAME = re.compile(r"^[0-9a-f]{64}\.(png|jpg|webp)$")


def too_large_message() -> str:
    return _("The logo is larger than %(limit)s MB. Choose an image of at most %(limit)s MB.", limit=MAX_LOGO_MB)


def too_many_pixels_message() -> str:
    return _(
        "The logo has too many pixels: at most %(limit)s million (say 4000 × 4000). Choose a smaller image.",
        limit=MAX_SOURCE_PIXELS // 1_000_000,
    )


def not_an_image_message() -> str:
    return _("The logo must be a PNG, JPEG or WebP image; the content of this file is not one.")


def logo_error(message: str) -> FormInvalid:
    """A :class:`FormInvalid` carrying ``message`` on the ``logo`` field."""
    return FormInvalid({"logo": message}, {})


class _TooManyPixels(Exception):
    pass


def _decode(content: bytes) -> tuple[Any, str] | None:
    """(the fully decoded first frame as a Pillow image, its format) of a PNG, JPEG or WebP in
    ``content``; None when it is not one Pillow can decode completely. Raises _TooManyPixels."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # checked below, ourselves
            image = Image.open(io.BytesIO(content), formats=list(FORMATS))
            kind = image.format
            width, height = image.size
            if width * height > MAX_SOURCE_PIXELS:
                raise _TooManyPixels
            if kind == "JPEG":  # decode at a reduced scale when the logo will be scaled down anyway
                image.draft(image.mode, (MAX_LOGO_SIDE, MAX_LOGO_SIDE))
            image.load()
    except _TooManyPixels:
        raise
    except Image.DecompressionBombError as error:
        raise _TooManyPixels from error
    except Exception:  # noqa: BLE001 - any failure to decode means "not an image we accept"
        return None
    if kind not in FORMATS or width < 1 or height < 1:
        return None
    return image, kind


def _clean_copy(image: Any, kind: str) -> Any:
    """The pixels of ``image`` only: orientation applied, a plain mode ``kind`` can store
    (RGB or L for JPEG; RGBA when there is transparency, else RGB or L, for PNG and WebP), at
    most :data:`MAX_LOGO_SIDE` on the longer side, and an empty ``info`` (no metadata)."""
    from PIL import Image, ImageOps

    image = ImageOps.exif_transpose(image) or image
    grey = image.mode in ("1", "L")
    alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if kind != "JPEG" and alpha:
        mode = "RGBA"
    else:
        mode = "L" if grey else "RGB"
    converted = image.convert(mode)
    if max(converted.size) > MAX_LOGO_SIDE:
        converted.thumbnail((MAX_LOGO_SIDE, MAX_LOGO_SIDE), Image.Resampling.LANCZOS)
    return Image.frombytes(mode, converted.size, converted.tobytes())


def prepare(content: bytes | None) -> tuple[bytes, str]:
    """Check an uploaded logo and re-encode it: returns (the bytes to store, its extension
    ``png`` | ``jpg`` | ``webp``, the uploaded format kept).

    Only the decoded image is kept (see the module): trailing bytes, metadata and extra frames
    are gone, and the longer side is at most :data:`MAX_LOGO_SIDE` pixels. Raises
    :class:`FormInvalid` on the ``logo`` field: empty, larger than :data:`MAX_LOGO_BYTES`,
    more than :data:`MAX_SOURCE_PIXELS` pixels, or not a PNG, JPEG or WebP image that decodes
    completely. CPU-bound (up to a few hundred ms for the largest images): call it in a thread.
    """
    if not content:
        raise logo_error(_("Logo: choose an image file."))
    if len(content) > MAX_LOGO_BYTES:
        raise logo_error(too_large_message())
    try:
        decoded = _decode(content)
    except _TooManyPixels:
        raise logo_error(too_many_pixels_message()) from None
    if decoded is None:
        raise logo_error(not_an_image_message())
    image, kind = decoded
    clean = _clean_copy(image, kind)
    buffer = io.BytesIO()
    clean.save(buffer, format=kind, **_SAVE_OPTIONS[kind])
    return buffer.getvalue(), FORMATS[kind][0]


def store(data_dir: Path, content: bytes, ext: str) -> str:
    """Write ``content`` (what :func:`prepare` returned) under its SHA-256; returns
    ``logos/<sha256>.<ext>``."""
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
