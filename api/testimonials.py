"""Public testimonials of a site: approved ones only, newest first, cursor-paginated."""

from __future__ import annotations

from flask import request

from api import bp
from api.schemas import testimonials_query_args
from api.serializers import public_testimonial
from api.sites import site_or_404
from core.queries import page_of, testimonials_query
from core.survey import site_summary


@bp.get("/sites/<key>/testimonials")
def site_testimonials(key: str):
    site = site_or_404(key)
    args = testimonials_query_args.load(request.args)
    query = testimonials_query(sites=[site], status="approved", tag=args.get("tag"), before_id=args.get("cursor"))
    rows, cursor = page_of(query, args["limit"])
    return {
        "testimonials": [public_testimonial(t) for t in rows],
        "next_cursor": cursor,
        "chosen_from": site_summary(site).total,
    }
