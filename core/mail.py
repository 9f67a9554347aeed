"""E-mail: every message is written to an outbox (MailMessage) in the same transaction as what
causes it, and a thread of each process (MailWorker) sends it through Flask-Mailman's SMTP
backend, claimed by one worker, retried with backoff, each attempt logged (core.outbox, shared
with the webhooks). A message is written out (subject, text, HTML) at its first attempt, after
its grace period, in the recipient's language, and kept as written: a retry sends the very same
message, with the same Message-ID.

Without MAIL_SERVER nothing is sent: each message is still written, closed as "not sent: no
mail server configured", and shown on the back office's E-mails page. Those are never sent
later, when a server is configured: a week-old alert, or a reply typed during a trial, arriving
out of the blue would surprise more than help.

Sending is at least once: a process that dies after the server took a message and before it
recorded so leaves it to be sent again once the claim lapses; the same Message-ID lets mail
programs tell it is one message.
"""

from __future__ import annotations

import hashlib
import logging
import re
import smtplib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMultiAlternatives, make_msgid
from itsdangerous import BadSignature, URLSafeSerializer

from core.background import StartedOnce
from core.enums import DigestFrequency, MailKind
from core.outbox import Outbox
from core.snippets import public_base_url
from extensions import db, mail
from models import MailAttempt, MailMessage, MailSuppression, NotificationSetting, Site, User, utcnow

log = logging.getLogger("plaudit.mail")

MAX_ATTEMPTS = 8
# Far longer than an SMTP conversation may take: MAIL_TIMEOUT (20 s) bounds each of its steps
# (connect, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, QUIT), so a slow server that takes its time at
# every one still finishes well within the claim, and no other worker sends the message again.
CLAIM = timedelta(minutes=10)
NO_SERVER = "not sent: no mail server configured"
UNSUBSCRIBED = "not sent: the recipient unsubscribed"
NOTHING_TO_SAY = "not sent: nothing to send any more"
# Messages to respondents, whose address the suppression list covers; the others go to the team.
TO_RESPONDENTS = (MailKind.REPLY, MailKind.THANK_YOU, MailKind.INVITATION, MailKind.REMINDER)
# An invitation the server refuses for good (5xx) bounced: not retried, and never reminded.
BOUNCE_ON_REFUSAL = (MailKind.INVITATION, MailKind.REMINDER)
# Written by a program, not a person (RFC 3834): auto-responders must not answer them.
AUTOMATIC = (
    MailKind.DETRACTOR_ALERT,
    MailKind.MODERATION_ALERT,
    MailKind.DIGEST,
    MailKind.THANK_YOU,
    MailKind.INVITATION,
    MailKind.REMINDER,
)

_outbox = Outbox(MailMessage, CLAIM, log)


@dataclass(frozen=True)
class Written:
    subject: str
    text: str
    html: str


def address_hash(site_id: int, address: str) -> str:
    """What the suppression list keeps of an address: never the address itself."""
    return hashlib.sha256(f"{site_id}:{address.strip().lower()}".encode()).hexdigest()


def is_suppressed(site_id: int, address: str) -> bool:
    return db.session.get(MailSuppression, (site_id, address_hash(site_id, address))) is not None


def header_text(value: str) -> str:
    """Text as a header may carry it: line breaks and other control characters become a space,
    so nothing a visitor or an owner typed (a name, a subject) can start a header of its own."""
    return re.sub(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+", " ", value).strip()


def queue(
    site: Site,
    kind: str,
    to: str,
    lang: str,
    *,
    user: User | None = None,
    author: User | None = None,
    response_id: int | None = None,
    testimonial_id: int | None = None,
    params: dict | None = None,
    reply_to: str | None = None,
    delay: int = 0,
) -> MailMessage | None:
    """Write one message to the outbox; the caller commits, with the change that causes it.
    None when the address unsubscribed from this site's e-mails: it is never written to again."""
    if kind in TO_RESPONDENTS and is_suppressed(site.id, to):
        return None
    base = public_base_url()
    message = MailMessage(
        site_id=site.id,
        kind=kind,
        to_address=header_text(to),
        lang=lang,
        user_id=user.id if user else None,
        author_id=author.id if author else None,
        response_id=response_id,
        testimonial_id=testimonial_id,
        params=params or {},
        base_url=base,
        reply_to=header_text(reply_to) if reply_to else None,
        message_id=make_msgid(domain=urlsplit(base).hostname or "localhost"),
        next_attempt_at=utcnow() + timedelta(seconds=delay),
    )
    db.session.add(message)
    return message


def render(template: str, lang: str, **context) -> tuple[str, str]:
    """The text and HTML parts of one message (`mail/KIND` for the team, `public/mail/KIND` for
    respondents), in the recipient's language."""
    with force_locale(lang):
        text = render_template(f"{template}.txt", lang=lang, **context)
        return text, render_template(f"{template}.html", lang=lang, **context)


# Unsubscribe links: signed, without expiry (an unsubscribe link must work however old the
# e-mail), and saying what to stop without naming the address (a hash of it, for respondents).
def _unsubscriber() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="plaudit.unsubscribe")


