"""Conditional GETs for the public surfaces: one strong ETag recipe, one Cache-Control policy.

The ETag is computed from cheap state — the build, the URL, the site's public version (moved by
every moderation or settings change) and its answer counts — before anything is rendered, so a
revalidation answered 304 costs two small queries and no template; and once a process has
answered a revalidation 304, `Revalidations` answers the same request again without running the
app, for as long as nothing that answer showed was written (core.generation: per site).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from flask import Flask, Response, current_app, make_response, request

from core.generation import SEEN, Generation, Memo, read_all

# Set in the WSGI environ by `cached` when it answers 304, to the generations its state was read
# at: only those answers may be replayed, and only while those generations stand still.
_REPLAYABLE = "plaudit.revalidated"
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
    """Made by `cached` (the same for every visitor, whatever cookies they carry), or served to be
    shared by caches."""
    return request.environ.get(_SHARED, False) or response.headers.get("Cache-Control", "").startswith("public")


def links_follow_request() -> bool:
    """Without PLAUDIT_PUBLIC_URL, absolute links are built from the request's Host (or, behind
    PLAUDIT_PROXY_COUNT proxies, X-Forwarded-Host and -Proto): whatever a client sends."""
    return not current_app.config.get("PLAUDIT_PUBLIC_URL")


def cached(
    state: tuple,
    build: Callable[[], object],
    *,
    max_age: int = 60,
    links: bool = False,
    valid_while: dict | None = None,
) -> Response:
    """Answer 304 when the client holds the current version; else serve it, built once per state.
    `build` validates the query string itself: a client holding the ETag of a URL was served that
    URL once, so a revalidation need not validate it again.

    `links`: the body holds absolute links to Plaudit. While they follow the request's headers,
    the answer is only for the client that sent them: `private`, so that no CDN or shared cache
    keeps links a client chose and hands them to everyone (set PLAUDIT_PUBLIC_URL to share it).

    `valid_while`: the generations (core.generation.snapshot) read before `state`; while they
    stand still, `Revalidations` may answer this 304 again without the app. None: never."""
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
        if valid_while:
            request.environ[_REPLAYABLE] = valid_while
    elif _render_cache_on() and (entry := _rendered.get(etag)) is not None:
        response = Response(entry[0], status=entry[1], mimetype=entry[2])
    else:
        response = make_response(build())
        if response.status_code == 200 and _render_cache_on():
            _rendered.put(etag, (response.get_data(), response.status_code, response.mimetype))
    response.set_etag(etag)
    if links and links_follow_request():
        response.headers["Cache-Control"] = f"private, max-age={max_age}"
    else:
        response.headers["Cache-Control"] = f"public, max-age={max_age}, stale-while-revalidate={max_age * 10}"
    request.environ[_SHARED] = True
    return response


class Revalidations:
    """WSGI middleware: a conditional GET this process has answered 304 through `cached` gets the
    same 304 — the same headers, replayed — without running the app, while the generations its
    state was read at (core.generation: the site's own channel, or the settings) stand still.
    Such an ETag names the build, the URL and the site's state, which only a write of what it
    shows can move, and every such write moves those generations, so the app would answer
    exactly the same. Revalidations are what CDNs and browsers send most; through Flask, its
    extensions and this app's hooks, 304s were served at 0.64 of the minimal Flask endpoint's
    rate, and replayed at 1.4 times it (bench/read_throughput.py).

    Everything else goes to the app: other methods, requests without If-None-Match, responses
    that are not public, a request whose Vary headers differ from the remembered one, and every
    request where there is no generation (PostgreSQL without Redis)."""

    def __init__(self, app, generation: Generation, size: int = 4096):
        self.app, self.generation, self.answers = app, generation, Memo(size)

    def __call__(self, environ: dict, start_response):
        if environ.get("REQUEST_METHOD") != "GET" or "HTTP_IF_NONE_MATCH" not in environ:
            return self.app(environ, start_response)
        key = _request_key(environ)
        seen = environ.setdefault(SEEN, {})  # the app's own reads of this request, too
        answer = self.answers.get(key, _ANY)
        if answer is not None:
            valid_while, vary, headers = answer
            if read_all(self.generation, seen, tuple(valid_while)) == valid_while and all(
                environ.get(name) == value for name, value in vary
            ):
                start_response("304 NOT MODIFIED", list(headers))
                return []

        def remember(status: str, headers: list, exc_info=None):
            valid_while = environ.get(_REPLAYABLE)
            if status.startswith("304") and valid_while:
                vary = _varied(environ, headers)
                if vary is not None:  # the server dates each answer itself
                    kept = tuple(h for h in headers if h[0].lower() != "date")
                    self.answers.put(key, _ANY, (valid_while, vary, kept))
            return start_response(status, headers, exc_info)

        return self.app(environ, remember)


_ANY = 0  # the remembered answers are checked against their own generations, not the Memo's


def _request_key(environ: dict) -> tuple:
    return tuple(
        environ.get(name)
        for name in (
            "wsgi.url_scheme",
            "HTTP_HOST",
            "SERVER_NAME",
            "SERVER_PORT",
            "SCRIPT_NAME",
            "PATH_INFO",
            "QUERY_STRING",
            "HTTP_IF_NONE_MATCH",
            "HTTP_ORIGIN",  # CORS headers follow it, whatever Vary says
        )
    )


def _varied(environ: dict, headers: list) -> tuple | None:
    """The request headers the response varies by, with this request's values; None when it
    must not be replayed (neither public nor `cached`'s private answer with links, a cookie set,
    or `Vary: *`). A private one is replayed only to requests of the same key, which holds the
    host and scheme its links were built from."""
    names = []
    for name, value in headers:
        lowered = name.lower()
        if lowered == "set-cookie" or (lowered == "cache-control" and not value.startswith(("public", "private,"))):
            return None
        if lowered == "vary":
            names += [part.strip() for part in value.split(",") if part.strip()]
    if "*" in names:
        return None
    keys = ["HTTP_" + name.upper().replace("-", "_") for name in names]
    return tuple((key, environ.get(key)) for key in keys)
