"""Webhooks: events go into an outbox in the same transaction as the change, and background
threads of the running app deliver them, signed, retried with exponential backoff, each claimed
by exactly one worker, redirects not followed.

Signature: `Plaudit-Signature: t=UNIX_TIME,v1=HEX` where HEX is HMAC-SHA256 of `"{t}.{body}"`
with the webhook's secret. Receivers check it and refuse a `t` more than five minutes away, which
stops replays.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import json
import logging
import secrets
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import timedelta

from flask import Flask, current_app

from core.background import StartedOnce
from core.enums import Category, Event
from core.outbox import Outbox
from core.sites import active_webhooks
from extensions import db
from models import DeliveryAttempt, OutboxEvent, Response, Site, Testimonial, Webhook, utcnow

log = logging.getLogger("plaudit.webhooks")

MAX_ATTEMPTS = 8
# Receivers are expected to answer at once and do their work afterwards. One that does not holds
# one delivery thread (and only its own webhook's events) for at most this long per attempt, all
# told: connecting, sending, and reading the answer however slowly it trickles in.
TIMEOUT_SECONDS = 10
# How long a claimed event stays a worker's (core.outbox).
CLAIM = timedelta(minutes=2)
# Deliveries at once in each process, each to a different webhook.
DELIVERY_THREADS = 4


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(24)


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
    enqueue(site.id, Event.RESPONSE_CREATED, {"response_id": response_id}, response_id, grace)
    if category == Category.DETRACTOR:
        enqueue(site.id, Event.RESPONSE_DETRACTOR, {"response_id": response_id}, response_id, grace)


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
    if outbox.event == Event.RESPONSE_DETRACTOR and response.category != Category.DETRACTOR:
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
            "channel": response.channel,
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
        Event.RESPONSE_CREATED: f"New answer {r['score']}/10 ({r['category']})",
        Event.RESPONSE_DETRACTOR: f"Detractor {r['score']}/10 — contact them within a week",
        Event.TESTIMONIAL_CONSENTED: "A promoter agreed to publish their words — review it",
        Event.TESTIMONIAL_APPROVED: "A testimonial was approved",
    }
    contact = f" · contact: {slack_escape(r['contact_email'])}" if r.get("contact_email") else ""
    return f"{titles[event]} on {slack_escape(site.name)}{why}{contact}"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A receiver's 3xx is its answer, recorded as a failed attempt with its status: following it
    would send the signed event to an address the site's owner never gave, an internal one maybe."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class _Deadline:
    """Ends an attempt a fixed time after it began, whatever the receiver does meanwhile. A socket
    timeout bounds each read only: a receiver sending its answer a line at a time would hold the
    attempt, and a delivery thread, as long as it liked, and outlive the claim, so that another
    worker sent the event again. At the deadline a timer shuts down the socket of each connection
    of the attempt, which ends the read or write in progress at once; a connection still being
    opened then gives up as soon as it is open."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._lock = threading.Lock()  # between the timer and the attempt's connections
        self._connections: list[http.client.HTTPConnection] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()

    def watch(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            self._connections.append(connection)

    def check(self) -> None:
        if self.expired:
            raise TimeoutError(f"no answer within {self.seconds} s")

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for connection in self._connections:
                if connection.sock is not None:
                    with contextlib.suppress(OSError):  # closed meanwhile: nothing left to end
                        connection.sock.shutdown(socket.SHUT_RDWR)


class _DeadlineConnection:
    """An HTTP(S) connection whose socket the attempt's deadline can shut down."""

    def __init__(self, *args, deadline: _Deadline, **kwargs):
        super().__init__(*args, **kwargs)
        self.deadline = deadline

    def connect(self) -> None:
        self.deadline.watch(self)
        super().connect()
        self.deadline.check()  # the deadline passed while the connection was being opened


class _HTTPConnection(_DeadlineConnection, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_DeadlineConnection, http.client.HTTPSConnection):
    pass


_tls = ssl.create_default_context()  # what urllib uses by default, loaded once


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline):
        super().__init__()
        self.deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_HTTPConnection, req, deadline=self.deadline)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline):
        super().__init__(context=_tls)
        self.deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_HTTPSConnection, req, context=_tls, deadline=self.deadline)


