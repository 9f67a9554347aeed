"""Insights at scale, on SQLite: the dashboard's aggregates with 1,000,000 answers against
10,000 (same run, same database), and a CSV export of 1,000,000 answers (peak memory, rows/s).

    .venv/bin/python bench/insights_scale.py [--large 1000000] [--small 10000]

Targets: aggregate time large / small <= 2 (they read the daily rollup, whose size follows the
number of days, not of answers); the export's memory stays flat (streamed in batches).
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta

from harness import flask_cli, instance_env, run_python

EXPORT = """
import resource, sys, time
from app import create_app
from extensions import db
from models import Site
from core.exports import csv_lines
from core.stats import Filters
app = create_app()
with app.app_context():
    site = db.session.get(Site, int(sys.argv[1]))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, size, rows = time.perf_counter(), 0, 0
    for chunk in csv_lines(site, Filters(), None):
        size += len(chunk)
        rows += chunk.count("\\n")
    took = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{rows - 1} {took:.2f} {size} {before} {after}")
"""

AGGREGATES = """
import statistics, sys, time
from app import create_app
from extensions import db
from models import Site
from core import stats
app = create_app()
with app.app_context():
    for site_id in map(int, sys.argv[1:]):
        site = db.session.get(Site, site_id)
        runs = []
        for _ in range(15):
            started = time.perf_counter()
            stats.site_nps(site.id, site.min_sample)
            stats.breakdown(site, "week")
            stats.breakdown(site, "month")
            stats.breakdown(site, "touchpoint")
            stats.views(site)
            runs.append(time.perf_counter() - started)
        print(site_id, statistics.median(runs))
"""


def fill(path: str, site_id: int, count: int, start: datetime) -> None:
    """Answers spread over one year, written straight into SQLite (the app's write path would take
    an hour for a million) and counted by the database's triggers as they go in; the app's own
    rebuild command then runs over them as well, as after a repair."""
    rng = random.Random(site_id)
    db = sqlite3.connect(path)
    touchpoints = ["blog", "after-purchase", "onboarding", None]

    def rows():
        for n in range(count):
            score = rng.choices(range(11), weights=[2, 1, 1, 2, 2, 3, 4, 8, 12, 14, 12])[0]
            category = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
            created = (start + timedelta(seconds=rng.randrange(365 * 86400))).isoformat(sep=" ")
            yield (
                site_id,
                score,
                category,
                "A fine answer, with a few words in it.",
                "en",
                rng.choice(touchpoints),
                "https://blog.example/post",
                None,
                json.dumps({"plan": rng.choice(["trial", "paying"])}),
                f"v{n}",
                0,
                "t",
                created,
                created,
                "new",
            )

    db.executemany(
        "INSERT INTO response (site_id, score, category, why, lang, touchpoint, page_url, respondent, attributes,"
        " visitor_hash, is_duplicate, token_hash, created_at, updated_at, followup_status)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows(),
    )
    db.commit()
    db.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = instance_env(tmp)
        path = env["DATABASE_URL"].removeprefix("sqlite:///")
        db = sqlite3.connect(path)
        for site_id in (1, 2):
            db.execute(
                "INSERT INTO site (id, key, name, origins, default_lang, texts, consent_version, cta_urls,"
                " theme_color, resurvey_days, consent_scope, min_sample, is_demo, created_at, wall_jsonld,"
                " public_version) VALUES (?, ?, 'Bench', '[]', 'en', '{}', 1, '{}', '#4f46e5', 90,"
                " 'promoters', 30, 0, '2026-01-01', 0, 1)",
                (site_id, f"bench{site_id}"),
            )
        db.commit()
        db.close()
        started = time.perf_counter()
        fill(path, 1, args.small, datetime(2025, 11, 1))
        fill(path, 2, args.large, datetime(2025, 11, 1))
        flask_cli(env, "rollups", "rebuild")
        print(
            f"filled {args.small:,} + {args.large:,} answers and rebuilt rollups in {time.perf_counter() - started:.0f} s"
        )

        run = run_python(env, AGGREGATES, "1", "2").split()
        small, large = float(run[1]), float(run[3])
        print(
            f"dashboard aggregates, median of 15: {args.small:,} answers {small * 1000:.1f} ms, "
            f"{args.large:,} answers {large * 1000:.1f} ms; ratio {large / small:.2f} (target <= 2)"
        )

        rows, took, size, before, after = run_python(env, EXPORT, "2").split()
        print(
            f"CSV export: {int(rows):,} rows, {int(size) / 1e6:.0f} MB in {float(took):.1f} s = {int(rows) / float(took):,.0f} rows/s; "
            f"peak memory {int(before) / 1024:.0f} MiB before, {int(after) / 1024:.0f} MiB after"
        )
    return 0 if large / small <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
