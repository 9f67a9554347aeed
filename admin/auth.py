"""Logging in and out of the back office, and changing one's password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, URLSafeSerializer

from admin import bp
from admin.forms import LanguageForm, LoginForm, PasswordForm
from core.ratelimits import keyed
from extensions import db, limiter, login_manager
from models import User, normalise_email, verify_password


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Sessions name the user and the session version; a bumped version ends old sessions."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.session_version == int(version) else None


def safe_next(target: str | None, default: str = "admin.queue") -> str:
    """Only a path on this site: never another host, scheme, or protocol-relative address."""
    if target:
        parts = urlsplit(target.replace("\\", "/"))
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for(default)


def end_every_session(user: User) -> None:
    user.session_version += 1
    db.session.commit()


def login_limit() -> str:
    return current_app.config["PLAUDIT_LOGIN_LIMIT"]


def account_tried() -> str:
    """The account a login names, as the login looks it up: guesses at one account spread over
    many addresses are counted together."""
    return keyed("account", normalise_email(request.form.get("email", "")))


def account_in_session() -> str:
    return keyed("account", current_user.email)


# A browser that has logged into an account before carries this cookie, signed for that account:
# guesses at the account from elsewhere, however many, do not lock its owner out of it.
KNOWN_DEVICE = "plaudit_device"


def _devices() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="plaudit.known-device")


def known_device() -> bool:
    try:
        account = _devices().loads(request.cookies.get(KNOWN_DEVICE, ""))
    except BadSignature:
        return False
    return account == normalise_email(request.form.get("email", ""))


def failed(response) -> bool:
    return response.status_code == 401


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(login_limit, key_func=account_tried, methods=["POST"], deduct_when=failed, exempt_when=known_device)
def login():
    form = LoginForm(next=request.args.get("next"))
    if form.validate_on_submit():
        user = db.session.execute(db.select(User).filter_by(email=normalise_email(form.email.data))).scalar()
        if verify_password(user, form.password.data):
            login_user(user, remember=form.remember.data)
            return remember_device(redirect(safe_next(form.next.data)), user)
        flash(_("Wrong e-mail or password."), "error")
    return render_template("admin/login.html", form=form), 200 if request.method == "GET" else 401


def remember_device(response, user: User):
    response.set_cookie(
        KNOWN_DEVICE,
        _devices().dumps(user.email),
        max_age=365 * 86400,
        path=url_for("admin.login"),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


@bp.post("/logout")
@login_required
def logout():
    end_every_session(current_user)  # a copied session cookie is worthless from now on
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("admin.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
@limiter.limit(login_limit, methods=["POST"])
@limiter.limit(login_limit, key_func=account_in_session, methods=["POST"])
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            flash(_("The current password is wrong."), "error")
        else:
            user = current_user._get_current_object()
            user.set_password(form.new.data)
            end_every_session(user)
            login_user(user)  # this browser stays in, every other session ends
            flash(_("Password changed; other sessions were logged out."), "info")
            return redirect(url_for("admin.queue"))
    return account_page(password_form=form)


def account_page(password_form: PasswordForm | None = None, language_form: LanguageForm | None = None):
    """The user's own page: their language, their password."""
    language_form = language_form or LanguageForm(language=current_user.language or "")
    return render_template("admin/password.html", form=password_form or PasswordForm(), language_form=language_form)


@bp.post("/language")
@login_required
def language():
    """The user's own language for the back office; none follows the browser's. It applies at
    once, to the very message that says it was saved."""
    form = LanguageForm()
    if not form.validate_on_submit():
        return account_page(language_form=form), 400
    current_user.language = form.language.data or None
    db.session.commit()
    refresh()
    flash(_("Language saved."), "info")
    return redirect(url_for("admin.password"))
