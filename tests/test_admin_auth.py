"""Back-office authentication: passwords, CSRF, sessions, redirects, roles."""

from __future__ import annotations

import html

import pytest

from tests.conftest import csrf_from, login


@pytest.fixture
def moderator(make_user, site):
    return make_user("mod@example.org", "moderator", sites=[site])


def test_the_home_page_leads_to_the_back_office(client):
    home = client.get("/").get_data(as_text=True)
    assert 'href="/admin/"' in home and "Add a site" in home
    assert client.get("/admin/").location.startswith("/admin/login")


def test_login_and_queue(client, moderator):
    assert client.get("/admin/").status_code == 302  # to the login page
    response = login(client, "mod@example.org")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    page = client.get("/admin/")
    assert page.status_code == 200 and "Moderation" in page.get_data(as_text=True)


def test_wrong_password_is_refused(client, moderator):
    response = login(client, "mod@example.org", "wrong password")
    assert response.status_code == 401 and "Wrong e-mail or password" in response.get_data(as_text=True)
    assert login(client, "nobody@example.org").status_code == 401
    assert client.get("/admin/").status_code == 302


def test_login_without_csrf_token_is_refused(client, moderator):
    response = client.post("/admin/login", data={"email": "mod@example.org", "password": "correct horse battery"})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_actions_without_csrf_token_are_refused(client, db, moderator, site, make_testimonial):
    testimonial = make_testimonial(site)
    login(client, "mod@example.org")
    assert client.post(f"/admin/testimonials/{testimonial.id}/approve", data={}).status_code == 400
    db.session.refresh(testimonial)
    assert testimonial.status == "pending"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "https:/evil.example",
        "javascript:alert(1)",
        "http:evil.example",
    ],
)
def test_next_never_leaves_the_site(client, moderator, target):
    response = login(client, "mod@example.org", next_url=target)
    assert response.headers["Location"] == "/admin/"


def test_next_within_the_site_is_kept(client, moderator):
    assert login(client, "mod@example.org", next_url="/admin/password").headers["Location"] == "/admin/password"


def test_old_session_is_worthless_after_logout(client, app, moderator):
    login(client, "mod@example.org")
    stolen = client.get_cookie("session").value
    page = client.get("/admin/").get_data(as_text=True)
    assert client.post("/admin/logout", data={"csrf_token": csrf_from(page)}).status_code == 302
    assert client.get("/admin/").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/admin/").status_code == 302


