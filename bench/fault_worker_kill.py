"""Fault: a gunicorn worker is killed with SIGKILL under load.

    .venv/bin/python bench/fault_worker_kill.py [--seconds 30] [--connections 32] [--database-url URL]

Verdict: every answer acknowledged with 201 is in the database (requests the dead worker was
serving get no answer — the client retries them — but nothing that was acknowledged is lost),
the master starts a new worker, and the service keeps answering during and after.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import threading
import time
import urllib.request

from harness import create_site, gunicorn_process, instance_env, worker_pids
from load import count_stored
from traffic import ORIGIN, drive


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = instance_env(tmp, args.database_url)
        env["PLAUDIT_PROXY_COUNT"] = "1"
        key = create_site(env, "Load", ORIGIN)["key"]
        with gunicorn_process("app:create_app()", env) as (url, master):
            before = worker_pids(master.pid)
            killed: list[int] = []

            def kill_one():
                time.sleep(args.seconds / 3)
                victim = worker_pids(master.pid)[0]
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

            threading.Thread(target=kill_one).start()
            results = drive(url, key, args.seconds, args.connections)
            time.sleep(1)
            after = worker_pids(master.pid)
            with urllib.request.urlopen(url + "/healthz", timeout=5) as answer:
                healthy = answer.status == 200
        wanted, found = count_stored(env, results.created, tmp)
    print(f"workers before {before}, killed {killed}, after {after}")
    print(results.table(args.seconds))
    unanswered = sum(results.errors.values())
    verdicts = {
        f"every 201 in the database ({found:,} of {wanted:,})": found == wanted,
        "a new worker replaced the killed one": len(after) == len(before) and killed and killed[0] not in after,
        "the service answers afterwards (/healthz 200)": healthy,
        "no 5xx": results.server_errors() == 0,
    }
    print(f"requests cut off by the kill (no answer; a client would retry): {unanswered}")
    for name, ok in verdicts.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
