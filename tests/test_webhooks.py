"""Webhooks against a real local HTTP receiver: signed, retried, never slowing a visitor."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core import webhooks
from models import DeliveryAttempt, OutboxEvent, utcnow
from tests.conftest import ORIGIN


class Receiver:
    """A local HTTP endpoint that records what it is sent; it can be told to fail, to hold, to
    redirect, or to let something happen while it has a request in hand (`meanwhile`)."""

    def __init__(self, port: int = 0):
        self.received: list[tuple[dict, bytes]] = []
        self.requests: list[str] = []  # every request as it arrives, whatever its method
        self.status = 200
        self.location: str | None = None
        self.meanwhile: Callable[[], None] | None = None  # run once, inside the first request
        self.hold = threading.Event()
        self.hold.set()
        self.entered = threading.Event()
        self.answered = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                receiver.requests.append(f"{self.command} {self.path}")
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver.status
                receiver.entered.set()
                meanwhile, receiver.meanwhile = receiver.meanwhile, None
                if meanwhile is not None:
                    meanwhile()
                receiver.hold.wait(20)
                receiver.received.append((dict(self.headers), body))
                self.send_response(status)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                self.end_headers()
                receiver.answered.set()

            do_GET = do_POST  # a followed redirect arrives as a GET

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def app(app):
    app.config["PLAUDIT_WEBHOOK_GRACE_SECONDS"] = 0
    return app


def add_webhook(runner, site, url, fmt="json"):
    result = runner.invoke(args=["webhook", "add", "--site", site.key, "--url", url, "--format", fmt, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def answer(client, site, score, why=None):
    created = client.post(
        f"/api/v1/sites/{site.key}/responses",
        json={"score": score},
        headers={"Origin": ORIGIN},
        environ_base={"REMOTE_ADDR": f"10.3.0.{score}"},
    )
    assert created.status_code == 201
    if why:
        client.patch(
            f"/api/v1/responses/{created.json['id']}",
            json={"why": why, "consent": score >= 9},
            headers={"Origin": ORIGIN, "Authorization": f"Bearer {created.json['token']}"},
        )
    return created.json["id"]


def verify(secret: str, headers: dict, body: bytes) -> bool:
    parts = dict(item.split("=", 1) for item in headers["Plaudit-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - int(parts["t"])) < 300


def test_signed_events_reach_the_receiver(client, runner, db, site, receiver):
    hook = add_webhook(runner, site, receiver.url)
    answer(client, site, 2, why="Too slow")
    answer(client, site, 10, why="Lovely")
    assert webhooks.deliver_due() == 4  # created ×2, detractor, consented
    events = [(h["Plaudit-Event"], json.loads(b)) for h, b in receiver.received]
    assert sorted(e for e, _ in events) == [
        "response.created",
        "response.created",
        "response.detractor",
        "testimonial.consented",
    ]
    detractor = next(body for e, body in events if e == "response.detractor")
    assert detractor["data"]["response"]["score"] == 2 and detractor["data"]["response"]["why"] == "Too slow"
    assert detractor["data"]["response"]["channel"] == "web"
    assert all(verify(hook["secret"], h, b) for h, b in receiver.received)
    assert not verify("whsec_wrong", *receiver.received[0])
    attempts = db.session.execute(db.select(DeliveryAttempt.status_code)).scalars().all()
    assert attempts == [200] * 4


def test_receiver_down_is_retried_and_nothing_is_lost(client, runner, db, site):
    with socket.socket() as s:  # a port nobody listens on, for now
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    add_webhook(runner, site, f"http://127.0.0.1:{port}/hook")
    answer(client, site, 3)
    assert webhooks.deliver_due() == 2
    pending = db.session.execute(db.select(OutboxEvent)).scalars().all()
    assert all(e.delivered_at is None and e.attempts == 1 and e.last_error for e in pending)
    assert all(e.next_attempt_at > e.created_at for e in pending)  # backed off
    assert webhooks.deliver_due() == 0  # not due yet
    receiver = Receiver(port)
    try:
        for event in pending:  # time passes
            event.next_attempt_at = event.created_at
        db.session.commit()
        assert webhooks.deliver_due() == 2
        assert sorted(h["Plaudit-Event"] for h, _ in receiver.received) == ["response.created", "response.detractor"]
        db.session.expire_all()
        assert all(
            e.delivered_at is not None and e.attempts == 2 for e in db.session.execute(db.select(OutboxEvent)).scalars()
        )
        assert db.session.execute(db.select(db.func.count()).select_from(DeliveryAttempt)).scalar() == 4
    finally:
        receiver.close()


def test_a_failing_receiver_gives_up_after_the_last_attempt(client, runner, db, site, receiver):
    receiver.status = 500
    add_webhook(runner, site, receiver.url)
    answer(client, site, 9)
    for _ in range(webhooks.MAX_ATTEMPTS):
        db.session.execute(db.update(OutboxEvent).values(next_attempt_at=OutboxEvent.created_at))
        db.session.commit()
        webhooks.deliver_due()
    event = db.session.execute(db.select(OutboxEvent)).scalar_one()
    db.session.refresh(event)
    assert event.failed_at is not None and event.attempts == webhooks.MAX_ATTEMPTS and event.last_error == "HTTP 500"


def test_a_slow_receiver_does_not_slow_a_submission(app, client, runner, db, site, receiver):
    add_webhook(runner, site, receiver.url)
    answer(client, site, 1)
    receiver.hold.clear()  # the receiver will not answer until told
    dispatcher = webhooks.Dispatcher()
    dispatcher.start(app, interval=0.05)
    try:
        assert receiver.entered.wait(10), "the dispatcher never called the receiver"
        # The delivery thread is now stuck in the receiver; a visitor's answer must not wait for it.
        created = client.post(
            f"/api/v1/sites/{site.key}/responses",
            json={"score": 10},
            headers={"Origin": ORIGIN},
            environ_base={"REMOTE_ADDR": "10.4.4.4"},
        )
        assert created.status_code == 201
        assert not receiver.received  # still held: the answer did not wait for delivery
    finally:
        receiver.hold.set()
        dispatcher.stop()
    assert len(receiver.received) >= 1


def test_a_detractor_who_moves_up_the_scale_is_not_reported_as_one(client, runner, db, site, receiver):
    add_webhook(runner, site, receiver.url)
    created = client.post(f"/api/v1/sites/{site.key}/responses", json={"score": 1}, headers={"Origin": ORIGIN})
    client.patch(
        f"/api/v1/responses/{created.json['id']}",
        json={"score": 9},
        headers={"Origin": ORIGIN, "Authorization": f"Bearer {created.json['token']}"},
    )
    webhooks.deliver_due()
    assert [h["Plaudit-Event"] for h, _ in receiver.received] == ["response.created"]
    assert json.loads(receiver.received[0][1])["data"]["response"]["score"] == 9


@pytest.mark.parametrize("failing", [False, True], ids=["healthy", "failing"])
def test_an_event_another_worker_took_meanwhile_is_not_sent_again(
    make_app, client, runner, db, site, receiver, failing
):
    """Two workers (two processes on one database) each select what is due; the second delivers
    while the first is busy with its own first event. The first must then claim nothing it
    selected that has since been delivered, or attempted and backed off."""
    add_webhook(runner, site, receiver.url)
    answer(client, site, 2)  # response.created and response.detractor
    other_worker = make_app()

    def other_worker_delivers() -> None:
        receiver.status = 500 if failing else 200

        def run() -> None:
            with other_worker.app_context():
                webhooks.deliver_due()
                db.session.remove()
                db.engine.dispose()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join(30)

    receiver.meanwhile = other_worker_delivers
    assert webhooks.deliver_due() == 1  # its second pick was taken by the other worker
    deliveries = Counter(h["Plaudit-Delivery"] for h, _ in receiver.received)
    assert sorted(deliveries.values()) == [1, 1]  # each event sent exactly once
    db.session.expire_all()
    events = db.session.execute(db.select(OutboxEvent)).scalars().all()
    assert [e.attempts for e in events] == [1, 1]
    assert db.session.execute(db.select(db.func.count()).select_from(DeliveryAttempt)).scalar() == 2
    if failing:  # the other worker's failed attempt backs off; nobody retries it at once
        assert [e.delivered_at is None and e.next_attempt_at > e.created_at for e in events].count(True) == 1


def test_a_hanging_receiver_does_not_hold_back_another_sites_events(
    app, client, runner, db, site, make_site, receiver, caplog, monkeypatch
):
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 60)  # so that however slow this machine, it is still held
    hanging, prompt = receiver, Receiver()
    hanging.hold.clear()  # answers nothing until the end of the test
    add_webhook(runner, site, hanging.url)
    answer(client, site, 2)  # two events for the hanging receiver, due first
    other_site = make_site(name="Other shop")
    add_webhook(runner, other_site, prompt.url)
    answer(client, other_site, 10)
    dispatcher = webhooks.Dispatcher()
    dispatcher.start(app, interval=0.05)
    try:
        assert hanging.entered.wait(60), "the hanging receiver was never called"
        assert prompt.answered.wait(60), "the other site's event was never delivered"
        # Delivered while the hanging receiver still holds its first event, which has not timed
        # out; that webhook's second event waits its turn instead of taking a second
        # slot (one in-flight event per webhook).
        assert hanging.requests == ["POST /hook"] and not hanging.received
        db.session.expire_all()
        held = db.session.execute(db.select(OutboxEvent).where(OutboxEvent.webhook.has(site_id=site.id))).scalars()
        assert [e.attempts for e in held] == [0, 0]
    finally:
        hanging.hold.set()
        dispatcher.stop()
        prompt.close()
    assert not [r.getMessage() for r in caplog.records if r.name == "plaudit.webhooks"]  # no round failed


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_not_followed_and_counts_as_a_failed_attempt(client, runner, db, site, receiver, status):
    elsewhere = Receiver()
    try:
        receiver.status, receiver.location = status, elsewhere.url
        add_webhook(runner, site, receiver.url)
        answer(client, site, 9)
        assert webhooks.deliver_due() == 1
        assert receiver.requests == ["POST /hook"] and elsewhere.requests == []
        event = db.session.execute(db.select(OutboxEvent)).scalar_one()
        db.session.refresh(event)
        assert event.delivered_at is None and event.next_attempt_at > event.created_at
        assert event.last_error.startswith(f"HTTP {status}")
        assert db.session.execute(db.select(DeliveryAttempt.status_code)).scalars().all() == [status]
    finally:
        elsewhere.close()


def test_slack_format(client, runner, site, receiver):
    add_webhook(runner, site, receiver.url, fmt="slack")
    answer(client, site, 4, why="Checkout broke")
    webhooks.deliver_due()
    texts = sorted(json.loads(body)["text"] for _, body in receiver.received)
    assert any(
        t.startswith("Detractor 4/10 — contact them within a week on Test blog: “Checkout broke”") for t in texts
    )


def test_webhook_add_refuses_bad_urls(runner, site):
    result = runner.invoke(args=["webhook", "add", "--site", site.key, "--url", "javascript:alert(1)"])
    assert result.exit_code != 0


class RawReceiver:
    """A local TCP endpoint that reads each request and then answers with `reply(connection)`,
    byte for byte as it likes (HTTP or not); it counts the requests it was sent."""

    def __init__(self, reply: Callable[[socket.socket], None]):
        self.requests: list[bytes] = []
        self.done = threading.Event()  # tells a reply still in progress to stop
        self._reply = reply
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/hook"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:  # closed at the end of the test
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(10)
            request = b""
            try:
                while b"\r\n\r\n" not in request:
                    chunk = connection.recv(65536)
                    if not chunk:
                        return
                    request += chunk
                self.requests.append(request)
                self._reply(connection)
            except OSError:  # the client hung up: what these receivers are here to cause
                pass

    def close(self) -> None:
        self.done.set()
        self._listener.close()


def test_a_receiver_dripping_its_answer_is_cut_off_at_the_deadline_and_not_sent_twice(
    app, make_app, client, runner, db, site, monkeypatch
):
    """Each header line arrives well within a read's timeout, so only a deadline for the whole
    attempt ends it; ended well within the claim, the event is not another worker's to send
    again once the claim lapses."""
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 1)
    monkeypatch.setattr(webhooks, "CLAIM", timedelta(seconds=4))

    def drip(connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\n")
        started = time.monotonic()
        while not receiver.done.wait(0.2) and time.monotonic() - started < 15:
            connection.sendall(b"X-Drip: x\r\n")
        connection.sendall(b"Content-Length: 0\r\n\r\n")

    receiver = RawReceiver(drip)
    other_worker = make_app()

    def deliver(app) -> None:
        with app.app_context():
            webhooks.deliver_due()
            db.session.remove()

    try:
        add_webhook(runner, site, receiver.url)
        answer(client, site, 9)  # response.created
        first = threading.Thread(target=deliver, args=(app,))
        first.start()
        time.sleep(5)  # the first worker's claim has lapsed by now
        second = threading.Thread(target=deliver, args=(other_worker,))
        second.start()
        second.join(30)
        receiver.done.set()
        first.join(30)
    finally:
        receiver.close()
    assert len(receiver.requests) == 1  # sent once
    event = db.session.execute(db.select(OutboxEvent)).scalar_one()
    db.session.refresh(event)
    assert event.delivered_at is None and event.attempts == 1 and event.locked_until is None
    assert event.next_attempt_at > event.created_at + timedelta(seconds=20)  # backed off
    assert "1 s" in event.last_error, event.last_error
    attempt = db.session.execute(db.select(DeliveryAttempt)).scalar_one()
    assert attempt.status_code is None and attempt.error == event.last_error


def test_an_answer_that_is_not_http_is_a_failed_attempt_with_backoff(client, runner, db, site):
    receiver = RawReceiver(lambda connection: connection.sendall(b"garbage\r\n\r\n"))
    try:
        add_webhook(runner, site, receiver.url)
        answer(client, site, 9)
        assert webhooks.deliver_due() == 1
        assert webhooks.deliver_due() == 0  # backed off, not sent again at once
    finally:
        receiver.close()
    assert len(receiver.requests) == 1
    event = db.session.execute(db.select(OutboxEvent)).scalar_one()
    db.session.refresh(event)
    assert event.delivered_at is None and event.attempts == 1 and event.locked_until is None
    assert event.next_attempt_at > event.created_at + timedelta(seconds=20)
    attempt = db.session.execute(db.select(DeliveryAttempt)).scalar_one()
    assert attempt.status_code is None and attempt.error == event.last_error and "garbage" in attempt.error


def test_a_worker_whose_claim_lapsed_does_not_overwrite_the_outcome_of_the_one_that_took_over(
    make_app, client, runner, db, site, receiver
):
    """However an attempt came to outlive its claim (a worker stalled), what the worker that took
    the event over recorded stands."""
    add_webhook(runner, site, receiver.url)
    answer(client, site, 9)  # response.created
    other_worker = make_app()
    receiver.status = 500  # for the first worker's request, held until the other one is done

    def claim_lapses_and_another_worker_delivers() -> None:
        receiver.status = 200

        def run() -> None:
            with other_worker.app_context():
                db.session.execute(db.update(OutboxEvent).values(locked_until=utcnow() - timedelta(seconds=1)))
                db.session.commit()
                webhooks.deliver_due()
                db.session.remove()
                db.engine.dispose()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join(30)

    receiver.meanwhile = claim_lapses_and_another_worker_delivers
    webhooks.deliver_due()
    assert len(receiver.received) == 2
    event = db.session.execute(db.select(OutboxEvent)).scalar_one()
    db.session.refresh(event)
    assert event.delivered_at is not None and event.last_error is None and event.attempts == 1
    assert db.session.execute(db.select(DeliveryAttempt.status_code)).scalars().all() == [200]
