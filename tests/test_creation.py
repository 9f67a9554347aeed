"""One creation path per entity (core.sites, core.users, core.tokens, core.webhooks): the CLI and
the back office refuse the same input with the same words, and write nothing."""

from __future__ import annotations

import html

import pytest

from models import Site, User, Webhook
from tests.conftest import csrf_from, login


@pytest.fixture
def owner(client, make_user, site):
    make_user("owner@example.org", "owner", sites=[site])
    login(client, "owner@example.org")
    return site


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def count(db, model) -> int:
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar()


@pytest.mark.parametrize(
    ("email", "refusal"),
    [
        ("not-an-address", "Not an e-mail address: 'not-an-address'."),
        ("two@at@example.org", "Not an e-mail address: 'two@at@example.org'."),
        ("a b@example.org", "Not an e-mail address: 'a b@example.org'."),
        ("x" * 250 + "@example.org", "Not an e-mail address: '" + "x" * 250 + "@example.org'."),
    ],
)
def test_a_bad_email_is_refused_alike_by_the_cli_and_the_back_office(client, runner, db, owner, email, refusal):
    cli = runner.invoke(args=["user", "create", "--email", email, "--role", "moderator", "--site", owner.key])
    assert cli.exit_code != 0 and refusal in cli.output and "--email" in cli.output
    form = client.get("/admin/users").get_data(as_text=True)
    data = {"csrf_token": csrf_from(form), "email": email, "role": "moderator", "site": owner.key}
    office = client.post("/admin/users", data=data)
    assert office.status_code == 200 and refusal in page_text(office)
    assert count(db, User) == 1  # the owner only: nothing written by either


def test_an_existing_user_is_refused_alike(client, runner, db, owner):
    runner.invoke(args=["user", "create", "--email", "mod@example.org", "--role", "moderator", "--site", owner.key])
    again = runner.invoke(args=["user", "create", "--email", "MOD@example.org", "--role", "owner"])
    assert again.exit_code != 0 and "A user with the e-mail mod@example.org exists already." in again.output


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://hooks.example/x", "https://", "not a url", "https://h.example/" + "x" * 500]
)
def test_a_bad_webhook_address_is_refused_alike_by_the_cli_and_the_back_office(client, runner, db, owner, url):
    refusal = "An http(s) address of 500 characters at most, such as https://hooks.example/plaudit."
    cli = runner.invoke(args=["webhook", "add", "--site", owner.key, "--url", url])
    assert cli.exit_code != 0 and refusal in cli.output and "--url" in cli.output
    form = client.get(f"/admin/sites/{owner.key}/webhooks").get_data(as_text=True)
    office = client.post(
        f"/admin/sites/{owner.key}/webhooks", data={"csrf_token": csrf_from(form), "url": url, "format": "json"}
    )
    assert office.status_code == 200 and refusal in page_text(office)
    assert count(db, Webhook) == 0


def test_a_good_webhook_is_made_alike_by_both(client, runner, db, owner):
    runner.invoke(
        args=[
            "webhook",
            "add",
            "--site",
            owner.key,
            "--url",
            "https://hooks.example/a",
            "--event",
            "response.detractor",
        ]
    )
    form = client.get(f"/admin/sites/{owner.key}/webhooks").get_data(as_text=True)
    data = {
        "csrf_token": csrf_from(form),
        "url": "https://hooks.example/b",
        "format": "json",
        "events": "response.detractor",
    }
    assert client.post(f"/admin/sites/{owner.key}/webhooks", data=data).status_code == 200
    hooks = db.session.execute(db.select(Webhook).order_by(Webhook.id)).scalars().all()
    assert [(h.url, h.format, h.events) for h in hooks] == [
        ("https://hooks.example/a", "json", ["response.detractor"]),
        ("https://hooks.example/b", "json", ["response.detractor"]),
    ]
    assert all(h.secret.startswith("whsec_") for h in hooks)


@pytest.mark.parametrize(
    ("origin", "refusal"),
    [
        ("https://shop.example/cart", "an origin has no path, query or credentials: 'https://shop.example/cart'"),
        ("ftp://shop.example", "not an http(s) origin: 'ftp://shop.example'"),
    ],
)
def test_a_bad_origin_is_refused_alike_by_the_cli_and_the_back_office(client, runner, db, owner, origin, refusal):
    cli = runner.invoke(args=["site", "create", "--name", "Shop", "--origin", origin])
    assert cli.exit_code != 0 and refusal in cli.output and "--origin" in cli.output
    form = client.get("/admin/sites/new").get_data(as_text=True)
    data = {"csrf_token": csrf_from(form), "name": "Shop", "origins": origin, "default_lang": "en"}
    office = client.post("/admin/sites/new", data=data)
    assert office.status_code == 200 and refusal in page_text(office)
    assert db.session.execute(db.select(Site).filter_by(name="Shop")).first() is None


def test_the_demo_is_made_by_the_same_paths(runner, db):
    assert runner.invoke(args=["demo"]).exit_code == 0
    site = db.session.execute(db.select(Site).filter_by(is_demo=True)).scalar_one()
    assert site.default_lang == "en" and site.min_sample == 5
    users = db.session.execute(db.select(User).order_by(User.email)).scalars().all()
    assert [(u.email, u.role, u.all_sites, [s.id for s in u.sites]) for u in users] == [
        ("moderator@demo.plaudit.local", "moderator", False, [site.id]),
        ("owner@demo.plaudit.local", "owner", False, [site.id]),
    ]


def test_a_token_for_nobody_is_refused(runner, db):
    result = runner.invoke(args=["token", "create", "--email", "Nobody@X.org"])
    assert result.exit_code != 0 and "No user has the e-mail nobody@x.org." in result.output
