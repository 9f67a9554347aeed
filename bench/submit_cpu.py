"""Where a submit's CPU goes: per request, the CPU time of the gunicorn workers, the database
server, Redis and wrk, for Plaudit's submit, the bare view of bench/floor_app.py and the minimal
Flask endpoint, each served alone (gunicorn, 2 workers) and driven by wrk with new visitors'
answers (the script of bench/submit_throughput.py).

    .venv/bin/python bench/submit_cpu.py [--seconds 8] [--database-url URL] [--redis-url URL]

CPU times are read from /proc (user + system) before and after each run and divided by the
requests served: they show what each party costs a request, which throughput ratios alone do not.
What the kernel spends on loopback traffic outside these processes is not counted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import subprocess
import tempfile
from pathlib import Path

from harness import ROOT, create_site, gunicorn_process, instance_env, proc_stat, require_wrk, worker_pids
from submit_throughput import ORIGIN, new_visitors_lua

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = proc_stat(pid)
    return 0.0 if fields is None else (int(fields[11]) + int(fields[12])) / TICKS


def pids_of(command: str) -> list[int]:
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError):  # gone since it was listed
            if comm.read_text().strip().startswith(command):
                pids.append(int(comm.parent.name))
    return pids


def measure(url: str, servers: dict[str, str | None], workers: list[int], seconds: int, script: str) -> dict:
    """Per request, in milliseconds of CPU, for the workers, each server (by command name) and
    wrk; and the requests per second."""
    # Warm up first: the workers open their connections, and the database its backend processes.
    subprocess.run(["wrk", "-t2", "-c16", "-d2s", "-s", script, url], capture_output=True, check=True)
    parties = {"workers": workers, **{name: pids_of(command) if command else [] for name, command in servers.items()}}
    before = {name: sum(map(cpu_seconds, pids)) for name, pids in parties.items()}
    run = subprocess.Popen(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "-s", script, url], stdout=subprocess.PIPE, text=True
    )
    _, _, usage = os.wait4(run.pid, 0)
    out = run.stdout.read()
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    figures = {name: 1000 * (sum(map(cpu_seconds, pids)) - before[name]) / requests for name, pids in parties.items()}
    figures["wrk"] = 1000 * (usage.ru_utime + usage.ru_stime) / requests
    figures["req/s"] = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--database-url", help="e.g. postgresql://postgres@127.0.0.1/plaudit_bench (default: SQLite)")
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    require_wrk()
    with tempfile.TemporaryDirectory() as tmp:
        env = instance_env(tmp, args.database_url, args.redis_url)
        key = create_site(env, "Bench", ORIGIN)["key"]
        script = Path(tmp) / "new-visitors.lua"
        script.write_text(new_visitors_lua(ORIGIN))
        servers = {
            "POST /responses": ("app:create_app()", ROOT, f"/api/v1/sites/{key}/responses"),
            "floor: bare view, same write": ("floor_app:app", ROOT / "bench", f"/floor/{key}"),
            "minimal Flask JSON endpoint": ("minimal_app:app", ROOT / "bench", "/minimal"),
        }
        # SQLite runs inside the workers; PostgreSQL and Redis in processes of their own.
        used = {
            "database": "postgres" if args.database_url else None,
            "redis": "redis-server" if args.redis_url else None,
        }
        print(f"{'ms of CPU per request':<32}{'workers':>9}{'database':>10}{'redis':>7}{'wrk':>7}{'req/s':>8}")
        for name, (spec, cwd, path) in servers.items():
            with gunicorn_process(spec, env, cwd) as (url, master):
                f = measure(url + path, used, worker_pids(master.pid), args.seconds, str(script))
            print(
                f"{name:<32}{f['workers']:>9.2f}{f['database']:>10.2f}{f['redis']:>7.2f}{f['wrk']:>7.2f}{f['req/s']:>8.0f}"
            )


if __name__ == "__main__":
    main()
