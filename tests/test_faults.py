"""Faults: the database or Redis goes away and comes back; the service answers cleanly throughout
and recovers without a restart. They need the real servers, so they run in the PostgreSQL pass
of the suite (TEST_DATABASE_URL) and where Redis is given (TEST_REDIS_URL); CI sets both."""

from __future__ import annotations

import logging
import os
import secrets

import pytest
from sqlalchemy.engine import make_url

from config import normalise_database_url
from tests.conftest import ORIGIN, TEST_DATABASE_URL, app_with_site, empty_database
from tests.tcp_proxy import TcpProxy

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")


def through(proxy: TcpProxy, url: str) -> str:
    return make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


def redis_proxy() -> tuple[TcpProxy, str]:
    """A proxy in front of the test Redis, and the Redis URL that goes through it."""
    real = make_url(TEST_REDIS_URL.replace("redis://", "redis+x://"))
    proxy = TcpProxy(real.host or "127.0.0.1", real.port or 6379)
    return proxy, TEST_REDIS_URL.replace(f"{real.host}:{real.port or 6379}", f"127.0.0.1:{proxy.port}")


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
    proxy, storage = redis_proxy()
    app, key = app_with_site(
        make_app,
        RATELIMIT_STORAGE_URI=storage,
        PLAUDIT_SUBMIT_LIMIT="2/minute",
        RATELIMIT_KEY_PREFIX=f"plaudit-test-{os.getpid()}-{proxy.port}",
    )
    from extensions import db

    try:
        # A visitor of its own: Flask-Limiter is process-global and keeps the first app's key
        # prefix, and Redis keeps counts from a run a minute ago.
        visitor = {"REMOTE_ADDR": f"10.77.{secrets.randbelow(250)}.{secrets.randbelow(250)}"}

        def post():
            return client.post(
                f"/api/v1/sites/{key}/responses", json={"score": 9}, headers={"Origin": ORIGIN}, environ_base=visitor
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


@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs Redis (TEST_REDIS_URL)")
def test_writes_made_while_redis_was_away_are_not_hidden_when_it_returns(make_app, caplog):
    """One process writes while Redis is away and cannot announce it; when Redis returns, neither
    it nor a process that never noticed the outage serves what it kept from before."""
    proxy, through_proxy = redis_proxy()
    writer, key = app_with_site(make_app, REDIS_URL=through_proxy)
    reader = make_app(REDIS_URL=TEST_REDIS_URL)  # another process, on the same database
    nps = f"/api/v1/sites/{key}/nps"
    try:
        assert reader.test_client().get(nps).json["total"] == 0  # kept at this generation
        proxy.cut()
        with caplog.at_level(logging.WARNING, logger="plaudit.generation"):
            for visitor in range(2):
                answered = writer.test_client().post(
                    f"/api/v1/sites/{key}/responses",
                    json={"score": 9},
                    headers={"Origin": ORIGIN},
                    environ_base={"REMOTE_ADDR": f"10.9.0.{visitor}"},
                )
                assert answered.status_code == 201
        assert len(caplog.records) == 1  # once per outage, not once per request
        proxy.restore()
        assert writer.test_client().get(nps).json["total"] == 2
        assert reader.test_client().get(nps).json["total"] == 2
        assert "Redis answers again" in caplog.text
    finally:
        proxy.close()


@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs Redis (TEST_REDIS_URL)")
def test_a_redis_that_comes_back_empty_cannot_bring_old_reads_back(make_app):
    """Restarted without its data, Redis counts from zero again, and may reach the very number a
    process kept its reads at while the data changed: the epoch tells them apart."""
    import redis

    from core.generation import KEY
    from core.survey import record_response
    from extensions import db
    from models import Site

    server = redis.Redis.from_url(TEST_REDIS_URL)
    app, key = app_with_site(make_app, REDIS_URL=TEST_REDIS_URL)
    nps = f"/api/v1/sites/{key}/nps"
    assert app.test_client().get(nps).json["total"] == 0
    kept = server.hget(KEY, "writes")
    server.delete(KEY)  # Redis restarted empty
    with app.app_context():
        site = db.session.execute(db.select(Site).where(Site.key == key)).scalar_one()
        record_response(site, {"score": 9}, "after-the-restart")
        db.session.remove()
    server.hset(KEY, "writes", kept)  # and the count is back at the number kept
    assert app.test_client().get(nps).json["total"] == 1
