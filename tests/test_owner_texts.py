"""The texts owners write, per language: the editor, its checks, and visitors reading them at once."""

from __future__ import annotations

import html
import re

import pytest

from core.enums import Category, Language
from core.owner_texts import EDITABLE
from core.strings import default_text
from models import AuditEvent, ConsentText
from tests.conftest import csrf_from, login
from tests.test_api import HEADERS

BRACES_ERROR = "is not a placeholder: braces may only hold {name}."


@pytest.fixture
def owner(client, make_user, site):
    make_user("owner@example.org", "owner", sites=[site])
    login(client, "owner@example.org")


def texts_form(client, site, lang: str) -> dict:
    """The texts form of `lang` as the settings page shows it, every box as it is filled."""
    page = client.get(f"/admin/sites/{site.key}/settings?lang={lang}").get_data(as_text=True)
    form = page[page.index('id="texts-form"') :]
    form = form[: form.index("</form>")]
    values = {"csrf_token": csrf_from(page)}
    for name, value in re.findall(r'<input [^>]*name="([^"]+)"[^>]*value="([^"]*)"', form):
        values.setdefault(name, html.unescape(value))
    for name, value in re.findall(r'<textarea [^>]*name="([^"]+)"[^>]*>(?:\r?\n)?(.*?)</textarea>', form, re.S):
        values[name] = html.unescape(value)
    return values


def save_texts(client, site, lang: str = "en", **changes):
    return client.post(f"/admin/sites/{site.key}/texts/{lang}", data={**texts_form(client, site, lang), **changes})


def owner_saves_texts(client, site, lang: str = "en", **changes) -> None:
    """The owner saves the texts of `lang` as the page shows them, with `changes`."""
    assert save_texts(client, site, lang, **changes).status_code == 302


def config(client, site, query: str = "lang=en", **headers):
    return client.get(f"/api/v1/sites/{site.key}/config?{query}", headers={**HEADERS, **headers})


def test_every_language_has_its_editor_and_each_empty_box_shows_its_default(client, site, owner):
    page = client.get(f"/admin/sites/{site.key}/settings").get_data(as_text=True)
    for lang in Language:
        assert f"/admin/sites/{site.key}/settings?lang={lang.value}#texts" in page
    for lang in Language:
        page = html.unescape(client.get(f"/admin/sites/{site.key}/settings?lang={lang.value}").get_data(as_text=True))
        assert f'action="/admin/sites/{site.key}/texts/{lang.value}"' in page
        for key in EDITABLE:
            default = default_text(key, lang.value).replace("{name}", "Test blog")
            assert re.search(rf'name="{key}" placeholder="{re.escape(default)}"', page), (lang, key)
    values = texts_form(client, site, "fr")
    assert all(values[key] == "" for key in EDITABLE)  # nothing written: every text is the default


def test_texts_are_stored_as_typed_and_escaped_where_shown(client, db, site, owner):
    typed = "  <b>Merci</b> &amp; à bientôt, {name} !  "
    owner_saves_texts(client, site, "fr", thanks_promoter=typed, question="Notez {name} <i>vraiment</i>")
    db.session.refresh(site)
    assert site.texts["fr"] == {
        "thanks_promoter": "<b>Merci</b> &amp; à bientôt, {name} !",
        "question": "Notez {name} <i>vraiment</i>",
    }
    assert "en" not in site.texts  # the other languages stay the defaults
    page = client.get(f"/admin/sites/{site.key}/settings?lang=fr").get_data(as_text=True)
    assert "&lt;b&gt;Merci&lt;/b&gt; &amp;amp; à bientôt, {name} !" in page and "<b>Merci" not in page
    texts = config(client, site, "lang=fr").json["texts"]
    assert texts["thanks_promoter"] == "<b>Merci</b> &amp; à bientôt, Test blog !"
    assert texts["question"] == "Notez Test blog <i>vraiment</i>"
    assert config(client, site, "lang=en").json["texts"]["question"] == default_text("question", "en").replace(
        "{name}", "Test blog"
    )
    [event] = db.session.execute(db.select(AuditEvent).filter_by(action="texts")).scalars()
    assert event.details["lang"] == "fr"


def test_an_empty_box_or_the_default_itself_is_the_default(client, db, site, owner):
    owner_saves_texts(client, site, "en", prompt_passive="What would make it a 10?")
    db.session.refresh(site)
    assert site.texts == {"en": {"prompt_passive": "What would make it a 10?"}}
    owner_saves_texts(client, site, "en", prompt_passive="", prompt_detractor=default_text("prompt_detractor", "en"))
    db.session.refresh(site)
    assert site.texts == {}
    assert config(client, site).json["texts"]["prompt_passive"] == default_text("prompt_passive", "en")


