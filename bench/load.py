"""Mixed traffic against gunicorn (2 workers) for a fixed time, on SQLite and on PostgreSQL.

    .venv/bin/python bench/load.py [--seconds 60] [--connections 64] [--database-url URL] [--redis-url URL]

Mix: widget config 40 %, submit 20 %, complete 10 %, wall data 20 %, badge 10 %; each request from
a different visitor address (X-Forwarded-For behind PLAUDIT_PROXY_COUNT=1), so the rate limiter
works as in production without throttling the bench. Verdict: no 5xx, no "database is locked",
and every answer acknowledged with 201 is in the database afterwards.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from harness import create_site, gunicorn, instance_env, run_python
from traffic import ORIGIN, drive

COUNT = """
import json, sys
from app import create_app
from extensions import db
from models import Response
app = create_app()
with app.app_context():
    wanted = set(json.load(open(sys.argv[1])))
    found = set(db.session.execute(db.select(Response.id).where(Response.id.in_(wanted))).scalars()) if wanted else set()
    print(len(wanted), len(found))
"""


def count_stored(env: dict, ids: list[int], tmp: str) -> tuple[int, int]:
    """How many of the acknowledged answer ids there were, and how many the database holds."""
    path = Path(tmp) / "ids.json"
    path.write_text(json.dumps(ids))
    wanted, found = run_python(env, COUNT, str(path)).split()
    return int(wanted), int(found)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = instance_env(tmp, args.database_url, args.redis_url)
        env.pop("FLASK_RATELIMIT_ENABLED")  # the limiter works, as in production
        env["PLAUDIT_PROXY_COUNT"] = "1"
        key = create_site(env, "Load", ORIGIN)["key"]
        log = Path(tmp) / "gunicorn.log"
        with gunicorn("app:create_app()", {**env, "GUNICORN_CMD_ARGS": f"--error-logfile {log}"}) as url:
            results = drive(url, key, args.seconds, args.connections)
        wanted, found = count_stored(env, results.created, tmp)
        locked_in_log = "database is locked" in log.read_text()
    print(f"database: {args.database_url or 'SQLite (WAL)'}; {args.connections} connections for {args.seconds:.0f} s")
    print(results.table(args.seconds))
    verdicts = {
        "no 5xx": results.server_errors() == 0,
        'no "database is locked"': results.bodies_with_locked == 0 and not locked_in_log,
        f"every 201 in the database ({found:,} of {wanted:,})": found == wanted,
    }
    for name, ok in verdicts.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
