"""Page views, the traffic an instance serves most, against a real gunicorn (2 workers).

    .venv/bin/python bench/pageview.py [--seconds 20] [--visitors 16] [--floor]
    .venv/bin/python bench/pageview.py --database-url postgresql://postgres@127.0.0.1:5432/plaudit_bench \\
        --redis-url redis://127.0.0.1:6379/14

50 sites, visitors spread over them, each a browser with its own HTTP cache and one keep-alive
connection. A page view fetches widget.js and the config (unconditionally the first time,
conditionally after: the worst case, every repeat visit after the cached copies went stale),
sends the view beacon, and on 30 % of pages fetches the wall data (conditionally after the
first); 2 % of page views answer (POST, then PATCH with words and consent); a moderator approves
one pending testimonial a minute through the API.

It reports page views per second (the client is Python on the same cores as the server: read it
as a lower bound), requests per page view, database commits per page view (every commit of the
workers, counted by an engine listener, flushes of view counts included) and, per repeat page
view, the requests that no cache could answer: writes (the beacon) and revalidations answered
200 because the copy changed (a first fetch is cold, not uncacheable: a CDN answers it), and
whether every beacon's view was stored once gunicorn stopped. Targets: commits <= 0.03 per page
view; at most one uncacheable request per repeat page view (the beacon); with --floor, page views per second >= 0.5 of a bare Flask app
answering the same requests from constants, run after with the same client.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from harness import ROOT, gunicorn, instance_env, run_python

SITES = 50
ORIGIN = "http://bench.example"

SEED = """
import json, sys
from app import create_app
from core.sites import new_site
from extensions import db
from models import ApiToken, User
app = create_app()
with app.app_context():
    sites = [new_site(f"Site {n}", ["http://bench.example"], "en") for n in range(int(sys.argv[1]))]
    moderator = User(email=f"owner-{sites[0].key}@bench.example", role="owner", all_sites=True)
    moderator.set_password("bench password")
    db.session.add(moderator)
    db.session.flush()
    row, token = ApiToken.issue(moderator)
    db.session.add(row)
    db.session.commit()
    print(json.dumps({"keys": [site.key for site in sites], "token": token}))
"""

COUNTED_VIEWS = """
import json, sys
from app import create_app
from extensions import db
from models import DailyView, Site
with create_app().app_context():
    ours = db.select(Site.id).where(Site.key.in_(json.loads(sys.argv[1])))
    total = db.select(db.func.coalesce(db.func.sum(DailyView.count), 0)).where(DailyView.site_id.in_(ours))
    print(db.session.execute(total).scalar())
