"""Widget weight: gzip bytes of everything the widget loads before the question shows.

    .venv/bin/python bench/widget_weight.py

The widget loads three things before it can show the question: widget.js, widget.css and the
site's config. Each is fetched from the app as served (minified), then gzipped at level 9 as a
server or CDN would send it. Budget: 5,248 bytes. It was 5 KB (5,120) until consent receipts
named the version the visitor was shown and respondent references became provable (about 130
bytes, with the 409 that asks again): a receipt that can name a text nobody saw is worth less
than 128 bytes saved.
"""

from __future__ import annotations

import sys

from harness import gzip_report, site_in_memory

BUDGET = 5 * 1024 + 128


def main() -> int:
    with site_in_memory() as (client, key):
        parts = {
            "widget.js": client.get("/widget.js").data,
            "widget.css": client.get("/widget.css").data,
            "config (en)": client.get(f"/api/v1/sites/{key}/config?lang=en").data,
        }
    return 0 if gzip_report(parts, BUDGET) else 1


if __name__ == "__main__":
    sys.exit(main())
