"""The embeds' scripts and stylesheets: minified once, cached by browsers and CDNs, revalidated
by a strong ETag."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import rcssmin
import rjsmin
from flask import Response, current_app, request

ASSETS = {
    "widget.js": ("js/widget.js", "text/javascript", rjsmin.jsmin),
    "widget.css": ("css/widget.css", "text/css", rcssmin.cssmin),
    "wall.js": ("js/wall.js", "text/javascript", rjsmin.jsmin),
    "wall.css": ("css/wall.css", "text/css", rcssmin.cssmin),
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
    # The embeds fetch their stylesheet to adopt it in their shadow root (CSP-proof), so it
    # must be readable from any page; none of these files holds anything private.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response.make_conditional(request)
