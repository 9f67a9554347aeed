"""`flask --app app site|user|token|demo` (shared/CONTRACT.md, "CLI")."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import or_

from core import backup, rollups, webhooks
from core.enums import Language, Role, WebhookFormat
from core.labels import label
from core.origins import normalise_origin
from core.sites import new_site
from core.snippets import embed_snippets, public_base_url
from core.strings import LANGUAGES
from extensions import db
from models import ApiToken, Site, User, Webhook, utcnow

site_cli = AppGroup("site", help="Manage surveyed sites.")
user_cli = AppGroup("user", help="Manage back-office users.")
token_cli = AppGroup("token", help="Manage API tokens.")

DEMO_SITE_NAME = "Plaudit demo blog"
DEMO_OWNER = "owner@demo.plaudit.local"
DEMO_MODERATOR = "moderator@demo.plaudit.local"


def _sites(keys: tuple[str, ...]) -> list[Site]:
    sites = []
    for key in keys:
        site = db.session.execute(db.select(Site).filter_by(key=key)).scalar()
        if site is None:
            raise click.BadParameter(_("no site has the key %(key)s", key=repr(key)), param_hint="--site")
        sites.append(site)
    return sites


def _print_site(site: Site) -> None:
    click.echo(
        _(
            "Site %(name)s created.\nKey: %(key)s\nOrigins: %(origins)s\n",
            name=repr(site.name),
            key=site.key,
            origins=", ".join(site.origins),
        )
    )
    snippets = embed_snippets(site.key)
    click.echo(_("NPS widget (paste where the survey should appear):") + "\n  " + snippets["widget"])
    click.echo(_("Testimonial wall:") + "\n  " + snippets["wall"])
    click.echo(_("NPS badge:") + "\n  " + snippets["badge"])
    _print_who_sees(site)


def who_sees(site: Site) -> list[User]:
    """The back-office users who work on this site: owners of every site, and its own users."""
    query = db.select(User).where(or_(User.all_sites.is_(True), User.sites.any(Site.id == site.id)))
    return db.session.execute(query.order_by(User.email)).scalars().all()


def flask_command() -> str:
    """The command as it was run here (`.venv/bin/flask` when `make run` set things up), so a
    printed command can be pasted as it is: a bare `flask` may be another install's."""
    ran = sys.argv[0] if os.path.basename(sys.argv[0]) == "flask" else ".venv/bin/flask"
    if os.path.isabs(ran) and ran.startswith(os.getcwd() + os.sep):
        ran = os.path.relpath(ran)
    return f"{ran} --app app"


def _print_who_sees(site: Site) -> None:
    # A new site is seen only by owners of every site: say so, or someone logged in as another
    # owner (the demo's) looks for it in vain.
    users = who_sees(site)
    seen = ", ".join(f"{u.email} ({label(u.role)})" for u in users) if users else _("no one yet")
    click.echo("\n" + _("In the back office, this site is seen by: %(users)s.", users=seen))
    click.echo(_("To give it an owner, a new user:"))
    click.echo(f"  {flask_command()} user create --email EMAIL --role owner --site {site.key}")
    click.echo(_("or an existing one:"))
    click.echo(f"  {flask_command()} user grant --email EMAIL --site {site.key}")
    demo_owner = db.session.execute(db.select(User).filter_by(email=DEMO_OWNER)).scalar()
    if demo_owner is not None and not demo_owner.can_access(site):
        click.echo(_("The demo owner sees only the demo site; to let them see this one:"))
        click.echo(f"  {flask_command()} user grant --email {DEMO_OWNER} --site {site.key}")


@site_cli.command("create")
@click.option("--name", required=True, help="The site's name, shown in the question.")
@click.option(
    "--origin",
    "origins",
    multiple=True,
    required=True,
    help="An origin allowed to embed the survey, e.g. https://blog.example (repeatable).",
)
@click.option("--lang", type=click.Choice(LANGUAGES), default=Language.EN.value, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def site_create(name: str, origins: tuple[str, ...], lang: str, as_json: bool) -> None:
    """Create a site and print its key and embed snippets."""
    try:
        site = new_site(name, origins, lang)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    db.session.commit()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "key": site.key,
                    "name": site.name,
                    "origins": site.origins,
                    "lang": site.default_lang,
                    "snippets": embed_snippets(site.key),
                    "seen_by": [u.email for u in who_sees(site)],
                }
            )
        )
    else:
        _print_site(site)