def _request(webhook: Webhook, outbox: OutboxEvent, data: dict) -> urllib.request.Request | None:
    """The signed POST for this event; None when the address is not http(s)."""
    if webhook.format == "slack":
        body = json.dumps({"text": slack_text(outbox.event, data, webhook.site)}).encode()
    else:
        body = json.dumps(
            {"id": outbox.id, "event": outbox.event, "created_at": outbox.created_at.isoformat() + "Z", "data": data},
            ensure_ascii=False,
        ).encode()
    if not webhook.url.startswith(("http://", "https://")):  # never file: or other schemes
        return None
    return urllib.request.Request(  # noqa: S310  (scheme checked just above)
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


def _post(request: urllib.request.Request) -> tuple[int | None, str | None]:
    """Send it once, within TIMEOUT_SECONDS in all; the receiver's status, and what went wrong if
    it did. Whatever happens is an answer to record, never an exception."""
    with _Deadline(TIMEOUT_SECONDS) as deadline:
        status, error = _send(request, deadline)
    if deadline.expired:  # even a status, read before the headers stopped trickling in, is no answer
        return None, f"no complete answer within {TIMEOUT_SECONDS} s"
    return status, error


def _send(request: urllib.request.Request, deadline: _Deadline) -> tuple[int | None, str | None]:
    opener = urllib.request.build_opener(_RefuseRedirects, _HTTPHandler(deadline), _HTTPSHandler(deadline))
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as answer:
            return answer.status, None
    except urllib.error.HTTPError as exc:
        exc.close()
        if 300 <= exc.code < 400:
            return exc.code, f"HTTP {exc.code} (redirects are not followed)"
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, str(getattr(exc, "reason", exc))[:500]
    except http.client.HTTPException as exc:  # an answer that is not HTTP, or breaks off
        return None, f"not an HTTP answer: {exc!r}"[:500]
    except Exception as exc:  # noqa: BLE001  (a failed attempt to retry later, not a lost event)
        log.exception("webhook attempt failed unexpectedly")
        return None, f"unexpected error: {type(exc).__name__}"


_outbox = Outbox(OutboxEvent, CLAIM, log)


def _deliver(outbox_id: int) -> bool:
    """One attempt at one event, if this worker gets it; whether an attempt was made."""
    claim = _outbox.claim(outbox_id)
    if claim is None:
        return False
    outbox = db.session.get(OutboxEvent, outbox_id)
    data = describe(outbox)
    if data is None:
        _outbox.settle(outbox_id, claim, delivered_at=utcnow(), last_error="nothing to send any more")
        return False
    request = _request(outbox.webhook, outbox, data)
    attempts = outbox.attempts + 1
    db.session.commit()  # no transaction stays open while a receiver takes its time
    started = time.monotonic()
    status, error = _post(request) if request is not None else (None, "not an http(s) address")
    attempt = DeliveryAttempt(
        outbox_id=outbox_id, status_code=status, error=error, duration_ms=int((time.monotonic() - started) * 1000)
    )
    if status is not None and 200 <= status < 300:
        outcome = {"delivered_at": utcnow(), "last_error": None}
    else:
        outcome = _outbox.after_failure(attempts, error, MAX_ATTEMPTS)
    _outbox.settle(outbox_id, claim, attempt, attempts=attempts, **outcome)
    return True


def deliver_due(limit: int = 20, webhook_id: int | None = None) -> int:
    """Deliver what is due (for one webhook, or all), oldest first, one after the other; return
    how many attempts were made."""
    query = (
        db.select(OutboxEvent.id)
        .where(*_outbox.due(utcnow()))
        .order_by(OutboxEvent.next_attempt_at, OutboxEvent.id)
        .limit(limit)
    )
    if webhook_id is not None:
        query = query.where(OutboxEvent.webhook_id == webhook_id)
    due = db.session.execute(query).scalars().all()
    db.session.commit()
    return sum(_deliver(outbox_id) for outbox_id in due)


def _due_webhooks(busy: set[int], limit: int) -> list[int]:
    """Webhooks with something due and no delivery in flight here, longest waiting first."""
    query = (
        db.select(OutboxEvent.webhook_id)
        .where(*_outbox.due(utcnow()))
        .group_by(OutboxEvent.webhook_id)
        .order_by(db.func.min(OutboxEvent.next_attempt_at))
        .limit(limit)
    )
    if busy:
        query = query.where(OutboxEvent.webhook_id.not_in(busy))
    return list(db.session.execute(query).scalars())


class Dispatcher(StartedOnce):
    """The running app's own delivery, one per process (core.background).

    A loop hands each webhook that has an event due to a small pool of threads, one event at a
    time and at most one thread per webhook: its events still leave in order, and a receiver
    that hangs holds one thread until it times out while the others deliver everyone else's."""

    def __init__(self, threads: int = DELIVERY_THREADS):
        super().__init__()  # its lock also guards _in_flight
        self._threads = threads
        self._stop = threading.Event()
        self._wake = threading.Event()  # a delivery finished: its thread, and its webhook, are free
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._in_flight: dict[int, Future] = {}  # webhook id → its delivery; guarded by _lock

    def start(self, app: Flask, interval: float = 2.0) -> None:
        if not self._first_start():
            return
        self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="plaudit-webhook")
        self._thread = threading.Thread(target=self._run, args=(app, interval), name="plaudit-webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        """Stop handing out events and wait, up to `timeout`, for those in flight."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._pool is not None:
            with self._lock:
                in_flight = list(self._in_flight.values())
            self._pool.shutdown(wait=False, cancel_futures=True)
            wait(in_flight, timeout)

    def _run(self, app: Flask, interval: float) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                with app.app_context():
                    self._hand_out(app)
                    db.session.remove()
            except Exception:  # noqa: BLE001  (a bad round must not end delivery for good)
                log.exception("webhook delivery round failed; trying again")
            self._wake.wait(interval)

    def _hand_out(self, app: Flask) -> None:
        with self._lock:
            busy = set(self._in_flight)
        free = self._threads - len(busy)
        if free <= 0:
            return
        for webhook_id in _due_webhooks(busy, free):
            with self._lock:  # held while submitting, so the delivery cannot finish before it is noted
                self._in_flight[webhook_id] = self._pool.submit(self._deliver_next, app, webhook_id)

    def _deliver_next(self, app: Flask, webhook_id: int) -> None:
        try:
            with app.app_context():
                deliver_due(limit=1, webhook_id=webhook_id)
                db.session.remove()
        except Exception:  # noqa: BLE001  (one failed delivery must not stop the others)
            log.exception("webhook delivery failed; it will be tried again")
        finally:
            with self._lock:
                del self._in_flight[webhook_id]
            self._wake.set()
