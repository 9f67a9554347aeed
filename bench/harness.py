"""Shared by the throughput benches: a throwaway SQLite instance, gunicorn servers, wrk runs."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def require_wrk() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")


def instance_env(tmp: str, database_url: str | None = None, redis_url: str | None = None) -> dict:
    """Environment of a fresh instance: its own database (SQLite by default), no rate limits,
    Redis only when given."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url or f"sqlite:///{tmp}/bench.sqlite3",
        "SECRET_KEY": "bench",
        "FLASK_RATELIMIT_ENABLED": "false",
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    flask_cli(env, "db", "upgrade")
    return env


def flask_cli(env: dict, *args: str) -> str:
    """`flask --app app ARGS…` against the instance `env` describes; what it printed."""
    return run(env, str(VENV_BIN / "flask"), "--app", "app", *args)


def run_python(env: dict, script: str, *args: str) -> str:
    """A Python snippet run against the instance `env` describes (the app importable); its output."""
    return run(env, str(VENV_BIN / "python"), "-c", script, *args)


def run(env: dict, *command: str) -> str:
    return subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout


def create_site(env: dict, name: str, origin: str) -> dict:
    """A new site of the instance, as `flask site create --json` describes it."""
    return json.loads(flask_cli(env, "site", "create", "--name", name, "--origin", origin, "--json"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(port: int) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answered, even if with a 404
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server on port {port} did not start")


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict, cwd: Path = ROOT, workers: int = 2):
    """Serve `app_spec` with gunicorn on a free loopback port; yield its base URL."""
    with gunicorn_process(app_spec, env, cwd, workers) as (url, _):
        yield url


def proc_stat(pid: int | str) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state, parent, … user and system
    time at 11 and 12); None once the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def worker_pids(master_pid: int) -> list[int]:
    """The gunicorn workers: the master's children, read from /proc."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        fields = proc_stat(stat.parent.name)
        if fields is not None and int(fields[1]) == master_pid:
            pids.append(int(stat.parent.name))
    return pids


@contextlib.contextmanager
def gunicorn_process(app_spec: str, env: dict, cwd: Path = ROOT, workers: int = 2):
    """Like gunicorn(), yielding (base URL, the master's Popen)."""
    port = free_port()
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app_spec,
        ],
        cwd=cwd,
        env=env,
    )
    try:
        _wait_until_up(port)
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.terminate()
        server.wait(timeout=40)  # gunicorn's graceful stop takes up to 30 s


def wrk(url: str, seconds: int, connections: int, lua: str | None = None, tmp: str = "/tmp") -> dict:
    """Drive `url` with wrk; return requests per second, latency percentiles and failures."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if lua:
        script = Path(tmp) / f"wrk-{abs(hash(lua))}.lua"
        script.write_text(lua)
        args += ["-s", str(script)]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1),
        "p99": re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1),
        "non_2xx": int(bad.group(1)) if bad else 0,
    }


def interleaved(targets: dict[str, tuple[str, str | None]], seconds: int, connections: int, tmp: str, rounds: int):
    """wrk every target in turn, `rounds` times over, `seconds` each; per target, the round with the
    median requests per second. Taking turns spreads the shared machine's slow and fast moments
    over every target alike, so their ratios hold better than with one long run after another."""
    runs: dict[str, list[dict]] = {name: [] for name in targets}
    for _ in range(rounds):
        for name, (url, lua) in targets.items():
            runs[name].append(wrk(url, seconds, connections, lua, tmp))
    results = {}
    for name, measured in runs.items():
        ordered = sorted(measured, key=lambda r: r["rps"])
        results[name] = {**ordered[len(ordered) // 2], "non_2xx": sum(r["non_2xx"] for r in measured)}
    return results


def print_table(results: dict) -> None:
    print(f"{'endpoint':<40}{'req/s':>10}{'p50':>10}{'p99':>10}{'non-2xx/3xx':>12}")
    for name, r in results.items():
        print(f"{name:<40}{r['rps']:>10.0f}{r['p50']:>10}{r['p99']:>10}{r['non_2xx']:>12}")


def gzip_report(parts: dict[str, bytes], budget: int) -> bool:
    """Print each part's size and gzip -9 size, the total against the budget; True when within."""
    import gzip

    total = 0
    print(f"{'part':<16}{'bytes':>8}{'gzip':>8}")
    for name, body in parts.items():
        size = len(gzip.compress(body, 9))
        total += size
        print(f"{name:<16}{len(body):>8}{size:>8}")
    print(f"{'total':<16}{'':>8}{total:>8}   budget {budget} ({total / budget:.0%} of it)")
    return total <= budget


@contextlib.contextmanager
def site_in_memory(seed=None):
    """An app on a throwaway SQLite file with one site ("My blog"); `seed(site)` may add rows.
    Yields a test client and the site's key, inside the app's context."""
    import tempfile

    sys.path.insert(0, str(ROOT))
    from app import create_app
    from extensions import db
    from models import Site

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3", "TESTING": True})
        with app.app_context():
            db.create_all()
            site = Site(name="My blog", origins=["https://blog.example"])
            db.session.add(site)
            db.session.flush()
            if seed:
                seed(site)
            db.session.commit()
            yield app.test_client(), site.key
