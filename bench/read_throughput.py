"""Reading 20 testimonials under gunicorn (2 workers, SQLite), as a ratio to a minimal Flask JSON
endpoint served the same way in the same run: uncached, and as conditional GETs answered 304.
All servers run at once and wrk visits each endpoint in turn, several rounds over; each figure
is an endpoint's median round (bench/harness.py, interleaved).

    .venv/bin/python bench/read_throughput.py [--seconds 3] [--rounds 3] [--connections 16]

Targets: uncached >= 0.5; conditional (304) >= 0.8. Needs wrk.

"uncached" means no If-None-Match: the client holds nothing, and the server builds the answer
(it keeps no rendered copy: the page-view bench found that it did not pay, README Performance).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import urllib.request

from harness import ROOT, gunicorn, instance_env, interleaved, print_table, require_wrk, run_python

SEED = """
from app import create_app
from extensions import db
from models import Response, Site, Testimonial, utcnow
app = create_app()
with app.app_context():
    site = Site(name="Bench", origins=["http://bench.example"], min_sample=1)
    db.session.add(site)
    db.session.flush()
    for n in range(40):
        quote = "The onboarding took ten minutes and support answered every question the same day. " * (1 + n % 3)
        response = Response(site_id=site.id, score=9 + n % 2, category="promoter", why=quote, lang="en",
                            visitor_hash=str(n), token_hash="t")
        db.session.add(Testimonial(site_id=site.id, response=response, quote=quote, display_name=f"Person {n}",
                                   role="Engineer", status="approved", approved_at=utcnow(), consent_text="x",
                                   consent_version=1, consented_at=utcnow()))
    db.session.commit()
    print(site.key)
"""


def etag_of(url: str) -> str:
    with urllib.request.urlopen(url) as response:
        return response.headers["ETag"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=3, help="per turn")
    parser.add_argument("--rounds", type=int, default=3, help="turns each endpoint takes")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    require_wrk()
    with tempfile.TemporaryDirectory() as tmp:
        # Rate limiting on, as deployed: public reads are exempt, so it cannot cap the figure,
        # but what it costs every request is part of it.
        env = {**instance_env(tmp), "FLASK_RATELIMIT_ENABLED": "true"}
        key = run_python(env, SEED).strip()
        paths = {"testimonials?limit=20": f"/api/v1/sites/{key}/testimonials?limit=20", "wall page": f"/wall/{key}"}
        with (
            gunicorn("minimal_app:app", env, cwd=ROOT / "bench") as minimal_url,
            gunicorn("app:create_app()", env) as url,
        ):
            targets = {"minimal Flask JSON endpoint (GET)": (minimal_url + "/minimal", None)}
            for name, path in paths.items():
                targets[f"{name}, uncached"] = (url + path, None)
                targets[f"{name}, 304"] = (url + path, f"wrk.headers[\"If-None-Match\"] = '{etag_of(url + path)}'\n")
            results = interleaved(targets, args.seconds, args.connections, tmp, args.rounds)
    print_table(results)
    minimal = results.pop("minimal Flask JSON endpoint (GET)")["rps"]
    ok = True
    for name, r in results.items():
        target = 0.8 if name.endswith("304") else 0.5 if name.endswith("uncached") else 0
        ratio = r["rps"] / minimal
        ok &= ratio >= target and r["non_2xx"] == 0
        print(f"ratio {name} / minimal: {ratio:.2f} (target >= {target})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
