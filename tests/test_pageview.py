"""A page view as the hot path: the widget config cached by browsers and CDNs, view counts
batched instead of committed one by one, and caches that only a change to what they show moves."""

from __future__ import annotations

import json
import os
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from core import consent
from models import Site
from tests.conftest import ORIGIN, TEST_DATABASE_URL

HEADERS = {"Origin": ORIGIN}

# On PostgreSQL, Redis carries the generations (as in production): see tests/test_wall.py.
REDIS_FOR_POSTGRESQL = (
    {"REDIS_URL": os.environ["TEST_REDIS_URL"]} if TEST_DATABASE_URL and "TEST_REDIS_URL" in os.environ else {}
)


@pytest.fixture
def app_config():
    return REDIS_FOR_POSTGRESQL


def config_url(site, lang="en") -> str:
    return f"/api/v1/sites/{site.key}/config?lang={lang}"


def test_the_config_is_public_and_revalidated_with_a_strong_etag(client, site):
    served = client.get(config_url(site), headers=HEADERS)
    assert served.status_code == 200
    etag = served.headers["ETag"]
    assert etag.startswith('"')  # strong
    assert served.headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=600"
    assert served.headers["Vary"] == "Origin"  # not Cookie: every visitor gets the same config
    assert "Set-Cookie" not in served.headers
    again = client.get(config_url(site), headers={**HEADERS, "If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag
    assert again.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert client.get(config_url(site, "fr"), headers=HEADERS).headers["ETag"] != etag


def test_a_new_consent_text_is_served_at_once_on_revalidation(client, db, site):
    served = client.get(config_url(site), headers=HEADERS)
    etag = served.headers["ETag"]
    for _ in range(2):  # the second from what the process keeps of the site
        assert client.get(config_url(site), headers={**HEADERS, "If-None-Match": etag}).status_code == 304
    own = db.session.get(Site, site.id)
    shown = consent.current_texts(own)
    own.texts = {"en": {"consent": "You may quote me anywhere."}}
    assert consent.new_version_if_changed(own, shown)
    db.session.commit()
    changed = client.get(config_url(site), headers={**HEADERS, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.json["texts"]["consent"] == "You may quote me anywhere."
    assert changed.json["consent_version"] == served.json["consent_version"] + 1


def test_a_settings_change_is_served_at_once_on_revalidation(client, db, site):
    etag = client.get(config_url(site), headers=HEADERS).headers["ETag"]
    assert client.get(config_url(site), headers={**HEADERS, "If-None-Match": etag}).status_code == 304
    db.session.get(Site, site.id).theme_color = "#112233"
    db.session.commit()
    changed = client.get(config_url(site), headers={**HEADERS, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.json["theme"]["color"] == "#112233"


TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")


@contextmanager
def commits_counted(app):
    """Every database commit while the block runs, whoever makes it (sessions or connections)."""
    from extensions import db

    with app.app_context():
        engine = db.engine
    seen = []

    def count(_connection):
        seen.append(1)

    event.listen(engine, "commit", count)
    try:
        yield seen
    finally:
        event.remove(engine, "commit", count)


def beacon(client, site_key: str, touchpoint: str | None = None):
    body = json.dumps({"touchpoint": touchpoint} if touchpoint else {})
    return client.post(f"/api/v1/sites/{site_key}/views", data=body, headers={**HEADERS, "Content-Type": "text/plain"})


def stored_views(app, site_id: int) -> dict[str, int]:
    from extensions import db
    from models import DailyView

    with app.app_context():
        rows = db.session.execute(db.select(DailyView.touchpoint, DailyView.count).filter_by(site_id=site_id))
        counts = dict(rows.all())
        db.session.remove()
    return counts


def test_view_beacons_commit_nothing_until_a_flush_then_count_exactly(app, client, site):
    with commits_counted(app) as commits:
        for touchpoint in ["pricing"] * 7 + [None] * 5:
            assert beacon(client, site.key, touchpoint).status_code == 204
        assert commits == []
        assert stored_views(app, site.id) == {}
        from core.rollups import flush_views

        with app.app_context():
            assert flush_views() == 2  # two rows, in one transaction
        assert len(commits) == 1
    assert stored_views(app, site.id) == {"pricing": 7, "": 5}
    for _ in range(3):
        beacon(client, site.key, "pricing")
    with app.app_context():
        flush_views()
        assert flush_views() == 0  # nothing left to add
    assert stored_views(app, site.id) == {"pricing": 10, "": 5}


def test_views_pending_at_exit_are_flushed(app, client, site):
    """What a worker's graceful exit runs (registered with atexit when the flusher starts)."""
    from core.rollups import ViewFlusher

    for _ in range(4):
        beacon(client, site.key)
    ViewFlusher().stop(app)
    assert stored_views(app, site.id) == {"": 4}


@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs Redis (TEST_REDIS_URL)")
def test_with_redis_two_instances_counts_add_up(make_app):
    import redis

    from core.rollups import REDIS_KEY, flush_views
    from tests.conftest import app_with_site

    redis.Redis.from_url(TEST_REDIS_URL).delete(REDIS_KEY)  # nothing from another test's run
    first, key = app_with_site(make_app, REDIS_URL=TEST_REDIS_URL)
    second = make_app(REDIS_URL=TEST_REDIS_URL)  # another host, on the same database and Redis
    with first.app_context():
        from extensions import db

        site_id = db.session.execute(db.select(Site.id).filter_by(key=key)).scalar_one()
    with commits_counted(first) as commits:
        for _ in range(3):
            beacon(first.test_client(), key, "home")
        for _ in range(4):
            beacon(second.test_client(), key, "home")
        assert commits == []
    with second.app_context():
        flush_views()  # either instance's flush adds everyone's
    assert stored_views(first, site_id) == {"home": 7}


needs_a_generation = pytest.mark.skipif(
    bool(TEST_DATABASE_URL) and not REDIS_FOR_POSTGRESQL, reason="PostgreSQL without Redis has no generation"
)


@needs_a_generation
def test_only_what_a_site_shows_moves_its_caches(app, client, make_site, make_testimonial, runner, make_user):
    """A revalidation reads the database only after a write of what it shows (the Memo caches,
    core/generation.py): a view beacon, its flush and a token's last-used stamp move no site's;
    an answer on A moves A's walls, not B's, nor A's config."""
    from sqlalchemy import event

    from core.rollups import flush_views
    from extensions import db

    a, b = make_site(name="A"), make_site(name="B")
    for site in (a, b):
        make_testimonial(site, quote=f"Words for {site.name}", status="approved")
    make_user("mod@example.org", "moderator", sites=[a, b])
    token = json.loads(runner.invoke(args=["token", "create", "--email", "mod@example.org", "--json"]).output)["token"]
    statements = []

    def note(_connection, _cursor, statement, *_args) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    urls = [f"/api/v1/sites/{a.key}/wall", f"/wall/{a.key}", f"/api/v1/sites/{b.key}/wall", config_url(a)]
    etags = {url: client.get(url, headers=HEADERS).headers["ETag"] for url in urls}

    def revalidated() -> dict[str, tuple[int, int]]:
        """Each URL's status on revalidation, and how many statements it ran."""
        answers = {}
        for url in urls:
            statements.clear()
            answers[url] = (
                client.get(url, headers={**HEADERS, "If-None-Match": etags[url]}).status_code,
                len(statements),
            )
        return answers

    try:
        revalidated()  # what each process keeps is read once
        assert revalidated() == {url: (304, 0) for url in urls}

        assert beacon(client, a.key, "home").status_code == 204
        flush_views()
        queue = client.get("/api/v1/moderation/testimonials", headers={"Authorization": f"Bearer {token}"})
        assert queue.status_code == 200
        assert revalidated() == {url: (304, 0) for url in urls}  # still from memory, every one

        answered = client.post(f"/api/v1/sites/{a.key}/responses", json={"score": 10}, headers=HEADERS)
        assert answered.status_code == 201
        after = revalidated()
        assert [after[url][0] for url in urls] == [200, 200, 304, 304]  # A's counts moved
        assert after[urls[0]][1] > 0 and after[urls[1]][1] > 0
        assert after[urls[2]][1] == after[urls[3]][1] == 0  # B's wall and A's config: not read again
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_views_are_counted_in_memory_while_redis_is_away(app, client, site):
    """A Redis that does not answer never costs a view: counted in the process, flushed alike."""
    import socket

    from core.rollups import ViewCounts, flush_views

    with socket.socket() as unused:  # a port nobody listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    app.extensions["plaudit_views"] = ViewCounts(f"redis://127.0.0.1:{port}/0")
    for _ in range(3):
        assert beacon(client, site.key, "away").status_code == 204
    with app.app_context():
        assert flush_views() == 1
    assert stored_views(app, site.id) == {"away": 3}
