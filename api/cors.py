"""Origin checks and CORS for the widget's cross-origin calls.

The server decides, not only the browser: a request whose Origin is not one of the site's gets
403 and no CORS headers for what it asked. An allowed origin is reflected exactly, never `*`, and
no credentials are ever allowed (the embeds use no cookies). Public read-only aggregates are open
to all. An error the widget meets (a wrong origin, port or key) is readable by any page, so that
the widget can tell the page's developer what is wrong instead of a bare CORS failure.

Plaudit's own hosted page (`/s/KEY`, core/hosted.py) runs the same widget on Plaudit's own origin
(core.snippets.instance_origin), which is no site's. That origin may start an answer only from
that page's address, and its answers are `link` answers; it may then complete only such answers.
Browsers write `Origin` themselves, so no page elsewhere can pass for the hosted page: with
PLAUDIT_PUBLIC_URL set, the instance's origin is that address's, whatever Host a request names.
The hosted page is same-origin: it needs no CORS header, and gets none.
"""

from __future__ import annotations

from flask import abort, g, request
from sqlalchemy.exc import SQLAlchemyError

from api import bp
from core.enums import Channel
from core.hosted import is_hosted_page
from core.sites import site_by_key
from core.snippets import instance_origin
from extensions import db
from models import Response, Site

# Read-only, public, cookie-free: any page may read them.
OPEN_ENDPOINTS = {"api.site_nps", "api.site_testimonials", "api.site_wall", "api.openapi_document"}
# What the widget calls: their error bodies (the one JSON error shape, no data) are readable by
# any page. The server has refused already; reading why it did changes nothing.
WIDGET_ENDPOINTS = {"api.site_config", "api.create_response", "api.record_view", "api.update_response"}


def site_of_request() -> Site | None:
    """The site this request is about, from the URL, looked up once per request."""
    if "cors_site" not in g:
        args = request.view_args or {}
        site = None
        try:
            if "key" in args:
                site = site_by_key(args["key"])
            elif "response_id" in args:
                response = db.session.get(Response, args["response_id"])
                site = response.site if response else None
        except SQLAlchemyError:
            db.session.rollback()
        g.cors_site = site
    return g.cors_site


def origin_allowed(site: Site) -> bool:
    return request.headers.get("Origin") in (site.origins or [])


def from_plaudit() -> bool:
    """The request comes from one of Plaudit's own pages (the hosted survey page)."""
    origin = request.headers.get("Origin")
    return origin is not None and origin == instance_origin()


def require_origin(site: Site, *, required: bool, hosted: bool = False) -> None:
    """403 unless the request comes from one of the site's pages, or, when `hosted` says the
    call is one the hosted page makes, from Plaudit's own origin. Server-to-server calls carry
    no Origin: `required` says whether they are refused (creating) or allowed (a bearer token
    already proves who is completing an answer)."""
    origin = request.headers.get("Origin")
    if origin is None and not required:
        return
    if hosted and from_plaudit():
        return
    if not origin_allowed(site):
        count = len(site.origins or [])
        abort(
            403,
            description=f"This page's origin {origin} is not one of the {count} allowed for site {site.key}. "
            f"Add {origin} to the site's allowed origins in the back office (Sites → Settings).",
        )


def answer_channel(site: Site, page_url: str | None, invited: bool = False) -> Channel:
    """The channel of a new answer (after `require_origin(…, hosted=True)`), from what the
    browser vouches for: Plaudit's own origin on this site's hosted page is `link`; one of the
    site's origins is `web`; Plaudit's origin on any other page, 403. (The demo page is
    Plaudit's too, on its demo site's origins: `web`, not being the hosted page.) The hosted
    page opened from an e-mail invitation (`invited`: the body names it; core/invitations.py
    checks its token) is `email`."""
    if from_plaudit() and is_hosted_page(site.key, page_url):
        return Channel.EMAIL if invited else Channel.LINK
    if invited:
        abort(403, description="An invitation is answered on its hosted page only.")
    require_origin(site, required=True)
    return Channel.WEB


def readable_refusal(response) -> bool:
    """An error answer to one of the widget's own calls. Never a preflight's: a refused page
    still cannot send JSON or a bearer token."""
    return response.status_code >= 400 and request.method != "OPTIONS" and request.endpoint in WIDGET_ENDPOINTS


@bp.after_request
def add_cors_headers(response):
    # Even when this request has no Origin: a cache (a CDN, a browser) that
    # stored an answer without CORS headers must not hand it to a page's cross-origin fetch.
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    if not origin:
        return response
    if request.endpoint in OPEN_ENDPOINTS:
        response.headers["Access-Control-Allow-Origin"] = "*"
    else:
        site = site_of_request()
        if site is None or not origin_allowed(site):
            if readable_refusal(response):
                response.headers["Access-Control-Allow-Origin"] = "*"
            return response
        response.headers["Access-Control-Allow-Origin"] = origin
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PATCH"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Authorization"
        response.headers["Access-Control-Max-Age"] = "7200"
    response.headers["Access-Control-Expose-Headers"] = "Retry-After, RateLimit-Reset"
    return response