@pytest.mark.parametrize(
    "key, typed, wrong",
    [
        ("question", "How likely are you to recommend {nam}?", "{nam}"),
        ("question", "Recommend { name }?", "{ name }"),
        ("question", "How likely, {n} out of 10?", "{n}"),
        ("thanks_detractor", "Sorry {name}}", "}"),
        ("consent", "I agree {", "{"),
        ("cta_promoter", "Review {site}", "{site}"),
    ],
)
def test_braces_hold_only_name_with_a_clear_error_and_nothing_saved(client, db, site, owner, key, typed, wrong):
    response = save_texts(client, site, "en", **{key: typed, "prompt_promoter": "Kept only if all is valid"})
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert f"“{wrong}” {BRACES_ERROR}" in page
    assert f"{typed}</textarea>" in page or f'value="{typed}"' in page  # what was typed is still there to fix
    db.session.refresh(site)
    assert site.texts == {} and site.consent_version == 1


def test_name_is_the_placeholder_an_owner_may_use(client, db, site, owner):
    owner_saves_texts(client, site, "en", question="Would you recommend {name}, and {name} again?")
    assert config(client, site).json["texts"]["question"] == "Would you recommend Test blog, and Test blog again?"


def test_a_saved_text_moves_the_etag_and_the_old_etag_gets_the_new_text(client, site, owner):
    before = config(client, site)
    etag = before.headers["ETag"]
    assert config(client, site, If_None_Match=etag).status_code == 304
    owner_saves_texts(client, site, "en", thanks_passive="Thanks, we are on it.")
    after = config(client, site, If_None_Match=etag)
    assert after.status_code == 200 and after.headers["ETag"] != etag
    assert after.json["texts"]["thanks_passive"] == "Thanks, we are on it."
    # The other language's config shows the same as before (same text), under a stable ETag.
    french = config(client, site, "lang=fr")
    assert config(client, site, "lang=fr", If_None_Match=french.headers["ETag"]).status_code == 304


def test_each_touchpoint_asks_its_own_question_in_each_language(client, db, site, owner):
    owner_saves_texts(
        client,
        site,
        "en",
        **{"touchpoints-0-touchpoint": "after-delivery", "touchpoints-0-question": "How was the delivery by {name}?"},
    )
    db.session.refresh(site)
    assert site.touchpoint_questions == {"en": {"after-delivery": "How was the delivery by {name}?"}}
    question = config(client, site, "lang=en&touchpoint=after-delivery").json["texts"]["question"]
    assert question == "How was the delivery by Test blog?"
    site_question = default_text("question", "en").replace("{name}", "Test blog")
    for query in (
        "lang=en",
        "lang=en&touchpoint=",
        "lang=en&touchpoint=after-purchase",
        "lang=en&touchpoint=After-Delivery",
    ):
        assert config(client, site, query).json["texts"]["question"] == site_question
    # French has no question of its own there yet: it asks the French question, and its editor
    # lists the touchpoint with the French question as what an empty box means.
    french = config(client, site, "lang=fr&touchpoint=after-delivery").json["texts"]["question"]
    assert french == default_text("question", "fr").replace("{name}", "Test blog")
    values = texts_form(client, site, "fr")
    assert values["touchpoints-0-touchpoint"] == "after-delivery" and values["touchpoints-0-question"] == ""
    owner_saves_texts(client, site, "fr", **{"touchpoints-0-question": "Et la livraison ?"})
    assert config(client, site, "lang=fr&touchpoint=after-delivery").json["texts"]["question"] == "Et la livraison ?"
    # Emptied: the touchpoint asks the site's question again.
    owner_saves_texts(client, site, "en", **{"touchpoints-0-question": ""})
    db.session.refresh(site)
    assert site.touchpoint_questions == {"fr": {"after-delivery": "Et la livraison ?"}}
    assert config(client, site, "lang=en&touchpoint=after-delivery").json["texts"]["question"] == site_question


