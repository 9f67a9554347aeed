"""A French owner does everything in French: the back office follows the user's own language,
else the browser's, and writes dates and numbers as French does ("1 déc. 2026", "1 234")."""

from __future__ import annotations

import html
import json
import re
from datetime import date, datetime

import pytest

from core.enums import Category, ConsentScope, Event, FollowUpStatus, Role, TestimonialStatus, WebhookFormat
from models import AuditEvent, DailyView, Response, User
from tests.conftest import csrf_from, login

FR = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
NNBSP = "\u202f"  # French digit grouping (CLDR) and the space before ; : ! ?
DECEMBER_1 = datetime(2026, 12, 1, 9, 5)


@pytest.fixture
def owner(client, make_user, site):
    make_user("owner@example.org", "owner", sites=[site])
    login(client, "owner@example.org")
    return site


def french(client, url: str, status: int = 200) -> str:
    response = client.get(url, headers=FR)
    page = response.get_data(as_text=True)
    assert response.status_code == status, page[:400]
    assert '<html lang="fr">' in page
    return page


def test_the_login_page_follows_the_browser(client):
    page = french(client, "/admin/login")
    assert "<h1>Se connecter</h1>" in page and "Rester connecté sur cet appareil" in page
    assert "Aller au contenu" in page and "Mot de passe" in page
    english = client.get("/admin/login").get_data(as_text=True)
    assert '<html lang="en">' in english and "<h1>Log in</h1>" in english


def test_form_errors_and_flashes_are_french(client, make_user, site):
    make_user("owner@example.org", "owner", sites=[site])
    page = french(client, "/admin/login")
    empty = client.post("/admin/login", data={"csrf_token": csrf_from(page), "email": ""}, headers=FR)
    assert empty.status_code == 401
    assert "Ce champ est requis." in empty.get_data(as_text=True)  # WTForms' own message, in French
    wrong = client.post(
        "/admin/login",
        data={"csrf_token": csrf_from(page), "email": "owner@example.org", "password": "not it"},
        headers=FR,
    )
    assert "E-mail ou mot de passe incorrect." in wrong.get_data(as_text=True)


def test_moderating_in_french(client, owner, make_testimonial):
    testimonial = make_testimonial(owner, quote="Pain délicieux", created_at=DECEMBER_1)
    page = french(client, "/admin/?status=pending")
    assert "<h1>Modération</h1>" in page
    assert f"Note 10 · promoteur · {owner.name}" in page
    assert '<span class="badge">en attente</span>' in page
    assert '<option value="pending" selected>en attente</option>' in page  # the value stays the machine's
    assert "reçu le 1 déc. 2026 09:05 UTC" in page and "Preuve de consentement" in page
    assert "1 témoignage affiché." in page and ">Approuver</button>" in page
    approved = client.post(
        f"/admin/testimonials/{testimonial.id}/approve",
        data={"csrf_token": csrf_from(page), "next": "/admin/?status=all"},
        headers=FR,
        follow_redirects=True,
    ).get_data(as_text=True)
    assert f"Approuvé{NNBSP}: il est publié." in approved


def test_the_dashboard_in_french(client, db, owner, make_testimonial):
    for score in (10, 10, 9, 8, 3):
        make_testimonial(owner, score=score)
    db.session.add(DailyView(site_id=owner.id, day=date.today(), touchpoint="", count=1234))
    db.session.commit()
    page = french(client, f"/admin/sites/{owner.key}/dashboard")
    assert f"Tableau de bord de {owner.name}" in page
    assert '<span class="big">5</span> réponses (3 promoteurs, 1 passif, 1 détracteur)' in page
    assert f"5 réponses / 1{NNBSP}234 affichages" in page  # digits grouped as French groups them
    assert "0,4\xa0%" in page  # the response rate, with CLDR's French percent sign
    assert "NPS dans le temps, par semaine" in page and '<th scope="col">Promoteurs</th>' in page
    assert '<option value="week" selected>semaine</option>' in page


