"""Consent receipts name the text the visitor was shown: versions, and 409 for a replaced one."""

from __future__ import annotations

import pytest

from core.strings import LANGUAGES
from models import ConsentText, Response, Testimonial
from tests.conftest import csrf_from, login
from tests.test_api import HEADERS, assert_error_shape, count, patch, post_score


@pytest.fixture
def owner(client, make_user, site):
    make_user("owner@example.org", "owner", sites=[site])
    login(client, "owner@example.org")


def owner_saves(client, site, **changes) -> None:
    """The owner saves the settings form as the page shows it, with `changes`."""
    page = client.get(f"/admin/sites/{site.key}/settings").get_data(as_text=True)
    form = {
        "csrf_token": csrf_from(page),
        "name": site.name,
        "origins": "\n".join(site.origins),
        "default_lang": site.default_lang,
        "theme_color": site.theme_color,
        "resurvey_days": str(site.resurvey_days),
        "min_sample": str(site.min_sample),
        "consent_scope": site.consent_scope,
        **{f"consent_{lang}": (site.texts or {}).get(lang, {}).get("consent", "") for lang in ("en", "fr")},
        **changes,
    }
    assert client.post(f"/admin/sites/{site.key}/settings", data=form).status_code == 302


def config(client, site, lang="en") -> dict:
    return client.get(f"/api/v1/sites/{site.key}/config?lang={lang}", headers=HEADERS).json


def consent(client, created, version, **extra):
    body = {"why": "Fast support", "consent": True, "display_name": "Camille D.", **extra}
    if version is not None:
        body["consent_version"] = version
    return patch(client, created, body)


def test_the_receipt_keeps_the_version_the_widget_showed(client, db, site):
    shown = config(client, site)
    assert shown["consent_version"] == 1
    assert (
        shown["texts"]["consent"]
        == "I agree that Test blog may publish my answer, with the name below, on its website."
    )
    created = post_score(client, site, {"score": 10, "lang": "en"})
    assert consent(client, created, shown["consent_version"]).status_code == 200
    testimonial = db.session.execute(db.select(Testimonial)).scalar_one()
    row = db.session.get(ConsentText, testimonial.consent_text_id)
    assert (row.site_id, row.version, row.lang, row.text) == (site.id, 1, "en", shown["texts"]["consent"])
    assert testimonial.consent_text == shown["texts"]["consent"] and testimonial.consent_version == 1
    assert testimonial.consent_confirmed is True


def test_a_text_changed_between_load_and_send_is_refused_then_asked_again(client, db, site, owner):
    shown = config(client, site)
    created = post_score(client, site, {"score": 10, "lang": "en"})
    owner_saves(client, site, consent_en="Quote me on {name}, with my photo.")

    refused = consent(client, created, shown["consent_version"])
    body = assert_error_shape(refused, 409)
    assert "changed" in body["message"] and body["errors"]["consent_version"]
    # Nothing of the refused request was written: no testimonial, no why.
    assert count(db, Testimonial) == 0 and db.session.get(Response, created.json["id"]).why is None

    again = config(client, site)
    assert again["consent_version"] == 2 and again["texts"]["consent"] == "Quote me on Test blog, with my photo."
    assert consent(client, created, again["consent_version"]).status_code == 200
    testimonial = db.session.execute(db.select(Testimonial)).scalar_one()
    assert testimonial.consent_text == "Quote me on Test blog, with my photo." and testimonial.consent_version == 2


def test_the_receipt_stays_the_text_agreed_to_after_later_changes(client, db, site, owner):
    created = post_score(client, site, {"score": 10, "lang": "en"})
    consent(client, created, config(client, site)["consent_version"])
    owner_saves(client, site, consent_en="Entirely new words.")
    testimonial = db.session.execute(db.select(Testimonial)).scalar_one()
    db.session.refresh(testimonial)
    assert testimonial.consent_text.startswith("I agree that Test blog may publish")
    old = db.session.get(ConsentText, testimonial.consent_text_id)
    assert old.version == 1 and old.text == testimonial.consent_text
    assert client.get("/admin/?status=all").get_data(as_text=True).count("I agree that Test blog may publish") == 1


def test_renaming_the_site_is_a_new_version_of_its_text(client, db, site, owner):
    shown = config(client, site)
    created = post_score(client, site, {"score": 10, "lang": "en"})
    owner_saves(client, site, name="Renamed blog")
    assert_error_shape(consent(client, created, shown["consent_version"]), 409)
    again = config(client, site)
    assert again["consent_version"] == 2 and "Renamed blog may publish" in again["texts"]["consent"]


