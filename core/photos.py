"""Attaching a photo to a testimonial: validation through core.images, storage, audit."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from werkzeug.datastructures import FileStorage

from core.images import ImageRejected, delete_stored, store_avatar
from core.moderation import log
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