def test_password_change_ends_other_sessions(client, app, moderator):
    other = app.test_client()
    login(client, "mod@example.org")
    login(other, "mod@example.org")
    page = client.get("/admin/password").get_data(as_text=True)
    response = client.post(
        "/admin/password",
        data={
            "csrf_token": csrf_from(page),
            "current": "correct horse battery",
            "new": "a new long password",
            "confirm": "a new long password",
        },
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200  # this browser stays in
    assert other.get("/admin/").status_code == 302  # the other one is out
    assert login(app.test_client(), "mod@example.org", "a new long password").status_code == 302


def test_session_cookie_flags(client, moderator):
    response = login(client, "mod@example.org")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_cookies_are_secure_when_served_over_https(make_app, monkeypatch):
    monkeypatch.setenv("PLAUDIT_PUBLIC_URL", "https://nps.example")
    app = make_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["REMEMBER_COOKIE_SECURE"] is True


def test_login_is_rate_limited(client, moderator):
    codes = [login(client, "mod@example.org", "wrong").status_code for _ in range(11)]
    assert codes[:10] == [401] * 10 and codes[10] == 429


def test_one_account_is_rate_limited_from_any_number_of_addresses(app, moderator):
    def attempt(n: int, email: str = " Mod@Example.org") -> int:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"203.0.113.{n}"
        return login(client, email, "wrong").status_code

    codes = [attempt(n) for n in range(11)]
    assert codes[:10] == [401] * 10 and codes[10] == 429  # the account, however it is spelled
    assert attempt(50, "someone-else@example.org") == 401  # other accounts are not held up


def test_guesses_at_an_account_do_not_lock_its_owner_out_of_a_known_browser(app, moderator):
    owners_browser = app.test_client()
    owners_browser.environ_base["REMOTE_ADDR"] = "198.51.100.1"
    assert login(owners_browser, "mod@example.org").status_code == 302  # this browser is now known
    owners_browser.post(
        "/admin/logout", data={"csrf_token": csrf_from(owners_browser.get("/admin/").get_data(as_text=True))}
    )
    for n in range(10):  # an attacker spreads guesses over ten addresses
        guesser = app.test_client()
        guesser.environ_base["REMOTE_ADDR"] = f"203.0.113.{n}"
        assert login(guesser, "mod@example.org", "wrong").status_code == 401
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "192.0.2.9"
    assert login(stranger, "mod@example.org").status_code == 429  # a new browser waits
    assert login(owners_browser, "mod@example.org").status_code == 302  # the owner's does not


def test_only_failed_logins_count_against_an_account(app, moderator):
    codes = []
    for n in range(12):
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = f"203.0.113.{n}"
        codes.append(login(browser, "mod@example.org").status_code)
    assert codes == [302] * 12


def test_changing_the_password_is_rate_limited(client, moderator):
    login(client, "mod@example.org")
    token = csrf_from(client.get("/admin/password").get_data(as_text=True))
    form = {"csrf_token": token, "current": "a guess", "new": "a new long password", "confirm": "a new long password"}
    codes = [client.post("/admin/password", data=form).status_code for _ in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429


def test_a_login_checks_a_password_whether_or_not_the_account_exists(client, moderator, monkeypatch):
    """The costly hash runs on both paths, so the answer's timing does not tell who has an account."""
    import models

    checked = []
    real_check = models.check_password_hash

    def counting_check(password_hash: str, password: str) -> bool:
        checked.append(password)
        return real_check(password_hash, password)

    monkeypatch.setattr(models, "check_password_hash", counting_check)
    assert login(client, "mod@example.org", "wrong for an account").status_code == 401
    assert login(client, "nobody@example.org", "wrong for nobody").status_code == 401
    assert checked == ["wrong for an account", "wrong for nobody"]


def test_a_moderator_cannot_reach_another_site(client, db, moderator, make_site, make_testimonial):
    other_site = make_site(name="Other")
    theirs = make_testimonial(other_site, quote="Not yours")
    login(client, "mod@example.org")
    page = client.get("/admin/?status=all").get_data(as_text=True)
    assert "Not yours" not in page
    assert client.get(f"/admin/?site={other_site.key}").status_code == 404
    csrf = csrf_from(page)
    assert client.post(f"/admin/testimonials/{theirs.id}/approve", data={"csrf_token": csrf}).status_code == 403
    assert (
        client.post(f"/admin/testimonials/{theirs.id}/quote", data={"csrf_token": csrf, "quote": "x"}).status_code
        == 403
    )
    db.session.refresh(theirs)
    assert theirs.status == "pending" and theirs.quote == "Not yours"


def test_owner_pages_are_for_owners(client, make_user, site):
    make_user("mod@example.org", "moderator", sites=[site])
    login(client, "mod@example.org")
    pages = ("/admin/audit", "/admin/sites", "/admin/sites/new", f"/admin/sites/{site.key}/settings", "/admin/erase")
    for path in (*pages, "/admin/users"):
        assert client.get(path).status_code == 403


def test_back_office_is_locked_down(client, moderator):
    page = client.get("/admin/login")
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["X-Frame-Options"] == "DENY"


def test_embeds_set_no_cookies(client, site):
    assert "Set-Cookie" not in client.get(f"/api/v1/sites/{site.key}/config").headers
    assert "Set-Cookie" not in client.get("/widget.js").headers
    created = client.post(
        f"/api/v1/sites/{site.key}/responses", json={"score": 9}, headers={"Origin": "https://blog.example"}
    )
    assert "Set-Cookie" not in created.headers


def test_owner_adds_a_moderator_and_takes_the_site_away(client, app, db, make_user, site, make_site):
    from models import User

    make_user("owner@example.org", "owner", sites=[site])
    login(client, "owner@example.org")
    page = client.get("/admin/users").get_data(as_text=True)
    added = client.post(
        "/admin/users",
        data={"csrf_token": csrf_from(page), "email": "New@Example.org", "role": "moderator", "site": site.key},
        follow_redirects=True,
    )
    text = added.get_data(as_text=True)
    password = text.split("Password (shown once): ")[1].split("<")[0].strip()
    newcomer = app.test_client()
    assert login(newcomer, "new@example.org", password).status_code == 302
    assert newcomer.get("/admin/").status_code == 200
    other = make_site(name="Not mine")
    refused = client.post(
        "/admin/users",
        data={"csrf_token": csrf_from(page), "email": "x@example.org", "role": "moderator", "site": other.key},
    )
    assert refused.status_code == 200  # not one of the choices: the form refuses it
    user = db.session.execute(db.select(User).filter_by(email="new@example.org")).scalar_one()
    removed = client.post(f"/admin/users/{user.id}/sites/{site.key}/remove", data={"csrf_token": csrf_from(page)})
    assert removed.status_code == 302
    assert newcomer.get(f"/admin/?site={site.key}").status_code == 404  # at once


def test_owner_adds_a_site_and_gets_its_snippets(client, app, db, make_user, site):
    from models import AuditEvent, Site, User

    make_user("owner@example.org", "owner", sites=[site])  # an owner of one site only
    login(client, "owner@example.org")
    form = client.get("/admin/sites/new").get_data(as_text=True)
    refused = client.post(
        "/admin/sites/new",
        data={
            "csrf_token": csrf_from(form),
            "name": "Shop",
            "origins": "https://shop.example/cart",
            "default_lang": "fr",
        },
    )
    assert refused.status_code == 200 and "no path, query or credentials" in refused.get_data(as_text=True)
    assert db.session.execute(db.select(Site).filter_by(name="Shop")).first() is None  # nothing half written
    created = client.post(
        "/admin/sites/new",
        data={
            "csrf_token": csrf_from(form),
            "name": "Shop <b>FR</b>",
            "origins": "HTTPS://Shop.Example:443/\r\n\r\nhttp://localhost:8000\r\nhttps://shop.example",
            "default_lang": "fr",
        },
    )
    new = db.session.execute(db.select(Site).filter_by(name="Shop <b>FR</b>")).scalar_one()
    assert created.status_code == 302 and created.location.endswith(f"/admin/sites/{new.key}/settings")
    assert new.origins == ["https://shop.example", "http://localhost:8000"] and new.default_lang == "fr"
    settings = html.unescape(client.get(created.location).get_data(as_text=True))
    assert f'data-site="{new.key}"' in settings and "/widget.js" in settings  # the snippet to paste
    owner = db.session.execute(db.select(User).filter_by(email="owner@example.org")).scalar_one()
    assert {s.key for s in owner.sites} == {site.key, new.key}  # its creator may run it
    assert db.session.execute(db.select(AuditEvent).filter_by(action="site.created", site_id=new.id)).scalar_one()
    # The new site answers at once, from its origins only.
    answer = app.test_client().post(
        f"/api/v1/sites/{new.key}/responses", json={"score": 9}, headers={"Origin": "http://localhost:8000"}
    )
    assert answer.status_code == 201
    without_token = client.post("/admin/sites/new", data={"name": "X", "origins": "https://x.example"})
    assert without_token.status_code == 400


def test_owner_revokes_a_token(client, runner, db, make_user, site):
    import json

    make_user("owner@example.org", "owner", sites=[site])
    make_user("mod@example.org", "moderator", sites=[site])
    token = json.loads(runner.invoke(args=["token", "create", "--email", "mod@example.org", "--json"]).output)
    headers = {"Authorization": f"Bearer {token['token']}"}
    assert client.get("/api/v1/moderation/testimonials", headers=headers).status_code == 200
    login(client, "owner@example.org")
    page = client.get("/admin/users").get_data(as_text=True)
    assert client.post(f"/admin/tokens/{token['id']}/revoke", data={"csrf_token": csrf_from(page)}).status_code == 302
    assert client.get("/api/v1/moderation/testimonials", headers=headers).status_code == 401


@pytest.fixture
def two_tenants(runner, make_user, make_site, site):
    """An owner of `site` only, beside an owner of every site and a moderator of another site."""
    import json

    other = make_site(name="Theirs")
    make_user("owner@example.org", "owner", sites=[site])
    make_user("root@example.org", "owner", all_sites=True)
    make_user("theirs@example.org", "moderator", sites=[other])
    make_user("both@example.org", "moderator", sites=[site, other])
    make_user("mine@example.org", "moderator", sites=[site])

    def token(email: str) -> int:
        return json.loads(runner.invoke(args=["token", "create", "--email", email, "--json"]).output)["id"]

    emails = ("root@example.org", "theirs@example.org", "both@example.org", "mine@example.org")
    return other, {email: token(email) for email in emails}


def test_an_owner_of_one_site_sees_and_revokes_only_tokens_of_their_sites(client, db, two_tenants):
    from models import ApiToken

    other, tokens = two_tenants
    login(client, "owner@example.org")
    page = client.get("/admin/users").get_data(as_text=True)
    listed = page.split("API tokens")[1]
    assert "mine@example.org" in listed
    assert "root@example.org" not in listed and "theirs@example.org" not in listed and "both@example.org" not in listed
    assert "Theirs" not in page  # another site's name is not shown either
    csrf = csrf_from(page)
    for email in ("root@example.org", "theirs@example.org", "both@example.org"):
        refused = client.post(f"/admin/tokens/{tokens[email]}/revoke", data={"csrf_token": csrf})
        assert refused.status_code == 404, email
        assert db.session.get(ApiToken, tokens[email]).revoked_at is None, email
    assert (
        client.post(f"/admin/tokens/{tokens['mine@example.org']}/revoke", data={"csrf_token": csrf}).status_code == 302
    )
    assert db.session.get(ApiToken, tokens["mine@example.org"]).revoked_at is not None


def test_an_owner_of_one_site_cannot_take_someone_elses_site_away(client, db, make_user, two_tenants):
    from models import User

    other, _ = two_tenants
    login(client, "owner@example.org")
    csrf = csrf_from(client.get("/admin/users").get_data(as_text=True))
    theirs = db.session.execute(db.select(User).filter_by(email="theirs@example.org")).scalar_one()
    assert client.post(f"/admin/users/{theirs.id}/sites/{other.key}/remove", data={"csrf_token": csrf}).status_code in (
        403,
        404,
    )
    db.session.refresh(theirs)
    assert [s.key for s in theirs.sites] == [other.key]


def test_adding_an_e_mail_of_another_sites_account_attaches_nobody(client, db, two_tenants, site):
    from models import User

    login(client, "owner@example.org")
    page = client.get("/admin/users").get_data(as_text=True)
    answered = client.post(
        "/admin/users",
        data={"csrf_token": csrf_from(page), "email": " Theirs@example.org", "role": "owner", "site": site.key},
        follow_redirects=True,
    )
    text = answered.get_data(as_text=True)
    assert "cannot be added from your sites" in text and "now works on" not in text
    theirs = db.session.execute(db.select(User).filter_by(email="theirs@example.org")).scalar_one()
    assert [s.name for s in theirs.sites] == ["Theirs"]
    assert "theirs@example.org" not in client.get("/admin/users").get_data(as_text=True)


def test_an_owner_of_every_site_still_manages_everyone(client, db, two_tenants, site):
    from models import User

    other, tokens = two_tenants
    login(client, "root@example.org")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "theirs@example.org" in page.split("API tokens")[1]
    assert (
        client.post(
            f"/admin/tokens/{tokens['theirs@example.org']}/revoke", data={"csrf_token": csrf_from(page)}
        ).status_code
        == 302
    )
    client.post(
        "/admin/users",
        data={"csrf_token": csrf_from(page), "email": "theirs@example.org", "role": "moderator", "site": site.key},
    )
    theirs = db.session.execute(db.select(User).filter_by(email="theirs@example.org")).scalar_one()
    assert {s.name for s in theirs.sites} == {"Theirs", site.name}
