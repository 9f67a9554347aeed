"""Attaching a photo to a testimonial: validation through core.images, storage, audit."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import current_app
from werkzeug.datastructures import FileStorage

from core.images import ImageRejected, delete_stored, store_avatar
from core.moderation import log
from core.strings import wall_texts
from extensions import db
from models import Testimonial


def media_dir() -> Path:
    return Path(current_app.config["PLAUDIT_MEDIA_DIR"])


def replace_photo(testimonial: Testimonial, upload: FileStorage | None, actor: str) -> None:
    """Store the re-encoded photo, swap it in, delete the old file once the swap is committed.

    Raises ImageRejected (with the 4xx code to answer) for anything that is not a usable photo.
    """
    if upload is None or not upload.filename:
        raise ImageRejected("Send the photo as a multipart field named 'photo'.", 422)
    name = store_avatar(upload.read(), media_dir())
    old, testimonial.photo = testimonial.photo, name
    log(actor, "photo", testimonial, replaced=bool(old))
    try:
        db.session.commit()
    except Exception:
        delete_stored(name, media_dir())
        raise
    delete_stored(old, media_dir())


def share_card(testimonial: Testimonial) -> bytes:
    """The testimonial's 1200×630 card, drawn once per version of its words and kept on disk."""
    from core.images import share_card_png

    response, site = testimonial.response, testimonial.site
    # No name given means anonymous, said in the answer's language; never the site as author.
    name = testimonial.display_name or wall_texts(response.lang, site.name)["anonymous"]
    detail = " · ".join(part for part in (testimonial.role, f"{response.score}/10", site.name) if part)
    version = hashlib.sha256("\n".join([testimonial.quote, name, detail, site.theme_color]).encode()).hexdigest()[:16]
    folder = media_dir() / "cards"
    path = folder / f"{testimonial.id}-{version}.png"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        delete_cards(testimonial.id)
        path.write_bytes(share_card_png(testimonial.quote.strip(), name, detail, site.name, site.theme_color))
    return path.read_bytes()


def delete_cards(testimonial_id: int) -> None:
    """Remove every drawn card of a testimonial (when it changes, or is erased)."""
    for old in (media_dir() / "cards").glob(f"{testimonial_id}-*.png"):
        old.unlink(missing_ok=True)
