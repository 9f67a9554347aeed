"""Owners manage who works on their sites: add moderators or owners, take a site away, revoke
API tokens. Access is checked on every request, so a change applies at once."""

from __future__ import annotations

import secrets

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from admin import bp
from admin.forms import NewUserForm
from admin.owner import owned_site_or_404, owned_sites, owner_required
from core.moderation import log
from extensions import db
from models import ApiToken, User, utcnow


def colleagues() -> list[User]:
    """Users who work on at least one of the current owner's sites (everyone, for an owner of all)."""
    users = db.session.execute(db.select(User).order_by(User.email)).scalars().all()
    if current_user.all_sites:
        return users
    mine = {s.id for s in current_user.sites}
    return [u for u in users if u.all_sites or mine & {s.id for s in u.sites}]


@bp.route("/users", methods=["GET", "POST"])
@owner_required
def users():
    form = NewUserForm()
    form.site.choices = [SelectChoice(s.key, s.name) for s in owned_sites()]
    if form.validate_on_submit():
        site = owned_site_or_404(form.site.data)
        email = form.email.data.strip().lower()
        user = db.session.execute(db.select(User).filter_by(email=email)).scalar()
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User(email=email, role=form.role.data, sites=[site])
            user.set_password(password)
            db.session.add(user)
            flash(
                f"{email} can now log in as {form.role.data} of {site.name}. Password (shown once): {password}", "info"
            )
        elif not user.can_access(site):
            user.sites.append(site)
            flash(f"{email} now works on {site.name} too.", "info")
        log(f"user {current_user.id} <{current_user.email}>", "user", site_id=site.id, email=email, role=user.role)
        db.session.commit()
        return redirect(url_for("admin.users"))
    tokens = db.session.execute(db.select(ApiToken).order_by(ApiToken.id)).scalars().all()
    return render_template(
        "admin/users.html", form=form, users=colleagues(), tokens=tokens, my_sites={s.id for s in owned_sites()}
    )


@bp.post("/users/<id:user_id>/sites/<key>/remove")
@owner_required
def remove_from_site(user_id: int, key: str):
    site = owned_site_or_404(key)
    user = db.session.get(User, user_id) or abort(404)
    user.sites = [s for s in user.sites if s.id != site.id]
    log(f"user {current_user.id} <{current_user.email}>", "user removed", site_id=site.id, email=user.email)
    db.session.commit()
    flash(f"{user.email} no longer works on {site.name}.", "info")
    return redirect(url_for("admin.users"))


@bp.post("/tokens/<id:token_id>/revoke")
@owner_required
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id) or abort(404)
    if token.user not in colleagues():
        abort(403)
    token.revoked_at = token.revoked_at or utcnow()
    db.session.commit()
    flash(f"API token {token.id} of {token.user.email} is revoked.", "info")
    return redirect(url_for("admin.users"))
