"""The hosted survey page `/s/KEY` and its QR code: the site's survey, by the same widget, on a
page Plaudit serves in the site's name and colour, for links, receipts and counters."""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Response, g, render_template, request

from core import invitations
from core.hosted import hosted_link, qr_png, qr_svg
from core.http_cache import cached
from core.query_args import hosted_query_args
from core.sites import site_or_404
from core.strings import direction
from models import Site
from widget import bp

DEFAULT_ACCENT = "#4f46e5"


def accent(site: Site) -> str:
    color = site.theme_color or ""
    return color.lower() if re.fullmatch(r"#[0-9a-fA-F]{6}", color) else DEFAULT_ACCENT


def page_policy(inline_css: str) -> str:
    """Only Plaudit's own files run, style and are called; the one inline style (the site's
    colour) is allowed by its hash, never by 'unsafe-inline'. The widget styles its shadow root
    with a constructed stylesheet, which is no inline style."""
    digest = base64.b64encode(hashlib.sha256(inline_css.encode()).digest()).decode()
    return (
        f"default-src 'none'; script-src 'self'; style-src 'self' 'sha256-{digest}'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


@bp.get("/s/<key>")
def hosted_page(key: str):
    """A plain GET records nothing (mail filters follow every link): the score of a link is chosen
    by the page's script, once a person has the page in front of them (static/js/hosted.js)."""
    site = site_or_404(key)
    g.page_lang = site.default_lang  # the error page's language, should the query be refused
    survey = hosted_query_args.load(request.args.to_dict())
    # The page's language, for its texts (core.i18n: a public surface's choice wins) and its
    # error page.
    lang = g.page_lang = g.locale = survey["lang"] or site.default_lang
    color = accent(site)
    inline_css = f":root{{--accent:{color}}}"
    # An invitation's link that can no longer be answered says so, rather than a survey whose
    # answer would be refused. Its state changes with time, not settings: never replayed.
    closed = bool(survey["i"]) and not invitations.answerable(site, survey["i"])
    response = cached(
        (site.name, color, site.default_lang, closed),
        lambda: render_template(
            "public/hosted.html",
            site=site,
            lang=lang,
            dir=direction(lang),
            survey=survey,
            color=color,
            inline_css=inline_css,
            closed=closed,
        ),
    )
    response.headers["Content-Security-Policy"] = page_policy(inline_css)
    # The page's address may carry a score or a segment: it is nobody else's business.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def qr_code(key: str, draw, mimetype: str) -> Response:
    """The hosted link, with the link's touchpoint, language and attributes, as a QR code."""
    site = site_or_404(key)
    survey = hosted_query_args.load(request.args.to_dict())
    link = hosted_link(site.key, survey.get("touchpoint"), survey["lang"], survey["attributes"])
    # Long-lived: a link never changes (the ETag follows the build and the address it encodes).
    return cached((link,), lambda: Response(draw(link), mimetype=mimetype), max_age=3600, links=True)


@bp.get("/s/<key>/qr.svg")
def hosted_qr_svg(key: str):
    return qr_code(key, qr_svg, "image/svg+xml")


@bp.get("/s/<key>/qr.png")
def hosted_qr_png(key: str):
    return qr_code(key, qr_png, "image/png")