def unsubscribe_token(message: MailMessage) -> str:
    if message.kind in TO_RESPONDENTS:
        what = {"s": message.site_id, "h": address_hash(message.site_id, message.to_address), "l": message.lang}
    else:
        what = {"s": message.site_id, "u": message.user_id, "k": message.kind, "l": message.lang}
    return _unsubscriber().dumps(what)


def unsubscribe_target(token: str) -> dict | None:
    try:
        what = _unsubscriber().loads(token)
    except BadSignature:
        return None
    return what if isinstance(what, dict) and isinstance(what.get("s"), int) else None


def unsubscribe(what: dict) -> None:
    """Stop what the link was for, for good: a respondent's address joins the site's suppression
    list; a team member's alert or digest is turned off. Saying it twice changes nothing. The
    caller commits."""
    site = db.session.get(Site, what["s"])
    if site is None:
        return
    if "h" in what:
        if db.session.get(MailSuppression, (site.id, what["h"])) is None:
            db.session.add(MailSuppression(site_id=site.id, address_hash=what["h"]))
        from core import invitations  # it queues through this module

        invitations.unsubscribed(site.id, what["h"])
        return
    setting = db.session.get(NotificationSetting, (what.get("u"), site.id))
    user = db.session.get(User, what.get("u"))
    if user is None:
        return
    if setting is None:
        from core.notifications import preferences

        setting = preferences(user, site)
        db.session.add(setting)
    if what.get("k") == MailKind.DETRACTOR_ALERT:
        setting.detractor_alert = False
    elif what.get("k") == MailKind.MODERATION_ALERT:
        setting.moderation_alert = False
    elif what.get("k") == MailKind.DIGEST:
        setting.digest = DigestFrequency.OFF


def _writers() -> dict[str, Callable[[MailMessage], Written | None]]:
    from core import invitations, notifications, replies  # they queue through this module

    return {
        MailKind.DETRACTOR_ALERT: notifications.write_detractor_alert,
        MailKind.MODERATION_ALERT: notifications.write_moderation_alert,
        MailKind.DIGEST: notifications.write_digest,
        MailKind.REPLY: replies.write_reply,
        MailKind.THANK_YOU: replies.write_thank_you,
        MailKind.INVITATION: invitations.write,
        MailKind.REMINDER: invitations.write,
    }


def write(message: MailMessage) -> Written | None:
    """The message's words as they stand now, under the address it was caused from; None when
    there is nothing left to say (the answer moved up the scale, the testimonial was handled)."""
    with current_app.test_request_context(base_url=message.base_url):
        unsubscribe_url = url_for("widget.unsubscribe", token=unsubscribe_token(message), _external=True)
        written = _writers()[message.kind](message, unsubscribe_url)
    if written is not None:
        message.params = {**message.params, "unsubscribe_url": unsubscribe_url}
    return written


def sender(message: MailMessage) -> str:
    """From: the instance's address (MAIL_DEFAULT_SENDER, else plaudit@ its public host), named
    after the site for its respondents, and as configured (else "Plaudit") for the team."""
    configured = current_app.config.get("MAIL_DEFAULT_SENDER")
    name, address = parseaddr(configured or "")
    if not address:
        address = f"plaudit@{urlsplit(message.base_url).hostname or 'localhost'}"
    if message.kind in TO_RESPONDENTS:
        name = message.site.name
    return formataddr((header_text(name or "Plaudit"), address))


