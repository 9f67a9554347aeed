"""The moderation API: the queue, and approving or rejecting one testimonial."""

from __future__ import annotations

from flask import abort, request

from api import bp
from api.auth import current_caller
from api.serializers import moderation_testimonial
from api.sites import site_or_404
from core import moderation
from core.queries import moderation_page, visible_sites
from core.query_args import moderation_query_args
from extensions import db
from models import Testimonial


def testimonial_for(caller, testimonial_id: int) -> Testimonial:
    testimonial = db.session.get(Testimonial, testimonial_id) or abort(404, description="No such testimonial.")
    caller.require_site(testimonial.site)
    return testimonial


@bp.get("/moderation/testimonials")
def moderation_queue():
    caller = current_caller()
    args = moderation_query_args.load(request.args)
    sites = visible_sites(caller.user)
    if "site" in args:
        site = site_or_404(args["site"])
        caller.require_site(site)
        sites = [site]
    rows, cursor = moderation_page(sites, args)
    db.session.commit()  # the token's last use
    return {"testimonials": [moderation_testimonial(t) for t in rows], "next_cursor": cursor}


@bp.post("/moderation/testimonials/<id:testimonial_id>/<any(approve, reject):action>")
def moderate(testimonial_id: int, action: str):
    caller = current_caller()
    testimonial = testimonial_for(caller, testimonial_id)
    getattr(moderation, action)(testimonial, caller.label)
    db.session.commit()
    return moderation_testimonial(testimonial)
