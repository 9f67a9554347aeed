import json

import pytest

import models
from models import ApiToken, Site, User, sha256_hex


def test_site_create_prints_key_and_snippets(runner, db):
    result = runner.invoke(args=["site", "create", "--name", "My blog", "--origin", "https://MyBlog.example:443/"])
    assert result.exit_code == 0, result.output
    site = db.session.execute(db.select(Site)).scalar_one()
    assert site.origins == ["https://myblog.example"]
    assert f'<script async src="http://plaudit.test/widget.js" data-site="{site.key}"></script>' in result.output
    assert f'data-site="{site.key}" data-layout="grid"' in result.output
    assert f"/badge/{site.key}.svg" in result.output


def test_site_create_json(runner, db):
    result = runner.invoke(
        args=[
            "site",
            "create",
            "--name",
            "Blog",
            "--origin",
            "https://a.example",
            "--origin",
            "http://localhost:8000",
            "--lang",
            "fr",
            "--json",
        ]
    )
    data = json.loads(result.output)
    assert data["name"] == "Blog" and data["origins"] == ["https://a.example", "http://localhost:8000"]
    assert len(data["key"]) >= 16 and data["lang"] == "fr"


@pytest.mark.parametrize("lang", ["en", "fr", "de", "es", "it", "nl", "pt", "ar"])
def test_site_create_takes_every_visitor_language(runner, db, lang):
    result = runner.invoke(
        args=["site", "create", "--name", "B", "--origin", "https://b.example", "--lang", lang, "--json"]
    )
    assert result.exit_code == 0 and json.loads(result.output)["lang"] == lang


def test_site_create_refuses_a_language_it_does_not_offer(runner, db):
    result = runner.invoke(args=["site", "create", "--name", "B", "--origin", "https://b.example", "--lang", "zh"])
    assert result.exit_code != 0 and "zh" in result.output
    assert db.session.execute(db.select(Site)).first() is None


def test_site_create_refuses_bad_origins(runner, db):
    typos = ("https://ex ample.com", "https://-x.example", "http://x.example:0", "https://x..example")
    for origin in ("ftp://x.example", "https://x.example/path", "not a url", *typos):
        result = runner.invoke(args=["site", "create", "--name", "B", "--origin", origin])
        assert result.exit_code != 0 and "origin" in result.output.lower()
    assert db.session.execute(db.select(Site)).first() is None


def test_origins_are_kept_as_browsers_send_them(runner, db):
    """An international name arrives in punycode in the Origin header; stored as typed, it would
    never match, and the survey would never show."""
    result = runner.invoke(
        args=["site", "create", "--name", "Café", "--origin", "https://CAFÉ.example:443/", "--origin",
              "http://[::1]:8000", "--origin", "https://faß.de", "--json"]
    )  # fmt: skip
    assert json.loads(result.output)["origins"] == [
        "https://xn--caf-dma.example",
        "http://[::1]:8000",
        "https://xn--fa-hia.de",  # as browsers map it (UTS #46), not "fass.de"
    ]


def test_user_create_owner_and_moderator(runner, db, site):
    owner = runner.invoke(args=["user", "create", "--email", "Boss@Example.org", "--role", "owner"])
    assert owner.exit_code == 0 and "Password (shown once):" in owner.output
    moderator = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "mod@example.org",
            "--role",
            "moderator",
            "--site",
            site.key,
            "--password-stdin",
        ],
        input="correct horse battery\n",
    )
    assert moderator.exit_code == 0, moderator.output
    boss = db.session.execute(db.select(User).filter_by(email="boss@example.org")).scalar_one()
    mod = db.session.execute(db.select(User).filter_by(email="mod@example.org")).scalar_one()
    assert boss.all_sites and boss.role == "owner"
    assert not mod.all_sites and [s.key for s in mod.sites] == [site.key]
    assert mod.check_password("correct horse battery") and "correct horse" not in mod.password_hash


