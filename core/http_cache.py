"""Conditional GETs for the public surfaces: one strong ETag recipe, one Cache-Control policy.

The ETag is computed from cheap state — the build, the URL, the site's public version (moved by
every moderation or settings change) and its answer counts — before anything is rendered, so a
revalidation answered 304 costs two small queries and no template.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from flask import Flask, Response, current_app, make_response, request


def build_id(app: Flask) -> str:
    """A digest of the templates and static files: a deploy that changes them changes every ETag."""
    digest = hashlib.sha256()
    for folder in (Path(app.root_path) / "templates", Path(app.static_folder)):
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                digest.update(file.relative_to(folder).as_posix().encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def cached(state: tuple, build: Callable[[], object], *, max_age: int = 60) -> Response:
    """Answer 304 when the client holds the current version, else build and tag the response."""
    key = "|".join(map(str, (current_app.config["PLAUDIT_BUILD"], request.full_path, *state)))
    etag = hashlib.sha256(key.encode()).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = make_response(build())
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={max_age}, stale-while-revalidate={max_age * 10}"
    return response
