"""The data model. Timestamps are naive UTC everywhere (SQLite keeps no time zone)."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import UTC, date, datetime

from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from core.enums import (
    Channel,
    ConsentScope,
    DigestFrequency,
    Event,
    FollowUpStatus,
    Language,
    MailKind,
    Role,
    TestimonialStatus,
    WebhookFormat,
    values,
)
from core.nps import Category
from core.nps import category as nps_category
from extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_site_key() -> str:
    return secrets.token_urlsafe(12)


def new_link_secret() -> str:
    """The key of a testimonial's private link: random, never derived from its row id."""
    return secrets.token_urlsafe(24)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_identity_secret() -> str:
    return secrets.token_hex(32)


class Site(db.Model):
    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True, default=new_site_key)
    name: Mapped[str] = mapped_column(String(200))
    # Exact origins ("https://blog.example"), normalised by widget.origins.normalise_origin.
    origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    default_lang: Mapped[str] = mapped_column(String(2), default=Language.EN.value)
    # Per-language overrides of core.strings.DEFAULTS: {"fr": {"question": "…"}, …}. The
    # question, the three follow-up prompts, the consent text and the thank-yous live here.
    texts: Mapped[dict] = mapped_column(JSON, default=dict)
    # The question asked at one touchpoint (`data-touchpoint`), per language, over the site's
    # question: {"fr": {"after-delivery": "…"}}. Same rules as `texts` (core/owner_texts.py).
    touchpoint_questions: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    # The current version of the consent texts (core/consent.py): bumped whenever the text shown
    # in any language changes, by the owner's words or by the site's name in them.
    consent_version: Mapped[int] = mapped_column(Integer, default=1)
    # Proves a `data-respondent` reference: the site's server signs it (HMAC-SHA256) with this.
    # Shown to owners in the settings, never sent to a browser by Plaudit.
    identity_secret: Mapped[str] = mapped_column(String(64), default=new_identity_secret)
    # Call-to-action link shown with the thank-you, per category: {"promoter": "https://…"}.
    cta_urls: Mapped[dict] = mapped_column(JSON, default=dict)
    theme_color: Mapped[str] = mapped_column(String(7), default="#4f46e5")
    resurvey_days: Mapped[int] = mapped_column(Integer, default=90)
    consent_scope: Mapped[str] = mapped_column(String(10), default=ConsentScope.PROMOTERS.value)
    min_sample: Mapped[int] = mapped_column(Integer, default=30)
    # Approved testimonials needed before the walls show any: an empty or near-empty wall is
    # social proof against the site, so below it the embeds render nothing.
    wall_minimum: Mapped[int] = mapped_column(Integer, default=1)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # Publish schema.org Review markup on the wall page (see README on self-serving reviews).
    wall_jsonld: Mapped[bool] = mapped_column(Boolean, default=False)
    # E-mail promoters who left an address a thank-you once their testimonial is approved.
    thank_promoters: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # E-mail invitations (core/invitations.py): at most this many sent a day (UTC), links that
    # work this many days after they were sent, and the site's journey: invitations the given
    # months after a contact's start date (`[3, 6, 12]`), and/or every N months from it.
    invitation_daily_cap: Mapped[int] = mapped_column(Integer, default=200, server_default="200")
    invitation_expiry_days: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    journey_months: Mapped[list[int]] = mapped_column(JSON, default=list, server_default="[]")
    journey_every_months: Mapped[int | None] = mapped_column(Integer)
    # Ask a detractor again this many days after their follow-up is marked resolved; None: never.
    ask_again_after_resolved_days: Mapped[int | None] = mapped_column(Integer)
    # Bumped by every change to what the public surfaces show (moderation, settings); part of
    # their ETags, so caches revalidate at once when a testimonial is approved or withdrawn.
    public_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    def asks_consent(self, category: str) -> bool:
        return self.consent_scope == ConsentScope.EVERYONE or category == Category.PROMOTER


# Tables whose ids leave the database (in URLs, bearer-token requests, webhook delivery ids) and
# whose rows an erasure deletes: on SQLite their ids must come from AUTOINCREMENT, or the id of
# an erased row is given to the next one and whatever named it names someone else.
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


