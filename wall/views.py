"""Public social proof: the wall page, the embeds' files, badges, share cards and photos."""

from __future__ import annotations

from flask import Response, abort, g, render_template, request, send_from_directory
from flask_login import current_user

from core.assets import asset_response
from core.enums import TestimonialStatus
from core.http_cache import cached
from core.images import badge_png, drawing_version, visible_length
from core.photos import media_dir, share_card
from core.sites import site_or_404
from core.snippets import public_url
from core.strings import direction, honest_numbers, visitor_lang, wall_texts
from core.wall import load_wall, public_state_or_404
from extensions import db
from models import Site, Testimonial
from wall import bp

WALL_PAGE_LIMIT = 100


def wall_lang(site: Site) -> str:
    g.page_lang = visitor_lang(request.args.get("lang"), site.default_lang)  # also for an error page
    return g.page_lang


@bp.get("/wall/<key>")
def wall_page(key: str):
    state = public_state_or_404(key)

    def build():
        site = site_or_404(key)
        lang = wall_lang(site)
        wall = load_wall(site, limit=WALL_PAGE_LIMIT, summary=state.summary)
        if not wall.shown:
            abort(404, description="Nothing is published here yet.")
        honest = honest_numbers(lang, site.name, wall.published, wall.summary, wall.chosen_from)
        t = wall_texts(lang, site.name)
        return render_template(
            "wall.html", wall=wall, lang=lang, dir=direction(lang), t=t, honest=honest, public_url=public_url
        )

    return cached(state.etag_parts, build, links=True, valid_while=state.valid_while)


def badge(key: str, draw, *version):
    """Both badges: the same numbers, the same honesty below the minimum sample; `version`, what
    else the picture depends on."""
    state = public_state_or_404(key)

    def build():
        site = site_or_404(key)
        lang = wall_lang(site)
        honest = honest_numbers(lang, site.name, 0, state.summary)
        return draw(site, honest.nps, honest.badge_title, lang)

    return cached((*state.etag_parts, *version), build, valid_while=state.valid_while)


@bp.get("/badge/<key>.svg")
def badge_svg(key: str):
    return badge(
        key,
        lambda site, value, title, lang: Response(
            render_template(
                "badge.svg",
                value=value,
                chars=visible_length(value),
                title=title,
                color=site.theme_color,
                lang=lang,
                dir=direction(lang),
            ),
            mimetype="image/svg+xml",
        ),
    )


@bp.get("/badge/<key>.png")
def badge_image(key: str):
    return badge(
        key,
        lambda site, value, title, lang: Response(
            badge_png("NPS", value, site.theme_color, lang), mimetype="image/png"
        ),
        drawing_version(),
    )


def approved_or_404(testimonial_id: int) -> Testimonial:
    testimonial = db.session.get(Testimonial, testimonial_id)
    if testimonial is None or testimonial.status != TestimonialStatus.APPROVED:
        abort(404, description="No published testimonial has this number.")
    return testimonial


@bp.get("/t/<id:testimonial_id>")
def share_page(testimonial_id: int):
    t = approved_or_404(testimonial_id)
    # The answer's language unless `?lang=` asks for another (the URL is part of the ETag).
    lang = g.page_lang = visitor_lang(request.args.get("lang"), t.response.lang)
    return cached(
        (t.site.public_version, t.updated_at),
        lambda: render_template(
            "share.html",
            t=t,
            lang=lang,
            dir=direction(lang),
            texts=wall_texts(lang, t.site.name),
            public_url=public_url,
        ),
        links=True,
    )


@bp.get("/t/<id:testimonial_id>.png")
def share_image(testimonial_id: int):
    t = approved_or_404(testimonial_id)

    def build():
        card = share_card(t) or abort(404, description="This testimonial's card could not be drawn.")
        return Response(card, mimetype="image/png")

    return cached((t.site.public_version, t.updated_at, drawing_version()), build)


@bp.get("/wall.js")
def wall_js():
    return asset_response("wall.js")


@bp.get("/wall.css")
def wall_css():
    return asset_response("wall.css")


def photo_visible(testimonial: Testimonial | None) -> bool:
    """Public once approved; before that, only to the people who moderate that site."""
    if testimonial is None:
        return False
    if testimonial.status == TestimonialStatus.APPROVED:
        return True
    return current_user.is_authenticated and current_user.can_access(testimonial.site)


@bp.get("/media/<name>")
def media(name: str):
    testimonial = db.session.execute(db.select(Testimonial).filter_by(photo=name)).scalar()
    if not photo_visible(testimonial):
        abort(404, description="No such photo.")
    response = send_from_directory(media_dir(), name, mimetype="image/jpeg", max_age=300)
    response.headers["X-Content-Type-Options"] = "nosniff"
    public = testimonial.status == TestimonialStatus.APPROVED
    response.headers["Cache-Control"] = "public, max-age=300" if public else "private, no-store"
    return response
