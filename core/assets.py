"""The embeds' scripts and stylesheets, served by widget/ and wall/ alike: minified once, cached
by browsers and CDNs, revalidated by a strong ETag."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import rcssmin
from calmjs.parse import es5
from calmjs.parse.unparsers.es5 import minify_print
from flask import Response, current_app, request


def jsmin(source: str) -> str:
    """The script without comments or blanks, its local names shortened: the embeds' weight
    budgets (bench/widget_weight.py) leave no room for readable names, the source keeps them."""
    return minify_print(es5(source), obfuscate=True, obfuscate_globals=False)


def cssmin(source: str) -> str:
    return rcssmin.cssmin(source, keep_bang_comments=True)


ASSETS = {
    "widget.js": ("js/widget.js", "text/javascript", jsmin),
    "widget.css": ("css/widget.css", "text/css", cssmin),
    "wall.js": ("js/wall.js", "text/javascript", jsmin),
    "wall.css": ("css/wall.css", "text/css", cssmin),
}


@cache
def _asset(path: str, mtime: float, minify) -> tuple[bytes, str]:
    # Keyed on the modification time, so an edited file is picked up without a restart.
    source = (Path(current_app.static_folder) / path).read_text(encoding="utf-8")
    body = minify(source).encode()
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
