"""Owners manage who works on their sites: add moderators or owners, take a site away, revoke
API tokens. Access is checked on every request, so a change applies at once.

An owner of some sites acts only within them: they see the people who work on one of their
sites (and, of those people, only their sites), and revoke only tokens whose every use lies
within their sites. An owner of every site acts on everyone."""

from __future__ import annotations

import secrets

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from admin import bp
from admin.forms import NewUserForm
from admin.owner import owned_site_or_404, owned_sites, owner_required
from core.labels import label
from core.moderation import log
from core.ratelimits import keyed
from extensions import db, limiter
from models import ApiToken, Site, User, normalise_email, utcnow


def my_site_ids() -> set[int]:
    return {s.id for s in current_user.sites}


def colleagues() -> list[User]:
    """Users who work on at least one of the current owner's sites (everyone, for an owner of all)."""
    users = db.session.execute(db.select(User).order_by(User.email)).scalars().all()
    if current_user.all_sites:
        return users
    mine = my_site_ids()
    return [u for u in users if u.all_sites or mine & {s.id for s in u.sites}]


def within_my_sites(user: User) -> bool:
    """Whether everything `user` can do is on the current owner's sites: only then may the owner
    act on what reaches all of it, such as their API tokens."""
    if current_user.all_sites:
        return True
    return not user.all_sites and {s.id for s in user.sites} <= my_site_ids()


def adding_limit_key() -> str:
    return keyed("adding-users", str(current_user.id))


@bp.route("/users", methods=["GET", "POST"])
@owner_required
# Each answer tells whether an address can be added: asked a limited number of times.
@limiter.limit(lambda: current_app.config["PLAUDIT_LOGIN_LIMIT"], key_func=adding_limit_key, methods=["POST"])
def users():
    form = NewUserForm()
    form.site.choices = [SelectChoice(s.key, s.name) for s in owned_sites()]
    if form.validate_on_submit():
        add_to_site(owned_site_or_404(form.site.data), normalise_email(form.email.data), form.role.data)
        return redirect(url_for("admin.users"))
    people = colleagues()
    tokens = db.session.execute(db.select(ApiToken).order_by(ApiToken.id)).scalars().all()
    return render_template(
        "admin/users.html",
        form=form,
        users=people,
        tokens=[t for t in tokens if t.user in people and within_my_sites(t.user)],
        my_sites={s.id for s in owned_sites()},
    )


def add_to_site(site: Site, email: str, role: str) -> None:
    """A new account, or a colleague given one more site. An account that works only on other
    sites is left alone: an owner of some sites does not attach (or learn more about) people
    of other sites; an owner of every site can add them."""
    user = db.session.execute(db.select(User).filter_by(email=email)).scalar()
    if user is not None and user not in colleagues():
        flash(
            _("%(email)s cannot be added from your sites; an owner of every site can add them.", email=email), "error"
        )
        return
    if user is None:
        password = secrets.token_urlsafe(12)
        user = User(email=email, role=role, sites=[site])
        user.set_password(password)
        db.session.add(user)
        flash(
            _(
                "%(email)s can now log in as %(role)s of %(site)s. Password (shown once): %(password)s",
                email=email,
                role=label(role),
                site=site.name,
                password=password,
            ),
            "info",
        )
    elif not user.can_access(site):
        user.sites.append(site)
        flash(_("%(email)s now works on %(site)s too.", email=email, site=site.name), "info")
    log(f"user {current_user.id} <{current_user.email}>", "user", site_id=site.id, email=email, role=user.role)
    db.session.commit()


@bp.post("/users/<id:user_id>/sites/<key>/remove")
@owner_required
def remove_from_site(user_id: int, key: str):
    site = owned_site_or_404(key)
    user = db.session.get(User, user_id)
    if user is None or all(s.id != site.id for s in user.sites):
        abort(404)
    user.sites = [s for s in user.sites if s.id != site.id]
    log(f"user {current_user.id} <{current_user.email}>", "user removed", site_id=site.id, email=user.email)
    db.session.commit()
    flash(_("%(email)s no longer works on %(site)s.", email=user.email, site=site.name), "info")
    return redirect(url_for("admin.users"))


@bp.post("/tokens/<id:token_id>/revoke")
@owner_required
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    # Another site's token is answered like one that does not exist.
    if token is None or token.user not in colleagues() or not within_my_sites(token.user):
        abort(404)
    token.revoked_at = token.revoked_at or utcnow()
    db.session.commit()
    flash(_("API token %(id)s of %(email)s is revoked.", id=token.id, email=token.user.email), "info")
    return redirect(url_for("admin.users"))
