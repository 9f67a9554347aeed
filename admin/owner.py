"""Owners' pages: site settings, the audit log, and erasing a respondent's data."""

from __future__ import annotations

from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError
from wtforms.fields.choices import SelectChoice

from admin import bp
from admin.forms import ActionForm, EraseForm, NewSiteForm, SettingsForm
from admin.queue import actor
from core import consent, moderation
from core.hosted import hosted_link
from core.images import delete_stored
from core.nps import CATEGORIES
from core.origins import normalise_origin
from core.photos import delete_cards, media_dir
from core.query_args import hosted_query_args
from core.sites import new_site
from core.snippets import embed_snippets
from core.strings import DEFAULTS, LANGUAGES
from core.text import clean_text
from extensions import db
from models import AuditEvent, Site, new_identity_secret


def owner_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_owner:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def owned_sites() -> list[Site]:
    if current_user.all_sites:
        return db.session.execute(db.select(Site).order_by(Site.name)).scalars().all()
    return sorted(current_user.sites, key=lambda s: s.name)


def owned_site_or_404(key: str) -> Site:
    site = db.session.execute(db.select(Site).filter_by(key=key)).scalar() or abort(404)
    if not current_user.can_access(site):
        abort(403)
    return site


@bp.get("/sites")
@owner_required
def sites():
    return render_template("admin/sites.html", sites=owned_sites())


@bp.route("/sites/new", methods=["GET", "POST"])
@owner_required
def add_site():
    form = NewSiteForm()
    if form.validate_on_submit():
        try:
            site = create_site(form)
        except ValueError as exc:
            flash(str(exc), "error")
        else:
            flash("Site created: paste the survey's snippet below into your pages.", "info")
            return redirect(url_for("admin.settings", key=site.key))
    return render_template("admin/site_new.html", form=form)


def create_site(form: NewSiteForm) -> Site:
    """The site, with the owner who creates it among its owners unless they already have every site."""
    site = new_site(form.name.data, form.origins.data.splitlines(), form.default_lang.data)
    if not current_user.all_sites:
        current_user.sites.append(site)
    db.session.flush()  # its id, for the audit log
    moderation.log(actor(), "site.created", site_id=site.id, name=site.name, origins=site.origins)
    db.session.commit()
    return site


# The languages whose consent text the settings form edits (the others keep their default).
CONSENT_FIELDS = tuple(lang for lang in LANGUAGES if hasattr(SettingsForm, f"consent_{lang}"))


def fill_settings_form(form: SettingsForm, site: Site) -> None:
    form.name.data, form.default_lang.data = site.name, site.default_lang
    form.origins.data = "\n".join(site.origins)
    form.theme_color.data, form.resurvey_days.data = site.theme_color, site.resurvey_days
    form.min_sample.data, form.consent_scope.data = site.min_sample, site.consent_scope
    form.wall_minimum.data = site.wall_minimum
    form.wall_jsonld.data = site.wall_jsonld
    form.thank_promoters.data = site.thank_promoters
    for category in CATEGORIES:
        getattr(form, f"cta_{category}").data = (site.cta_urls or {}).get(category, "")
    for lang in CONSENT_FIELDS:
        getattr(form, f"consent_{lang}").data = (site.texts or {}).get(lang, {}).get("consent", "")


