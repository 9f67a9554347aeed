"""Browser fixtures: the app behind a real HTTP server on 127.0.0.1, host pages on another
origin (localhost, another port), and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from app import create_app
from config import TestConfig
from extensions import db
from models import Site
from tests.conftest import database_url, empty_database

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    path = os.environ.get("PLAUDIT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("No Chromium found: install Debian's `chromium` or set PLAUDIT_CHROMIUM (make test does).")
    return path


class Server:
    """A WSGI app served in a thread until the fixture ends."""

    def __init__(self, wsgi_app, host: str):
        self._server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()


class HostPages:
    """Pages of a site that embeds Plaudit: registered per test, served with their headers."""

    def __init__(self):
        self.pages: dict[str, tuple[str, dict]] = {}

    def add(self, path: str, html: str, headers: dict | None = None) -> None:
        self.pages[path] = (html, headers or {})

    def __call__(self, environ, start_response):
        request = Request(environ)
        html, headers = self.pages.get(request.path, ("not found", {}))
        status = 200 if request.path in self.pages else 404
        return Response(html, status=status, mimetype="text/html", headers=headers)(environ, start_response)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    config = {k: v for k, v in vars(TestConfig).items() if k.isupper()}
    config["SQLALCHEMY_DATABASE_URI"] = database_url(tmp_path_factory.mktemp("live"))
    config["PLAUDIT_PUBLIC_URL"] = None
    config["PLAUDIT_MEDIA_DIR"] = str(tmp_path_factory.mktemp("media"))
    # As deployed: view counts reach the database from the app's own thread (quickly, here).
    config["PLAUDIT_VIEW_FLUSHER"], config["PLAUDIT_VIEW_FLUSH_SECONDS"] = True, 0.2
    # Every test's visitor answers from 127.0.0.1, dozens within a minute: the per-address limit
    # on answers (tests/test_hardening.py checks it) would refuse the later tests' visitors.
    config["PLAUDIT_SUBMIT_LIMIT"] = "1000/minute"
    # So do its owners log in, more than fifty times an hour now (test_admin_auth checks the limit).
    config["PLAUDIT_LOGIN_LIMIT"] = "1000/minute"
    app = create_app(config)
    with app.app_context():
        empty_database()
        db.create_all()
    server = Server(app, "127.0.0.1")
    app.config["LIVE_URL"] = server.url
    yield app
    server.stop()
    with app.app_context():
        db.session.remove()
        empty_database()
        db.engine.dispose()


@pytest.fixture(scope="session")
def host_pages() -> Iterator[HostPages]:
    pages = HostPages()
    server = Server(pages, "localhost")
    pages.origin = server.url
    yield pages
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def live_site(live_app, host_pages):
    """A fresh site on the live server whose only allowed origin is the host pages' origin."""

    def make(**fields) -> Site:
        with live_app.app_context():
            site = Site(
                name=fields.pop("name", "Host blog"), origins=fields.pop("origins", [host_pages.origin]), **fields
            )
            db.session.add(site)
            db.session.commit()
            db.session.refresh(site)
            db.session.expunge(site)
            return site

    return make


def seed_testimonial(site: Site, quote: str, *, score: int = 10, status: str = "pending", **fields) -> None:
    """A consented testimonial and its answer (call inside the live app's context; the caller
    commits; the database counts the answer)."""
    from models import Response, Testimonial, utcnow

    n = db.session.execute(db.select(db.func.count()).select_from(Response)).scalar()
    response = Response(
        site_id=site.id,
        score=score,
        category="promoter" if score >= 9 else "passive",
        why=quote,
        lang="en",
        visitor_hash=f"seed-{site.id}-{n}",
        token_hash="t",
    )
    db.session.add(
        Testimonial(
            site_id=site.id,
            response=response,
            quote=quote,
            status=status,
            approved_at=utcnow() if status == "approved" else None,
            consent_text="I agree",
            consent_version=1,
            consented_at=utcnow(),
            **fields,
        )
    )
