"""The moderation API: the queue, and approving or rejecting one testimonial."""

from __future__ import annotations

from flask import abort

from api import bp
from api.auth import SECURITY, Caller, current_caller
from api.parsing import resolved
from api.schemas import ModeratedTestimonial, ModerationQueue
from api.sites import site_or_404
from core import moderation
from core.queries import moderation_page, visible_sites
from core.query_args import moderation_query_args
from extensions import db
from models import Testimonial


def testimonial_for(caller: Caller, testimonial_id: int) -> Testimonial:
    testimonial = db.session.get(Testimonial, testimonial_id) or abort(404, description="No such testimonial.")
    caller.require_site(testimonial.site)
    return testimonial


@bp.get("/moderation/testimonials")
@resolved("caller", current_caller)
@bp.arguments(moderation_query_args, location="query")
@bp.response(200, ModerationQueue)
@bp.described(401, 403, 404, security=SECURITY)
def moderation_queue(args: dict, caller: Caller):
    """The moderation queue of the caller's sites, with consent receipts (`status=all` for every status)"""
    sites = visible_sites(caller.user)
    if "site" in args:
        site = site_or_404(args["site"])
        caller.require_site(site)
        sites = [site]
    rows, cursor = moderation_page(sites, args)
    db.session.commit()  # the token's last use
    return {"testimonials": rows, "next_cursor": cursor}


@bp.post("/moderation/testimonials/<id:testimonial_id>/<any(approve, reject):action>")
@bp.response(200, ModeratedTestimonial)
@bp.described(401, 403, 404, 409, security=SECURITY)
def moderate(testimonial_id: int, action: str):
    """Approve (a consent receipt is required) or reject one testimonial

    Rejecting an approved testimonial takes it down at once; 409 when a rule refuses (no receipt,
    withdrawn).
    """
    caller = current_caller()
    testimonial = testimonial_for(caller, testimonial_id)
    getattr(moderation, action)(testimonial, caller.label)
    db.session.commit()
    return testimonial