def test_a_change_in_another_language_does_not_ask_again(client, db, site, owner):
    shown = config(client, site, "en")
    created = post_score(client, site, {"score": 10, "lang": "en"})
    owner_saves(client, site, consent_fr="Vous pouvez me citer.")
    assert config(client, site, "fr")["texts"]["consent"] == "Vous pouvez me citer."
    assert consent(client, created, shown["consent_version"]).status_code == 200
    testimonial = db.session.execute(db.select(Testimonial)).scalar_one()
    assert testimonial.consent_version == 1 and testimonial.consent_text == shown["texts"]["consent"]


def test_saving_unchanged_texts_keeps_the_version(client, db, site, owner):
    config(client, site)
    owner_saves(client, site, theme_color="#112233")
    db.session.refresh(site)
    assert site.consent_version == 1 and count(db, ConsentText) == len(LANGUAGES)


def test_unknown_versions_and_other_sites_versions_are_refused(client, db, site, make_site, owner):
    other = make_site(name="Other blog")
    other_version = config(client, other)["consent_version"]
    other.texts = {"en": {"consent": "Other words"}}
    other.consent_version = 5  # a version of the other site only
    db.session.commit()
    assert config(client, other)["consent_version"] == 5
    created = post_score(client, site, {"score": 10, "lang": "en"})
    for version in (5, 999, other_version + 1):
        assert_error_shape(consent(client, created, version), 409)
    assert count(db, Testimonial) == 0


@pytest.mark.parametrize("version", ["1", 0, -1, 1.5, True, 2**40, None])
def test_malformed_versions_get_422(client, db, site, version):
    created = post_score(client, site, {"score": 10})
    refused = patch(client, created, {"why": "Words", "consent": True, "consent_version": version})
    assert_error_shape(refused, 422)["errors"]["consent_version"]
    assert count(db, Testimonial) == 0


def test_a_client_that_sends_no_version_is_recorded_unconfirmed(client, db, site, make_user):
    created = post_score(client, site, {"score": 10, "lang": "en"})
    assert consent(client, created, None).status_code == 200
    testimonial = db.session.execute(db.select(Testimonial)).scalar_one()
    assert testimonial.consent_confirmed is False and testimonial.consent_version == 1
    assert testimonial.consent_text == config(client, site)["texts"]["consent"]
    make_user("mod@example.org", "moderator", sites=[site])
    login(client, "mod@example.org")
    assert "not confirmed" in client.get("/admin/").get_data(as_text=True)
    listed = client.get("/api/v1/moderation/testimonials").json
    assert listed["testimonials"][0]["receipt"]["confirmed"] is False


def test_a_site_from_before_versions_were_stored_gets_its_texts_when_first_shown(client, db, make_site):
    site = make_site(consent_version=3, texts={"fr": {"consent": "Oui, {name}."}})
    assert count(db, ConsentText) == 0
    shown = config(client, site, "fr")
    assert shown["consent_version"] == 3 and shown["texts"]["consent"] == "Oui, Test blog."
    assert count(db, ConsentText) == len(LANGUAGES)
    created = post_score(client, site, {"score": 10, "lang": "fr"})
    assert consent(client, created, 3).status_code == 200


def test_a_version_stored_before_the_new_languages_gains_theirs_and_keeps_its_own(client, db, site):
    """A site whose current version was stored in English and French only (before more visitor
    languages existed): its first visitor in German gets the German text of that same version,
    and the English and French rows stay exactly as they were shown."""
    from models import utcnow

    for lang, words in (("en", "Stored English words"), ("fr", "Mots français stockés")):
        db.session.add(ConsentText(site_id=site.id, version=1, lang=lang, text=words, created_at=utcnow()))
    db.session.commit()
    german = config(client, site, "de-CH")
    assert german["consent_version"] == 1 and german["texts"]["consent"].startswith(
        "Ich bin einverstanden, dass Test blog"
    )
    assert count(db, ConsentText) == len(LANGUAGES)
    assert config(client, site, "fr")["texts"]["consent"] == "Mots français stockés"
    created = post_score(client, site, {"score": 10, "lang": "de"})
    assert consent(client, created, 1).status_code == 200
    assert db.session.execute(db.select(Testimonial)).scalar_one().consent_text == german["texts"]["consent"]


def test_without_a_version_the_text_in_force_when_the_answer_began_is_recorded(client, db, site, owner):
    config(client, site)
    created = post_score(client, site, {"score": 10, "lang": "en"})
    owner_saves(client, site, consent_en="Words the visitor never saw.")
    assert consent(client, created, None).status_code == 200
    testimonial = db.session.execute(db.select(Testimonial)).scalar_one()
    assert testimonial.consent_text.startswith("I agree that Test blog may publish")
    assert testimonial.consent_version == 1 and testimonial.consent_confirmed is False
