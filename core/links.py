"""The respondent's private link to their testimonial (its page: add a photo, withdraw).

The link carries the testimonial's own random secret (Testimonial.link_secret), signed with the
instance's key. Never the row id: an id says nothing about whose testimonial it is, and one that
was freed could name someone else's. The secret is stored as it is, not hashed, because the
answer's API gives the same link again each time the widget completes the answer; the signature
means that a copy of the database alone (a backup, an export) still opens no private page.
Erasing the testimonial deletes its secret, and with it every link to it.
"""

from __future__ import annotations

from itsdangerous import BadSignature, Signer

from extensions import db
from models import Testimonial


def _signer(secret_key: str) -> Signer:
    # A salt of its own: links signed the old way (the row id, salt "plaudit.withdraw") never verify.
    return Signer(secret_key, salt="plaudit.private-link")


def private_link_token(secret_key: str, testimonial: Testimonial) -> str:
    return _signer(secret_key).sign(testimonial.link_secret).decode()


def testimonial_for_link(secret_key: str, token: str) -> Testimonial | None:
    """The testimonial this link was made for, or None: forged, old, or erased."""
    try:
        link_secret = _signer(secret_key).unsign(token).decode()
    except (BadSignature, UnicodeDecodeError):
        return None
    return db.session.execute(db.select(Testimonial).filter_by(link_secret=link_secret)).scalar()
