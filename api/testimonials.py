"""Public reads of a site: approved testimonials, the data wall.js draws, and the NPS.

All are public, cookie-free and cached: a strong ETag (core.http_cache) that moves at once when a
testimonial is approved, edited, unpublished or withdrawn, or when an answer arrives.
"""

from __future__ import annotations

from api import bp
from api.parsing import resolved
from api.schemas import Nps, Testimonials, Wall
from api.sites import site_or_404
from core.enums import TestimonialStatus
from core.http_cache import cached
from core.queries import page_of, testimonials_query
from core.query_args import testimonials_query_args, wall_query_args
from core.snippets import public_url
from core.strings import direction, honest_numbers, visitor_lang, wall_texts
from core.wall import PublicState, chosen_from, load_wall, public_state_or_404
from extensions import limiter

testimonials_schema, wall_schema, nps_schema = Testimonials(), Wall(), Nps()


@bp.get("/sites/<key>/testimonials")
@limiter.exempt
@resolved("state", public_state_or_404)
@bp.arguments(testimonials_query_args, location="query")
@bp.response(200, Testimonials)
@bp.described(404, not_modified=True)
def site_testimonials(args: dict, key: str, state: PublicState):
    """Approved testimonials, newest first; `next_cursor` pages on"""

    def build():
        site = site_or_404(key)
        query = testimonials_query(
            sites=[site], status=TestimonialStatus.APPROVED, tag=args.get("tag"), before_id=args.get("cursor")
        )
        rows, cursor = page_of(query, args["limit"])
        page = {"testimonials": rows, "next_cursor": cursor, "chosen_from": chosen_from(site, state.summary)}
        return testimonials_schema.dump(page)

    return cached(state.etag_parts, build, links=True)


@bp.get("/sites/<key>/wall")
@limiter.exempt
@resolved("state", public_state_or_404)
@bp.arguments(wall_query_args, location="query")
@bp.response(200, Wall)
@bp.described(404, not_modified=True)
def site_wall(args: dict, key: str, state: PublicState):
    """Everything wall.js draws in one answer: testimonials, honest numbers, texts, theme"""

    def build():
        site = site_or_404(key)
        lang = visitor_lang(args.get("lang"), site.default_lang)
        wall = load_wall(site, limit=args["limit"], tag=args.get("tag"), summary=state.summary)
        if not wall.shown:
            # wall.js draws nothing; nothing here words or counts what is missing.
            return wall_schema.dump({"site": {"key": site.key, "name": site.name}, "lang": lang, "testimonials": []})
        honest = honest_numbers(lang, site.name, wall.published, state.summary, wall.chosen_from)
        return wall_schema.dump(
            {
                "site": {"key": site.key, "name": site.name, "url": public_url("wall.wall_page", key=site.key)},
                "lang": lang,
                "dir": direction(lang),
                "texts": wall_texts(lang, site.name),
                "honest": {"chosen_from": honest.chosen_from, "nps": honest.nps_line},
                "theme": {"color": site.theme_color},
                "nps": state.summary.public(),
                "published": wall.published,
                "testimonials": wall.testimonials,
            }
        )

    return cached(state.etag_parts, build, links=True)


@bp.get("/sites/<key>/nps")
@limiter.exempt
@bp.response(200, Nps)
@bp.described(404, not_modified=True)
def site_nps(key: str):
    """The site's NPS, counted over every answer that is not a repeat"""
    state = public_state_or_404(key)
    return cached(state.etag_parts, lambda: nps_schema.dump(state.summary.public()))
