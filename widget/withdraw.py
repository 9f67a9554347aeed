"""The respondent's private page for a testimonial, from the widget's thank-you: see where it
stands, add a photo, or withdraw it. The link is the respondent's only key (core.links); it never
expires, dies with an erasure, and after a withdrawal only says that the testimonial is withdrawn."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from core import moderation
from core.images import ImageRejected
from core.links import testimonial_for_link
from core.photos import accepts_photo, replace_photo
from core.strings import page_texts
from extensions import db, limiter
from models import Testimonial
from widget import bp


def testimonial_from_token(token: str) -> Testimonial:
    testimonial = testimonial_for_link(current_app.config["SECRET_KEY"], token)
    return testimonial or abort(404, description="This link is not valid, or what it pointed to was erased.")


def private_page(testimonial: Testimonial, token: str, status: int = 200):
    page = render_template("withdraw.html", testimonial=testimonial, lang=testimonial.response.lang, token=token)
    # The address is the respondent's key: no cache keeps the page, no link on it leaks the address.
    return page, status, {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}


@bp.route("/withdraw/<token>", methods=["GET", "POST"])
def withdraw(token: str):
    """GET shows the page (so a link preview cannot withdraw anything); POST withdraws."""
    testimonial = testimonial_from_token(token)
    if request.method == "POST":
        moderation.withdraw(testimonial, "the respondent's private page")
        db.session.commit()
    return private_page(testimonial, token)


@bp.post("/withdraw/<token>/photo")
@accepts_photo
@limiter.limit(lambda: current_app.config["PLAUDIT_PHOTO_LIMIT"])
def respondent_photo(token: str):
    testimonial = testimonial_from_token(token)
    texts = page_texts(testimonial.response.lang, testimonial.site.name)
    if not moderation.takes_photo(testimonial):
        flash(texts["photo_closed"], "error")
        return private_page(testimonial, token, 409)
    try:
        replace_photo(testimonial, request.files.get("photo"), "respondent")
        # What replace_photo does: an approved testimonial shows its new photo at once.
        flash(texts["photo_shown" if testimonial.status == moderation.APPROVED else "photo_done"], "info")
    except ImageRejected:
        flash(texts["photo_refused"], "error")
    return redirect(url_for("widget.withdraw", token=token))