def test_the_follow_ups_in_french(client, db, owner):
    answer = Response(
        site=owner,
        score=3,
        category="detractor",
        why="Pain rassis",
        lang="fr",
        visitor_hash="1" * 64,
        token_hash="x" * 64,
        created_at=DECEMBER_1,
    )
    db.session.add(answer)
    db.session.commit()
    page = french(client, f"/admin/sites/{owner.key}/followups?status=all")
    assert f"Relances de {owner.name}" in page
    assert "3/10 · détracteur" in page and '<span class="badge">à traiter</span>' in page
    assert "1 déc. 2026 09:05 UTC · à traiter tout de suite, au plus tard le 8 déc. 2026" in page
    assert f"Prochaine étape{NNBSP}:</strong> Contactez-les maintenant" in page
    assert re.search(r'<option value="contacted"\s*>contacté</option>', page)
    saved = client.post(
        f"/admin/responses/{answer.id}/followup",
        data={"csrf_token": csrf_from(page), "status": "contacted", "notes": "", "next": "/admin/sites"},
        headers=FR,
        follow_redirects=True,
    )
    assert "Relance enregistrée." in saved.get_data(as_text=True)


def test_the_settings_in_french(client, owner):
    page = french(client, f"/admin/sites/{owner.key}/settings")
    assert f"Paramètres de {owner.name}" in page and "Couleur du thème" in page
    assert "les promoteurs seulement (9–10)" in page and "Prouver les références des répondants" in page
    refused = client.post(
        f"/admin/sites/{owner.key}/settings",
        data={
            "csrf_token": csrf_from(page),
            "name": owner.name,
            "origins": "https://blog.example",
            "default_lang": "en",
            "theme_color": "blue",
            "resurvey_days": "0",
            "min_sample": "30",
            "wall_minimum": "1",
            "consent_scope": "promoters",
        },
        headers=FR,
    ).get_data(as_text=True)
    assert "Une couleur comme #4f46e5." in refused
    assert "Le nombre doit être compris entre 1 et 3650." in refused  # WTForms' NumberRange, in French


