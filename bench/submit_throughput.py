"""Submit throughput: POST /api/v1/sites/KEY/responses under gunicorn (2 workers, SQLite),
as a ratio to a minimal Flask JSON endpoint served the same way, measured in the same run.

    .venv/bin/python bench/submit_throughput.py [--seconds 10] [--connections 16]

Needs wrk (Debian package `wrk`). Both servers run on loopback, one after the other, with
rate limiting off (FLASK_RATELIMIT_ENABLED=false) so the limiter does not cap the figure. The
machine is shared and noisy: read the ratio, not the absolute numbers. Target: ratio >= 0.4.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
ORIGIN = "http://bench.example"
TARGET = 0.4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(port: int) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)  # noqa: S310  (loopback only)
            return
        except urllib.error.HTTPError:
            return  # it answered, even if with a 404
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server on port {port} did not start")


def gunicorn(app_spec: str, port: int, env: dict, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app_spec,
        ],
        cwd=cwd,
        env=env,
    )


def wrk(url: str, lua: Path, seconds: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(lua), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
    return {"rps": rps, "non_2xx": int(bad.group(1)) if bad else 0, "p50": p50, "p99": p99}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")

    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "SECRET_KEY": "bench",
            "FLASK_RATELIMIT_ENABLED": "false",
        }
        env.pop("REDIS_URL", None)
        flask = [str(VENV_BIN / "flask"), "--app", "app"]
        subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        created = subprocess.run(
            [*flask, "site", "create", "--name", "Bench", "--origin", ORIGIN, "--json"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        key = json.loads(created.stdout)["key"]
        lua = Path(tmp) / "post.lua"
        lua.write_text(
            'wrk.method = "POST"\n'
            'wrk.body = \'{"score": 9, "touchpoint": "bench", "page_url": "http://bench.example/post"}\'\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.headers["Origin"] = "{ORIGIN}"\n'
        )

        results = {}
        for name, spec, cwd, path in (
            ("minimal Flask JSON endpoint", "minimal_app:app", ROOT / "bench", "/minimal"),
            ("POST /responses (SQLite)", "app:create_app()", ROOT, f"/api/v1/sites/{key}/responses"),
        ):
            port = free_port()
            server = gunicorn(spec, port, env, cwd)
            try:
                wait_until_up(port)
                results[name] = wrk(f"http://127.0.0.1:{port}{path}", lua, args.seconds, args.connections)
            finally:
                server.terminate()
                server.wait(timeout=10)

    print(f"{'endpoint':<32}{'req/s':>10}{'p50':>10}{'p99':>10}{'non-2xx':>9}")
    for name, r in results.items():
        print(f"{name:<32}{r['rps']:>10.0f}{r['p50']:>10}{r['p99']:>10}{r['non_2xx']:>9}")
    minimal, submit = results.values()
    ratio = submit["rps"] / minimal["rps"]
    print(f"ratio submit / minimal: {ratio:.2f} (target >= {TARGET})")
    return 0 if ratio >= TARGET and submit["non_2xx"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
