"""Faults: the database or Redis goes away and comes back; the service answers cleanly throughout
and recovers without a restart. They need the real servers, so they run in the PostgreSQL pass
of the suite (TEST_DATABASE_URL) and where Redis is given (TEST_REDIS_URL); CI sets both."""

from __future__ import annotations

import logging
import os

import pytest
from sqlalchemy.engine import make_url

from config import normalise_database_url
from tests.conftest import ORIGIN, TEST_DATABASE_URL, app_with_site, empty_database
from tests.tcp_proxy import TcpProxy

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")


def through(proxy: TcpProxy, url: str) -> str:
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


def error_shape(response, code: int) -> None:
    assert response.status_code == code, response.get_data(as_text=True)
    assert set(response.json) == {"code", "status", "message", "errors"} and response.json["code"] == code


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL (the suite's TEST_DATABASE_URL pass)")
def test_postgres_outage_is_reported_and_recovered_from(make_app):
    url = normalise_database_url(TEST_DATABASE_URL)
    real = make_url(url)
    proxy = TcpProxy(real.host or "127.0.0.1", real.port or 5432)
    app = make_app(SQLALCHEMY_DATABASE_URI=through(proxy, url))
    from extensions import db
    from models import Site

    try:
        with app.app_context():
            empty_database()
            db.create_all()
            site = Site(name="Fault", origins=[ORIGIN])
            db.session.add(site)
            db.session.commit()
            key = site.key
            db.session.remove()
        client = app.test_client()
        assert client.get("/healthz").status_code == 200

        proxy.cut()  # PostgreSQL "restarts"
        error_shape(client.get("/healthz"), 503)
        error_shape(client.post(f"/api/v1/sites/{key}/responses", json={"score": 9}, headers={"Origin": ORIGIN}), 503)
        error_shape(client.get(f"/api/v1/sites/{key}/nps"), 503)

        proxy.restore()  # back, and the app recovers by itself
        assert client.get("/healthz").status_code == 200
        assert (
            client.post(f"/api/v1/sites/{key}/responses", json={"score": 9}, headers={"Origin": ORIGIN}).status_code
            == 201
        )
        assert client.get(f"/api/v1/sites/{key}/nps").json["total"] == 1
    finally:
        proxy.close()
        with app.app_context():
            db.engine.dispose()
        cleanup = make_app()
        with cleanup.app_context():
            empty_database()


@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs Redis (TEST_REDIS_URL)")
def test_redis_outage_fails_open_with_a_warning_and_recovers(make_app, caplog):
    real = make_url(TEST_REDIS_URL.replace("redis://", "redis+x://"))
    proxy = TcpProxy(real.host or "127.0.0.1", real.port or 6379)
    storage = TEST_REDIS_URL.replace(f"{real.host}:{real.port or 6379}", f"127.0.0.1:{proxy.port}")
    app, key = app_with_site(
        make_app,
        RATELIMIT_STORAGE_URI=storage,
        PLAUDIT_SUBMIT_LIMIT="2/minute",
        RATELIMIT_KEY_PREFIX=f"plaudit-test-{os.getpid()}-{proxy.port}",
    )
    from extensions import db

    try:

        def post():
            return client.post(
                f"/api/v1/sites/{key}/responses", json={"score": 9}, headers={"Origin": ORIGIN}
            ).status_code

        client = app.test_client()
        assert [post(), post(), post()] == [201, 201, 429]  # limited through Redis

        proxy.cut()  # Redis goes away: visitors are not refused for it
        with caplog.at_level(logging.WARNING):
            assert [post(), post()] == [201, 201]
        assert any(record.levelno >= logging.WARNING for record in caplog.records)

        proxy.restore()  # and limits hold again, with the counts Redis kept
        assert post() == 429
    finally:
        proxy.close()
        with app.app_context():
            db.session.remove()
            db.drop_all()
