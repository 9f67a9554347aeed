"""Public pages and files of approved testimonials."""

from __future__ import annotations

from flask import abort, send_from_directory
from flask_login import current_user

from core.photos import media_dir
from extensions import db
from models import Testimonial
from wall import bp


def photo_visible(testimonial: Testimonial | None) -> bool:
    """Public once approved; before that, only to the people who moderate that site."""
    if testimonial is None:
        return False
    if testimonial.status == "approved":
        return True
    return current_user.is_authenticated and current_user.can_access(testimonial.site)


@bp.get("/media/<name>")
def media(name: str):
    testimonial = db.session.execute(db.select(Testimonial).filter_by(photo=name)).scalar()
    if not photo_visible(testimonial):
        abort(404, description="No such photo.")
    response = send_from_directory(media_dir(), name, mimetype="image/jpeg", max_age=300)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = (
        "public, max-age=300" if testimonial.status == "approved" else "private, no-store"
    )
    return response
