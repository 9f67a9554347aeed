"""The respondent's private link to withdraw a testimonial, from the widget's thank-you."""

from __future__ import annotations

from flask import abort, current_app, render_template, request

from core import moderation
from core.links import read_withdraw_token
from core.photos import delete_cards
from extensions import db
from models import Testimonial
from widget import bp


def testimonial_from_token(token: str) -> Testimonial:
    testimonial_id = read_withdraw_token(current_app.config["SECRET_KEY"], token)
    testimonial = db.session.get(Testimonial, testimonial_id) if testimonial_id else None
    return testimonial or abort(404, description="This link is not valid, or what it pointed to was erased.")


@bp.route("/withdraw/<token>", methods=["GET", "POST"])
def withdraw(token: str):
    """GET asks to confirm (so a link preview cannot withdraw anything); POST withdraws."""
    testimonial = testimonial_from_token(token)
    if request.method == "POST":
        moderation.withdraw(testimonial, "respondent")
        db.session.commit()
        delete_cards(testimonial.id)
    return render_template("withdraw.html", testimonial=testimonial, lang=testimonial.response.lang)
