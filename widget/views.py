"""The widget's files, cached by browsers and CDNs and revalidated by ETag, and the demo page."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import rcssmin
import rjsmin
from flask import Response, abort, current_app, render_template, request

from extensions import db
from models import Site
from widget import bp
from widget.snippets import embed_snippets, public_base_url

ASSETS = {
    "widget.js": ("js/widget.js", "text/javascript", rjsmin.jsmin),
    "widget.css": ("css/widget.css", "text/css", rcssmin.cssmin),
}


@cache
def _asset(path: str, mtime: float, minify) -> tuple[bytes, str]:
    # Keyed on the modification time, so an edited file is picked up without a restart.
    source = (Path(current_app.static_folder) / path).read_text(encoding="utf-8")
    body = minify(source, keep_bang_comments=True).encode()
    return body, hashlib.sha256(body).hexdigest()[:32]


def asset_response(name: str) -> Response:
    relative, mimetype, minify = ASSETS[name]
    file = Path(current_app.static_folder) / relative
    body, etag = _asset(relative, file.stat().st_mtime, minify)
    response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    # The pasted URL never changes, so caches revalidate often and serve stale while they do.
    response.headers["Cache-Control"] = "public, max-age=300, stale-while-revalidate=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # The widget fetches its stylesheet to adopt it in its shadow root (CSP-proof), so the
    # stylesheet must be readable from any page; it holds nothing private.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response.make_conditional(request)


@bp.get("/widget.js")
def widget_js():
    return asset_response("widget.js")


@bp.get("/widget.css")
def widget_css():
    return asset_response("widget.css")


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/demo")
def demo():
    site = db.session.execute(db.select(Site).filter_by(is_demo=True)).scalar()
    if site is None:
        abort(404, description="No demo site yet: run `flask --app app demo` (make run does).")
    return render_template("demo.html", site=site, base=public_base_url(), snippets=embed_snippets(site.key))
