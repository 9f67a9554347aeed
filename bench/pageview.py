"""Page views, the traffic an instance serves most, against real gunicorns (2 workers each).

    .venv/bin/python bench/pageview.py --floor --off all [--seconds 3] [--rounds 6] [--visitors 16]
    .venv/bin/python bench/pageview.py --database-url postgresql://postgres@127.0.0.1:5432/plaudit_bench \
        --redis-url redis://127.0.0.1:6379/14

50 sites, visitors spread over them, each a browser with its own HTTP cache and one keep-alive
connection. A page view fetches widget.js and the config (unconditionally the first time,
conditionally after: the worst case, every repeat visit after the cached copies went stale),
sends the view beacon, and on 30 % of pages fetches the wall data (conditionally after the
first); 2 % of page views answer (POST, then PATCH with words and consent); a moderator approves
one pending testimonial a minute (of each server's running time) through the API. Rate limiting
is on, as deployed, with limits the bench cannot reach.

The app is served with everything on, and once more with each cache or shortcut off (`--off
NAME`, or `all`: SWITCHES below), and with --floor a bare Flask app answering the same requests
from constants; all at once, each on its own database, taking turns for `--seconds`, `--rounds`
times over, so that the shared machine's slow and fast moments fall on each alike. Per server:
page views per second (its median turn; the client is Python on the same cores as the servers,
so read it as a lower bound, and the ratios rather than the rates), the workers' CPU per page
view (steadier than rates on a busy machine), requests per page view, p99, database commits per
page view (every commit of the workers, counted by an engine listener, flushes of view counts
included) and, per repeat page view, the requests that no cache could answer: writes (the beacon)
and revalidations answered 200 because the copy changed (a first fetch is cold, not uncacheable:
a CDN answers it); then whether every beacon's view was stored once gunicorn stopped.

Targets: commits <= 0.03 per page view; at most one uncacheable request per repeat page view
(the beacon); page views per second >= 0.5 of the floor on SQLite. A cache or shortcut stays only
while it earns 20 % or more (README, Performance).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from harness import ROOT, gunicorn_process, instance_env, proc_stat, run_python, worker_pids

SITES = 50
TICKS = os.sysconf("SC_CLK_TCK")
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


# Each cache or shortcut, and how the bench turns it off in an app of its own (counted_app), to
# measure what it earns in the same run: settings (environment), or a change made after the
# factory, as if the code were not there.
SWITCHES = {
    "memo": "the Memo caches of sites, webhooks, public states and consent versions",
    "generation": "core/generation.py (no generation: no Memo, nothing announced)",
    "view-batching": "batched view counts (each beacon's view committed at once)",
}
SETTINGS_OFF = {"generation": {"FLASK_PLAUDIT_STATE_CACHE": "false"}}


def switch_off(app, switch: str) -> None:
    """Turn one cache or shortcut off in `app`, as if its code were not there."""
    from core import consent, rollups, sites, wall

    if switch == "memo":
        for memo in (sites._sites, sites._webhooks, wall._states, wall._site_ids, consent._versions):
            memo.get = lambda *_args: None
    elif switch == "view-batching":
        counts = app.extensions["plaudit_views"]
        add = counts.add

        def add_and_commit(key):
            add(key)
            rollups.flush_views()

        counts.add = add_and_commit


def counted_app():
    """The app, with every database commit of this worker appended as one byte to a file the
    bench reads (the file's size is the number of commits of all workers), and the switch named
    by PAGEVIEW_OFF turned off."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import event

    from app import create_app
    from extensions import db

    app = create_app()
    if os.environ.get("PAGEVIEW_OFF"):
        switch_off(app, os.environ["PAGEVIEW_OFF"])
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


def moderate(target: Target, stop: threading.Event) -> None:
    """Approve the oldest pending testimonial, once a minute of this server's running time (its
    clock runs only during its turns)."""
    browser, began, clock = Browser(target.base), time.perf_counter(), target.clock
    auth = {"Authorization": f"Bearer {target.token}"}
    while not stop.wait(max(target.next_approval - clock - (time.perf_counter() - began), 0)):
        status, payload = browser.call("GET", "/api/v1/moderation/testimonials?status=pending&limit=1", headers=auth)
        pending = json.loads(payload).get("testimonials", []) if status == 200 else []
        if pending:
            browser.call("POST", f"/api/v1/moderation/testimonials/{pending[0]['id']}/approve", headers=auth)
        target.next_approval = clock + (time.perf_counter() - began) + 60


def run(target: Target, seconds: float, visitors: int) -> dict:
    """One turn of the mix against one server: what its visitors did, and its commits."""
    stop = threading.Event()
    counts = {"views": 0, "repeat_views": 0, "repeat_uncacheable": 0, "requests": 0, "errors": 0, "writes": 0}
    counts["latencies"] = []
    lock = threading.Lock()

    def visit(seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            browser, key = Browser(target.base), rng.choice(target.keys)  # a new visitor of one of the sites
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

    moderator = threading.Thread(target=moderate, args=(target, stop), daemon=True)
    moderator.start()
    threads = [threading.Thread(target=visit, args=(target.seed + n,)) for n in range(visitors)]
    start_commits = target.commits.stat().st_size if target.commits.exists() else 0
    start_cpu = target.cpu()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    counts["cpu"] = target.cpu() - start_cpu
    moderator.join()
    target.clock += elapsed
    target.seed += 1000
    counts["commits"] = (target.commits.stat().st_size if target.commits.exists() else 0) - start_commits
    counts["elapsed"] = elapsed
    return counts


class Target:
    """A server of the run: the app with everything on, with one switch off, or the floor."""

    def __init__(self, name: str, keys: list[str], token: str, commits: Path):
        self.name, self.keys, self.token, self.commits = name, keys, token, commits
        self.base, self.pids = "", []
        self.clock = self.next_approval = 0.0  # seconds of its turns; approvals follow them
        self.seed = 0
        self.turns: list[dict] = []

    def cpu(self) -> float:
        """Seconds of CPU its workers used so far (user and system, every thread)."""
        stats = [proc_stat(pid) for pid in self.pids]
        return sum((int(f[11]) + int(f[12])) / TICKS for f in stats if f is not None)

    def serve(self, servers: contextlib.ExitStack, app_spec: str, env: dict) -> None:
        self.base, master = servers.enter_context(gunicorn_process(app_spec, env, ROOT / "bench"))
        self.pids = worker_pids(master.pid)


def summary(target: Target) -> dict:
    """The target's turns: page views/s of its median turn; the other figures over all turns."""
    turns = target.turns
    rates = sorted(turn["views"] / turn["elapsed"] for turn in turns)
    total = {name: sum(turn[name] for turn in turns) for name in turns[0] if name != "latencies"}
    latencies = sorted(latency for turn in turns for latency in turn["latencies"])
    views = max(total["views"], 1)
    return {
        "rate": rates[len(rates) // 2],
        "cpu": total["cpu"] / views * 1000,  # ms of the workers' CPU per page view
        "rates": rates,
        "views": total["views"],
        "requests": total["requests"] / views,
        "p99": latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0,
        "errors": total["errors"],
        "commits": total["commits"] / views,
        "other_commits": (total["commits"] - total["writes"]) / views,
        "writes": total["writes"],
        "repeat_uncacheable": total["repeat_uncacheable"] / max(total["repeat_views"], 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5, help="per turn")
    parser.add_argument("--rounds", type=int, default=3, help="turns each server takes")
    parser.add_argument("--visitors", type=int, default=16, help="concurrent visitors (client threads)")
    parser.add_argument("--floor", action="store_true", help="a bare app answering the same requests, too")
    parser.add_argument(
        "--off",
        action="append",
        default=[],
        choices=[*SWITCHES, "all"],
        help="also serve the app with this switched off (repeatable; all: each in turn)",
    )
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    switches = list(SWITCHES) if "all" in args.off else list(dict.fromkeys(args.off))
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as servers:
        targets, envs = {}, {}
        for name in ["all on", *switches]:
            folder = Path(tmp) / name.replace(" ", "-")
            folder.mkdir()
            # Each server its own database (SQLite) or its own sites (a database given).
            env = instance_env(str(folder), args.database_url, args.redis_url)
            # Rate limiting on, as deployed, with limits no visitor of the bench reaches (they all
            # come from one address): what the limiter costs every request is part of the figure.
            env.update(
                {
                    "FLASK_RATELIMIT_ENABLED": "true",
                    "FLASK_PLAUDIT_SUBMIT_LIMIT": "1000000/minute",
                    "FLASK_PLAUDIT_COMPLETE_LIMIT": "1000000/minute",
                    **SETTINGS_OFF.get(name, {}),
                }
            )
            seeded = json.loads(run_python(env, SEED, str(SITES)).strip().splitlines()[-1])
            target = targets[name] = Target(name, seeded["keys"], seeded["token"], folder / "commits")
            envs[name] = {
                **env,
                "PAGEVIEW_COMMITS": str(target.commits),
                "PAGEVIEW_OFF": "" if name == "all on" else name,
                "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}",
            }
            target.serve(servers, "pageview:counted_app()", envs[name])
        if args.floor:
            floor = targets["floor"] = Target("floor", targets["all on"].keys, "t", Path(tmp) / "none")
            floor.serve(servers, "pageview:floor_app()", envs["all on"])
        for target in targets.values():
            warm = Browser(target.base)  # each site's first config publishes its consent texts, once
            for key in target.keys:
                warm.call("GET", f"/api/v1/sites/{key}/config?lang=en")
        # Servers take turns, round after round: the shared machine's slow and fast moments fall
        # on every one of them alike, so their ratios hold better than their rates.
        for _ in range(args.rounds):
            for target in targets.values():
                target.turns.append(run(target, args.seconds, args.visitors))
        results = {name: summary(target) for name, target in targets.items()}
        report(results, args)
        servers.close()  # gunicorn stops its workers: what they counted and had not flushed goes at exit
        print("views stored once gunicorn stopped, of beacons sent:")
        for name, target in targets.items():
            if name != "floor":
                stored = run_python(envs[name], COUNTED_VIEWS, json.dumps(target.keys)).strip().splitlines()[-1]
                print(f"  {name:<16}{stored} of {results[name]['views']}")
    return 0


def report(results: dict, args) -> None:
    on = results["all on"]
    print(f"{args.rounds} turns of {args.seconds:g} s each, {args.visitors} visitors, {SITES} sites per server")
    print(
        f"{'server':<16}{'views/s':>9}{'÷ all on':>10}{'turns':>18}{'CPU ms/view':>12}{'÷ all on':>10}"
        f"{'req/view':>10}{'p99 ms':>8}"
        f"{'commits/view':>14}{'(others)':>10}{'uncacheable':>13}{'errors':>8}"
    )
    for name, r in results.items():
        turns = "–".join(f"{rate:.0f}" for rate in (r["rates"][0], r["rates"][-1]))
        commits = f"{r['commits']:>14.4f}{r['other_commits']:>10.4f}" if name != "floor" else f"{'':>24}"
        print(
            f"{name:<16}{r['rate']:>9.0f}{r['rate'] / on['rate']:>10.2f}{turns:>18}{r['cpu']:>12.2f}"
            f"{r['cpu'] / on['cpu']:>10.2f}{r['requests']:>10.2f}"
            f"{r['p99']:>8.1f}{commits}{r['repeat_uncacheable']:>13.3f}"
            f"{r['errors']:>8}"
        )
    print("uncacheable: per repeat page view without an answer (the beacon, and revalidations answered 200)")
    if "floor" in results:
        print(f"all on at {on['rate'] / results['floor']['rate']:.2f} of the floor (target >= 0.5 on SQLite)")
    for name, r in results.items():
        if name not in ("all on", "floor"):
            gain, saved = on["rate"] / r["rate"] - 1, 1 - on["cpu"] / r["cpu"]
            print(
                f"  {SWITCHES[name]}: {gain:+.0%} page views/s, {saved:+.0%} of the workers' CPU per page view "
                f"saved; commits per page view {r['commits']:.4f} without it"
            )


if __name__ == "__main__":
    sys.exit(main())