"""


def counted_app():
    """The app, with every database commit of this worker appended as one byte to a file the
    bench reads (the file's size is the number of commits of all workers)."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import event

    from app import create_app
    from extensions import db

    app = create_app()
    fd = os.open(os.environ["PAGEVIEW_COMMITS"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with app.app_context():
        event.listen(db.engine, "commit", lambda _connection: os.write(fd, b"."))
    return app


def floor_app():
    """The floor: a bare Flask app answering the same requests from constants (the same bodies'
    sizes, ETags and 304s, no database, no validation, no framework beyond Flask)."""
    from flask import Flask, Response, request

    floor = Flask(__name__)
    bodies = {
        "widget": (b"x" * 7_800, "application/javascript"),
        "config": (b'{"texts": "' + b"x" * 1_600 + b'"}', "application/json"),
        "wall": (b'{"testimonials": "' + b"x" * 1_000 + b'"}', "application/json"),
    }

    def conditional(name: str) -> Response:
        body, mimetype = bodies[name]
        response = Response(body, mimetype=mimetype)
        response.set_etag(name)
        response.headers["Cache-Control"] = "public, max-age=60"
        return response.make_conditional(request)

    floor.add_url_rule("/widget.js", "widget", lambda: conditional("widget"))
    floor.add_url_rule("/api/v1/sites/<key>/config", "config", lambda key: conditional("config"))
    floor.add_url_rule("/api/v1/sites/<key>/wall", "wall", lambda key: conditional("wall"))
    floor.add_url_rule("/api/v1/sites/<key>/views", "views", lambda key: ("", 204), methods=["POST"])
    floor.add_url_rule(
        "/api/v1/sites/<key>/responses", "create", lambda key: ({"id": 1, "token": "t"}, 201), methods=["POST"]
    )
    floor.add_url_rule("/api/v1/responses/<int:id>", "update", lambda id: {"id": id}, methods=["PATCH"])
    floor.add_url_rule("/api/v1/moderation/testimonials", "queue", lambda: {"testimonials": []})
    return floor


class Browser:
    """One visitor: a connection, and an HTTP cache of ETags."""

    def __init__(self, base: str):
        parsed = urllib.parse.urlsplit(base)
        self.connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        self.etags: dict[str, str] = {}
        self.requests = self.uncacheable = self.errors = self.answer_writes = 0
        self.latencies: list[float] = []

    def call(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        headers = {"Origin": ORIGIN, **(headers or {})}
        if method == "GET" and path in self.etags:
            headers["If-None-Match"] = self.etags[path]
        data = json.dumps(body).encode() if body is not None else None
        if data is not None:
            headers.setdefault("Content-Type", "application/json")
        started = time.perf_counter()
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        payload = response.read()
        self.latencies.append(time.perf_counter() - started)
        self.requests += 1
        # What no cache could have answered: writes, and revalidations of a copy that changed.
        # (A first fetch is cold, not uncacheable: a CDN would answer it.)
        if method != "GET" or (response.status != 304 and "If-None-Match" in headers):
            self.uncacheable += 1
        if response.status >= 400:
            self.errors += 1
        if method in ("POST", "PATCH") and response.status in (200, 201) and "/views" not in path:
            self.answer_writes += 1  # an answer, its words or a moderation: one commit each
        if method == "GET" and response.getheader("ETag"):
            self.etags[path] = response.getheader("ETag")
        return response.status, payload

    def page_view(self, key: str, answering: bool, with_wall: bool) -> None:
        self.call("GET", "/widget.js")
        self.call("GET", f"/api/v1/sites/{key}/config?lang=en")
        self.call("POST", f"/api/v1/sites/{key}/views", {"touchpoint": "blog"}, {"Content-Type": "text/plain"})
        if with_wall:
            self.call("GET", f"/api/v1/sites/{key}/wall")
        if answering:
            status, payload = self.call("POST", f"/api/v1/sites/{key}/responses", {"score": 10})
            if status == 201:
                created = json.loads(payload)
                self.call(
                    "PATCH",
                    f"/api/v1/responses/{created['id']}",
                    {"why": "Clear, quick and kind.", "consent": True, "consent_version": 1},
                    {"Authorization": f"Bearer {created['token']}"},
                )


def moderate(base: str, token: str, stop: threading.Event) -> None:
    """Approve the oldest pending testimonial, once a minute."""
    browser = Browser(base)
    auth = {"Authorization": f"Bearer {token}"}
    while True:
        status, payload = browser.call("GET", "/api/v1/moderation/testimonials?status=pending&limit=1", headers=auth)
        pending = json.loads(payload).get("testimonials", []) if status == 200 else []
        if pending:
            browser.call("POST", f"/api/v1/moderation/testimonials/{pending[0]['id']}/approve", headers=auth)
        if stop.wait(60):
            return


def run(base: str, keys: list[str], token: str, seconds: float, visitors: int, commits: Path) -> dict:
    stop = threading.Event()
    counts = {"views": 0, "repeat_views": 0, "repeat_uncacheable": 0, "requests": 0, "errors": 0, "writes": 0}
    counts["latencies"] = []
    lock = threading.Lock()

    def visit(seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            browser, key = Browser(base), rng.choice(keys)  # a new visitor of one of the sites
            for n in range(rng.randint(2, 8)):  # who reads a few pages there
                if stop.is_set():
                    break
                before = browser.uncacheable
                answering = rng.random() < 0.02
                browser.page_view(key, answering, rng.random() < 0.30)
                with lock:
                    counts["views"] += 1
                    if n > 0 and not answering:
                        counts["repeat_views"] += 1
                        counts["repeat_uncacheable"] += browser.uncacheable - before
            with lock:
                counts["requests"] += browser.requests
                counts["errors"] += browser.errors
                counts["writes"] += browser.answer_writes
                counts["latencies"] += browser.latencies
            browser.connection.close()

    warm = Browser(base)  # each site's first config publishes its consent texts, once
    for key in keys:
        warm.call("GET", f"/api/v1/sites/{key}/config?lang=en")
    moderator = threading.Thread(target=moderate, args=(base, token, stop), daemon=True)
    moderator.start()
    threads = [threading.Thread(target=visit, args=(n,)) for n in range(visitors)]
    start_commits = commits.stat().st_size if commits.exists() else 0
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    counts["commits"] = (commits.stat().st_size if commits.exists() else 0) - start_commits
    counts["elapsed"] = elapsed
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--visitors", type=int, default=16, help="concurrent visitors (client threads)")
    parser.add_argument("--floor", action="store_true", help="the same run against a bare app, after")
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = instance_env(tmp, args.database_url, args.redis_url)
        seeded = json.loads(run_python(env, SEED, str(SITES)).strip().splitlines()[-1])
        commits = Path(tmp) / "commits"
        env = {**env, "PAGEVIEW_COMMITS": str(commits), "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}"}
        with gunicorn("pageview:counted_app()", env, cwd=ROOT / "bench") as base:
            counts = run(base, seeded["keys"], seeded["token"], args.seconds, args.visitors, commits)
        if args.floor:
            with gunicorn("pageview:floor_app()", env, cwd=ROOT / "bench") as base:
                floor = run(base, seeded["keys"], "t", args.seconds, args.visitors, Path(tmp) / "none")
        views, repeats = counts["views"], counts["repeat_views"]
        # gunicorn has stopped its workers: what they counted and had not flushed went at exit.
        stored = int(run_python(env, COUNTED_VIEWS, json.dumps(seeded["keys"])).strip().splitlines()[-1])
        latencies = sorted(counts["latencies"])
        p99 = latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0
        rest = counts["commits"] - counts["writes"]
        print(f"page views               {views} in {counts['elapsed']:.1f} s = {views / counts['elapsed']:.0f}/s")
        print(
            f"requests per page view   {counts['requests'] / views:.2f}  (p99 {p99:.1f} ms, median "
            f"{statistics.median(latencies) * 1000:.1f} ms, {counts['errors']} errors)"
        )
        print(
            f"commits per page view    {counts['commits'] / views:.4f}  ({counts['commits']} commits: "
            f"{counts['writes']} answers, words and approvals, one each; the {rest} others "
            f"= {rest / views:.4f} per page view)"
        )
        if args.floor:
            rate, floor_rate = views / counts["elapsed"], floor["views"] / floor["elapsed"]
            print(f"floor                    {floor_rate:.0f} page views/s: Plaudit at {rate / floor_rate:.2f} of it")
        print(f"views stored             {stored} of {views} beacons sent")
        print(
            f"uncacheable requests per repeat page view  {counts['repeat_uncacheable'] / max(repeats, 1):.3f}"
            f"  ({repeats} repeat page views without an answer)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