@user_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(User.ROLES), required=True)
@click.option("--site", "site_keys", multiple=True, help="Key of a site this user works on (repeatable).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of generating one.")
def user_create(email: str, role: str, site_keys: tuple[str, ...], password_stdin: bool) -> None:
    """Create a back-office user. An owner with no --site administers every site."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise click.BadParameter(_("not an e-mail address"), param_hint="--email")
    if db.session.execute(db.select(User).filter_by(email=email)).scalar():
        raise click.ClickException(_("a user with the e-mail %(email)s exists already", email=email))
    if role == Role.MODERATOR and not site_keys:
        raise click.BadParameter(_("a moderator needs at least one --site"), param_hint="--site")
    password = sys.stdin.readline().rstrip("\n") if password_stdin else secrets.token_urlsafe(12)
    if len(password) < 8:
        raise click.BadParameter(_("a password has at least 8 characters"), param_hint="--password-stdin")
    user = User(email=email, role=role, sites=_sites(site_keys), all_sites=role == Role.OWNER and not site_keys)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    scope = _("every site") if user.all_sites else ", ".join(s.key for s in user.sites)
    click.echo(_("User %(email)s (%(role)s) created for %(scope)s.", email=email, role=label(role), scope=scope))
    if not password_stdin:
        click.echo(_("Password (shown once): %(password)s", password=password))


@user_cli.command("grant")
@click.option("--email", required=True, help="An existing user.")
@click.option("--site", "site_keys", multiple=True, required=True, help="Key of a site to add (repeatable).")
def user_grant(email: str, site_keys: tuple[str, ...]) -> None:
    """Let an existing user work on more sites (e.g. the demo owner on a site of yours)."""
    user = db.session.execute(db.select(User).filter_by(email=email.strip().lower())).scalar()
    if user is None:
        raise click.ClickException(_("no user has the e-mail %(email)s; create one with `user create`", email=email))
    user.sites = list(dict.fromkeys([*user.sites, *_sites(site_keys)]))
    db.session.commit()
    scope = _("every site") if user.all_sites else ", ".join(s.key for s in user.sites)
    click.echo(
        _("User %(email)s (%(role)s) now works on %(scope)s.", email=user.email, role=label(user.role), scope=scope)
    )


@token_cli.command("create")
@click.option("--email", required=True, help="The user the token acts as.")
@click.option("--json", "as_json", is_flag=True)
def token_create(email: str, as_json: bool) -> None:
    """Create an API token. It is shown once and only its hash is kept."""
    user = db.session.execute(db.select(User).filter_by(email=email.strip().lower())).scalar()
    if user is None:
        raise click.ClickException(_("no user has the e-mail %(email)s", email=email))
    token, plain = ApiToken.issue(user)
    db.session.add(token)
    db.session.commit()
    if as_json:
        click.echo(json.dumps({"token": plain, "id": token.id}))
    else:
        click.echo(_("API token %(id)s for %(email)s (shown once):", id=token.id, email=user.email) + "\n" + plain)


@token_cli.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    """Revoke an API token by its id: it stops working at once."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(_("no API token has the id %(id)s", id=token_id))
    token.revoked_at = token.revoked_at or utcnow()
    db.session.commit()
    click.echo(_("API token %(id)s of %(email)s is revoked.", id=token_id, email=token.user.email))


@token_cli.command("list")
@click.option("--email", help="Only this user's tokens.")
def token_list(email: str | None) -> None:
    """List API tokens (ids, owners, last use; never the tokens themselves)."""
    query = db.select(ApiToken).join(User).order_by(ApiToken.id)
    if email:
        query = query.where(User.email == email.strip().lower())
    for token in db.session.execute(query).scalars():
        state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked else "active"
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
        click.echo(f"{token.id}\t{token.user.email}\t{state}\tlast used {used}")


def demo_password(email: str) -> str:
    """Stable for one instance (derived from its secret key) so `demo` can print it on every
    run without storing it; unguessable without that key."""
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), f"demo:{email}".encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def _demo_user(email: str, role: str, site: Site) -> User:
    user = db.session.execute(db.select(User).filter_by(email=email)).scalar()
    if user is None:
        user = User(email=email, role=role, sites=[site])
        user.set_password(demo_password(email))
        db.session.add(user)
    return user