def test_users_webhooks_audit_and_erase_in_french(client, db, owner):
    users = french(client, "/admin/users")
    assert "<h1>Utilisateurs</h1>" in users and 'data-label="Rôle">propriétaire</td>' in users
    assert '<option value="moderator">modérateur</option>' in users
    invalid = client.post(
        "/admin/users",
        data={"csrf_token": csrf_from(users), "email": "not an address", "role": "moderator", "site": owner.key},
        headers=FR,
    ).get_data(as_text=True)
    assert "Adresse e-mail non valide : &#39;not an address&#39;." in invalid  # core.users', in French
    intranet = client.post(
        "/admin/users",
        data={"csrf_token": csrf_from(users), "email": " alice@corp.local", "role": "moderator", "site": owner.key},
        headers=FR,
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "alice@corp.local peut maintenant se connecter comme modérateur de" in intranet

    hooks = french(client, f"/admin/sites/{owner.key}/webhooks")
    assert f"Webhooks de {owner.name}" in hooks and "nouvelle réponse (response.created)" in hooks
    assert "Aucun pour l'instant." in hooks

    db.session.add(
        AuditEvent(actor="user 1 <owner@example.org>", action="approve", site_id=owner.id, created_at=DECEMBER_1)
    )
    db.session.commit()
    audit = french(client, "/admin/audit")
    assert "Journal d'audit" in audit and "1 déc. 2026 09:05:00" in audit and ">approuvé</td>" in audit
    assert 'datetime="2026-12-01T09:05:00Z"' in audit  # the machine-readable time stays ISO

    erase = french(client, "/admin/erase")
    assert "Effacer les données d'un répondant" in erase
    unconfirmed = client.post(
        "/admin/erase", data={"csrf_token": csrf_from(erase), "site": owner.key, "respondent": "c-1"}, headers=FR
    ).get_data(as_text=True)
    assert "Ce champ est requis." in unconfirmed


def test_error_pages_in_french_and_the_api_in_english(client, owner, make_site):
    missing = french(client, "/admin/no/such/page", 404)
    # The message is text, escaped like any (n&#39;existe): what the reader sees is the same.
    assert "<h1>Page introuvable</h1>" in missing and "Cette page n'existe pas, ou plus." in html.unescape(missing)
    other = make_site(name="Someone else's")
    assert "<h1>Accès refusé</h1>" in french(client, f"/admin/sites/{other.key}/dashboard", 403)
    refused = client.post("/admin/logout", data={}, headers=FR)
    assert refused.status_code == 400 and "Le jeton CSRF manque." in refused.get_data(as_text=True)
    bad_page = french(client, f"/admin/sites/{owner.key}/followups?p=zero", 400)
    assert "p (le numéro de page) est un nombre entier à partir de 1." in bad_page
    # The API's messages are for scripts: English whatever the reader's language.
    api = client.get("/api/v1/sites/no-such-key/nps", headers=FR)
    assert api.status_code == 404 and api.get_json()["status"] == "Not Found"
    assert "introuvable" not in api.get_data(as_text=True)


def test_the_users_own_language_wins_and_applies_at_once(client, db, owner):
    account = client.get("/admin/password", headers=FR).get_data(as_text=True)
    assert "Langue du navigateur (par défaut)" in account
    assert '<input checked id="language-0" name="language" type="radio" value="">' in account
    chosen = client.post(
        "/admin/language", data={"csrf_token": csrf_from(account), "language": "en"}, headers=FR, follow_redirects=True
    ).get_data(as_text=True)
    assert '<html lang="en">' in chosen and "Language saved." in chosen  # at once, in the new language
    assert db.session.execute(db.select(User.language).filter_by(email="owner@example.org")).scalar() == "en"
    assert "<h1>Moderation</h1>" in client.get("/admin/", headers=FR).get_data(as_text=True)

    chosen = client.post("/admin/language", data={"csrf_token": csrf_from(chosen), "language": "fr"})
    assert "<h1>Modération</h1>" in client.get("/admin/").get_data(as_text=True)  # no Accept-Language needed
    back = client.post("/admin/language", data={"csrf_token": csrf_from(account), "language": ""}, headers=FR)
    assert back.status_code == 302
    assert db.session.execute(db.select(User.language).filter_by(email="owner@example.org")).scalar() is None
    assert "<h1>Moderation</h1>" in client.get("/admin/").get_data(as_text=True)  # the browser's again
    refused = client.post("/admin/language", data={"csrf_token": csrf_from(account), "language": "de"})
    assert refused.status_code == 400


def test_the_cli_speaks_the_environments_language(runner, monkeypatch):
    from flask_babel import refresh

    monkeypatch.setenv("LC_ALL", "fr_FR.UTF-8")
    created = runner.invoke(args=["site", "create", "--name", "Boulangerie", "--origin", "https://pain.example"])
    assert created.exit_code == 0, created.output
    assert "Site 'Boulangerie' créé." in created.output and "Widget NPS (à coller là où" in created.output
    as_json = runner.invoke(args=["site", "create", "--name", "B2", "--origin", "https://b2.example", "--json"])
    assert json.loads(as_json.output)["name"] == "B2"  # what scripts read does not change
    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")  # a language the back office does not speak: English
    refresh()  # a process runs one command; these share the test's context, and its chosen locale
    english = runner.invoke(args=["site", "create", "--name", "B3", "--origin", "https://b3.example"])
    assert "Site 'B3' created." in english.output


@pytest.mark.parametrize(
    "closed_set", [Category, TestimonialStatus, FollowUpStatus, ConsentScope, Event, WebhookFormat, Role]
)
def test_every_value_shown_has_one_french_label(app, closed_set):
    from flask_babel import force_locale

    from core.labels import label

    with app.test_request_context(), force_locale("fr"):
        french_labels = {member: label(member) for member in closed_set}
    with app.test_request_context(), force_locale("en"):
        english_labels = {member: label(member) for member in closed_set}
    for member in closed_set:
        assert french_labels[member] and french_labels[member] != member.value or closed_set is WebhookFormat
        assert not re.search(r"[a-z]\.[a-z]", english_labels[member])  # a word, not the machine's name
    assert len(set(french_labels.values())) == len(closed_set)


def test_a_label_of_a_constant_follows_each_reader(client, owner):
    """Jinja would compute `"all"|label` once, at the first rendering, in its reader's language."""
    url = f"/admin/sites/{owner.key}/followups"
    assert '<option value="">tous</option>' in french(client, url)
    assert '<option value="">all</option>' in client.get(url).get_data(as_text=True)
