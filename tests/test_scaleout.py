"""Two app instances (two gunicorn processes on different ports) sharing one PostgreSQL and one
Redis behave as one service (in the PostgreSQL pass with TEST_REDIS_URL; CI sets both); and the
workers of one instance on SQLite see each other's writes at once."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import ORIGIN, TEST_DATABASE_URL
from tests.test_faults import TEST_REDIS_URL
from tests.test_webhooks import Receiver

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
shared = pytest.mark.skipif(not (TEST_DATABASE_URL and TEST_REDIS_URL), reason="needs PostgreSQL and Redis")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(
    url: str, method: str = "GET", body: dict | None = None, headers: dict | None = None
) -> tuple[int, dict, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, dict(response.headers), json.loads(raw) if raw else {}
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read() or b"{}")


@contextlib.contextmanager
def served(env: dict):
    """The app under gunicorn (2 workers) on a free port, once it answers; its base URL."""
    port = free_port()
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "app:create_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    with running(server, f"http://127.0.0.1:{port}") as url:
        yield url


@contextlib.contextmanager
def running(server: subprocess.Popen, url: str, tries: int = 150):
    """`url` once the server started as `server` answers its health check; ended afterwards."""
    try:
        for _ in range(tries):
            try:
                if call(url + "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"{url} did not start")
        yield url
    finally:
        server.terminate()
        server.wait(10)


def create_site(flask: list[str], env: dict, name: str) -> str:
    """A site made with the CLI in that instance, as the README says; its key."""
    created = subprocess.run(
        [*flask, "site", "create", "--name", name, "--origin", ORIGIN, "--json"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(created.stdout)["key"]


def sqlite_instance(tmp_path, **extra) -> tuple[dict, list[str]]:
    """Environment of a fresh SQLite instance, migrated; and the flask command to run in it."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/app.sqlite3", "SECRET_KEY": "s", **extra}
    env.pop("REDIS_URL", None)
    env.pop("PLAUDIT_PUBLIC_URL", None)
    flask = [str(BIN / "flask"), "--app", "app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    return env, flask


def shared_env() -> dict:
    """Environment of an instance on the shared PostgreSQL and Redis."""
    return {
        **os.environ,
        "DATABASE_URL": TEST_DATABASE_URL,
        "REDIS_URL": TEST_REDIS_URL,
        "SECRET_KEY": "shared-secret",
        "PLAUDIT_PROXY_COUNT": "1",
        "FLASK_PLAUDIT_SUBMIT_LIMIT": "3/minute",
        "FLASK_RATELIMIT_KEY_PREFIX": f"scaleout-{os.getpid()}-{time.time_ns()}",
        "FLASK_PLAUDIT_WEBHOOK_GRACE_SECONDS": "0",
    }


@pytest.fixture
def instances(app, db, site, tmp_path):
    env = shared_env()
    with served(env) as a, served(env) as b:
        yield [a, b]


def submit(url: str, site, client_ip: str, score: int = 9):
    return call(
        f"{url}/api/v1/sites/{site.key}/responses",
        "POST",
        {"score": score},
        {"Origin": ORIGIN, "X-Forwarded-For": client_ip},
    )


@shared
def test_a_rate_limit_reached_on_one_instance_holds_on_the_other(instances, site):
    a, b = instances
    assert [submit(a, site, "203.0.113.50")[0] for _ in range(3)] == [201, 201, 201]
    status, _, body = submit(b, site, "203.0.113.50")
    assert status == 429 and body["code"] == 429
    assert submit(b, site, "203.0.113.51")[0] == 201  # another visitor is not affected


@shared
def test_an_approval_on_one_instance_is_served_by_the_other_at_once(
    instances, db, runner, site, make_user, make_testimonial
):
    a, b = instances
    testimonial = make_testimonial(site, quote="Seen everywhere")
    make_user("mod@example.org", "moderator", sites=[site])
    token = json.loads(runner.invoke(args=["token", "create", "--email", "mod@example.org", "--json"]).output)["token"]
    status, headers, body = call(f"{b}/api/v1/sites/{site.key}/testimonials")
    assert body["testimonials"] == []
    etag = headers["ETag"]
    approved = call(
        f"{a}/api/v1/moderation/testimonials/{testimonial.id}/approve", "POST", {}, {"Authorization": f"Bearer {token}"}
    )
    assert approved[0] == 200
    status, _, body = call(f"{b}/api/v1/sites/{site.key}/testimonials", headers={"If-None-Match": etag})
    assert status == 200 and [t["quote"] for t in body["testimonials"]] == ["Seen everywhere"]
    withdrawn = call(
        f"{b}/api/v1/moderation/testimonials/{testimonial.id}/reject", "POST", {}, {"Authorization": f"Bearer {token}"}
    )
    assert withdrawn[0] == 200
    assert call(f"{a}/api/v1/sites/{site.key}/testimonials")[2]["testimonials"] == []


@shared
def test_concurrent_writes_through_both_instances_all_land(instances, db, site):
    from models import DailyCount, Response

    a, b = instances
    jobs = [(a if n % 2 else b, f"198.51.{n // 200}.{n % 200}", n % 11) for n in range(120)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(lambda job: submit(job[0], site, job[1], job[2]), jobs))
    assert [status for status, _, _ in results] == [201] * len(jobs)
    ids = {body["id"] for _, _, body in results}
    db.session.expire_all()
    stored = set(db.session.execute(db.select(Response.id).where(Response.site_id == site.id)).scalars())
    assert ids <= stored and len(ids) == len(jobs)
    counted = db.session.execute(db.select(db.func.sum(DailyCount.count)).where(DailyCount.site_id == site.id)).scalar()
    assert counted == len(jobs)  # the rollup kept up with every concurrent insert


def answer_through_each(urls: list[str], key: str, receiver: Receiver, answers: int = 24) -> None:
    """Answers through every instance in turn; returns once the receiver has had each one's event
    (or after a minute)."""
    for n in range(answers):
        status, _, _ = call(
            f"{urls[n % len(urls)]}/api/v1/sites/{key}/responses",
            "POST",
            {"score": 9},
            {"Origin": ORIGIN, "X-Forwarded-For": f"192.0.2.{n}", "User-Agent": f"visitor {n}"},
        )
        assert status == 201
    deadline = time.monotonic() + 60
    while len({h["Plaudit-Delivery"] for h, _ in receiver.received}) < answers and time.monotonic() < deadline:
        time.sleep(0.1)


def deliveries(receiver: Receiver) -> dict[int, int]:
    """How many times each event arrived, by how many times: {1: events sent once, 2: …}. Counted
    once the instances have stopped, so that nothing more can arrive."""
    return dict(Counter(Counter(h["Plaudit-Delivery"] for h, _ in receiver.received).values()))


@shared
def test_two_instances_deliver_each_webhook_event_once(app, db, runner, site):
    """Every worker of every instance runs its own delivery threads on the same outbox."""
    receiver = Receiver()
    try:
        added = runner.invoke(args=["webhook", "add", "--site", site.key, "--url", receiver.url])
        assert added.exit_code == 0, added.output
        env = shared_env()
        with served(env) as a, served(env) as b:
            answer_through_each([a, b], site.key, receiver)
        assert deliveries(receiver) == {1: 24}
    finally:
        receiver.close()


def test_the_workers_of_one_instance_deliver_each_webhook_event_once_on_sqlite(tmp_path):
    env, flask = sqlite_instance(
        tmp_path, FLASK_PLAUDIT_WEBHOOK_GRACE_SECONDS="0", FLASK_PLAUDIT_SUBMIT_LIMIT="100/minute"
    )
    key = create_site(flask, env, "S")
    receiver = Receiver()
    try:
        subprocess.run([*flask, "webhook", "add", "--site", key, "--url", receiver.url], cwd=ROOT, env=env, check=True)
        with served(env) as url:
            answer_through_each([url], key, receiver)
        assert deliveries(receiver) == {1: 24}
    finally:
        receiver.close()


def test_every_worker_sees_a_write_at_once_on_sqlite(tmp_path):
    """Each worker keeps the sites' public state in memory until a write anywhere moves the
    generation (core/generation.py); on SQLite that signal is a file all workers see."""
    env, flask = sqlite_instance(tmp_path)
    key = create_site(flask, env, "S")
    with served(env) as url, ThreadPoolExecutor(max_workers=8) as pool:

        def totals() -> set[int]:
            return {r[2]["total"] for r in pool.map(lambda _: call(f"{url}/api/v1/sites/{key}/nps"), range(40))}

        assert totals() == {0}  # both workers now hold the state in memory
        for n in range(3):
            answer = call(
                f"{url}/api/v1/sites/{key}/responses",
                "POST",
                {"score": 10},
                {"Origin": ORIGIN, "User-Agent": f"visitor {n}"},
            )
            assert answer[0] == 201
            assert totals() == {n + 1}


def test_every_worker_sees_a_settings_change_at_once_on_sqlite(tmp_path):
    """Sites' settings stay in each worker's memory until a change to a site moves the
    "settings" generation: a newly allowed origin works at once in every worker."""
    env, flask = sqlite_instance(tmp_path, PORT="5000")
    demo = subprocess.run([*flask, "demo"], cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    key = demo.split("Demo site key:")[1].split()[0]
    newcomer = "http://localhost:5055"
    with served(env) as url, ThreadPoolExecutor(max_workers=8) as pool:

        def config_statuses() -> set[int]:
            config = f"{url}/api/v1/sites/{key}/config"
            return {r[0] for r in pool.map(lambda _: call(config, headers={"Origin": newcomer}), range(40))}

        assert config_statuses() == {403}  # both workers now hold the site in memory
        subprocess.run([*flask, "demo"], cwd=ROOT, env={**env, "PORT": "5055"}, check=True, capture_output=True)
        assert config_statuses() == {200}
