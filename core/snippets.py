"""Public addresses: the base URL, absolute links to pages, and the three embed snippets of
shared/CONTRACT.md, for one site (the back office, the CLI, the API and the pages all print them)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for
from markupsafe import escape

from core.origins import normalise_origin


def public_base_url() -> str:
    """PLAUDIT_PUBLIC_URL when set; else the address the request came to; else, from the CLI,
    where `make run` serves."""
    configured = current_app.config.get("PLAUDIT_PUBLIC_URL")
    if configured:
        return configured
    if has_request_context():
        return request.url_root.rstrip("/")
    return f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"


def public_url(endpoint: str, **values) -> str:
    """An absolute link to one of Plaudit's pages, on its public address."""
    return public_base_url() + url_for(endpoint, **values)


def instance_origin() -> str | None:
    """The origin of Plaudit's own pages, as a browser on them writes it in `Origin`: that of
    PLAUDIT_PUBLIC_URL when set (then the request's Host is never trusted for it), else that of
    the address the request came to — behind proxies, as PLAUDIT_PROXY_COUNT lets the app see
    it (X-Forwarded-Proto and -Host). None when that is no http(s) origin."""
    parts = urlsplit(public_base_url())
    try:
        return normalise_origin(f"{parts.scheme}://{parts.netloc}")
    except ValueError:
        return None


def embed_snippets(site_key: str, base: str | None = None) -> dict[str, str]:
    base = escape(base or public_base_url())
    key = escape(site_key)
    return {
        "widget": f'<script async src="{base}/widget.js" data-site="{key}"></script>',
        "wall": f'<script async src="{base}/wall.js" data-site="{key}" data-layout="grid"></script>',
        "badge": f'<img src="{base}/badge/{key}.svg" alt="Net Promoter Score">',
    }
