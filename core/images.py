"""The one Pillow entry point: every image that reaches Plaudit is opened and re-encoded here.

Uploaded photos are treated as hostile: only JPEG, PNG and WebP are even parsed, a decompression
bomb is an error (not a warning), the orientation is applied, and the picture is redrawn at a fixed
size into a fresh JPEG, so no metadata (GPS included) and no bytes appended to the file survive.
"""

from __future__ import annotations

import io
import secrets
import warnings
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = ["JPEG", "PNG", "WEBP"]
AVATAR_SIZE = (256, 256)
# 25 megapixels: any real phone photo, far below what would exhaust memory when decoded.
MAX_PIXELS = 25_000_000


class ImageRejected(ValueError):
    """The upload is not an image Plaudit accepts; the message says why, `code` how to answer."""

    def __init__(self, message: str, code: int = 415):
        super().__init__(message)
        self.code = code


def _open(data: bytes) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            image.load()
            return image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(f"The image is too large (over {MAX_PIXELS:,} pixels).", 422) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected("Only JPEG, PNG and WebP photos are accepted.") from exc


def avatar_jpeg(data: bytes) -> bytes:
    """A square, upright, metadata-free JPEG of AVATAR_SIZE from an uploaded photo."""
    image = _open(data)
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    image = ImageOps.fit(image.convert("RGB"), AVATAR_SIZE, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)  # no exif= given: none is written
    return out.getvalue()


def store_avatar(data: bytes, folder: Path) -> str:
    """Re-encode and store under a server-made name; return that name."""
    jpeg = avatar_jpeg(data)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(16)}.jpg"
    (folder / name).write_bytes(jpeg)
    return name


def delete_stored(name: str | None, folder: Path) -> None:
    if name:
        (folder / Path(name).name).unlink(missing_ok=True)


# --- Pictures Plaudit draws itself: badges and share cards --------------------------------------
# Pillow's bundled font, so a fresh machine draws the same pictures without system fonts.


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def text_width(text: str, size: int = 11) -> float:
    return _font(size).getlength(text)


def hex_rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def badge_png(label: str, value: str, color: str, scale: int = 2) -> bytes:
    """A two-part badge (grey label, coloured value), drawn at `scale` for sharp e-mail signatures."""
    size, pad, height = 11 * scale, 6 * scale, 20 * scale
    font = _font(size)
    left = int(font.getlength(label)) + 2 * pad
    right = int(font.getlength(value)) + 2 * pad
    image = Image.new("RGB", (left + right, height), hex_rgb(color))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, left - 1, height), fill=(85, 85, 85))
    for x, text in ((pad, label), (left + pad, value)):
        draw.text((x, height / 2), text, font=font, fill=(255, 255, 255), anchor="lm")
    return _png(image)


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int, max_lines: int) -> list[str]:
    """Greedy word wrap to `width` pixels; the last line ends in an ellipsis when text is cut."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if font.getlength(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            while font.getlength(word) > width:  # a word longer than the line: break it
                cut = max(1, next(i for i in range(len(word), 0, -1) if font.getlength(word[:i]) <= width))
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        if line:
            lines.append(line)
    if len(lines) <= max_lines:
        return lines
    last = lines[max_lines - 1]
    while last and font.getlength(last + "…") > width:
        last = last[:-1].rstrip()
    return [*lines[: max_lines - 1], last + "…"]


def share_card_png(quote: str, name: str, detail: str, site_name: str, color: str) -> bytes:
    """A 1200×630 Open Graph card: the quote, who said it, the score and the site."""
    width, height, margin = 1200, 630, 80
    accent = hex_rgb(color)
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 24, height), fill=accent)
    quote_font = _font(44)
    lines = wrap(f"“{quote}”", quote_font, width - 2 * margin, max_lines=6)
    y = margin
    for line in lines:
        draw.text((margin, y), line, font=quote_font, fill=(31, 35, 40))
        y += 58
    draw.text(
        (margin, height - margin - 70), wrap(name, _font(34), width - 2 * margin, 1)[0], font=_font(34), fill=accent
    )
    draw.text(
        (margin, height - margin - 22),
        wrap(detail, _font(26), width - 2 * margin, 1)[0],
        font=_font(26),
        fill=(87, 96, 106),
    )
    return _png(image)
