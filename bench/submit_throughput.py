"""Submit throughput: POST /api/v1/sites/KEY/responses under gunicorn (2 workers, SQLite),
as a ratio to a minimal Flask JSON endpoint served the same way, measured in the same run.

    .venv/bin/python bench/submit_throughput.py [--seconds 4] [--rounds 3] [--connections 16]
        [--database-url URL] [--redis-url URL] [--floor]

Needs wrk (Debian package `wrk`). Both servers run at once on loopback, with rate limiting off
(FLASK_RATELIMIT_ENABLED=false) so the limiter does not cap the figure, and wrk takes turns
between them, several rounds over; each figure is the median round (bench/harness.py). Every
request is a new visitor's answer, so each one is stored and counted. The machine is shared and
noisy: read the ratio, not the absolute numbers. Targets: ratio >= 0.4 on SQLite, >= 0.3 on
PostgreSQL. `--floor` adds a third server, bench/floor_app.py: the same write done by a bare view
(one statement, no validation, limiter or ORM), what this stack gets on this machine at best
without batching writes, and the submit's ratio to it.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile

from harness import ROOT, create_site, gunicorn, instance_env, interleaved, print_table, require_wrk

ORIGIN = "http://bench.example"
TARGETS = {"sqlite": 0.4, "postgresql": 0.3}


def new_visitors_lua(origin: str) -> str:
    """wrk's script: every request is a new visitor with a score drawn at random, as on a real
    page: each answer is counted (a rollup row updated), none is a cheaper repeat. wrk runs each
    thread in its own Lua state and starts it afresh every turn, so the visitor's name and the
    random seed carry the thread and the second it started in."""
    return (
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Origin"] = "{origin}"\n'
        "local threads = 0\n"
        "setup = function(thread) threads = threads + 1; thread:set('tid', threads) end\n"
        "init = function(args)\n"
        "  prefix = os.time() .. '-' .. tid .. '-'; counter = 0; math.randomseed(os.time() * 100 + tid)\n"
        "end\n"
        "request = function()\n"
        "  counter = counter + 1\n"
        '  wrk.headers["User-Agent"] = "visitor-" .. prefix .. counter\n'
        "  return wrk.format(nil, nil, nil, '{\"score\": ' .. math.random(0, 10) .."
        ' \', "touchpoint": "bench", "page_url": "http://bench.example/post"}\')\n'
        "end\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=4, help="per turn")
    parser.add_argument("--rounds", type=int, default=3, help="turns each endpoint takes")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database-url", help="e.g. postgresql://postgres@127.0.0.1/plaudit_bench (default: SQLite)")
    parser.add_argument("--redis-url", help="shared rate limits and caches, as in production with PostgreSQL")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also measure bench/floor_app.py, the least a view could do for the same write",
    )
    args = parser.parse_args()
    require_wrk()
    with tempfile.TemporaryDirectory() as tmp:
        env = instance_env(tmp, args.database_url, args.redis_url)
        site = create_site(env, "Bench", ORIGIN)
        post = new_visitors_lua(ORIGIN)
        with contextlib.ExitStack() as servers:
            minimal_url = servers.enter_context(gunicorn("minimal_app:app", env, cwd=ROOT / "bench"))
            url = servers.enter_context(gunicorn("app:create_app()", env))
            targets = {
                "minimal Flask JSON endpoint (POST)": (minimal_url + "/minimal", post),
                "POST /responses": (f"{url}/api/v1/sites/{site['key']}/responses", post),
            }
            if args.floor:
                floor_url = servers.enter_context(gunicorn("floor_app:app", env, cwd=ROOT / "bench"))
                targets["floor: bare view, same write"] = (f"{floor_url}/floor/{site['key']}", post)
            results = interleaved(targets, args.seconds, args.connections, tmp, args.rounds)
    print_table(results)
    minimal, submit = results["minimal Flask JSON endpoint (POST)"], results["POST /responses"]
    ratio = submit["rps"] / minimal["rps"]
    target = TARGETS["postgresql" if args.database_url else "sqlite"]
    if args.floor:
        floor = results["floor: bare view, same write"]["rps"]
        print(f"ratio floor / minimal: {floor / minimal['rps']:.2f} (a bare view doing this write, on this machine)")
        print(f"ratio submit / floor: {submit['rps'] / floor:.2f} (what Plaudit's framework and rules leave of it)")
        print(f"the target asks for {target * minimal['rps'] / floor:.2f} of the bare view's rate on this machine")
    print(f"ratio submit / minimal: {ratio:.2f} (target >= {target})")
    return 0 if ratio >= target and submit["non_2xx"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
