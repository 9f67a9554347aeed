"""Fixtures: a fresh database per test (SQLite in memory, or TEST_DATABASE_URL), the client,
the CLI runner, and helpers to make sites."""

from __future__ import annotations

import os

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text

from app import create_app
from config import TestConfig, normalise_database_url
from extensions import db as _db
from models import Site

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
ORIGIN = "https://blog.example"


def database_url(tmp_path) -> str:
    if TEST_DATABASE_URL:
        return normalise_database_url(TEST_DATABASE_URL)
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


def empty_database() -> None:
    """Drop everything, including Alembic's bookkeeping, so each test starts from nothing."""
    _db.drop_all()
    with _db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


class FreshContextClient(FlaskClient):
    """Each request in its own app context, as in production.

    The tests keep an app context open to use the database; without this, requests would share
    it, and with it `g` (Flask-WTF's CSRF token, cached lookups) and the database session.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if has_app_context():
            _db.session.expire_all()  # the test's own objects reload what the request changed
        return response


@pytest.fixture
def make_app(tmp_path):
    def make(**overrides):
        config = {k: v for k, v in vars(TestConfig).items() if k.isupper()}
        config["SQLALCHEMY_DATABASE_URI"] = database_url(tmp_path)
        # Photos and cards of this test only: a card remembered by another test's run (same id,
        # same words) would be served instead of drawn.
        config["PLAUDIT_MEDIA_DIR"] = str(tmp_path / "media")
        config.update(overrides)
        app = create_app(config)
        app.test_client_class = FreshContextClient
        return app

    return make


@pytest.fixture
def app_config() -> dict:
    """Settings a test module gives its `app` (override this fixture in the module)."""
    return {}


@pytest.fixture
def app(make_app, app_config):
    app = make_app(**app_config)
    with app.app_context():
        empty_database()
        _db.create_all()
        yield app
        _db.session.remove()
        empty_database()
        _db.engine.dispose()


def app_with_site(make_app, **config):
    """A second app of the test's own settings, on an emptied database holding one site (outside
    the `app` fixture, so tests can compare settings); returns the app and the site's key."""
    app = make_app(**config)
    with app.app_context():
        empty_database()
        _db.create_all()
        site = Site(name="Busy", origins=[ORIGIN])
        _db.session.add(site)
        _db.session.commit()
        return app, site.key


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app, monkeypatch):
    # The CLI speaks the environment's language (core.i18n.environment_locale); these tests read
    # English whatever the machine's, and a test of another language sets its own.
    monkeypatch.setenv("LC_ALL", "C")
    return app.test_cli_runner()


@pytest.fixture
def make_site(db):
    def make(**fields) -> Site:
        fields.setdefault("name", "Test blog")
        fields.setdefault("origins", [ORIGIN])
        site = Site(**fields)
        db.session.add(site)
        db.session.commit()
        return site

    return make


@pytest.fixture
def site(make_site):
    return make_site()


def csrf_from(html: str) -> str:
    """The CSRF token a back-office page embeds in its forms."""
    import re

    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def make_user(db):
    from models import User

    def make(email: str, role: str = "moderator", sites=(), password: str = "correct horse battery", all_sites=False):
        user = User(email=email, role=role, sites=list(sites), all_sites=all_sites)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user

    return make


def login(client, email: str, password: str = "correct horse battery", next_url: str | None = None):
    page = client.get("/admin/login" + (f"?next={next_url}" if next_url else ""))
    return client.post(
        "/admin/login",
        data={
            "email": email,
            "password": password,
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "next": next_url or "",
        },
    )


@pytest.fixture
def make_testimonial(db):
    """A consented testimonial, as the widget would leave it (pending, with a receipt)."""
    from models import Response, Testimonial, utcnow

    counter = iter(range(1, 10_000))

    def make(
        site, *, quote="Great service", score=10, status="pending", receipt=True, respondent=None, lang="en", **fields
    ):
        n = next(counter)
        response = Response(
            site=site,
            score=score,
            category="promoter" if score >= 9 else "passive" if score >= 7 else "detractor",
            why=quote,
            lang=lang,
            visitor_hash=f"{n:064d}",
            token_hash="x" * 64,
            respondent=respondent,
        )
        testimonial = Testimonial(site_id=site.id, response=response, quote=quote, status=status, **fields)
        if receipt:
            testimonial.consent_text = f"I agree that {site.name} may publish my answer"
            testimonial.consent_version = 1
            testimonial.consented_at = utcnow()
        db.session.add_all([response, testimonial])
        db.session.commit()
        return testimonial

    return make


@pytest.fixture
def smtp():
    """A real SMTP server for one test, on a free port (tests/smtp_server.py)."""
    from tests.smtp_server import SMTPServer

    server = SMTPServer()
    server.start()
    yield server
    server.stop()