class Response(db.Model):
    __tablename__ = "response"
    __table_args__ = (
        Index("ix_response_site_created", "site_id", "created_at"),
        Index("ix_response_site_visitor", "site_id", "visitor_hash"),
        Index("ix_response_site_respondent", "site_id", "respondent"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(10))
    why: Mapped[str | None] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(2))
    touchpoint: Mapped[str | None] = mapped_column(String(64))
    # Scheme, host and path only: query strings and fragments can carry personal data.
    page_url: Mapped[str | None] = mapped_column(String(2048))
    respondent: Mapped[str | None] = mapped_column(String(128))
    # The site proved the reference (respondent_hash under its identity secret); an unproven one
    # is only the page's claim, and never makes a proven answer a duplicate.
    respondent_proven: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    # Where the answer came from (core.enums.Channel): set by the server from the request's
    # Origin, never from what the body says.
    channel: Mapped[str] = mapped_column(String(10), default=Channel.WEB.value, server_default=Channel.WEB.value)
    # Keyed hash of (day, site, address, user agent) under a salt that rotates daily: it tells
    # a repeat on the same day apart without ever storing an address.
    visitor_hash: Mapped[str] = mapped_column(String(64))
    is_duplicate: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64))
    # The follow-up loop (PLAYBOOK.md): every answer is acted on, and the owner says how.
    followup_status: Mapped[str] = mapped_column(String(10), default=FollowUpStatus.NEW.value)
    owner_notes: Mapped[str | None] = mapped_column(Text)
    followed_up_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    site: Mapped[Site] = relationship()
    testimonial: Mapped[Testimonial | None] = relationship(
        back_populates="response", cascade="all, delete-orphan", uselist=False
    )

    def set_score(self, score: int) -> None:
        self.score = score
        self.category = nps_category(score)


class Testimonial(db.Model):
    """A respondent's words they consented to publish, with the receipt of that consent."""

    __tablename__ = "testimonial"
    __test__ = False  # not a pytest test class, whatever its name
    __table_args__ = (Index("ix_testimonial_site_status", "site_id", "status"), NEVER_REUSE_IDS)

    STATUSES = tuple(TestimonialStatus)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    quote: Mapped[str] = mapped_column(Text)
    display_name: Mapped[str | None] = mapped_column(String(80))
    role: Mapped[str | None] = mapped_column(String(120))
    # The consent receipt: the exact text shown, its version, and when (UTC). Nullable only so
    # that a row without one (imported, or damaged) can exist and be refused approval.
    consent_text: Mapped[str | None] = mapped_column(Text)
    consent_version: Mapped[int | None] = mapped_column(Integer)
    consented_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The version's row (receipts taken before versions were kept have none), and whether the
    # client said which version it showed: an older client that did not is recorded against the
    # version current when it sent, flagged unconfirmed.
    consent_text_id: Mapped[int | None] = mapped_column(ForeignKey("consent_text.id", ondelete="SET NULL"))
    consent_confirmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(10), default=TestimonialStatus.PENDING.value)
    # What the respondent's private link carries (signed, core.links): a random secret per
    # testimonial, so that no link opens another's, and an erasure, deleting it, kills the link.
    link_secret: Mapped[str] = mapped_column(String(64), unique=True, default=new_link_secret)
    # A moderator's edit keeps the respondent's own words; public surfaces say "edited".
    original_quote: Mapped[str | None] = mapped_column(Text)
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    # Server-made file name of the re-encoded photo under the instance's media folder.
    photo: Mapped[str | None] = mapped_column(String(64), unique=True)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    response: Mapped[Response] = relationship(back_populates="testimonial")
    site: Mapped[Site] = relationship()
    tag_rows: Mapped[list[TestimonialTag]] = relationship(cascade="all, delete-orphan", order_by="TestimonialTag.tag")

    @property
    def edited(self) -> bool:
        return self.original_quote is not None

    @property
    def has_receipt(self) -> bool:
        return bool(self.consent_text) and self.consent_version is not None and self.consented_at is not None

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]


