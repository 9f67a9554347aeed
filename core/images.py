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

from PIL import Image, ImageOps, UnidentifiedImageError

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
