"""Fixtures: a fresh database per test (SQLite in memory, or TEST_DATABASE_URL), the client,
the CLI runner, and helpers to make sites."""

from __future__ import annotations

import os

import pytest
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


@pytest.fixture
def make_app(tmp_path):
    def make(**overrides):
        config = {k: v for k, v in vars(TestConfig).items() if k.isupper()}
        config["SQLALCHEMY_DATABASE_URI"] = database_url(tmp_path)
        config.update(overrides)
        return create_app(config)

    return make


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        empty_database()
        _db.create_all()
        yield app
        _db.session.remove()
        empty_database()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
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
