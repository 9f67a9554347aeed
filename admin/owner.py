"""Owners' pages: site settings, the audit log, and erasing a respondent's data."""

from __future__ import annotations

from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from marshmallow import ValidationError
from wtforms.fields.choices import SelectChoice

from admin import bp
from admin.forms import (
    ActionForm,
    EraseForm,
    NewSiteForm,
    SettingsForm,
    TextsForm,
    language_in_back_office,
)
from admin.queue import actor
from core import consent, moderation, owner_texts
from core.enums import Category
from core.hosted import hosted_link
from core.i18n import language_name
from core.i18n import lazy_gettext as _l
from core.images import delete_stored
from core.nps import CATEGORIES
from core.origins import normalise_origin
from core.photos import delete_cards, media_dir
from core.query_args import hosted_query_args
from core.sites import new_site
from core.snippets import embed_snippets
from core.strings import LANGUAGES, default_text
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
            flash(_("Site created: paste the survey's snippet below into your pages."), "info")
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


def fill_settings_form(form: SettingsForm, site: Site) -> None:
    form.name.data, form.default_lang.data = site.name, site.default_lang
    form.origins.data = "\n".join(site.origins)
    form.theme_color.data, form.resurvey_days.data = site.theme_color, site.resurvey_days
    form.min_sample.data, form.consent_scope.data = site.min_sample, site.consent_scope
    form.wall_minimum.data = site.wall_minimum
    form.wall_jsonld.data = site.wall_jsonld
    form.thank_promoters.data = site.thank_promoters


def save_settings(form: SettingsForm, site: Site) -> None:
    """Copy a valid form onto the site; a new name in the consent text gets a new consent version."""
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
    # The site's name is in the texts too: renaming it is a new version as much as new words.
    consent.new_version_if_changed(site, shown)
    moderation.log(actor(), "settings", site_id=site.id, consent_version=site.consent_version)


def fill_texts_form(form: TextsForm, site: Site, lang: str) -> None:
    own = owner_texts.own_texts(site, lang)
    for key in owner_texts.EDITABLE:
        getattr(form, key).data = own.get(key, "")
    for category in CATEGORIES:
        getattr(form, f"link_{category}").data = (site.cta_urls or {}).get(category, "")
    questions = (site.touchpoint_questions or {}).get(lang) or {}
    # Every touchpoint with a question in some language, then room for two more.
    for touchpoint in [*owner_texts.touchpoints(site), "", ""]:
        form.touchpoints.append_entry({"touchpoint": touchpoint, "question": questions.get(touchpoint, "")})


def save_texts(form: TextsForm, site: Site, lang: str) -> None:
    """Copy a valid texts form onto the site; a changed consent text gets a new consent version."""
    shown = consent.current_texts(site)
    owner_texts.set_texts(site, lang, {key: getattr(form, key).data for key in owner_texts.EDITABLE})
    rows = [(row.touchpoint.data.strip(), row.question.data) for row in form.touchpoints]
    owner_texts.set_touchpoint_questions(
        site, lang, {touchpoint: question for touchpoint, question in rows if touchpoint}
    )
    links = {category: getattr(form, f"link_{category}").data for category in CATEGORIES}
    site.cta_urls = {category: url for category, url in links.items() if url}
    consent.new_version_if_changed(site, shown)
    moderation.log(actor(), "texts", site_id=site.id, lang=lang, consent_version=site.consent_version)


def texts_placeholders(site: Site, lang: str) -> dict[str, str]:
    """What each empty box means: the default in that language, the site's name in it; an empty
    touchpoint question asks the site's question."""
    placeholders = {key: default_text(key, lang).replace("{name}", site.name) for key in owner_texts.EDITABLE}
    placeholders["touchpoint_question"] = owner_texts.visitor_texts(site, lang, None)["question"]
    return placeholders


CATEGORY_NAMES = {
    Category.PROMOTER: _l("Promoters (9–10)"),
    Category.PASSIVE: _l("Passives (7–8)"),
    Category.DETRACTOR: _l("Detractors (0–6)"),
}
# The score the preview picks to show a category's follow-up and thank-you.
PREVIEW_SCORES = {Category.PROMOTER: 10, Category.PASSIVE: 8, Category.DETRACTOR: 3}


def settings_page(site: Site, form: SettingsForm, texts_form: TextsForm, lang: str):
    return render_template(
        "admin/settings.html",
        form=form,
        site=site,
        snippets=embed_snippets(site.key),
        rotate_form=ActionForm(),
        texts_form=texts_form,
        lang=lang,
        language=language_in_back_office(lang),
        languages=[(code, language_name(code)) for code in LANGUAGES],
        placeholders=texts_placeholders(site, lang),
        touchpoints=owner_texts.touchpoints(site),
        category_names=CATEGORY_NAMES,
        preview_scores=PREVIEW_SCORES,
        hosted=hosted_survey_link(site),
    )


def texts_language(site: Site) -> str:
    """The language whose texts the settings page edits: `?lang=`, else the site's default."""
    lang = request.args.get("lang")
    return lang if lang in LANGUAGES else site.default_lang


@bp.route("/sites/<key>/settings", methods=["GET", "POST"])
@owner_required
def settings(key: str):
    site = owned_site_or_404(key)
    form = SettingsForm()
    if form.validate_on_submit():
        try:
            save_settings(form, site)
            db.session.commit()
            flash(_("Settings saved."), "info")
            return redirect(url_for("admin.settings", key=site.key))
        except moderation.ModerationError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
    elif request.method == "GET":
        fill_settings_form(form, site)
    lang = texts_language(site)
    texts_form = TextsForm(formdata=None)
    fill_texts_form(texts_form, site, lang)
    return settings_page(site, form, texts_form, lang)


@bp.post("/sites/<key>/texts/<lang>")
@owner_required
def texts(key: str, lang: str):
    site = owned_site_or_404(key)
    if lang not in LANGUAGES:
        abort(404)
    texts_form = TextsForm()
    if texts_form.validate_on_submit():
        save_texts(texts_form, site, lang)
        db.session.commit()
        flash(
            _("Texts in %(language)s saved: visitors read them from now on.", language=language_in_back_office(lang)),
            "info",
        )
        return redirect(url_for("admin.settings", key=site.key, lang=lang) + "#texts")
    form = SettingsForm(formdata=None)
    fill_settings_form(form, site)
    return settings_page(site, form, texts_form, lang)


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
        flash(_("New identity secret: sign respondent references with it from now on."), "info")
    return redirect(url_for("admin.settings", key=site.key) + "#identity")


AUDIT_LIMIT = 500  # the most recent events the audit page lists


@bp.get("/audit")
@owner_required
def audit():
    ids = [s.id for s in owned_sites()]
    events = db.session.execute(
        db.select(AuditEvent).where(AuditEvent.site_id.in_(ids)).order_by(AuditEvent.id.desc()).limit(AUDIT_LIMIT)
    ).scalars()
    names = {s.id: s.name for s in owned_sites()}
    return render_template("admin/audit.html", events=events, names=names, limit=AUDIT_LIMIT)


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
            flash(str(exc.message), "error")
        else:
            for name in photos:
                delete_stored(name, media_dir())
            for testimonial_id in testimonial_ids:
                delete_cards(testimonial_id)
            flash(
                ngettext(
                    "Erased %(count)s answer and everything attached to it.",
                    "Erased %(count)s answers and everything attached to them.",
                    count,
                    count=format_number(count),
                ),
                "info",
            )
            return redirect(url_for("admin.erase"))
    return render_template("admin/erase.html", form=form)
