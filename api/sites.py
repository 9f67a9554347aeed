"""Public site endpoints: the widget's configuration and the site's NPS."""

from __future__ import annotations

import hashlib
import json

from flask import abort, g, request

from api import bp
from api.cors import require_origin
from core.consent import current_texts
from core.generation import snapshot
from core.http_cache import cached
from core.sites import NO_SUCH_SITE, site_by_key
from core.strings import direction, texts_for, visitor_lang
from models import Site


def site_or_404(key: str) -> Site:
    """core.sites.site_or_404, remembering the site for the API's CORS hook."""
    site = site_by_key(key)
    g.cors_site = site  # the CORS hook needs the same site; spare it a second query
    return site or abort(404, description=NO_SUCH_SITE)


def widget_config(site: Site, lang: str) -> dict:
    # The consent text is the stored one of the current version: the version sent with it names
    # exactly these words, and the visitor's consent will be recorded against them.
    consent = current_texts(site)[lang]
    texts = {**texts_for(lang, site.name, site.texts), "consent": consent.text}
    return {
        "site": {"key": site.key, "name": site.name},
        "lang": lang,
        "dir": direction(lang),  # the widget's root is laid out in it: Arabic right to left
        # Call-to-action labels travel with their links below; the rest is what the widget shows.
        "texts": {key: value for key, value in texts.items() if not key.startswith("cta_")},
        "consent_scope": site.consent_scope,
        "consent_version": consent.version,
        "resurvey_days": site.resurvey_days,
        "theme": {"color": site.theme_color},
        "cta": {
            category: {"url": url, "label": texts[f"cta_{category}"]} for category, url in (site.cta_urls or {}).items()
        },
    }


@bp.get("/sites/<key>/config")
def site_config(key: str):
    valid_while = snapshot(("settings",))  # before the site is read: what the config shows
    site = site_or_404(key)
    require_origin(site, required=False, hosted=True)
    # The texts of one language, the one `data-lang` or the page's `lang` asks for (BCP 47).
    config = widget_config(site, visitor_lang(request.args.get("lang"), site.default_lang))
    # What every page view fetches, the same for every visitor: cached by browsers and CDNs, its
    # strong ETag the digest of the config itself (settings, consent text and version, language),
    # so any change to them is served at once to the next revalidation.
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()
    return cached((digest,), lambda: config, valid_while=valid_while)
