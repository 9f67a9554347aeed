"""E-mail invitations: contacts a site invites (an upload, the API, a journey, a resolved
follow-up), sent through the mail outbox (core/mail.py) on their date, reminded once, answered on
the hosted page (core/hosted.py) with channel `email`.

Respect for inboxes is checked twice: when contacts are given (what the preview and the API's
`skipped` say) and again when an invitation falls due, since an unsubscribe or an answer may
come in between. The suppression list is core.mail's, shared with every e-mail to respondents.

An invitation's link carries a token `ID.MAC`: an HMAC of the id and the invitation's random
nonce under the app's secret key, so nothing in the database is the token, and a guess is a
guess at 128 bits. It answers one response: a second click on another score changes that
response's score.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from core import mail
from core.enums import Category, Channel, InvitationSkip, MailKind
from core.hosted import HOSTED_ENDPOINT
from core.snippets import public_base_url, public_url
from core.strings import texts_for
from core.survey import Recorded, SurveyError, record_response
from extensions import db
from models import Contact, Invitation, MailMessage, Response, Site, sha256_hex, utcnow

# Invitations go out at this hour (UTC) on a journey's dates, not at midnight.
JOURNEY_HOUR = time(9, 0)
RESOLVED_TOUCHPOINT = "after-resolution"
BATCH = 100


@dataclass
class ContactIn:
    """One contact as an upload or the API gives it, already validated."""

    email: str
    name: str | None = None
    respondent: str | None = None
    lang: str | None = None
    attributes: dict = field(default_factory=dict)
    start: date | None = None


# --- links ----------------------------------------------------------------------------------


def _mac(invitation_id: int, nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"plaudit.invitation:{invitation_id}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def token_of(invitation: Invitation) -> str:
    return f"{invitation.id}.{_mac(invitation.id, invitation.nonce)}"


def by_token(site: Site, token: str | None) -> Invitation | None:
    """The site's invitation this token is for, or None (unknown, forged, another site's)."""
    number, _, mac = (token or "").partition(".")
    if not number.isascii() or not number.isdigit() or len(number) > 10:
        return None
    invitation = db.session.get(Invitation, int(number))
    if invitation is None or invitation.site_id != site.id:
        return None
    return invitation if hmac.compare_digest(mac, _mac(invitation.id, invitation.nonce)) else None


def expired(invitation: Invitation, now: datetime | None = None) -> bool:
    return invitation.sent_at is None or (
        invitation.expires_at is not None and (now or utcnow()) > invitation.expires_at
    )


def score_links(invitation: Invitation) -> list[tuple[int, str]]:
    """The eleven links of the e-mail: the hosted page with that score chosen, recorded from the
    page by its script, never by the GET itself (mail filters follow links)."""
    contact, token = invitation.contact, token_of(invitation)
    query = {"lang": contact.lang, "i": token}
    if invitation.touchpoint:
        query["touchpoint"] = invitation.touchpoint
    return [(n, public_url(HOSTED_ENDPOINT, key=invitation.site.key, **query, score=n)) for n in range(11)]


# --- who may be invited ---------------------------------------------------------------------


def answered_recently(site: Site, contact: ContactIn | Contact, now: datetime, ignore: int | None = None) -> bool:
    """An answer within the site's resurvey interval, on any channel, by the contact's respondent
    reference or the address they gave (or were invited at)."""
    since = now - timedelta(days=site.resurvey_days)
    email = contact.email.lower()
    invited = (
        db.select(Invitation.response_id)
        .join(Contact)
        .where(Contact.site_id == site.id, Contact.email == email, Invitation.response_id.is_not(None))
    )
    same = [Response.id.in_(invited), db.func.lower(Response.contact_email) == email]
    if contact.respondent:
        same.append(Response.respondent == contact.respondent)
    query = db.select(Response.id).where(Response.site_id == site.id, Response.created_at >= since, db.or_(*same))
    if ignore is not None:
        query = query.where(Response.id != ignore)
    return db.session.execute(query.limit(1)).first() is not None


def _open_invitation(site: Site, email: str) -> bool:
    query = (
        db.select(Invitation.id)
        .join(Contact)
        .where(Contact.site_id == site.id, Contact.email == email.lower())
        .where(Invitation.cancelled_at.is_(None), Invitation.response_id.is_(None), Invitation.bounced_at.is_(None))
        .where(db.or_(Invitation.sent_at.is_(None), Invitation.expires_at > utcnow()))
    )
    return db.session.execute(query.limit(1)).first() is not None


def why_not(site: Site, contact: ContactIn, now: datetime, seen: set[str]) -> InvitationSkip | None:
    """Why this contact is not to be invited now, or None. `seen`: the addresses before it in
    the same upload or call (it adds this one). A contact entering the journey is not refused
    for a recent answer: its dates are months away, and each is checked when it falls due."""
    email = contact.email.lower()
    if email in seen:
        return InvitationSkip.DUPLICATE
    seen.add(email)
    if mail.is_suppressed(site.id, email):
        return InvitationSkip.UNSUBSCRIBED
    journey = contact.start is not None and has_journey(site)
    if not journey and answered_recently(site, contact, now):
        return InvitationSkip.ANSWERED_RECENTLY
    if _open_invitation(site, email):
        return InvitationSkip.ALREADY_INVITED
    return None


# --- scheduling -----------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31 January + 1 month: 28/29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def journey_steps(site: Site, start: date, now: datetime) -> list[tuple[int, datetime, int | None]]:
    """(months after start, when, repeat) of the site's journey steps still to come: the listed
    months, then the first "every N months" step, which schedules the next when it goes."""
    steps = {m: None for m in site.journey_months or []}
    if site.journey_every_months:
        every = site.journey_every_months
        first = next(k for k in range(every, 10_000, every) if _at(start, k) > now)
        steps.setdefault(first, every)
    return sorted((m, _at(start, m), repeat) for m, repeat in steps.items() if _at(start, m) > now)


def _at(start: date, months: int) -> datetime:
    return datetime.combine(add_months(start, months), JOURNEY_HOUR)


def has_journey(site: Site) -> bool:
    return bool(site.journey_months or site.journey_every_months)


def _upsert_contact(site: Site, given: ContactIn) -> Contact:
    email = given.email.lower()
    contact = db.session.execute(
        db.select(Contact).where(Contact.site_id == site.id, Contact.email == email)
    ).scalar_one_or_none()
    if contact is None:
        contact = Contact(site_id=site.id, email=email, lang=given.lang or site.default_lang)
        db.session.add(contact)
    contact.name = given.name or contact.name
    contact.respondent = given.respondent or contact.respondent
    contact.lang = given.lang or contact.lang
    contact.attributes = {**(contact.attributes or {}), **given.attributes}
    contact.start = given.start or contact.start
    return contact


def schedule(
    site: Site,
    contacts: list[ContactIn],
    *,
    touchpoint: str | None = None,
    send_at: datetime | None = None,
    reminder_days: int | None = None,
    now: datetime | None = None,
) -> tuple[int, list[tuple[str, InvitationSkip]]]:
    """Invite the contacts: each one once at `send_at` (now when not given), or, with a `start`
    date on a site with a journey, on each of the journey's dates still to come. Returns how
    many contacts were scheduled and the (address, reason) of those skipped. The caller commits."""
    now = now or utcnow()
    when = max(send_at or now, now)
    seen: set[str] = set()
    scheduled, skipped = 0, []
    for given in contacts:
        reason = why_not(site, given, now, seen)
        if reason is not None:
            skipped.append((given.email, reason))
            continue
        contact = _upsert_contact(site, given)
        if contact.start and has_journey(site):
            for months, at, repeat in journey_steps(site, contact.start, now):
                label = f"month-{months}"
                _invite(contact, label, label, at, reminder_days, repeat)
        else:
            _invite(contact, touchpoint, f"{touchpoint or '—'} · {when:%Y-%m-%d}", when, reminder_days)
        scheduled += 1
    return scheduled, skipped


def _invite(contact, touchpoint, wave, at, reminder_days, repeat=None, follows=None) -> Invitation:
    invitation = Invitation(
        site_id=contact.site_id,
        contact=contact,
        touchpoint=touchpoint,
        wave=wave[:100],
        send_at=at,
        base_url=public_base_url(),
        reminder_days=reminder_days,
        repeat_months=repeat,
        follows_response_id=follows,
    )
    db.session.add(invitation)
    return invitation


def ask_again_after_resolution(response: Response, now: datetime | None = None) -> Invitation | None:
    """A detractor's follow-up was resolved: invite them again after the site's delay, to see
    whether it helped. They need an address: the one they were invited at, or left to be
    contacted at. The caller commits."""
    site, now = response.site, now or utcnow()
    days = site.ask_again_after_resolved_days
    if days is None or response.category != Category.DETRACTOR:
        return None
    contact = db.session.execute(
        db.select(Contact).join(Invitation).where(Invitation.response_id == response.id)
    ).scalar_one_or_none()
    if contact is None and response.contact_email:
        given = ContactIn(email=response.contact_email, respondent=response.respondent, lang=response.lang)
        contact = _upsert_contact(site, given)
    if contact is None or mail.is_suppressed(site.id, contact.email):
        return None
    at = now + timedelta(days=days)
    return _invite(contact, RESOLVED_TOUCHPOINT, f"{RESOLVED_TOUCHPOINT} · {at:%Y-%m}", at, None, follows=response.id)


# --- sending (each round of the mail worker) ------------------------------------------------


def _start_of_day(now: datetime) -> datetime:
    return datetime.combine(now.date(), time(0, 0))


def sent_today(site_id: int, now: datetime) -> int:
    """Invitations and reminders sent today (UTC): what the daily cap counts."""
    day = _start_of_day(now)
    count = db.func.count()
    sent = db.select(count).where(Invitation.site_id == site_id, Invitation.sent_at >= day)
    reminded = db.select(count).where(Invitation.site_id == site_id, Invitation.reminded_at >= day)
    return db.session.execute(sent).scalar() + db.session.execute(reminded).scalar()


def _cancel(invitation: Invitation, reason: InvitationSkip) -> None:
    invitation.cancelled_at, invitation.cancel_reason = utcnow(), reason.value


def _take(invitation_id: int, column, now: datetime) -> bool:
    """Claim one step (sending, reminding) for this worker alone: a conditional update."""
    taken = db.session.execute(
        db.update(Invitation).where(Invitation.id == invitation_id, column.is_(None)).values({column.key: now})
    )
    return taken.rowcount == 1


def _send_one(invitation: Invitation, now: datetime, room: dict[int, int]) -> None:
    site, contact = invitation.site, invitation.contact
    if mail.is_suppressed(site.id, contact.email):
        return _cancel(invitation, InvitationSkip.UNSUBSCRIBED)
    if answered_recently(site, contact, now, ignore=invitation.follows_response_id):
        return _cancel(invitation, InvitationSkip.ANSWERED_RECENTLY)
    if room[site.id] <= 0 or not _take(invitation.id, Invitation.sent_at, now):
        return None  # over today's cap: tomorrow, first in line
    room[site.id] -= 1
    invitation.expires_at = now + timedelta(days=site.invitation_expiry_days)
    if invitation.reminder_days:
        invitation.remind_at = now + timedelta(days=invitation.reminder_days)
    with current_app.test_request_context(base_url=invitation.base_url):  # links as it was scheduled from
        message = mail.queue(
            site, MailKind.INVITATION, contact.email, contact.lang, params={"invitation": invitation.id}
        )
    db.session.flush()
    invitation.mail_id = message.id if message else None
    if invitation.repeat_months:
        months = int((invitation.touchpoint or "month-0").rpartition("-")[2] or 0) + invitation.repeat_months
        at = _at(contact.start, months) if contact.start else invitation.send_at + timedelta(days=30 * months)
        following = _invite(
            contact, f"month-{months}", f"month-{months}", at, invitation.reminder_days, invitation.repeat_months
        )
        following.base_url = invitation.base_url
    return None


def _remind_one(invitation: Invitation, now: datetime, room: dict[int, int]) -> None:
    site = invitation.site
    if room[site.id] <= 0 or mail.is_suppressed(site.id, invitation.contact.email):
        return
    if _take(invitation.id, Invitation.reminded_at, now):
        room[site.id] -= 1
        with current_app.test_request_context(base_url=invitation.base_url):
            mail.queue(site, MailKind.REMINDER, invitation.contact.email, invitation.contact.lang,
                   params={"invitation": invitation.id})  # fmt: skip


def queue_due(now: datetime | None = None) -> int:
    """Put the invitations and reminders that fell due into the mail outbox, within each site's
    daily cap; what is over the cap waits for the next day. How many were queued."""
    now = now or utcnow()
    unsent = (Invitation.sent_at.is_(None), Invitation.cancelled_at.is_(None), Invitation.send_at <= now)
    # Only sites with room left today: a site over its cap must not fill every round's batch.
    waiting = db.session.execute(db.select(Invitation.site_id).where(*unsent).distinct()).scalars().all()
    caps = dict(db.session.execute(db.select(Site.id, Site.invitation_daily_cap).where(Site.id.in_(waiting))).all())
    open_sites = [site_id for site_id, cap in caps.items() if cap - sent_today(site_id, now) > 0]
    due = (
        db.session.execute(
            db.select(Invitation)
            .where(*unsent, Invitation.site_id.in_(open_sites))
            .order_by(Invitation.send_at, Invitation.id)
            .limit(BATCH)
        )
        .scalars()
        .all()
    )
    reminders = (
        db.session.execute(
            db.select(Invitation)
            .where(
                Invitation.remind_at <= now,
                Invitation.reminded_at.is_(None),
                Invitation.response_id.is_(None),
                Invitation.answered_at.is_(None),
                Invitation.bounced_at.is_(None),
                Invitation.unsubscribed_at.is_(None),
                Invitation.cancelled_at.is_(None),
                Invitation.expires_at > now,
                # Only after the invitation itself went out: none while no mail server sends.
                Invitation.mail_id.in_(db.select(MailMessage.id).where(MailMessage.delivered_at.is_not(None))),
            )
            .order_by(Invitation.remind_at, Invitation.id)
            .limit(BATCH)
        )
        .scalars()
        .all()
    )
    sites = {i.site_id: i.site for i in [*due, *reminders]}
    room = {site_id: site.invitation_daily_cap - sent_today(site_id, now) for site_id, site in sites.items()}
    queued = 0
    for invitation in due:
        _send_one(invitation, now, room)
        queued += invitation.sent_at == now
    for invitation in reminders:
        _remind_one(invitation, now, room)
        queued += invitation.reminded_at == now
    db.session.commit()
    return queued


# --- what the outbox asks back ----------------------------------------------------------------


def write(message: MailMessage, unsubscribe_url: str) -> mail.Written | None:
    """The invitation or its reminder, in the contact's language; None once there is nothing to
    ask: answered, bounced, cancelled or expired by the time it goes."""
    invitation = db.session.get(Invitation, message.params.get("invitation"))
    if invitation is None or invitation.response_id or invitation.answered_at or invitation.cancelled_at:
        return None
    reminder = message.kind == MailKind.REMINDER
    # As of when it fell due (the worker's clock), so that a message is what its moment asked.
    due = invitation.reminded_at if reminder else invitation.sent_at
    if invitation.bounced_at or expired(invitation, due):
        return None
    site, contact = invitation.site, invitation.contact
    question = texts_for(message.lang, site.name, site.texts)["question"]
    text, html = mail.render(
        "public/mail/invitation",
        message.lang,
        site=site,
        contact=contact,
        question=question,
        links=score_links(invitation),
        texts=texts_for(message.lang, site.name, site.texts),
        reminder=reminder,
        expires=invitation.expires_at,
        unsubscribe_url=unsubscribe_url,
    )
    with force_locale(message.lang):
        subject = (
            _("A reminder: your opinion of %(name)s", name=site.name)
            if reminder
            else _("Your opinion of %(name)s", name=site.name)
        )
    return mail.Written(subject, text, html)


def previews(site: Site, contacts: list[dict], touchpoint: str | None) -> list[tuple[str, str, str]]:
    """What the upload's first contact of each language will get: (language, subject, text),
    with links to the hosted page as they will be but without a token (none exists yet)."""
    samples, seen = [], set()
    for given in contacts:
        lang = given.get("lang") or site.default_lang
        if lang in seen:
            continue
        seen.add(lang)
        query = {"lang": lang, **({"touchpoint": touchpoint} if touchpoint else {})}
        links = [(n, public_url(HOSTED_ENDPOINT, key=site.key, **query, score=n)) for n in range(11)]
        texts = texts_for(lang, site.name, site.texts)
        contact = Contact(email=given["email"], name=given.get("name"), lang=lang)
        expires = utcnow() + timedelta(days=site.invitation_expiry_days)
        text, _html = mail.render("public/mail/invitation", lang, site=site, contact=contact, question=texts["question"],
                                  links=links, texts=texts, reminder=False, expires=expires, unsubscribe_url="…")  # fmt: skip
        with force_locale(lang):
            samples.append((lang, _("Your opinion of %(name)s", name=site.name), text))
    return samples


def bounced(message: MailMessage) -> None:
    """The server refused the address for good (5xx): no reminder, no later invitation there."""
    invitation = db.session.get(Invitation, (message.params or {}).get("invitation"))
    if invitation is not None and invitation.bounced_at is None:
        invitation.bounced_at = utcnow()


def unsubscribed(site_id: int, address_hash: str) -> None:
    """The address left the site's e-mails: its open invitations are cancelled, for good."""
    contacts = db.session.execute(db.select(Contact).where(Contact.site_id == site_id)).scalars()
    for contact in contacts:
        if mail.address_hash(site_id, contact.email) != address_hash:
            continue
        for invitation in contact.invitations:
            invitation.unsubscribed_at = invitation.unsubscribed_at or utcnow()
            if invitation.sent_at is None and invitation.cancelled_at is None:
                _cancel(invitation, InvitationSkip.UNSUBSCRIBED)


