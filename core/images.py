"""The one Pillow entry point: every image that reaches Plaudit is opened and re-encoded here.

Uploaded photos are treated as hostile: only JPEG, PNG and WebP are even parsed, their size is
read from the header and checked before a single pixel is decoded, a JPEG is decoded at the
smallest scale libjpeg offers that still fills the avatar, the orientation is applied, and the
picture is redrawn at a fixed size into a fresh JPEG, so no metadata (GPS included) and no bytes
appended to the file survive.

Pictures Plaudit draws itself (badges, share cards) use the DejaVu Sans fonts shipped in
core/fonts (Latin with every diacritic, Greek, Cyrillic…), the same on every machine.
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import secrets
import unicodedata
import warnings
from collections.abc import Iterator
from pathlib import Path

from flask_babel import lazy_gettext as _l
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont, ImageOps, JpegImagePlugin, UnidentifiedImageError, features

ACCEPTED_FORMATS = ["JPEG", "PNG", "WEBP"]
AVATAR_SIZE = (256, 256)
# What a JPEG may claim: a 50-megapixel phone sensor. It costs little, because it is decoded
# at 1/2, 1/4 or 1/8 of its size by libjpeg itself (draft mode), to no less than DECODE_SIDE,
# and what that leaves must be within MAX_PIXELS.
MAX_JPEG_PIXELS = 52_000_000
DECODE_SIDE = 2 * AVATAR_SIZE[0]
# At most this is decoded. PNG and WebP are decoded whole: a 12-megapixel photo (4032 × 3024)
# is about 50 MB and a few tenths of a second; 25 megapixels (4999 × 4999 in 3 KB of PNG) are
# refused unread.
MAX_PIXELS = 12_500_000
# Pillow's own guard, for any image opened in this process: a bomb is an error, not a warning.
Image.MAX_IMAGE_PIXELS = MAX_JPEG_PIXELS


class ImageRejected(ValueError):
    """The upload is not an image Plaudit accepts; the message says why, `code` how to answer."""

    def __init__(self, message: str, code: int = 415):
        super().__init__(message)
        self.code = code


def _open(data: bytes) -> Image.Image:
    """The decoded picture, at a bounded cost: its size is checked from the header first."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)  # reads the header only
            # A JPEG with a depth map or a second view is an MPO, a JPEG all the same.
            if isinstance(image, JpegImagePlugin.JpegImageFile) and image.width * image.height <= MAX_JPEG_PIXELS:
                image.draft(None, (DECODE_SIDE, DECODE_SIDE))  # image.size is now what libjpeg decodes
            # Whatever would be decoded at more than MAX_PIXELS is refused unread: a JPEG over
            # MAX_JPEG_PIXELS, or one too narrow to be reduced (20000 × 700), as well.
            if image.width * image.height > MAX_PIXELS:
                raise Image.DecompressionBombError(f"{image.width} × {image.height}")
            image.load()
            return image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(
            _l(
                "The image is too large: at most %(pixels)s megapixels (%(jpeg)s for a JPEG photo).",
                pixels=format(MAX_PIXELS / 1e6, "g"),
                jpeg=format(MAX_JPEG_PIXELS / 1e6, "g"),
            ),
            422,
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected(_l("Only JPEG, PNG and WebP photos are accepted.")) from exc


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

FONTS = Path(__file__).parent / "fonts"
FONT_FILES = {"regular": FONTS / "DejaVuSans.ttf", "bold": FONTS / "DejaVuSans-Bold.ttf"}


@functools.cache
def drawing_version() -> str:
    """A digest of this module, the fonts and the layout engine: a deploy that changes how pictures are drawn
    changes the name of every stored card and the ETag of every drawn picture."""
    digest = hashlib.sha256(Path(__file__).read_bytes() + str(features.check("raqm")).encode())
    for path in FONT_FILES.values():
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@functools.cache
def font(size: int, weight: str = "regular") -> ImageFont.FreeTypeFont:
    """The shipped font of that weight ("regular", "bold"), at `size` pixels."""
    return ImageFont.truetype(FONT_FILES[weight], size)


@functools.cache
def _coverage(weight: str) -> frozenset[int]:
    """The code points the font has a glyph for (its character map): any other would be drawn
    as the font's "missing glyph" box."""
    with TTFont(FONT_FILES[weight], lazy=True) as ttf:
        return frozenset(ttf.getBestCmap())


# Right-to-left scripts (Hebrew, Arabic, which DejaVu covers) need Pillow's complex layout
# (libraqm, with FriBiDi) to be drawn in order and joined; without it they would come out
# mirrored and unjoined, which is not the person's words either.
_COMPLEX_LAYOUT = features.check("raqm")


def _invisible(char: str) -> bool:
    """Format characters (joiners, directional marks), controls and variation selectors: nothing
    to see, so nothing lost when a font has no glyph for them."""
    code = ord(char)
    return unicodedata.category(char) in ("Cf", "Cc") or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def drawable(text: str, weight: str = "regular") -> str:
    """What of `text` the font can draw, never a box: whitespace becomes a space (newlines stay
    paragraph breaks), invisible characters go, and the text stops before the first character
    the font has no glyph for (Chinese, an emoji…) or cannot lay out, with an ellipsis as when a quote is too long:
    a picture never shows words other than the person's, only fewer. Nothing drawable: ""."""
    covered = _coverage(weight)
    kept: list[str] = []
    for char in text:
        if char == "\n":
            kept.append(char)
        elif char.isspace():
            kept.append(" ")
        elif _invisible(char):  # even where the font maps one: DejaVu draws U+FE0F as a box
            continue
        elif ord(char) in covered and (_COMPLEX_LAYOUT or unicodedata.bidirectional(char) not in ("R", "AL")):
            kept.append(char)
        else:
            cut = "".join(kept).rstrip()
            return f"{cut}…" if cut else ""
    return "".join(kept)


def hex_rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def badge_png(label: str, value: str, color: str, scale: int = 2) -> bytes:
    """A two-part badge (grey label, coloured value), drawn at `scale` for sharp e-mail signatures."""
    size, pad, height = 11 * scale, 6 * scale, 20 * scale
    face = font(size)
    label, value = drawable(label), drawable(value)
    left = int(face.getlength(label)) + 2 * pad
    right = int(face.getlength(value)) + 2 * pad
    image = Image.new("RGB", (left + right, height), hex_rgb(color))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, left - 1, height), fill=(85, 85, 85))
    for x, text in ((pad, label), (left + pad, value)):
        draw.text((x, height / 2), text, font=face, fill=(255, 255, 255), anchor="lm")
    return _png(image)


