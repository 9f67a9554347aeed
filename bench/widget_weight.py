"""Widget weight: gzip bytes of everything the widget loads before the question shows.

    .venv/bin/python bench/widget_weight.py

The widget loads three things before it can show the question: widget.js, widget.css and the
site's config. Each is fetched from the app as served (minified), then gzipped at level 9 as a
server or CDN would send it. Budget: 5 KB (5120 bytes).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import gzip_report  # noqa: E402

from app import create_app  # noqa: E402
from extensions import db  # noqa: E402
from models import Site  # noqa: E402

BUDGET = 5 * 1024


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3", "TESTING": True})
        with app.app_context():
            db.create_all()
            site = Site(name="My blog", origins=["https://blog.example"])
            db.session.add(site)
            db.session.commit()
            client = app.test_client()
            parts = {
                "widget.js": client.get("/widget.js").data,
                "widget.css": client.get("/widget.css").data,
                "config (en)": client.get(f"/api/v1/sites/{site.key}/config?lang=en").data,
            }
    return 0 if gzip_report(parts, BUDGET) else 1


if __name__ == "__main__":
    sys.exit(main())
