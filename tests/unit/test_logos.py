"""Logos are re-encoded before they are stored: only the decoded image survives (no trailing
bytes, no metadata, no extra frames), the format is kept, and the size is bounded."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from hubcity.core.errors import FormInvalid
from hubcity.core.i18n import use_locale
from hubcity.startups import logos


def encode(image: Image.Image, kind: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=kind, **options)
    return buffer.getvalue()


def opened(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


@pytest.mark.parametrize(("kind", "ext"), [("PNG", "png"), ("JPEG", "jpg"), ("WEBP", "webp")])
def test_the_format_is_kept_and_trailing_bytes_are_dropped(kind: str, ext: str) -> None:
    original = encode(Image.new("RGB", (30, 20), (10, 120, 200)), kind)
    content, got_ext = logos.prepare(original + b"<?php system($_GET['c']); ?>" * 20)
    assert got_ext == ext
    assert b"<?php" not in content
    image = opened(content)
    assert (image.format, image.size) == (kind, (30, 20))
    # decoding the stored file reads it to its very end: nothing follows the image
    assert logos.prepare(content)[0] == content  # re-encoding the clean file is stable


def test_jpeg_exif_gps_comment_and_icc_are_stripped_and_orientation_applied() -> None:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc"  # Make
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif[0x8825] = {1: "N", 2: (37.0, 33.0, 0.0)}  # GPS
    source = encode(
        Image.new("RGB", (60, 20), (200, 30, 30)), "JPEG", exif=exif.tobytes(), comment=b"secret comment",
        icc_profile=b"\0" * 128,
    )
    assert b"SpyCam" in source and b"secret comment" in source
    content, ext = logos.prepare(source)
    assert ext == "jpg"
    assert b"SpyCam" not in content and b"secret comment" not in content
    image = opened(content)
    assert not image.getexif() and "icc_profile" not in image.info and "comment" not in image.info
    assert image.size == (20, 60)  # turned upright, as viewers showed it


def test_png_text_chunks_and_icc_are_stripped_and_transparency_kept() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "someone@example.com")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>tracking</x:xmpmeta>")
    source = encode(Image.new("RGBA", (10, 10), (0, 0, 0, 0)), "PNG", pnginfo=info)
    content, _ = logos.prepare(source)
    assert b"someone@example.com" not in content and b"xmpmeta" not in content
    image = opened(content)
    assert image.mode == "RGBA" and image.getpixel((5, 5))[3] == 0
    assert not image.text


def test_a_palette_png_with_transparency_stays_transparent() -> None:
    image = Image.new("P", (8, 8), 1)
    image.putpalette([255, 255, 255, 200, 0, 0] + [0, 0, 0] * 254)
    source = encode(image, "PNG", transparency=1)
    result = opened(logos.prepare(source)[0])
    assert result.mode == "RGBA" and result.getpixel((0, 0))[3] == 0


def test_only_the_first_frame_of_an_animation_is_kept() -> None:
    frames = [Image.new("RGB", (12, 12), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="WEBP", save_all=True, append_images=frames[1:], duration=100, loop=0)
    result = opened(logos.prepare(buffer.getvalue())[0])
    assert getattr(result, "n_frames", 1) == 1


def test_large_logos_are_scaled_down_keeping_the_aspect() -> None:
    content, _ = logos.prepare(encode(Image.new("RGB", (3000, 500), (0, 80, 0)), "PNG"))
    assert opened(content).size == (logos.MAX_LOGO_SIDE, round(logos.MAX_LOGO_SIDE / 6))
    small, _ = logos.prepare(encode(Image.new("RGB", (300, 60), (0, 80, 0)), "JPEG"))
    assert opened(small).size == (300, 60)  # never scaled up


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", "Logo: choose an image file.", id="empty"),
        pytest.param(b"GIF89a" + b"\0" * 100, "must be a PNG, JPEG or WebP image", id="gif-header"),
        pytest.param(encode(Image.new("RGB", (8, 8)), "GIF"), "must be a PNG, JPEG or WebP image", id="real-gif"),
        pytest.param(encode(Image.new("RGB", (8, 8)), "BMP"), "must be a PNG, JPEG or WebP image", id="bmp"),
        pytest.param(b"<svg onload=alert(1)>", "must be a PNG, JPEG or WebP image", id="svg"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "must be a PNG, JPEG or WebP image", id="png-signature-only"),
        pytest.param(
            encode(Image.radial_gradient("L").resize((200, 200)), "PNG")[:-400],
            "must be a PNG, JPEG or WebP image", id="truncated-png",
        ),
        pytest.param(encode(Image.new("L", (4001, 4000)), "PNG"), "too many pixels: at most 16 million", id="pixel-bomb"),
        pytest.param(b"\x89PNG" + b"\0" * (2 * 1024 * 1024), "larger than 2 MB", id="over-2-mb"),
    ],
)
def test_bad_logos_are_refused_naming_the_rule(content: bytes, message: str) -> None:
    with use_locale("en"), pytest.raises(FormInvalid) as error:
        logos.prepare(content)
    assert message in error.value.errors["logo"]
