"""wall.js weight: gzip bytes of everything the wall loads before the first testimonial shows.

    .venv/bin/python bench/wall_weight.py

wall.js, wall.css and the wall data for 12 testimonials of realistic length (the default
data-limit), each as served (minified) and gzipped at level 9. Budget: 6 KB (6144 bytes).
"""

from __future__ import annotations

import sys

from harness import gzip_report, site_in_memory

BUDGET = 6 * 1024
QUOTES = [
    "The onboarding took ten minutes and the support team answered every question the same day.",
    "We replaced two tools with this one. Reports that took an afternoon now take a coffee break.",
    "Clear pricing, no surprises, and the mobile app actually works offline.",
    "I recommended it to three colleagues already; the keyboard shortcuts alone save me an hour a week.",
]


def seed(site) -> None:
    from extensions import db
    from models import Response, Testimonial, utcnow

    for n in range(12):
        response = Response(
            site_id=site.id,
            score=9 + n % 2,
            category="promoter",
            why=QUOTES[n % 4],
            lang="en",
            visitor_hash=str(n),
            token_hash="t",
        )
        db.session.add(
            Testimonial(
                site_id=site.id,
                response=response,
                quote=QUOTES[n % 4],
                display_name=f"Camille D{n}.",
                role="Product manager, Acme",
                status="approved",
                approved_at=utcnow(),
                consent_text="x",
                consent_version=1,
                consented_at=utcnow(),
            )
        )


def main() -> int:
    with site_in_memory(seed) as (client, key):
        parts = {
            "wall.js": client.get("/wall.js").data,
            "wall.css": client.get("/wall.css").data,
            "wall data (12)": client.get(f"/api/v1/sites/{key}/wall?limit=12").data,
        }
    return 0 if gzip_report(parts, BUDGET) else 1


if __name__ == "__main__":
    sys.exit(main())
