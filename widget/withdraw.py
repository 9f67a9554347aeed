"""The respondent's private page for a testimonial, from the widget's thank-you: add a photo, or
withdraw it. The signed link is the respondent's only key; it never expires."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from core import moderation
from core.images import ImageRejected
from core.links import read_withdraw_token
from core.photos import accepts_photo, delete_cards, replace_photo
from core.strings import page_texts
from extensions import db, limiter
from models import Testimonial
from widget import bp


def testimonial_from_token(token: str) -> Testimonial:
    testimonial_id = read_withdraw_token(current_app.config["SECRET_KEY"], token)
    testimonial = db.session.get(Testimonial, testimonial_id) if testimonial_id else None
    return testimonial or abort(404, description="This link is not valid, or what it pointed to was erased.")


@bp.route("/withdraw/<token>", methods=["GET", "POST"])
def withdraw(token: str):
    """GET shows the page (so a link preview cannot withdraw anything); POST withdraws."""
    testimonial = testimonial_from_token(token)
    if request.method == "POST":
        moderation.withdraw(testimonial, "respondent")
        db.session.commit()
        delete_cards(testimonial.id)
    return render_template("withdraw.html", testimonial=testimonial, lang=testimonial.response.lang, token=token)


@bp.post("/withdraw/<token>/photo")
@accepts_photo
@limiter.limit(lambda: current_app.config["PLAUDIT_PHOTO_LIMIT"])
def respondent_photo(token: str):
    testimonial = testimonial_from_token(token)
    texts = page_texts(testimonial.response.lang, testimonial.site.name)
    if testimonial.status == "withdrawn":
        abort(409, description="This testimonial was withdrawn.")
    try:
        replace_photo(testimonial, request.files.get("photo"), "respondent")
        flash(texts["photo_done"], "info")
    except ImageRejected:
        flash(texts["photo_refused"], "error")
    return redirect(url_for("widget.withdraw", token=token))