def email_of(message: MailMessage, connection=None) -> EmailMultiAlternatives:
    headers = {
        "Message-ID": message.message_id,
        # RFC 8058: a mail program offers its own unsubscribe button, which POSTs to the link.
        "List-Unsubscribe": f"<{message.params['unsubscribe_url']}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    if message.kind in AUTOMATIC:
        headers["Auto-Submitted"] = "auto-generated"
    email = EmailMultiAlternatives(
        subject=header_text(message.subject),
        body=message.text_body,
        from_email=sender(message),
        to=[message.to_address],
        reply_to=[message.reply_to] if message.reply_to else None,
        headers=headers,
        connection=connection,
    )
    email.attach_alternative(message.html_body, "text/html")
    return email


def _send(email: EmailMultiAlternatives) -> tuple[int | None, str | None]:
    """One SMTP conversation; (None, None) when the server took the message, else its code (if
    it answered one) and what went wrong. Never an exception: a failure is an attempt to record."""
    try:
        email.connection = mail.get_connection()
        email.send()
        return None, None
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        return code, f"{code} {text.decode(errors='replace')}"[:500]
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return exc.smtp_code, f"{exc.smtp_code} {text}"[:500]
    except (smtplib.SMTPException, OSError) as exc:
        return None, (str(exc) or type(exc).__name__)[:500]
    except Exception as exc:  # noqa: BLE001  (a failed attempt to retry later, not a lost message)
        log.exception("mail attempt failed unexpectedly")
        return None, f"unexpected error: {type(exc).__name__}"


def _close(mail_id: int, claim, reason: str) -> None:
    _outbox.settle(mail_id, claim, failed_at=utcnow(), last_error=reason)


def _deliver(mail_id: int) -> bool:
    """One attempt at one message, if this worker gets it; whether an SMTP attempt was made."""
    claim = _outbox.claim(mail_id)
    if claim is None:
        return False
    message = db.session.get(MailMessage, mail_id)
    if message.kind in TO_RESPONDENTS and is_suppressed(message.site_id, message.to_address):
        _close(mail_id, claim, UNSUBSCRIBED)
        return False
    if message.subject is None:
        try:
            written = write(message)
        except Exception:  # noqa: BLE001  (a message that cannot be written now is retried, then given up)
            log.exception("mail %s could not be written", mail_id)
            db.session.rollback()
            error = "could not be written (see the log)"
            _outbox.settle(
                mail_id,
                claim,
                attempts=message.attempts + 1,
                **_outbox.after_failure(message.attempts + 1, error, MAX_ATTEMPTS),
            )
            return True
        if written is None:
            _close(mail_id, claim, NOTHING_TO_SAY)
            return False
        message.subject, message.text_body, message.html_body = written.subject, written.text, written.html
        db.session.commit()  # kept as written, whatever becomes of this attempt
    if not current_app.config.get("MAIL_SERVER"):
        _close(mail_id, claim, NO_SERVER)
        return False
    email = email_of(message)
    attempts = message.attempts + 1
    db.session.commit()  # no transaction stays open while the server takes its time
    started = time.monotonic()
    code, error = _send(email)
    attempt = MailAttempt(
        mail_id=mail_id, smtp_code=code, error=error, duration_ms=int((time.monotonic() - started) * 1000)
    )
    if error is None:
        outcome = {"delivered_at": utcnow(), "last_error": None}
    elif code is not None and 500 <= code < 600 and message.kind in BOUNCE_ON_REFUSAL:
        from core import invitations

        invitations.bounced(message)
        outcome = {"failed_at": utcnow(), "last_error": error}
    else:
        outcome = _outbox.after_failure(attempts, error, MAX_ATTEMPTS)
    _outbox.settle(mail_id, claim, attempt, attempts=attempts, **outcome)
    return True


def deliver_due(limit: int = 20) -> int:
    """Send what is due, oldest first, one after the other; how many SMTP attempts were made."""
    query = (
        db.select(MailMessage.id)
        .where(*_outbox.due(utcnow()))
        .order_by(MailMessage.next_attempt_at, MailMessage.id)
        .limit(limit)
    )
    due = db.session.execute(query).scalars().all()
    db.session.commit()
    return sum(_deliver(mail_id) for mail_id in due)


def state(message: MailMessage) -> str:
    """How the E-mails page says where a message stands, in the reader's language."""
    if message.delivered_at is not None:
        return _("sent %(when)s UTC", when=f"{message.delivered_at:%Y-%m-%d %H:%M}")
    reasons = {
        NO_SERVER: _("not sent: no mail server configured"),
        UNSUBSCRIBED: _("not sent: the recipient unsubscribed"),
        NOTHING_TO_SAY: _("not sent: nothing to send any more"),
    }
    if message.failed_at is not None:
        return reasons.get(message.last_error) or _(
            "not sent: gave up after %(count)s attempts (%(error)s)", count=message.attempts, error=message.last_error
        )
    if message.attempts:
        return _(
            "waiting: attempt %(count)s failed (%(error)s); next at %(when)s UTC",
            count=message.attempts, error=message.last_error, when=f"{message.next_attempt_at:%H:%M}",
        )  # fmt: skip
    return _("waiting: due at %(when)s UTC", when=f"{message.next_attempt_at:%Y-%m-%d %H:%M}")


class MailWorker(StartedOnce):
    """The running app's own sending, one thread per process (core.background): each round it
    writes the digests that fell due and sends what is due. Several processes or hosts share the
    work through the outbox's claims; no cron is needed."""

    def __init__(self):
        super().__init__()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, app: Flask, interval: float = 5.0) -> None:
        if not self._first_start():
            return
        self._thread = threading.Thread(target=self._run, args=(app, interval), name="plaudit-mail", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self, app: Flask, interval: float) -> None:
        from core.invitations import queue_due
        from core.notifications import queue_due_digests

        while not self._stop.is_set():
            try:
                with app.app_context():
                    queue_due_digests()
                    queue_due()
                    while deliver_due() and not self._stop.is_set():
                        pass
                    db.session.remove()
            except Exception:  # noqa: BLE001  (a bad round must not end sending for good)
                log.exception("mail round failed; trying again")
            self._stop.wait(interval)