# --- answering from the hosted page ---------------------------------------------------------


class InvitationRefused(SurveyError):
    """The link's invitation cannot be answered: unknown, or expired (the API's error shape)."""

    def __init__(self, message: str, code: int):
        super().__init__("invitation", message, code)


def usable(site: Site, token: str) -> Invitation:
    invitation = by_token(site, token)
    if invitation is None:
        raise InvitationRefused("This invitation link is not one of this site's.", 404)
    if expired(invitation) or invitation.cancelled_at is not None:
        raise InvitationRefused("This invitation has expired.", 410)
    return invitation


def answerable(site: Site, token: str) -> bool:
    """Whether this link's invitation can still be answered (the hosted page asks, and records
    nothing)."""
    try:
        usable(site, token)
    except InvitationRefused:
        return False
    return True


def opened(site: Site, token: str) -> None:
    """The hosted page was shown to someone (its script ran): the invitation was opened."""
    invitation = by_token(site, token)
    if invitation is not None and invitation.opened_at is None:
        invitation.opened_at = utcnow()
        db.session.commit()


def answer(site: Site, invitation: Invitation, data: dict, visitor: str) -> Recorded:
    """The score chosen on the hosted page an invitation opened. The first creates the
    invitation's one response (with its touchpoint, the contact's reference and attributes);
    a later one, from another score's link, changes that response's score."""
    if invitation.response_id is not None:
        return _rescore(db.session.get(Response, invitation.response_id), data["score"])
    # One first answer per invitation, whichever click comes first: claimed by an update.
    if not _take(invitation.id, Invitation.answered_at, utcnow()):
        db.session.rollback()
        raise InvitationRefused("This invitation's answer is being saved: try again in a moment.", 409)
    db.session.commit()
    contact = invitation.contact
    data = {
        **data,
        "touchpoint": invitation.touchpoint,
        "respondent": contact.respondent,
        "lang": data.get("lang") or contact.lang,
        "attributes": {**(contact.attributes or {}), **(data.get("attributes") or {})},
    }
    data.pop("respondent_hash", None)
    # The invitation is who answers, not the address it came from: answers to two invitations
    # from one office's address, or the owner's own test, are two people (never repeats).
    visitor = sha256_hex(f"{current_app.config['SECRET_KEY']}:invitation:{invitation.id}")
    try:
        recorded = record_response(site, {k: v for k, v in data.items() if v is not None}, visitor, Channel.EMAIL)
    except Exception:
        # Not saved: the invitation is free to be answered again, by this click retried or another.
        db.session.rollback()
        db.session.execute(
            db.update(Invitation)
            .where(Invitation.id == invitation.id, Invitation.response_id.is_(None))
            .values(answered_at=None)
        )
        db.session.commit()
        raise
    db.session.execute(db.update(Invitation).where(Invitation.id == invitation.id).values(response_id=recorded.id))
    db.session.commit()
    return recorded