def test_user_create_refusals(runner, db, site):
    assert runner.invoke(args=["user", "create", "--email", "m@x.org", "--role", "moderator"]).exit_code != 0
    assert (
        runner.invoke(args=["user", "create", "--email", "m@x.org", "--role", "moderator", "--site", "nope"]).exit_code
        != 0
    )
    assert (
        runner.invoke(
            args=["user", "create", "--email", "o@x.org", "--role", "owner", "--password-stdin"], input="short\n"
        ).exit_code
        != 0
    )
    assert runner.invoke(args=["user", "create", "--email", "o@x.org", "--role", "owner"]).exit_code == 0
    assert runner.invoke(args=["user", "create", "--email", "o@x.org", "--role", "owner"]).exit_code != 0
    assert db.session.execute(db.select(db.func.count()).select_from(User)).scalar() == 1


def test_token_create_is_shown_once_and_stored_hashed(runner, db):
    runner.invoke(args=["user", "create", "--email", "o@x.org", "--role", "owner"])
    result = runner.invoke(args=["token", "create", "--email", "o@x.org", "--json"])
    token = json.loads(result.output)["token"]
    stored = db.session.execute(db.select(ApiToken)).scalar_one()
    assert stored.token_hash == sha256_hex(token) and token not in stored.token_hash
    assert runner.invoke(args=["token", "create", "--email", "nobody@x.org"]).exit_code != 0


def test_demo_is_idempotent_and_prints_logins(runner, db):
    first = runner.invoke(args=["demo"])
    second = runner.invoke(args=["demo"])
    assert first.exit_code == second.exit_code == 0
    assert first.output == second.output
    assert "http://plaudit.test/demo" in first.output and "Moderator login:" in first.output
    sites = db.session.execute(db.select(Site).filter_by(is_demo=True)).scalars().all()
    assert len(sites) == 1 and "http://plaudit.test" in sites[0].origins
    assert db.session.execute(db.select(db.func.count()).select_from(User)).scalar() == 2
    login = first.output.split("Moderator login:")[1].split()
    moderator = db.session.execute(db.select(User).filter_by(email=login[0])).scalar_one()
    assert moderator.check_password(login[2]) and moderator.role == "moderator"
    assert db.session.execute(db.select(models.Response)).first() is None


def test_site_create_says_who_sees_it_and_how_to_add_an_owner(runner, db, app):
    runner.invoke(args=["demo"])
    result = runner.invoke(args=["site", "create", "--name", "My blog", "--origin", "https://myblog.example"])
    assert result.exit_code == 0, result.output
    site = db.session.execute(db.select(Site).filter_by(name="My blog")).scalar_one()
    assert "In the back office, this site is seen by: no one yet." in result.output
    assert f".venv/bin/flask --app app user create --email EMAIL --role owner --site {site.key}" in result.output
    assert f".venv/bin/flask --app app user grant --email EMAIL --site {site.key}" in result.output
    assert "The demo owner sees only the demo site; to let them see this one:" in result.output
    # The printed command lets the demo owner see it.
    grant = f".venv/bin/flask --app app user grant --email owner@demo.plaudit.local --site {site.key}"
    assert grant in result.output
    args = grant.split()[3:]
    granted = runner.invoke(args=args)
    assert granted.exit_code == 0, granted.output
    owner = db.session.execute(db.select(User).filter_by(email="owner@demo.plaudit.local")).scalar_one()
    assert owner.can_access(site) and len(owner.sites) == 2  # the demo site kept
    assert runner.invoke(args=args).exit_code == 0 and len(owner.sites) == 2  # once is enough
    assert runner.invoke(args=["user", "grant", "--email", "nobody@x.org", "--site", site.key]).exit_code != 0
    assert runner.invoke(args=[*args[:-1], "no-such-key"]).exit_code != 0


def test_site_create_names_the_owners_of_every_site(runner, db):
    runner.invoke(args=["user", "create", "--email", "boss@example.org", "--role", "owner"])
    result = runner.invoke(args=["site", "create", "--name", "Blog", "--origin", "https://b.example"])
    assert "this site is seen by: boss@example.org (owner)." in result.output
    assert "demo owner" not in result.output  # no demo on this instance
    data = json.loads(
        runner.invoke(args=["site", "create", "--name", "B2", "--origin", "https://c.example", "--json"]).output
    )
    assert data["seen_by"] == ["boss@example.org"]