def save_settings(form: SettingsForm, site: Site) -> None:
    """Copy a valid form onto the site; a new consent text gets a new consent version."""
    shown = consent.current_texts(site)
    try:
        origins = [normalise_origin(line) for line in form.origins.data.splitlines() if line.strip()]
    except ValueError as exc:
        raise moderation.ModerationError(str(exc), 422) from exc
    site.name = clean_text(form.name.data) or site.name
    site.origins = list(dict.fromkeys(origins))
    site.default_lang, site.theme_color = form.default_lang.data, form.theme_color.data.lower()
    site.resurvey_days, site.min_sample = form.resurvey_days.data, form.min_sample.data
    site.wall_minimum = form.wall_minimum.data
    site.consent_scope, site.wall_jsonld = form.consent_scope.data, form.wall_jsonld.data
    site.thank_promoters = form.thank_promoters.data
    site.cta_urls = {c: getattr(form, f"cta_{c}").data for c in CATEGORIES if getattr(form, f"cta_{c}").data}
    texts = {lang: dict((site.texts or {}).get(lang, {})) for lang in LANGUAGES}
    for lang in CONSENT_FIELDS:
        own = clean_text(getattr(form, f"consent_{lang}").data or "")
        texts[lang].pop("consent", None)
        if own and own != DEFAULTS[lang]["consent"]:
            texts[lang]["consent"] = own
    site.texts = {lang: values for lang, values in texts.items() if values}
    # The site's name is in the texts too: renaming it is a new version as much as new words.
    consent.new_version_if_changed(site, shown)
    moderation.log(actor(), "settings", site_id=site.id, consent_version=site.consent_version)


@bp.route("/sites/<key>/settings", methods=["GET", "POST"])
@owner_required
def settings(key: str):
    site = owned_site_or_404(key)
    form = SettingsForm()
    if form.validate_on_submit():
        try:
            save_settings(form, site)
            db.session.commit()
            flash("Settings saved.", "info")
            return redirect(url_for("admin.settings", key=site.key))
        except moderation.ModerationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
    elif request.method == "GET":
        fill_settings_form(form, site)
    return render_template(
        "admin/settings.html",
        form=form,
        site=site,
        snippets=embed_snippets(site.key),
        rotate_form=ActionForm(),
        hosted=hosted_survey_link(site),
    )


def hosted_survey_link(site: Site) -> dict:
    """The hosted page's link and QR code, for the touchpoint asked for (`?touchpoint=`)."""
    touchpoint = request.args.get("touchpoint", "").strip()
    try:
        touchpoint = hosted_query_args.load({"touchpoint": touchpoint} if touchpoint else {}).get("touchpoint")
    except ValidationError:
        flash(_("A touchpoint has letters, digits, spaces and _ . : / - only (64 at most)."), "error")
        touchpoint = None
    query = {"touchpoint": touchpoint} if touchpoint else {}
    return {"link": hosted_link(site.key, touchpoint), "query": query, "touchpoint": touchpoint or ""}


@bp.post("/sites/<key>/identity-secret")
@owner_required
def rotate_identity_secret(key: str):
    """A new secret for proving respondent references; proofs made with the old one stop
    proving anything at once (their answers are kept, as unproven claims)."""
    site = owned_site_or_404(key)
    if ActionForm().validate_on_submit():
        site.identity_secret = new_identity_secret()
        moderation.log(actor(), "identity_secret.rotated", site_id=site.id)
        db.session.commit()
        flash("New identity secret: sign respondent references with it from now on.", "info")
    return redirect(url_for("admin.settings", key=site.key) + "#identity")


@bp.get("/audit")
@owner_required
def audit():
    ids = [s.id for s in owned_sites()]
    events = db.session.execute(
        db.select(AuditEvent).where(AuditEvent.site_id.in_(ids)).order_by(AuditEvent.id.desc()).limit(500)
    ).scalars()
    names = {s.id: s.name for s in owned_sites()}
    return render_template("admin/audit.html", events=events, names=names)


@bp.route("/erase", methods=["GET", "POST"])
@owner_required
def erase():
    form = EraseForm()
    form.site.choices = [SelectChoice(s.key, s.name) for s in owned_sites()]
    if form.validate_on_submit():
        site = owned_site_or_404(form.site.data)
        try:
            count, photos, testimonial_ids = moderation.erase(
                site,
                respondent=(form.respondent.data or "").strip() or None,
                response_id=form.response_id.data,
                email=(form.email.data or "").strip() or None,
                actor=actor(),
            )
            db.session.commit()
        except moderation.ModerationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            for name in photos:
                delete_stored(name, media_dir())
            for testimonial_id in testimonial_ids:
                delete_cards(testimonial_id)
            flash(f"Erased {count} answer(s) and everything attached to them.", "info")
            return redirect(url_for("admin.erase"))
    return render_template("admin/erase.html", form=form)
