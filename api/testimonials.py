"""Public reads of a site: approved testimonials, the data wall.js draws, and the NPS.

All are public, cookie-free and cached: a strong ETag (core.http_cache) that moves at once when a
testimonial is approved, edited, unpublished or withdrawn, or when an answer arrives.
"""

from __future__ import annotations

from flask import request

from api import bp
from api.serializers import public_testimonial
from api.sites import site_or_404
from core.enums import TestimonialStatus
from core.http_cache import cached
from core.queries import page_of, testimonials_query
from core.query_args import testimonials_query_args, wall_query_args
from core.snippets import public_url
from core.strings import direction, honest_numbers, visitor_lang, wall_texts
from core.wall import chosen_from, load_wall, public_state_or_404
from extensions import limiter


@bp.get("/sites/<key>/testimonials")
@limiter.exempt
def site_testimonials(key: str):
    state = public_state_or_404(key)

    def build():
        args = testimonials_query_args.load(request.args)
        site = site_or_404(key)
        query = testimonials_query(
            sites=[site], status=TestimonialStatus.APPROVED, tag=args.get("tag"), before_id=args.get("cursor")
        )
        rows, cursor = page_of(query, args["limit"])
        return {
            "testimonials": [public_testimonial(t) for t in rows],
            "next_cursor": cursor,
            "chosen_from": chosen_from(site, state.summary),
        }

    return cached(state.etag_parts, build, links=True, valid_while=state.valid_while)


@bp.get("/sites/<key>/wall")
@limiter.exempt
def site_wall(key: str):
    """Everything wall.js needs in one response: testimonials, honest numbers, texts, theme."""
    state = public_state_or_404(key)

    def build():
        args = wall_query_args.load(request.args)
        site = site_or_404(key)
        lang = visitor_lang(args.get("lang"), site.default_lang)
        wall = load_wall(site, limit=args["limit"], tag=args.get("tag"), summary=state.summary)
        if not wall.shown:
            # wall.js draws nothing; nothing here words or counts what is missing.
            return {"site": {"key": site.key, "name": site.name}, "lang": lang, "testimonials": []}
        honest = honest_numbers(lang, site.name, wall.published, state.summary, wall.chosen_from)
        return {
            "site": {"key": site.key, "name": site.name, "url": public_url("wall.wall_page", key=site.key)},
            "lang": lang,
            "dir": direction(lang),
            "texts": wall_texts(lang, site.name),
            "honest": {"chosen_from": honest.chosen_from, "nps": honest.nps_line},
            "theme": {"color": site.theme_color},
            "nps": state.summary.public(),
            "published": wall.published,
            "testimonials": [public_testimonial(t) for t in wall.testimonials],
        }

    return cached(state.etag_parts, build, links=True, valid_while=state.valid_while)


@bp.get("/sites/<key>/nps")
@limiter.exempt
def site_nps(key: str):
    state = public_state_or_404(key)
    return cached(state.etag_parts, state.summary.public, valid_while=state.valid_while)