class _Widths:
    """Widths of text in one font, at a cost linear in its length: each distinct character, and
    each distinct pair of neighbours (for its kerning), is measured once, so a line's width is
    what the font lays out without a whole line ever being measured."""

    def __init__(self, face: ImageFont.FreeTypeFont):
        self.advance = functools.cache(face.getlength)
        self.kerning = functools.cache(lambda a, b: face.getlength(a + b) - self.advance(a) - self.advance(b))

    def step(self, before: str | None, char: str) -> float:
        """What `char` adds to a text ending in `before` (None: at the start of a line)."""
        return self.advance(char) + (self.kerning(before, char) if before else 0.0)

    def of(self, text: str, before: str | None = None) -> float:
        total = 0.0
        for char in text:
            total += self.step(before, char)
            before = char
        return total


def _lines(text: str, widths: _Widths, width: float) -> Iterator[str]:
    """Greedy word wrap, one line at a time, so the caller stops reading once it has enough."""
    for paragraph in text.split("\n"):
        words: list[str] = []
        used = 0.0
        for word in paragraph.split():
            if words:
                added = widths.of(" " + word, before=words[-1][-1])
                if used + added <= width:
                    words.append(word)
                    used += added
                    continue
                yield " ".join(words)
            words, used = [word], widths.of(word)
            if used > width:  # longer than a line (or a script without spaces): break it
                piece: list[str] = []
                used = 0.0
                for char in word:
                    step = widths.step(piece[-1] if piece else None, char)
                    if piece and used + step > width:
                        yield "".join(piece)
                        piece, step = [], widths.step(None, char)
                        used = 0.0
                    piece.append(char)
                    used += step
                words = ["".join(piece)]
        if words:
            yield " ".join(words)


def wrap(text: str, face: ImageFont.FreeTypeFont, width: int, max_lines: int) -> list[str]:
    """Greedy word wrap to `width` pixels, in time linear in the text and bounded by the lines
    kept (see _Widths); a word longer than a line breaks between characters; the last line ends
    in an ellipsis when text is cut."""
    widths = _Widths(face)
    lines = list(itertools.islice(_lines(text, widths, width), max_lines + 1))
    if len(lines) <= max_lines:
        return lines
    last, used, fits = lines[max_lines - 1], 0.0, 0
    for i, char in enumerate(last):
        used += widths.step(last[i - 1] if i else None, char)
        if used + widths.step(char, "…") <= width:
            fits = i + 1
    return [*lines[: max_lines - 1], last[:fits].rstrip() + "…"]


def share_card_png(quote: str, name: str, detail: str, color: str) -> bytes:
    """A 1200×630 Open Graph card: the quote, who said it, and the score and site (`detail`).
    What the fonts cannot draw is left out as `drawable` says; a quote of which nothing can be
    drawn leaves the card with the name and detail alone."""
    width, height, margin = 1200, 630, 80
    accent = hex_rgb(color)
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 24, height), fill=accent)
    quote = drawable(quote)
    y = margin
    for line in wrap(f"“{quote}”", font(42), width - 2 * margin, max_lines=6) if quote else ():
        draw.text((margin, y), line, font=font(42), fill=(31, 35, 40))
        y += 56
    for text, size, weight, top, fill in (
        (name, 34, "bold", height - margin - 70, accent),
        (detail, 26, "regular", height - margin - 22, (87, 96, 106)),
    ):
        lines = wrap(drawable(text, weight).replace("\n", " "), font(size, weight), width - 2 * margin, 1)
        if lines:
            draw.text((margin, top), lines[0], font=font(size, weight), fill=fill)
    return _png(image)