@click.command("demo")
def demo() -> None:
    """Create the demo site, owner and moderator if missing, and print where to go."""
    base = public_base_url()
    origins = {normalise_origin(base)}
    port = urlsplit(base).port
    if port:  # the same server reached by either loopback name
        origins |= {f"http://127.0.0.1:{port}", f"http://localhost:{port}"}
    site = db.session.execute(db.select(Site).filter_by(is_demo=True)).scalar()
    if site is None:
        site = Site(name=DEMO_SITE_NAME, is_demo=True, origins=[], min_sample=5)
        db.session.add(site)
    # Idempotent, but a demo served on another port must keep working: add missing origins.
    site.origins = list(dict.fromkeys([*(site.origins or []), *sorted(origins)]))
    _demo_user(DEMO_OWNER, Role.OWNER, site)
    _demo_user(DEMO_MODERATOR, Role.MODERATOR, site)
    db.session.commit()
    page, owner, moderator = (
        f"{base}/demo",
        f"{DEMO_OWNER} / {demo_password(DEMO_OWNER)}",
        f"{DEMO_MODERATOR} / {demo_password(DEMO_MODERATOR)}",
    )
    click.echo(_("Demo page: %(url)s", url=page))
    click.echo(_("Demo site key: %(key)s", key=site.key))
    click.echo(_("Owner login: %(login)s", login=owner))
    click.echo(_("Moderator login: %(login)s", login=moderator))


webhook_cli = AppGroup("webhook", help="Manage webhooks.")


@webhook_cli.command("add")
@click.option("--site", "site_key", required=True)
@click.option("--url", required=True, help="An http(s) address that accepts POST.")
@click.option(
    "--format", "fmt", type=click.Choice(Webhook.FORMATS), default=WebhookFormat.JSON.value, show_default=True
)
@click.option(
    "--event", "events", multiple=True, type=click.Choice(Webhook.EVENTS), help="Only these events (default: all)."
)
@click.option("--json", "as_json", is_flag=True)
def webhook_add(site_key: str, url: str, fmt: str, events: tuple[str, ...], as_json: bool) -> None:
    """Subscribe URL to the site's events; print the signing secret once."""
    site = _sites((site_key,))[0]
    if not url.startswith(("http://", "https://")) or len(url) > 500:
        raise click.BadParameter(_("an http(s) address of 500 characters at most"), param_hint="--url")
    webhook = Webhook(
        site_id=site.id, url=url, format=fmt, secret=webhooks.new_secret(), events=list(events or Webhook.EVENTS)
    )
    db.session.add(webhook)
    db.session.commit()
    if as_json:
        click.echo(json.dumps({"id": webhook.id, "secret": webhook.secret}))
    else:
        events = ", ".join(webhook.events)
        click.echo(
            _(
                "Webhook %(id)s → %(url)s (%(format)s) for %(events)s.",
                id=webhook.id,
                url=url,
                format=fmt,
                events=events,
            )
        )
        click.echo(_("Signing secret (shown once): %(secret)s", secret=webhook.secret))


rollups_cli = AppGroup("rollups", help="Maintain the per-day aggregates.")


@rollups_cli.command("rebuild")
@click.option("--site", "site_key", help="Only this site (default: all).")
def rollups_rebuild(site_key: str | None) -> None:
    """Recompute the daily answer counts from the raw answers."""
    site_id = _sites((site_key,))[0].id if site_key else None
    rows = rollups.rebuild(site_id)
    db.session.commit()
    click.echo(_("Rollups rebuilt: %(rows)s rows.", rows=rows))


def _database_url() -> str:
    return current_app.config["SQLALCHEMY_DATABASE_URI"]


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Write a consistent copy of the database to PATH, while the app keeps running."""
    try:
        counts = backup.backup(_database_url(), path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        _("Backup written to %(path)s.", path=path)
        + (" " + _("Integrity ok; rows: %(counts)s", counts=counts) if counts else "")
    )


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database with the backup at PATH (stop the app first)."""
    if not yes:
        click.confirm(_("This replaces every row of the current database. Go on?"), abort=True)
    db.session.remove()
    db.engine.dispose()
    try:
        counts = backup.restore(_database_url(), path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_("Restored from %(path)s.", path=path) + (" " + _("Rows: %(counts)s", counts=counts) if counts else ""))


def register_cli(app: Flask) -> None:
    for command in (site_cli, user_cli, token_cli, webhook_cli, rollups_cli, demo, backup_command, restore_command):
        app.cli.add_command(command)
