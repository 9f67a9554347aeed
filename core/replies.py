"""E-mails to respondents who left an address: the owner's reply from the follow-up list
(prefilled with PLAYBOOK.md's draft for the category, in the respondent's language, editable,
answered to the owner's own mailbox), and the optional thank-you to a promoter whose testimonial
was approved. An address that unsubscribed is never written to again (core.mail)."""

from __future__ import annotations

import re

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core import mail
from core.enums import Category, FollowUpStatus, MailKind, TestimonialStatus
from extensions import db
from models import MailMessage, Response, Testimonial, User, utcnow

# PLAYBOOK.md, "Default reply drafts".
DRAFTS = {
    Category.DETRACTOR: _l(
        "Hello %(first_name)s, thank you for answering our survey. We are sorry that your experience did not "
        "live up to what you expected, and we would like to understand what happened. Could you tell us a "
        "little more? We read every answer and will do what we can to put it right."
    ),
    Category.PASSIVE: _l(
        "Hello %(first_name)s, thank you for taking the time to answer. What could we do to improve your "
        "experience — to earn that one more point? Your answer will help us improve %(name)s for everyone."
    ),
    Category.PROMOTER: _l(
        "Hello %(first_name)s, thank you for your answer: we are delighted that you would recommend "
        "%(name)s! If you would like to share your experience, here is where to do it: %(link)s. And if we "
        "can ever help, just reply to this e-mail."
    ),
}


def first_name(response: Response) -> str:
    """The first word of the name they gave with their words, if any."""
    name = response.testimonial.display_name if response.testimonial is not None else None
    return (name or "").split(" ")[0]


def draft(response: Response) -> tuple[str, str]:
    """The subject and words the reply form starts from, in the answer's language."""
    site = response.site
    link = site.cta_urls.get(Category.PROMOTER) or site.cta_urls.get(response.category) or ""
    with force_locale(response.lang):
        subject = _("About your answer to %(name)s", name=site.name)
        body = str(DRAFTS[response.category]) % {"first_name": first_name(response), "name": site.name, "link": link}
    # Without a name, "Hello , thank you" reads "Hello, thank you" (Arabic's comma too).
    return subject, re.sub(r"\s+([,،])", r"\1", body, count=1)


def can_reply(response: Response) -> bool:
    return bool(response.contact_email) and not mail.is_suppressed(response.site_id, response.contact_email)


def reply(response: Response, author: User, subject: str, body: str) -> MailMessage | None:
    """Queue the owner's reply, answered to their own address, and mark the answer contacted.
    None (and nothing changed) when the respondent unsubscribed. The caller commits."""
    message = mail.queue(
        response.site, MailKind.REPLY, response.contact_email, response.lang, author=author,
        response_id=response.id, params={"subject": subject, "body": body}, reply_to=author.email,
    )  # fmt: skip
    if message is not None:
        response.followup_status = FollowUpStatus.CONTACTED
        response.followed_up_at = utcnow()
    return message


def history(response: Response) -> list[MailMessage]:
    """The replies written about this answer, oldest first."""
    query = db.select(MailMessage).where(MailMessage.response_id == response.id, MailMessage.kind == MailKind.REPLY)
    return list(db.session.execute(query.order_by(MailMessage.id)).scalars())


def write_reply(message: MailMessage, unsubscribe_url: str) -> mail.Written | None:
    response = db.session.get(Response, message.response_id)
    if response is None:
        return None
    paragraphs = [p.strip() for p in message.params["body"].replace("\r\n", "\n").split("\n\n") if p.strip()]
    text, html = mail.render(
        "public/mail/reply", message.lang, site=message.site, body=message.params["body"], paragraphs=paragraphs,
        response=response, unsubscribe_url=unsubscribe_url,
    )  # fmt: skip
    return mail.Written(message.params["subject"], text, html)


def thank_promoter(testimonial: Testimonial) -> None:
    """Once a promoter's testimonial is approved, thank them (if the site asks it, once). The
    caller commits, with the approval."""
    response, site = testimonial.response, testimonial.site
    if not site.thank_promoters or not response.contact_email or response.category != Category.PROMOTER:
        return
    already = db.session.execute(
        db.select(MailMessage.id).where(MailMessage.response_id == response.id, MailMessage.kind == MailKind.THANK_YOU)
    ).first()
    if already is None:
        mail.queue(
            site, MailKind.THANK_YOU, response.contact_email, response.lang, response_id=response.id,
            testimonial_id=testimonial.id,
        )  # fmt: skip


def write_thank_you(message: MailMessage, unsubscribe_url: str) -> mail.Written | None:
    testimonial = db.session.get(Testimonial, message.testimonial_id)
    if testimonial is None or testimonial.status != TestimonialStatus.APPROVED:
        return None
    site = message.site
    links = {
        "published": url_for("wall.share_page", testimonial_id=testimonial.id, _external=True),
        "card": url_for("wall.share_image", testimonial_id=testimonial.id, _external=True),
        "referral": site.cta_urls.get(Category.PROMOTER),
    }
    text, html = mail.render(
        "public/mail/thank_you", message.lang, site=site, testimonial=testimonial, links=links,
        first_name=first_name(testimonial.response), unsubscribe_url=unsubscribe_url,
    )  # fmt: skip
    with force_locale(message.lang):
        subject = _("Thank you: your words are on %(name)s", name=site.name)
    return mail.Written(subject, text, html)
