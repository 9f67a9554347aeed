"""A mixed-traffic driver for the load and fault benches: many keep-alive connections on
loopback, each a visitor or a page doing what real ones do, with per-endpoint latencies."""

from __future__ import annotations

import http.client
import json
import random
import statistics
import threading
import time
from collections import defaultdict
from urllib.parse import urlsplit

ORIGIN = "http://bench.example"
MIX = (("config", 40), ("submit", 20), ("complete", 10), ("wall", 20), ("badge", 10))


class Results:
    def __init__(self):
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.errors: dict[str, int] = defaultdict(int)
        self.created: list[int] = []
        self.bodies_with_locked = 0
        self.lock = threading.Lock()

    def record(self, name: str, status: int | None, seconds: float, body: bytes = b"") -> None:
        with self.lock:
            if status is None:
                self.errors[name] += 1
                return
            self.latencies[name].append(seconds)
            self.statuses[name][status] += 1
            if b"database is locked" in body:
                self.bodies_with_locked += 1

    def server_errors(self) -> int:
        return sum(n for codes in self.statuses.values() for code, n in codes.items() if code >= 500)

    def table(self, seconds: float) -> str:
        lines = [f"{'endpoint':<10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}  statuses"]
        for name, _ in MIX:
            values = sorted(self.latencies[name])
            if not values:
                continue
            p50 = statistics.median(values) * 1000
            p99 = values[min(len(values) - 1, int(len(values) * 0.99))] * 1000
            codes = ", ".join(f"{code}×{n}" for code, n in sorted(self.statuses[name].items()))
            errors = f", no answer×{self.errors[name]}" if self.errors[name] else ""
            lines.append(f"{name:<10}{len(values) / seconds:>9.0f}{p50:>9.1f}{p99:>9.1f}  {codes}{errors}")
        total = sum(len(v) for v in self.latencies.values())
        lines.append(f"{'all':<10}{total / seconds:>9.0f}")
        return "\n".join(lines)


def _visitor(base: str, key: str, deadline: float, results: Results, rng: random.Random) -> None:
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    names, weights = zip(*MIX, strict=True)
    mine: list[tuple[int, str]] = []
    ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    while time.monotonic() < deadline:
        name = rng.choices(names, weights)[0]
        headers = {"Origin": ORIGIN, "X-Forwarded-For": ip}
        body = None
        if name == "config":
            method, path = "GET", f"/api/v1/sites/{key}/config?lang=en"
        elif name == "submit" or (name == "complete" and not mine):
            name, method, path = "submit", "POST", f"/api/v1/sites/{key}/responses"
            body = json.dumps({"score": rng.randrange(11), "touchpoint": "load", "page_url": "http://bench.example/p"})
            headers["Content-Type"] = "application/json"
        elif name == "complete":
            response_id, token = mine.pop()
            method, path = "PATCH", f"/api/v1/responses/{response_id}"
            body = json.dumps({"why": "Measured under load, with a few words."})
            headers.update({"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        elif name == "wall":
            method, path = "GET", f"/api/v1/sites/{key}/wall?limit=12"
        else:
            method, path = "GET", f"/badge/{key}.svg"
        started = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
        except (OSError, http.client.HTTPException):
            results.record(name, None, 0)
            connection.close()
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            continue
        results.record(name, answer.status, time.monotonic() - started, data)
        if name == "submit" and answer.status == 201:
            created = json.loads(data)
            mine.append((created["id"], created["token"]))
            with results.lock:
                results.created.append(created["id"])
        ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"  # the next visitor
    connection.close()


def drive(base: str, key: str, seconds: float, connections: int, seed: int = 1) -> Results:
    results = Results()
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_visitor, args=(base, key, deadline, results, random.Random(seed + n)))
        for n in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
