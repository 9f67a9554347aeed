"""The one Pillow entry point: every image that reaches Plaudit is opened and re-encoded here.

Uploaded photos are treated as hostile: only JPEG, PNG and WebP are even parsed, their size is
read from the header and checked before a single pixel is decoded, a JPEG is decoded at the
smallest scale libjpeg offers that still fills the avatar, the orientation is applied, and the
picture is redrawn at a fixed size into a fresh JPEG, so no metadata (GPS included) and no bytes
appended to the file survive.

Pictures Plaudit draws itself (badges, share cards) use the DejaVu Sans fonts shipped in
core/fonts (Latin with every diacritic, Greek, Cyrillic, Hebrew, Arabic…), the same on every
machine. Right-to-left text is shaped and ordered by Pillow's complex layout (libraqm) and set
against the right margin; without libraqm it is left out like a character no font has.
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

from babel import Locale
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
            f"The image is too large: at most {MAX_PIXELS / 1e6:g} megapixels "
            f"({MAX_JPEG_PIXELS / 1e6:g} for a JPEG photo).",
            422,
        ) from exc
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


# Directional marks and isolates, which the layout engine reads and never draws (CLDR writes
# Arabic's plus sign "\u200e+"; core.strings isolates figures and counts in right-to-left
# sentences). Visitors' own words have none (core.text removes them).
_BIDI_MARKS = frozenset("\u200e\u200f\u061c\u2066\u2067\u2068\u2069")


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
        elif char in _BIDI_MARKS and _COMPLEX_LAYOUT:  # ordering, not drawn: "‎+42" stays "+42" in Arabic
            kept.append(char)
        elif _invisible(char):  # even where the font maps one: DejaVu draws U+FE0F as a box
            continue
        elif ord(char) in covered and (_COMPLEX_LAYOUT or unicodedata.bidirectional(char) not in ("R", "AL")):
            kept.append(char)
        else:
            cut = "".join(kept).rstrip()
            return f"{cut}…" if cut else ""
    return "".join(kept)


def base_direction(text: str) -> str:
    """ "rtl" or "ltr", from the first letter with a strong direction, as `dir="auto"` decides in
    a browser: an Arabic quote is laid out from the right even when it quotes a Latin name."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def _direction(lang: str | None) -> str | None:
    """The direction of a language's own texts (CLDR), when the layout engine can follow it."""
    return Locale.parse(lang).text_direction if lang and _COMPLEX_LAYOUT else None


def _layout(text: str, lang: str | None, direction: str | None = None) -> dict:
    """How Pillow lays out `text`: with libraqm, in its base direction (`direction`, else its
    own) and language (which picks the font's local forms); without it, left to right
    (right-to-left text is left out by `drawable` then)."""
    if not _COMPLEX_LAYOUT:
        return {}
    return {"direction": direction or base_direction(text), "language": lang or None}


def _text(draw, box: tuple[float, float], y: float, text: str, face, fill, lang=None, anchor="a", direction=None):
    """One line between `box`'s left and right edges, from the left or the right by its direction
    (`direction`: its paragraph's, for a line that is not the first of a wrapped text)."""
    layout = _layout(text, lang, direction)
    rtl = layout.get("direction") == "rtl"
    draw.text(
        (box[1] if rtl else box[0], y), text, font=face, fill=fill, anchor=("r" if rtl else "l") + anchor, **layout
    )


def text_width(text: str, face: ImageFont.FreeTypeFont, lang: str | None = None, direction: str | None = None) -> float:
    """The width of `text` as it is drawn (shaped, in its direction)."""
    return face.getlength(text, **_layout(text, lang, direction))


def visible_length(text: str) -> int:
    """How many characters of `text` take room (directional marks and isolates take none)."""
    return sum(1 for char in text if not _invisible(char))


def hex_rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def badge_png(label: str, value: str, color: str, lang: str | None = None, scale: int = 2) -> bytes:
    """A two-part badge (grey label, coloured value), drawn at `scale` for sharp e-mail signatures.
    In a right-to-left language (`lang`) it reads from the right: the label is on the right."""
    size, pad, height = 11 * scale, 6 * scale, 20 * scale
    face = font(size)
    label, value = drawable(label), drawable(value)
    left = int(text_width(label, face, lang, _direction(lang))) + 2 * pad
    right = int(text_width(value, face, lang, _direction(lang))) + 2 * pad
    image = Image.new("RGB", (left + right, height), hex_rgb(color))
    draw = ImageDraw.Draw(image)
    parts = [(label, left), (value, right)]
    # The badge's words are the language's (not a visitor's): laid out in its direction.
    direction = _direction(lang)
    if direction == "rtl":
        parts.reverse()
    x = 0
    for text, part in parts:
        if text is label:
            draw.rectangle((x, 0, x + part - 1, height), fill=(85, 85, 85))
        box = (x + pad, x + part - pad)
        _text(draw, box, height / 2, text, face, (255, 255, 255), lang, anchor="m", direction=direction)
        x += part
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


def quoted(quote: str) -> str:
    """The quote in quotation marks that read the right way in its own direction."""
    return f"«{quote}»" if base_direction(quote) == "rtl" else f"“{quote}”"


def card_lines(quote: str) -> list[str]:
    """The lines of the quote as a card draws them."""
    quote = drawable(quote)
    return wrap(quoted(quote), font(42), CARD_TEXT_WIDTH, max_lines=6) if quote else []


CARD_SIZE, CARD_MARGIN = (1200, 630), 80
CARD_TEXT_WIDTH = CARD_SIZE[0] - 2 * CARD_MARGIN


def share_card_png(quote: str, name: str, detail: str, color: str, lang: str | None = None) -> bytes:
    """A 1200×630 Open Graph card: the quote, who said it, and the score and site (`detail`).
    What the fonts cannot draw is left out as `drawable` says; a quote of which nothing can be
    drawn leaves the card with the name and detail alone. `lang`, the answer's language: the
    accent bar is on the side a reader of it starts from; each text is set from the left or the
    right by its own direction, as `dir="auto"` does on the pages."""
    (width, height), margin = CARD_SIZE, CARD_MARGIN
    accent = hex_rgb(color)
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    rtl = _direction(lang) == "rtl"
    draw.rectangle((width - 25, 0, width, height) if rtl else (0, 0, 24, height), fill=accent)
    box = (margin, width - margin)
    y = margin
    # One paragraph: every line takes the direction of its start, as dir="auto" does.
    paragraph = base_direction(drawable(quote))
    for line in card_lines(quote):
        _text(draw, box, y, line, font(42), (31, 35, 40), lang, direction=paragraph)
        y += 56
    for text, size, weight, top, fill in (
        (name, 34, "bold", height - margin - 70, accent),
        (detail, 26, "regular", height - margin - 22, (87, 96, 106)),
    ):
        lines = wrap(drawable(text, weight).replace("\n", " "), font(size, weight), CARD_TEXT_WIDTH, 1)
        if lines:
            _text(draw, box, top, lines[0], font(size, weight), fill, lang)
    return _png(image)
