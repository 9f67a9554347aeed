"""E-mail in the back office: each site's E-mails page (what went, or would have gone, out), each
person's notification choices, and the reply to a respondent from the follow-up list."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from admin import bp
from admin.forms import FollowUpForm, NotificationForm, ReplyForm
from admin.owner import owned_site_or_404, owned_sites, owner_required
from core import mail, notifications, replies
from core.followups import NEXT_STEP, due_by, is_overdue
from extensions import db
from models import MailMessage, Response

EMAILS_SHOWN = 100


@bp.get("/sites/<key>/emails")
@owner_required
def emails(key: str):
    site = owned_site_or_404(key)
    query = db.select(MailMessage).where(MailMessage.site_id == site.id).order_by(MailMessage.id.desc())
    messages = db.session.execute(query.limit(EMAILS_SHOWN)).scalars().all()
    configured = bool(current_app.config.get("MAIL_SERVER"))
    return render_template("admin/emails.html", site=site, messages=messages, state=mail.state, configured=configured)


@bp.get("/notifications")
@login_required
def notifications_page():
    forms = []
    for site in owned_sites():
        setting = notifications.preferences(current_user, site)
        form = NotificationForm(prefix=site.key, obj=setting)
        forms.append((site, form))
    return render_template("admin/notifications.html", forms=forms)


@bp.post("/notifications/<key>")
@login_required
def save_notifications(key: str):
    site = owned_site_or_404(key)
    form = NotificationForm(prefix=site.key)
    if form.validate_on_submit():
        notifications.save_preferences(
            current_user, site, form.detractor_alert.data, form.moderation_alert.data, form.digest.data
        )
        db.session.commit()
        flash(_("Notifications for %(name)s saved.", name=site.name), "info")
    return redirect(url_for("admin.notifications_page"))


def answer_or_404(response_id: int) -> Response:
    response = db.session.get(Response, response_id) or abort(404)
    owned_site_or_404(response.site.key)  # 403 unless this owner has the site
    return response


@bp.get("/responses/<id:response_id>")
@owner_required
def answer(response_id: int):
    """One answer: what the alerts link to, with its follow-up and the reply by e-mail."""
    response = answer_or_404(response_id)
    subject, body = replies.draft(response)
    return render_template(
        "admin/answer.html", r=response, site=response.site, reply_form=ReplyForm(subject=subject, body=body),
        form=FollowUpForm(), can_reply=replies.can_reply(response), history=replies.history(response),
        state=mail.state, next_step=NEXT_STEP, is_overdue=is_overdue, due_by=due_by,
    )  # fmt: skip


@bp.post("/responses/<id:response_id>/reply")
@owner_required
def reply(response_id: int):
    response = answer_or_404(response_id)
    form = ReplyForm()
    if not response.contact_email:
        abort(404, description=_("This answer left no e-mail address to reply to."))
    if not form.validate_on_submit():
        flash(_("A reply needs a subject (200 characters at most) and words: nothing was sent."), "error")
    elif replies.reply(response, current_user, form.subject.data, form.body.data) is None:
        flash(_("They unsubscribed: nothing was sent."), "error")
    else:
        db.session.commit()
        flash(_("Reply queued; the answer is marked contacted."), "info")
    return redirect(url_for("admin.answer", response_id=response.id))