def _rescore(response: Response, score: int) -> Recorded:
    if response.testimonial is not None and score != response.score:
        raise SurveyError("score", "The score cannot change once the answer is consented to.", 409)
    token = secrets.token_urlsafe(24)
    if score != response.score:
        response.set_score(score)  # recounted by the database
    response.token_hash = sha256_hex(token)
    db.session.commit()
    return Recorded(response.id, response.category, response.lang, token, response.respondent_proven)


# --- erasure ----------------------------------------------------------------------------------


def answers_of_address(site: Site, email: str):
    """The ids of the site's answers given by an address: left to be contacted at, or answering
    an invitation sent there (a select, for an erasure)."""
    email = email.strip().lower()
    invited = db.select(Invitation.response_id).join(Contact).where(Contact.site_id == site.id, Contact.email == email)
    return db.select(Response.id).where(
        Response.site_id == site.id,
        db.or_(db.func.lower(Response.contact_email) == email, Response.id.in_(invited)),
    )


def erase(site: Site, *, respondent: str | None = None, response_ids: list[int] = (), email: str | None = None) -> int:
    """Delete the contacts an erasure names (by reference, by the answers they gave, by address),
    their invitations and every e-mail of those. The suppression list stays: it holds no address,
    and an unsubscribe is forever. How many contacts went. The caller commits."""
    named = []
    if respondent:
        named.append(Contact.respondent == respondent)
    if email:
        named.append(Contact.email == email.strip().lower())
    if response_ids:
        named.append(Contact.id.in_(db.select(Invitation.contact_id).where(Invitation.response_id.in_(response_ids))))
    if not named:
        return 0
    contacts = db.session.execute(db.select(Contact).where(Contact.site_id == site.id, db.or_(*named))).scalars().all()
    ids = [i.id for c in contacts for i in c.invitations]
    if ids:
        kinds = (MailKind.INVITATION, MailKind.REMINDER)
        for message in db.session.execute(
            db.select(MailMessage).where(MailMessage.site_id == site.id, MailMessage.kind.in_(kinds))
        ).scalars():
            if (message.params or {}).get("invitation") in ids:
                db.session.delete(message)
    for contact in contacts:
        db.session.delete(contact)
    return len(contacts)
