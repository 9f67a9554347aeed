"""What moderators and respondents do to testimonials, each change logged in the audit trail.

Every function takes the actor as a short text ("user 3 <a@b.org>", "token 7 of user 3",
"respondent") and leaves committing to the caller, so a bulk action is one transaction.
"""

from __future__ import annotations

import re

from core import replies, webhooks
from core.enums import Event, TestimonialStatus
from core.generation import changes_site
from core.i18n import lazy_gettext as _l
from core.labels import STATUS
from core.text import clean_text
from extensions import db
from models import AuditEvent, MailMessage, OutboxEvent, Response, Site, Testimonial, TestimonialTag, utcnow

TAG_RE = re.compile(r"^[\w][\w -]{0,39}$", re.UNICODE)


class ModerationError(Exception):
    """A moderation rule refused the change (answered 409 by the API). Its message is marked for
    translation and read in the language of where it is shown (the API's stays English)."""

    def __init__(self, message: str, code: int = 409):
        super().__init__(message)
        self.message, self.code = message, code


def log(actor: str, action: str, testimonial: Testimonial | None = None, site_id: int | None = None, **details) -> None:
    """Record the change, and mark the site's public surfaces as changed (their ETags move)."""
    site_id = testimonial.site_id if testimonial else site_id
    db.session.add(
        AuditEvent(
            actor=actor,
            action=action,
            testimonial_id=testimonial.id if testimonial else None,
            site_id=site_id,
            details=details,
        )
    )
    if site_id is not None:
        db.session.execute(
            db.update(Site).where(Site.id == site_id).values(public_version=Site.public_version + 1),
            execution_options=changes_site(site_id),
        )


RESPONDENT = "respondent"  # the actor of what the respondent does, from any path

PENDING, APPROVED, REJECTED, WITHDRAWN = TestimonialStatus

# Where moderators may take a testimonial from each status. The respondent's only move is to
# withdraw, from any status but withdrawn; and nobody moves a withdrawn one: a new consent needs
# a new answer. So a rejected testimonial goes back to the queue only if a moderator approves it.
MODERATOR_MOVES: dict[str, set[str]] = {
    PENDING: {APPROVED, REJECTED},
    APPROVED: {PENDING, REJECTED},
    REJECTED: {APPROVED},
    WITHDRAWN: set(),
}
# The audit log's name for a move to each status (back to pending is only ever an unpublishing).
ACTIONS = {PENDING: "unpublish", APPROVED: "approve", REJECTED: "reject", WITHDRAWN: "withdraw"}


def set_status(testimonial: Testimonial, status: str, actor: str, reason: str | None = None) -> None:
    """The one way a testimonial changes status, whatever asks (back office, moderation API, the
    respondent's page or the answer's API): the rules, the audit event, and every public surface
    of the site changing at once (`log` moves the public version that their ETags carry).

    Raises ModerationError (409) for a move the rules refuse; changes nothing then.
    """
    before = testimonial.status
    if status not in Testimonial.STATUSES:
        raise ModerationError(_l("Not a status: %(status)s.", status=repr(status)), 422)
    if status == before:
        return
    if before == WITHDRAWN:
        raise ModerationError(_l("The respondent withdrew this testimonial, and a withdrawal is final."))
    if actor == RESPONDENT and status != WITHDRAWN:
        raise ModerationError(_l("A respondent can only withdraw their testimonial."))
    if actor != RESPONDENT and status not in MODERATOR_MOVES.get(before, ()):
        raise ModerationError(
            _l("Only the respondent can withdraw a testimonial.")
            if status == WITHDRAWN
            else _l("A %(before)s testimonial cannot become %(after)s.", before=STATUS[before], after=STATUS[status])
        )
    if status == APPROVED and not testimonial.has_receipt:
        raise ModerationError(_l("This testimonial has no consent receipt; it can never be published."))
    testimonial.status = status
    if status == APPROVED:
        testimonial.approved_at = utcnow()
        webhooks.testimonial_event(Event.TESTIMONIAL_APPROVED, testimonial)
        replies.thank_promoter(testimonial)
    if status == WITHDRAWN:
        from core.photos import forget_after_commit  # core.photos uses `log` from here

        forget_after_commit(testimonial)
    log(actor, ACTIONS[status], testimonial, before=before, after=status, **({"reason": reason} if reason else {}))


def approve(testimonial: Testimonial, actor: str) -> None:
    set_status(testimonial, APPROVED, actor)


def reject(testimonial: Testimonial, actor: str) -> None:
    """Refuse, or take down at once an approved one."""
    set_status(testimonial, REJECTED, actor)