def test_a_touchpoint_question_needs_a_valid_touchpoint(client, db, site, owner):
    for row, error in (
        ({"touchpoints-0-touchpoint": "", "touchpoints-0-question": "Orphan?"}, "Name the touchpoint"),
        ({"touchpoints-0-touchpoint": "after <delivery>", "touchpoints-0-question": "Q?"}, "Letters, digits"),
        ({"touchpoints-0-touchpoint": "x", "touchpoints-0-question": "Q {x}?"}, BRACES_ERROR),
    ):
        response = save_texts(client, site, "en", **row)
        assert response.status_code == 200 and error in html.unescape(response.get_data(as_text=True))
    many = {}
    for n in range(51):
        many |= {f"touchpoints-{n}-touchpoint": f"stage-{n}", f"touchpoints-{n}-question": f"Question {n}?"}
    response = save_texts(client, site, "en", **many)
    assert response.status_code == 200
    assert "At most 50 touchpoints have a question of their own." in response.get_data(as_text=True)
    db.session.refresh(site)
    assert site.touchpoint_questions == {}


def test_a_changed_consent_text_is_a_new_version_shown_at_once(client, db, site, owner):
    before = config(client, site)
    first = before.json
    assert first["consent_version"] == 1
    owner_saves_texts(client, site, "en", consent="You may quote {name}.")
    shown = config(client, site, If_None_Match=before.headers["ETag"])
    assert shown.status_code == 200  # the ETag read before the change no longer holds
    assert shown.json["consent_version"] == 2 and shown.json["texts"]["consent"] == "You may quote Test blog."
    rows = db.session.execute(db.select(ConsentText).order_by(ConsentText.version, ConsentText.lang)).scalars().all()
    assert [(row.version, row.lang) for row in rows if row.lang == "en"] == [(1, "en"), (2, "en")]
    english = [row for row in rows if row.lang == "en"]
    assert english[0].text == first["texts"]["consent"]  # the old version is kept as it was
    owner_saves_texts(client, site, "en", thanks_promoter="Merci!")  # the consent text unchanged
    db.session.refresh(site)
    assert site.consent_version == 2
    assert "Consent text version 2" in client.get(f"/admin/sites/{site.key}/settings").get_data(as_text=True)


def test_links_beside_their_labels_are_the_same_in_every_language(client, db, site, owner):
    owner_saves_texts(
        client, site, "fr", link_promoter="https://g.page/r/avis", cta_promoter="Laissez un avis sur {name}"
    )
    french, english = config(client, site, "lang=fr").json, config(client, site, "lang=en").json
    assert french["cta"] == {
        Category.PROMOTER: {"url": "https://g.page/r/avis", "label": "Laissez un avis sur Test blog"}
    }
    assert english["cta"][Category.PROMOTER] == {"url": "https://g.page/r/avis", "label": "Recommend Test blog"}
    assert texts_form(client, site, "en")["link_promoter"] == "https://g.page/r/avis"
    response = save_texts(client, site, "en", link_detractor="javascript:alert(1)")
    assert response.status_code == 200 and "Only http(s) addresses." in response.get_data(as_text=True)


def test_only_owners_of_the_site_save_texts_and_only_in_its_languages(client, db, site, make_user, make_site):
    other = make_site(name="Other blog")
    make_user("owner@example.org", "owner", sites=[site])
    make_user("mod@example.org", "moderator", sites=[site])
    login(client, "owner@example.org")
    assert save_texts(client, site, "en", question="Mine?").status_code == 302
    token = texts_form(client, site, "en")["csrf_token"]
    assert client.post(f"/admin/sites/{site.key}/texts/xx", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/admin/sites/{other.key}/texts/en", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/admin/sites/{site.key}/texts/en", data={"question": "No token?"}).status_code == 400
    login(client, "mod@example.org")
    assert client.post(f"/admin/sites/{site.key}/texts/en", data={"csrf_token": token}).status_code == 403
    db.session.refresh(site)
    assert site.texts == {"en": {"question": "Mine?"}} and other.texts in ({}, None)


def test_the_editor_speaks_the_back_offices_language(client, db, site, make_user):
    make_user("owner@example.org", "owner", sites=[site])
    login(client, "owner@example.org")
    headers = {"Accept-Language": "fr-FR,fr;q=0.9"}
    page = html.unescape(
        client.get(f"/admin/sites/{site.key}/settings?lang=en", headers=headers).get_data(as_text=True)
    )
    assert "Textes lus par les visiteurs" in page and "Textes en anglais" in page and "Aperçu" in page
    assert "Question de suivi pour les promoteurs (9–10)" in page
    # The placeholders are the visitors' defaults in the language edited, not the back office's.
    assert f'placeholder="{default_text("prompt_promoter", "en")}"' in page
    values = {**texts_form(client, site, "en"), "question": "Recommend {nom}?"}
    refused = client.post(f"/admin/sites/{site.key}/texts/en", data=values, headers=headers)
    assert "« {nom} » n'est pas un emplacement autorisé : les accolades ne peuvent contenir que {name}." in (
        html.unescape(refused.get_data(as_text=True))
    )
