"""Conditional GETs for the public surfaces: one strong ETag recipe, one Cache-Control policy.

The ETag is computed from cheap state — the build, the URL, the site's public version (moved by
every moderation or settings change) and its answer counts — before anything is rendered, so a
revalidation answered 304 costs two small queries and no template. Browsers and CDNs keep the
copies (`Cache-Control: public`, a short max-age, stale-while-revalidate); the server keeps no
rendered copy.

What the server itself keeps in memory, and what each thing kept measurably earns, is told in
one place: README.md, Performance, "What the server keeps, and why".
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from flask import Flask, Response, current_app, make_response, request

# Set by `cached` on every answer: the same for every visitor, whatever cookies they carry.
_SHARED = "plaudit.shared"


def build_id(app: Flask) -> str:
    """A digest of the templates, static files and compiled catalogs: a deploy that changes them
    (a translation too) changes every ETag."""
    digest = hashlib.sha256()
    root = Path(app.root_path)
    for folder, pattern in ((root / "templates", "*"), (Path(app.static_folder), "*"), (root / "translations", "*.mo")):
        for file in sorted(folder.rglob(pattern)):
            if file.is_file():
                digest.update(file.relative_to(folder).as_posix().encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def is_public(response: Response) -> bool:
    """Made by `cached` (the same for every visitor, whatever cookies they carry), or served to be
    shared by caches."""
    return request.environ.get(_SHARED, False) or response.headers.get("Cache-Control", "").startswith("public")


def links_follow_request() -> bool:
    """Without PLAUDIT_PUBLIC_URL, absolute links are built from the request's Host (or, behind
    PLAUDIT_PROXY_COUNT proxies, X-Forwarded-Host and -Proto): whatever a client sends."""
    return not current_app.config["PLAUDIT_PUBLIC_URL"]


def cached(state: tuple, build: Callable[[], object], *, max_age: int = 60, links: bool = False) -> Response:
    """Answer 304 when the client holds the current version; else build and serve it.
    `build` validates the query string itself: a client holding the ETag of a URL was served that
    URL once, so a revalidation need not validate it again.

    `links`: the body holds absolute links to Plaudit. While they follow the request's headers,
    the answer is only for the client that sent them: `private`, so that no CDN or shared cache
    keeps links a client chose and hands them to everyone (set PLAUDIT_PUBLIC_URL to share it)."""
    # The host is part of it: without PLAUDIT_PUBLIC_URL, absolute links follow the request's.
    key = "|".join(
        map(
            str,
            (
                current_app.config["PLAUDIT_BUILD"],
                request.scheme,
                request.host,
                request.script_root,
                request.full_path,
                *state,
            ),
        )
    )
    etag = hashlib.sha256(key.encode()).hexdigest()[:32]
    response = Response(status=304) if request.if_none_match.contains(etag) else make_response(build())
    response.set_etag(etag)
    if links and links_follow_request():
        response.headers["Cache-Control"] = f"private, max-age={max_age}"
    else:
        response.headers["Cache-Control"] = f"public, max-age={max_age}, stale-while-revalidate={max_age * 10}"
    request.environ[_SHARED] = True
    return response
