"""E-mail invitations in the back office: a site's Invitations page (who was sent, opened the
page, answered, was reminded, bounced, unsubscribed, per wave), its sending settings and
journey, and the upload of contacts: preview (what will be sent, errors per line), then confirm."""

from __future__ import annotations

import json
from datetime import date, datetime

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from marshmallow import ValidationError

from admin import bp
from admin.forms import InvitationConfirmForm, InvitationSettingsForm, InvitationUploadForm
from admin.owner import owned_site_or_404, owner_required
from core import contact_upload, invitations
from core.enums import InvitationSkip
from core.i18n import lazy_gettext as _l
from extensions import db
from models import Invitation, MailMessage, Site, utcnow

REASONS = {
    InvitationSkip.UNSUBSCRIBED: _l("unsubscribed: never written to again"),
    InvitationSkip.ANSWERED_RECENTLY: _l("answered within the resurvey interval"),
    InvitationSkip.DUPLICATE: _l("the same address earlier in the file"),
    InvitationSkip.ALREADY_INVITED: _l("an invitation to this address is still open"),
}


def waves(site: Site) -> list:
    """Per wave: how many were sent, opened the page, answered, reminded, bounced, unsubscribed."""
    count = db.func.count
    query = (
        db.select(
            Invitation.wave,
            db.func.min(Invitation.send_at).label("first"),
            count(Invitation.id).label("invited"),
            # Sent is delivered: an invitation kept in the outbox (no mail server) is not sent.
            count(MailMessage.delivered_at).label("sent"),
            count(Invitation.opened_at).label("opened"),
            count(Invitation.response_id).label("answered"),
            count(Invitation.reminded_at).label("reminded"),
            count(Invitation.bounced_at).label("bounced"),
            count(Invitation.unsubscribed_at).label("unsubscribed"),
            count(Invitation.cancelled_at).label("cancelled"),
        )
        .outerjoin(MailMessage, MailMessage.id == Invitation.mail_id)
        .where(Invitation.site_id == site.id)
        .group_by(Invitation.wave)
        .order_by(db.func.min(Invitation.send_at).desc())
    )
    return db.session.execute(query).all()


def settings_form(site: Site) -> InvitationSettingsForm:
    """The settings as they stand (shown, never validated: their form posts elsewhere)."""
    form = InvitationSettingsForm(formdata=None, obj=site)
    form.journey_months.data = ", ".join(map(str, site.journey_months or []))  # [3, 6, 12] → "3, 6, 12"
    return form


def page(site: Site, upload: InvitationUploadForm, status: int = 200):
    return render_template(
        "admin/invitations.html", site=site, waves=waves(site), upload=upload, settings=settings_form(site)
    ), status


@bp.get("/sites/<key>/invitations")
@owner_required
def invitations_page(key: str):
    return page(owned_site_or_404(key), InvitationUploadForm())


@bp.post("/sites/<key>/invitations/settings")
@owner_required
def invitation_settings(key: str):
    site = owned_site_or_404(key)
    form = InvitationSettingsForm()
    if form.validate_on_submit():
        form.populate_obj(site)
        site.journey_months = sorted({int(m) for m in (form.journey_months.data or "").split(",") if m.strip()})
        db.session.commit()
        flash(_("Invitation settings saved."), "info")
    else:
        flash(_("Check the invitation settings: %(errors)s", errors=json.dumps(form.errors)), "error")
    return redirect(url_for("admin.invitations_page", key=site.key))


@bp.post("/sites/<key>/invitations/preview")
@owner_required
def preview_invitations(key: str):
    site = owned_site_or_404(key)
    form = InvitationUploadForm()
    if not form.validate_on_submit():
        return page(site, form, 422)
    lines, refused = contact_upload.read(form.file.data.read())
    if refused:
        form.file.errors = [refused]
        return page(site, form, 422)
    now, seen = utcnow(), set()
    for line in lines:
        if line.contact is not None:
            reason = invitations.why_not(site, invitations.ContactIn(**line.contact), now, seen)
            line.skip = REASONS[reason] if reason else None
    good = [line.contact for line in lines if line.contact is not None and not line.skip]
    confirm = InvitationConfirmForm(
        contacts=json.dumps(good, default=str),
        touchpoint=form.touchpoint.data or "",
        send_on=form.send_on.data.isoformat() if form.send_on.data else "",
        reminder_days=form.reminder_days.data or "",
    )
    samples = invitations.previews(site, good, form.touchpoint.data or None)
    return render_template("admin/invitations_preview.html", site=site, lines=lines, confirm=confirm,
                           good=len(good), samples=samples)  # fmt: skip


@bp.post("/sites/<key>/invitations/confirm")
@owner_required
def confirm_invitations(key: str):
    site = owned_site_or_404(key)
    form = InvitationConfirmForm()
    if not form.validate_on_submit():
        flash(_("That upload could not be read back: upload the file again."), "error")
        return redirect(url_for("admin.invitations_page", key=site.key))
    # Checked again: it is what the preview showed, read back through the same schema.
    try:
        given = json.loads(form.contacts.data)
        contacts = [invitations.ContactIn(**contact_upload.contact_schema.load(c)) for c in given]
    except (ValueError, TypeError, ValidationError):
        flash(_("That upload could not be read back: upload the file again."), "error")
        return redirect(url_for("admin.invitations_page", key=site.key))
    send_at = (
        datetime.combine(date.fromisoformat(form.send_on.data), invitations.JOURNEY_HOUR) if form.send_on.data else None
    )
    scheduled, skipped = invitations.schedule(
        site,
        contacts,
        touchpoint=form.touchpoint.data or None,
        send_at=send_at,
        reminder_days=int(form.reminder_days.data) if form.reminder_days.data else None,
    )
    db.session.commit()
    flash(ngettext("%(count)s contact invited.", "%(count)s contacts invited.", scheduled, count=scheduled), "info")
    return redirect(url_for("admin.invitations_page", key=site.key))
