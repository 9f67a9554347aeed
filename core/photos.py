"""A testimonial's pictures: its photo (validated through core.images, stored, audited) and its
share card (drawn once per version, kept on disk)."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from flask import current_app, has_app_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from core import moderation
from core.images import ImageRejected, delete_stored, drawing_version, share_card_png, store_avatar
from core.moderation import log
from core.strings import wall_texts
from extensions import db
from models import Testimonial

logger = logging.getLogger("plaudit.photos")
# A public request waits at most this long for a card another worker is drawing…
CARD_WAIT = 0.8
# …and a claim older than this belongs to a worker that died drawing (drawing takes well under 1 s).
CARD_STALE = 10


def media_dir() -> Path:
    return Path(current_app.config["PLAUDIT_MEDIA_DIR"])


def accepts_photo(view: Callable) -> Callable:
    """Marks a view that takes a photo upload: its body may be PLAUDIT_PHOTO_MAX_BYTES long
    instead of MAX_CONTENT_LENGTH (see `allow_photo_body`)."""
    view.accepts_photo = True  # type: ignore[attr-defined]
    return view


def allow_photo_body() -> None:
    """The body limit of a photo view, set before anything reads the body: an app-wide hook
    that runs ahead of CSRF protection, which parses the form before the view runs."""
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "accepts_photo", False):
        request.max_content_length = current_app.config["PLAUDIT_PHOTO_MAX_BYTES"]


def replace_photo(testimonial: Testimonial, upload: FileStorage | None, actor: str) -> None:
    """Store the re-encoded photo, swap it in, delete the old file once the swap is committed.

    Raises ImageRejected (with the 4xx code to answer) for anything that is not a usable photo.
    """
    if not moderation.takes_photo(testimonial):
        raise ImageRejected("This testimonial was withdrawn or will not be published: it takes no photo.", 409)
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


def share_card(testimonial: Testimonial) -> bytes | None:
    """The testimonial's 1200×630 card, drawn once per version (of its words, its site's colour
    and the drawing code) and kept on disk; None when that version cannot be had.

    One worker draws a version, under a claim file made with O_EXCL; others wait for it a moment
    (drawing takes a fraction of a second). A version whose drawing failed, or whose worker died
    drawing it, is not drawn again: link previews asking again must not cost a drawing each.
    """
    quote, name, detail, color = _card_words(testimonial)
    stem = card_stem(testimonial)
    folder = media_dir() / "cards"
    card, claim, failed = (folder / f"{stem}.{kind}" for kind in ("png", "claim", "failed"))
    if card.exists():
        return card.read_bytes()
    if failed.exists():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(claim, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return _drawn_by_another(card, claim)
    delete_cards(testimonial.id, keep=stem)
    try:
        png = share_card_png(quote, name, detail, color, testimonial.response.lang)
    except Exception:
        logger.exception("share card %s could not be drawn; it will not be tried again", stem)
        claim.rename(failed)
        return None
    partial = folder / f"{stem}.{secrets.token_hex(4)}.tmp"
    partial.write_bytes(png)
    partial.replace(card)  # atomic: a reader sees no card or the whole card
    claim.unlink(missing_ok=True)
    return png


def _card_words(testimonial: Testimonial) -> tuple[str, str, str, str]:
    """What a card shows: the quote, who said it, the role, score and site, and the colour."""
    response, site = testimonial.response, testimonial.site
    # No name given means anonymous, said in the answer's language; never the site as author.
    name = testimonial.display_name or wall_texts(response.lang, site.name)["anonymous"]
    detail = " · ".join(part for part in (testimonial.role, f"{response.score}/10", site.name) if part)
    return testimonial.quote.strip(), name, detail, site.theme_color


def card_stem(testimonial: Testimonial) -> str:
    """The name of a card's version: what it shows and how it is drawn."""
    words = "\n".join([*_card_words(testimonial), drawing_version()])
    return f"{testimonial.id}-{hashlib.sha256(words.encode()).hexdigest()[:16]}"


def _drawn_by_another(card: Path, claim: Path) -> bytes | None:
    """The card another worker is drawing, if it comes within CARD_WAIT seconds; None when the
    claim is old (its worker died drawing) or was marked failed."""
    try:
        if time.time() - claim.stat().st_mtime > CARD_STALE:
            return None
    except FileNotFoundError:  # drawn (or given up) just now
        pass
    deadline = time.monotonic() + CARD_WAIT
    while time.monotonic() < deadline:
        if card.exists():
            return card.read_bytes()
        if not claim.exists():
            break
        time.sleep(0.05)
    return card.read_bytes() if card.exists() else None


def delete_cards(testimonial_id: int, keep: str | None = None) -> None:
    """Remove every drawn card of a testimonial, and what remembers a failed one (when it
    changes, or is erased); `keep` spares the version being drawn."""
    for old in (media_dir() / "cards").glob(f"{testimonial_id}-*"):
        if keep is None or not old.name.startswith(f"{keep}."):
            old.unlink(missing_ok=True)


TO_FORGET = "plaudit.files_to_forget"


def forget_after_commit(testimonial: Testimonial) -> None:
    """A withdrawal: the testimonial's cards and photo go from disk once it is committed (the
    respondent took their words and face back; a rolled-back change keeps them)."""
    db.session.info.setdefault(TO_FORGET, set()).add((testimonial.id, testimonial.photo))
    testimonial.photo = None


@event.listens_for(Session, "after_commit")
def _forget_files(session: Session) -> None:
    files = session.info.pop(TO_FORGET, set())
    if files and has_app_context():
        for testimonial_id, photo in files:
            delete_cards(testimonial_id)
            delete_stored(photo, media_dir())


@event.listens_for(Session, "after_rollback")
def _keep_files(session: Session) -> None:
    session.info.pop(TO_FORGET, None)