class ConsentText(db.Model):
    """The consent text one version of a site's settings shows in one language, exactly as shown
    (the site's name filled in). Written once, never changed: receipts point at it."""

    __tablename__ = "consent_text"
    __table_args__ = (UniqueConstraint("site_id", "version", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    lang: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class TestimonialTag(db.Model):
    __tablename__ = "testimonial_tag"
    __test__ = False  # not a pytest test class, whatever its name

    testimonial_id: Mapped[int] = mapped_column(ForeignKey("testimonial.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class AuditEvent(db.Model):
    """Who did what to which testimonial, when, with the before and after of edits.

    `testimonial_id` is a plain column, not a foreign key, so the log outlives a deletion; an
    erasure removes the events of what it erased (they hold the respondent's words) and leaves
    one event that says how much was erased.
    """

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_site_created", "site_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    actor: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(40))
    testimonial_id: Mapped[int | None] = mapped_column(Integer, index=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class DailyCount(db.Model):
    """Rollup: non-duplicate answers per site, day, touchpoint and score (the category follows from
    the score). The database keeps it up to date, by the triggers below, in the statement that
    inserts, rescores or erases an answer, so aggregates cost the number of days, not of answers;
    `flask rollups rebuild` recomputes it from the raw answers."""

    __tablename__ = "daily_count"

    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    touchpoint: Mapped[str] = mapped_column(String(64), primary_key=True)  # "" when none was given
    score: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class DailyView(db.Model):
    """How many times the widget was shown, per site, day and touchpoint (for response rates)."""

    __tablename__ = "daily_view"

    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    touchpoint: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class Webhook(db.Model):
    __tablename__ = "webhook"

    EVENTS = values(Event)
    FORMATS = values(WebhookFormat)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    format: Mapped[str] = mapped_column(String(10), default=WebhookFormat.JSON.value)
    # Signs every delivery (HMAC-SHA256); shown once when the webhook is created.
    secret: Mapped[str] = mapped_column(String(64))
    events: Mapped[list[str]] = mapped_column(JSON, default=lambda: list(Webhook.EVENTS))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    site: Mapped[Site] = relationship()


class Deliverable:
    """Where a row of an outbox stands (core/outbox.py, shared by webhook events and e-mails):
    due from `next_attempt_at` while neither delivered nor given up (`failed_at`), claimed by one
    worker until `locked_until`, `attempts` so far and the last one's error."""

    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    failed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))


class OutboxEvent(Deliverable, db.Model):
    """An event to deliver to one webhook, written in the same transaction as the change itself,
    so a receiver that is down loses nothing. Delivered by core.webhooks, retried with backoff."""

    __tablename__ = "outbox_event"
    # Its id is the delivery id receivers deduplicate on (Plaudit-Delivery), and erasures delete
    # rows: never given twice.
    __table_args__ = (Index("ix_outbox_event_due", "delivered_at", "failed_at", "next_attempt_at"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhook.id", ondelete="CASCADE"), index=True)
    # So that erasing a respondent's data also erases what waits to be sent about it.
    response_id: Mapped[int | None] = mapped_column(Integer, index=True)
    event: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON)

    webhook: Mapped[Webhook] = relationship()


class DeliveryAttempt(db.Model):
    __tablename__ = "delivery_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox_event.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int] = mapped_column(Integer)


class MailMessage(Deliverable, db.Model):
    """An e-mail to send, written in the same transaction as what causes it, so a mail server
    that is down loses nothing. Delivered by core.mail like webhook events (core.outbox): claimed
    by one worker, retried with backoff. Its words are written (rendered) at the first attempt,
    after the grace period, and kept: every retry sends the same message, and the back office's
    E-mails page shows what went, or would have gone, out."""

    __tablename__ = "mail_message"
    __table_args__ = (Index("ix_mail_message_due", "delivered_at", "failed_at", "next_attempt_at"), NEVER_REUSE_IDS)

    KINDS = values(MailKind)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    to_address: Mapped[str] = mapped_column(String(254))
    lang: Mapped[str] = mapped_column(String(2))
    # The team member it is for (alerts, digests), and the one who wrote it (replies).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # What it is about: an erasure deletes every message about the answer (they hold its words).
    response_id: Mapped[int | None] = mapped_column(Integer, index=True)
    testimonial_id: Mapped[int | None] = mapped_column(Integer)
    # What the kind needs to be written: a reply's words, a digest's period…
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # The public address links are made from, as the request that caused the message saw it.
    base_url: Mapped[str] = mapped_column(String(300))
    reply_to: Mapped[str | None] = mapped_column(String(254))
    # Made when written, so a retry of a message the server took after all is the same message.
    message_id: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str | None] = mapped_column(Text)
    text_body: Mapped[str | None] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    # failed_at, for an e-mail, is also "never to be sent" (no mail server configured, the
    # recipient unsubscribed, nothing left to say); last_error says which.

    site: Mapped[Site] = relationship()


class MailAttempt(db.Model):
    """One SMTP conversation about one message, and how it ended."""

    __tablename__ = "mail_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    mail_id: Mapped[int] = mapped_column(ForeignKey("mail_message.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    smtp_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int] = mapped_column(Integer)


class NotificationSetting(db.Model):
    """What one team member wants to hear about one site. Without a row, the defaults of
    core.notifications apply (a detractor alert for owners, nothing else)."""

    __tablename__ = "notification_setting"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), primary_key=True)
    detractor_alert: Mapped[bool] = mapped_column(Boolean)
    moderation_alert: Mapped[bool] = mapped_column(Boolean)
    digest: Mapped[str] = mapped_column(String(10), default=DigestFrequency.OFF.value)
    # The last day of the last period a digest was written for: the next is due once a later
    # period is over, and the conditional update of this column gives it to one worker only.
    digest_through: Mapped[date | None] = mapped_column(Date)