def unpublish(testimonial: Testimonial, actor: str) -> None:
    """Take an approved testimonial off every public surface and back into the queue."""
    if testimonial.status != APPROVED:
        raise ModerationError(_l("Only an approved testimonial can be unpublished."))
    set_status(testimonial, PENDING, actor)


def takes_photo(testimonial: Testimonial) -> bool:
    """A photo goes with words that are or may yet be published: not refused, not withdrawn."""
    return testimonial.status in (PENDING, APPROVED)


def still_theirs(testimonial: Testimonial) -> None:
    """A withdrawn testimonial is the respondent's, taken back: nobody edits, tags or features it."""
    if testimonial.status == WITHDRAWN:
        raise ModerationError(_l("This testimonial was withdrawn by its author: it cannot be changed."))


def set_featured(testimonial: Testimonial, featured: bool, actor: str) -> None:
    still_theirs(testimonial)
    if testimonial.featured != featured:
        testimonial.featured = featured
        log(actor, "feature" if featured else "unfeature", testimonial)


def edit_quote(testimonial: Testimonial, quote: str, actor: str) -> None:
    """Replace the published words, keeping the respondent's own (shown as "edited")."""
    still_theirs(testimonial)
    quote = clean_text(quote, multiline=True)
    if not quote:
        raise ModerationError(_l("A testimonial cannot be empty."), 422)
    if len(quote) > 2000:
        raise ModerationError(_l("A testimonial has at most 2000 characters."), 422)
    if quote == testimonial.quote:
        return
    before = testimonial.quote
    if testimonial.original_quote is None:
        testimonial.original_quote = testimonial.quote
    if quote == testimonial.original_quote:
        testimonial.original_quote = None  # back to the respondent's words: no longer edited
    testimonial.quote = quote
    log(actor, "edit", testimonial, before=before, after=quote)


def parse_tags(text: str) -> list[str]:
    tags = []
    for raw in text.split(","):
        tag = clean_text(raw).lower()
        if not tag:
            continue
        if not TAG_RE.match(tag):
            raise ModerationError(
                _l("Not a tag: %(tag)s (letters, digits, space, - and _; 40 at most).", tag=repr(tag)), 422
            )
        tags.append(tag)
    return sorted(set(tags))


def set_tags(testimonial: Testimonial, tags: list[str], actor: str) -> None:
    still_theirs(testimonial)
    before = testimonial.tags
    if before == tags:
        return
    testimonial.tag_rows = [TestimonialTag(tag=tag) for tag in tags]
    log(actor, "tags", testimonial, before=before, after=tags)


def withdraw(testimonial: Testimonial, reason: str) -> None:
    """The respondent's right, from any status: off every public surface at once, for good."""
    set_status(testimonial, WITHDRAWN, RESPONDENT, reason)


def erase(
    site: Site, *, respondent: str | None = None, response_id: int | None = None, email: str | None = None, actor: str
) -> tuple[int, list[str]]:
    """Delete everything a respondent gave: responses, testimonials, tags, their audit events.

    Returns how many answers were erased and the photo files the caller must delete once the
    transaction has committed.
    """
    query = db.select(Response).where(Response.site_id == site.id)
    if respondent:
        query = query.where(Response.respondent == respondent)
    elif response_id is not None:
        query = query.where(Response.id == response_id)
    elif email:
        from core import invitations

        query = query.where(Response.id.in_(invitations.answers_of_address(site, email)))
    else:
        raise ModerationError(_l("Name a respondent reference, a response id or an e-mail address."), 422)
    responses = db.session.execute(query).scalars().all()
    photos, testimonial_ids = [], []
    for response in responses:
        if response.testimonial is not None:
            testimonial_ids.append(response.testimonial.id)
            if response.testimonial.photo:
                photos.append(response.testimonial.photo)
        db.session.delete(response)
    if testimonial_ids:
        db.session.execute(db.delete(AuditEvent).where(AuditEvent.testimonial_id.in_(testimonial_ids)))
    if responses:
        ids = [r.id for r in responses]
        db.session.execute(db.delete(OutboxEvent).where(OutboxEvent.response_id.in_(ids)))
        # Sent or not, every e-mail about these answers (replies, thanks, alerts quoting them).
        db.session.execute(db.delete(MailMessage).where(MailMessage.response_id.in_(ids)))
    from core import invitations  # it records answers through core.survey, which imports this

    # The contacts this names (by reference, or by the answers they gave), their invitations
    # and every e-mail of those.
    invitations.erase(site, respondent=respondent, response_ids=[r.id for r in responses], email=email)
    log(actor, "erase", site_id=site.id, responses=len(responses), testimonials=len(testimonial_ids))
    return len(responses), photos, testimonial_ids
