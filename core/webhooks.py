"""Webhooks: events go into an outbox in the same transaction as the change, and a background
thread of the running app delivers them, signed, retried with exponential backoff.

Signature: `Plaudit-Signature: t=UNIX_TIME,v1=HEX` where HEX is HMAC-SHA256 of `"{t}.{body}"`
with the webhook's secret. Receivers check it and refuse a `t` more than five minutes away, which
stops replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from flask import Flask, current_app

from core.sites import active_webhooks
from extensions import db
from models import DeliveryAttempt, OutboxEvent, Response, Site, Testimonial, Webhook, utcnow

log = logging.getLogger("plaudit.webhooks")

MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 10


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(24)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … capped at 6 h between tries."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 6 * 3600))


def enqueue(site_id: int, event: str, payload: dict, response_id: int | None = None, delay: int = 0) -> None:
    """Add the event for every webhook of the site that wants it. The caller commits."""
    due = utcnow() + timedelta(seconds=delay)
    for webhook_id, events in active_webhooks(site_id):
        if event in events:
            db.session.add(
                OutboxEvent(
                    webhook_id=webhook_id, event=event, payload=payload, response_id=response_id, next_attempt_at=due
                )
            )


def response_events(site: Site, response_id: int, category: str) -> None:
    """A new answer. Sent after a short grace period and described as it is then, so a visitor
    still moving along the scale, or writing their "why", is reported once, as they left it."""
    grace = current_app.config.get("PLAUDIT_WEBHOOK_GRACE_SECONDS", 30)
    enqueue(site.id, "response.created", {"response_id": response_id}, response_id, grace)
    if category == "detractor":
        enqueue(site.id, "response.detractor", {"response_id": response_id}, response_id, grace)


def testimonial_event(event: str, testimonial: Testimonial) -> None:
    enqueue(
        testimonial.site_id,
        event,
        {"testimonial_id": testimonial.id, "response_id": testimonial.response_id},
        testimonial.response_id,
    )


def describe(outbox: OutboxEvent) -> dict | None:
    """The event's data as it stands now; None when there is nothing left to say (erased, or a
    'detractor' who moved up the scale before the event left)."""
    response = db.session.get(Response, outbox.payload.get("response_id"))
    if response is None:
        return None
    if outbox.event == "response.detractor" and response.category != "detractor":
        return None
    data = {
        "site": response.site.key,
        "response": {
            "id": response.id,
            "score": response.score,
            "category": response.category,
            "why": response.why,
            "lang": response.lang,
            "touchpoint": response.touchpoint,
            "page_url": response.page_url,
            "respondent": response.respondent,
            "respondent_proven": response.respondent_proven,
            "attributes": response.attributes,
            "contact_email": response.contact_email,
            "duplicate": response.is_duplicate,
            "created_at": response.created_at.isoformat(timespec="seconds") + "Z",
        },
    }
    if response.testimonial is not None:
        t = response.testimonial
        data["testimonial"] = {"id": t.id, "status": t.status, "quote": t.quote, "display_name": t.display_name}
    return data


def slack_escape(text: str) -> str:
    """Text as Slack shows it literally: `&`, `<` and `>` are the only characters its message
    format gives a meaning to (`<https://…|label>` links, `<@U…>` and `<!channel>` pings), and the
    three it asks to escape. Anything a visitor or an owner typed goes through here."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_text(event: str, data: dict, site: Site) -> str:
    r = data["response"]
    why = f": “{slack_escape(r['why'])}”" if r.get("why") else ""
    titles = {
        "response.created": f"New answer {r['score']}/10 ({r['category']})",
        "response.detractor": f"Detractor {r['score']}/10 — contact them within a week",
        "testimonial.consented": "A promoter agreed to publish their words — review it",
        "testimonial.approved": "A testimonial was approved",
    }
    contact = f" · contact: {slack_escape(r['contact_email'])}" if r.get("contact_email") else ""
    return f"{titles[event]} on {slack_escape(site.name)}{why}{contact}"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def _post(webhook: Webhook, outbox: OutboxEvent, data: dict) -> tuple[int | None, str | None]:
    if webhook.format == "slack":
        body = json.dumps({"text": slack_text(outbox.event, data, webhook.site)}).encode()
    else:
        body = json.dumps(
            {"id": outbox.id, "event": outbox.event, "created_at": outbox.created_at.isoformat() + "Z", "data": data},
            ensure_ascii=False,
        ).encode()
    if not webhook.url.startswith(("http://", "https://")):  # never file: or other schemes
        return None, "not an http(s) address"
    request = urllib.request.Request(  # noqa: S310  (scheme checked just above)
        webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Plaudit-Webhooks",
            "Plaudit-Event": outbox.event,
            "Plaudit-Delivery": str(outbox.id),
            "Plaudit-Signature": sign(webhook.secret, int(time.time()), body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310  (scheme checked above)
            return answer.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, str(getattr(exc, "reason", exc))[:500]


def _claim(outbox_id: int, now: datetime) -> bool:
    """Take one event for 2 minutes; another worker or host that tries at once gets nothing."""
    result = db.session.execute(
        db.update(OutboxEvent)
        .where(OutboxEvent.id == outbox_id, (OutboxEvent.locked_until.is_(None)) | (OutboxEvent.locked_until < now))
        .values(locked_until=now + timedelta(minutes=2))
    )
    db.session.commit()
    return result.rowcount == 1


def deliver_due(limit: int = 20) -> int:
    """Deliver what is due; return how many attempts were made."""
    now = utcnow()
    due = (
        db.session.execute(
            db.select(OutboxEvent.id)
            .where(
                OutboxEvent.delivered_at.is_(None), OutboxEvent.failed_at.is_(None), OutboxEvent.next_attempt_at <= now
            )
            .order_by(OutboxEvent.next_attempt_at)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    attempts = 0
    for outbox_id in due:
        if not _claim(outbox_id, now):
            continue
        outbox = db.session.get(OutboxEvent, outbox_id)
        data = describe(outbox)
        if data is None:
            outbox.delivered_at, outbox.last_error = utcnow(), "nothing to send any more"
            db.session.commit()
            continue
        started = time.monotonic()
        status, error = _post(outbox.webhook, outbox, data)
        attempts += 1
        outbox.attempts += 1
        db.session.add(
            DeliveryAttempt(
                outbox_id=outbox.id,
                status_code=status,
                error=error,
                duration_ms=int((time.monotonic() - started) * 1000),
            )
        )
        if status is not None and 200 <= status < 300:
            outbox.delivered_at, outbox.last_error = utcnow(), None
        elif outbox.attempts >= MAX_ATTEMPTS:
            outbox.failed_at, outbox.last_error = utcnow(), error
        else:
            outbox.next_attempt_at, outbox.last_error = utcnow() + backoff(outbox.attempts), error
        outbox.locked_until = None
        db.session.commit()
    return attempts


class Dispatcher:
    """The running app's own delivery thread, one per process, started on its first request (so
    it also starts in each gunicorn worker, whatever the preload setting)."""

    def __init__(self):
        self._started = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, app: Flask, interval: float = 2.0) -> None:
        if self._started:  # the common case, without taking the lock
            return
        with self._lock:
            if self._started:
                return
            self._started = True
        self._thread = threading.Thread(target=self._run, args=(app, interval), name="plaudit-webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self, app: Flask, interval: float) -> None:
        while not self._stop.is_set():
            try:
                with app.app_context():
                    deliver_due()
                    db.session.remove()
            except Exception:  # noqa: BLE001  (a bad round must not end delivery for good)
                log.exception("webhook delivery round failed; trying again")
            self._stop.wait(interval)