class MailSuppression(db.Model):
    """An address that unsubscribed from a site's e-mails: never written to again. Only a hash
    of the address is kept, so the list survives an erasure without keeping the address."""

    __tablename__ = "mail_suppression"

    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), primary_key=True)
    address_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Contact(db.Model):
    """Someone a site may invite by e-mail, as an upload or the API gave them. Unique per site
    and address: uploading them again updates them, and never lifts an unsubscribe (the
    suppression list is separate, and keyed by a hash of the address)."""

    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("site_id", "email", name="uq_contact_site_email"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    # Stored lower-cased: one contact per address, whatever case an upload gave it in.
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str | None] = mapped_column(String(200))
    respondent: Mapped[str | None] = mapped_column(String(128), index=True)
    lang: Mapped[str] = mapped_column(String(2))
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    # The date the site's journey counts from (a purchase, a contract…).
    start: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    invitations: Mapped[list[Invitation]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", passive_deletes=True
    )


class Invitation(db.Model):
    """One invitation of one contact, sent on `send_at` (core/invitations.py queues it into the
    mail outbox then), reminded once, answered by at most one response. Its link's token is an
    HMAC of the id and `nonce` under the app's secret key: nothing stored is the token."""

    __tablename__ = "invitation"
    __table_args__ = (Index("ix_invitation_due", "sent_at", "cancelled_at", "send_at"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    touchpoint: Mapped[str | None] = mapped_column(String(64))
    # What the invitations page groups by: one upload, one API call, one journey step.
    wave: Mapped[str] = mapped_column(String(100))
    nonce: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    send_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The public address its links are made from, as the request that scheduled it saw it (the
    # mail worker, sending it later, has no request of its own).
    base_url: Mapped[str] = mapped_column(String(300))
    reminder_days: Mapped[int | None] = mapped_column(Integer)
    # A journey's "every N months" step: sending it schedules the next, N months on.
    repeat_months: Mapped[int | None] = mapped_column(Integer)
    # The detractor's answer whose resolved follow-up this asks about again: that answer does
    # not count against the resurvey interval, and the two show side by side.
    follows_response_id: Mapped[int | None] = mapped_column(ForeignKey("response.id", ondelete="SET NULL"))
    # Taken by one worker when queued (a conditional update), with the mail it became.
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    mail_id: Mapped[int | None] = mapped_column(Integer)
    # When its one reminder falls due (sent_at + reminder_days), set when it is sent.
    remind_at: Mapped[datetime | None] = mapped_column(DateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("response.id", ondelete="SET NULL"), unique=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    bounced_at: Mapped[datetime | None] = mapped_column(DateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Not sent, and never to be (core.enums.InvitationSkip at send time: unsubscribed, answered
    # recently…), with why.
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    contact: Mapped[Contact] = relationship(back_populates="invitations")
    response: Mapped[Response | None] = relationship(foreign_keys=[response_id])
    site: Mapped[Site] = relationship()


user_site = Table(
    "user_site",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", ForeignKey("site.id", ondelete="CASCADE"), primary_key=True),
)


@functools.cache
def _no_such_account_hash() -> str:
    # Made like every stored hash, once per process: checking a password against it costs what
    # checking one against a real account costs.
    return generate_password_hash(secrets.token_urlsafe(24))


def verify_password(user: User | None, password: str) -> bool:
    """Whether `password` is `user`'s. Without an account, a password is still checked (against a
    hash no password matches), so the answer takes as long and does not tell who has one."""
    if user is None:
        check_password_hash(_no_such_account_hash(), password)
        return False
    return user.check_password(password)


# Ids are PostgreSQL `integer` columns: a number past this names no row, and one past 2**63 cannot
# even be bound as an SQLite parameter (OverflowError), so requests are refused before that.
MAX_ROW_ID = 2**31 - 1


def normalise_email(email: str) -> str:
    """How a back-office user's e-mail is stored and looked up."""
    return email.strip().lower()


class User(db.Model):
    __tablename__ = "user"

    ROLES = values(Role)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10))
    # An owner created without --site administers every site of the instance.
    all_sites: Mapped[bool] = mapped_column(Boolean, default=False)
    # Part of the login session's identity: bumping it (logout, password change) makes every
    # session cookie issued before worthless, even a copied one.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # The back office's language for this user (core.enums.BACK_OFFICE_LANGUAGES); none means the
    # browser's. E-mails to the user are written in it too.
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)

    sites: Mapped[list[Site]] = relationship(secondary=user_site)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def can_access(self, site: Site) -> bool:
        return self.all_sites or any(own.id == site.id for own in self.sites)

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    # Flask-Login's user protocol.
    is_active = True
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class ApiToken(db.Model):
    """A bearer token for scripts. Only its SHA-256 is kept; the token is shown once."""

    __tablename__ = "api_token"

    PREFIX = "plaudit_"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @classmethod
    def issue(cls, user: User) -> tuple[ApiToken, str]:
        """A new token row and the plain token, which the caller shows once."""
        plain = cls.PREFIX + secrets.token_urlsafe(32)
        return cls(user=user, token_hash=sha256_hex(plain)), plain


# The answer rollup, kept by the database itself: every path that inserts, rescores or erases an
# answer (the widget's submit, a follow-up, an erasure, a seed script, a bulk import in SQL) is
# counted in the same statement, and the widget's hot path runs one statement fewer.
# Decrements are UPDATEs: an answer that was counted has its row, and a site being deleted (its
# rows cascading away) must not have rows re-created for it. Installed by create_all (the
# listener below) and by migration 0005, from these same texts: a change to them needs a
# migration of its own that drops and re-creates them.
_COUNTED = "site_id, day, touchpoint, score"
_ADD = (
    "INSERT INTO daily_count (site_id, day, touchpoint, score, count) "
    "SELECT NEW.site_id, {day}, coalesce(NEW.touchpoint, ''), NEW.score, 1 WHERE NOT NEW.is_duplicate "
    f"ON CONFLICT ({_COUNTED}) DO UPDATE SET count = daily_count.count + 1;"
)
_REMOVE = (
    "UPDATE daily_count SET count = count - 1 WHERE NOT OLD.is_duplicate AND site_id = OLD.site_id "
    "AND day = {old_day} AND touchpoint = coalesce(OLD.touchpoint, '') AND score = OLD.score;"
)
_RECOUNTED_COLUMNS = "site_id, score, is_duplicate, touchpoint, created_at"
ANSWER_ROLLUP_TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER response_counted AFTER INSERT ON response BEGIN "
        + _ADD.format(day="date(NEW.created_at)")
        + " END",
        f"CREATE TRIGGER response_recounted AFTER UPDATE OF {_RECOUNTED_COLUMNS} ON response BEGIN "
        + _REMOVE.format(old_day="date(OLD.created_at)")
        + " "
        + _ADD.format(day="date(NEW.created_at)")
        + " END",
        "CREATE TRIGGER response_uncounted AFTER DELETE ON response BEGIN "
        + _REMOVE.format(old_day="date(OLD.created_at)")
        + " END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION response_rollup() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP <> 'INSERT' THEN "
        + _REMOVE.format(old_day="CAST(OLD.created_at AS date)")
        + " END IF; IF TG_OP <> 'DELETE' THEN "
        + _ADD.format(day="CAST(NEW.created_at AS date)")
        + " END IF; RETURN NULL; END $$",
        f"CREATE TRIGGER response_rollup AFTER INSERT OR DELETE OR UPDATE OF {_RECOUNTED_COLUMNS} ON response "
        "FOR EACH ROW EXECUTE FUNCTION response_rollup()",
    ],
}
ANSWER_ROLLUP_DROPS = {
    "sqlite": [
        f"DROP TRIGGER IF EXISTS {name}" for name in ("response_counted", "response_recounted", "response_uncounted")
    ],
    "postgresql": ["DROP TRIGGER IF EXISTS response_rollup ON response", "DROP FUNCTION IF EXISTS response_rollup()"],
}

for _dialect, _statements in ANSWER_ROLLUP_TRIGGERS.items():
    for _statement in _statements:
        event.listen(Response.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))
