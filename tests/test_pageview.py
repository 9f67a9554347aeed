"""A page view as the hot path: the widget config cached by browsers and CDNs, view counts
batched instead of committed one by one, and caches that only a change to what they show moves."""

from __future__ import annotations

import os

import pytest

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
    for _ in range(2):  # the second may be replayed without running the app
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
