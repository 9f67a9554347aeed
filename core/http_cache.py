"""Conditional GETs for the public surfaces: one strong ETag recipe, one Cache-Control policy.

The ETag is computed from cheap state — the build, the URL, the site's public version (moved by
every moderation or settings change) and its answer counts — before anything is rendered, so a
revalidation answered 304 costs two small queries and no template.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
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


class _Rendered:
    """Recently built public responses, by ETag: the ETag names the URL and the state it was
    built from, so an entry is valid for as long as anyone asks for that ETag. Per process,
    bounded, least recently used out first."""

    def __init__(self, size: int = 256):
        self.size, self.entries, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, etag: str) -> tuple | None:
        with self.lock:
            entry = self.entries.get(etag)
            if entry is not None:
                self.entries.move_to_end(etag)
            return entry

    def put(self, etag: str, entry: tuple) -> None:
        with self.lock:
            self.entries[etag] = entry
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


_rendered = _Rendered()


def _render_cache_on() -> bool:
    # FLASK_PLAUDIT_RENDER_CACHE=false builds every response (benchmarks of the cold path).
    return bool(current_app.config.get("PLAUDIT_RENDER_CACHE", True))


def is_public(response: Response) -> bool:
    """Made by `cached`: the same for every visitor, whatever cookies they carry."""
    return response.headers.get("Cache-Control", "").startswith("public")


def cached(state: tuple, build: Callable[[], object], *, max_age: int = 60) -> Response:
    """Answer 304 when the client holds the current version; else serve it, built once per state.
    `build` validates the query string itself: a client holding the ETag of a URL was served that
    URL once, so a revalidation need not validate it again."""
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
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    elif _render_cache_on() and (entry := _rendered.get(etag)) is not None:
        response = Response(entry[0], status=entry[1], mimetype=entry[2])
    else:
        response = make_response(build())
        if response.status_code == 200 and _render_cache_on():
            _rendered.put(etag, (response.get_data(), response.status_code, response.mimetype))
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={max_age}, stale-while-revalidate={max_age * 10}"
    return response
