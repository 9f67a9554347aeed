"""Public site endpoints: the widget's configuration and the site's NPS."""

from __future__ import annotations

import hashlib
import json

from flask import abort, g, request

from api import bp
from api.cors import require_origin
from api.schemas import ConfigQuery, WidgetConfig
from core.consent import current_texts
from core.http_cache import cached
from core.nps import CATEGORIES, category
from core.owner_texts import visitor_texts
from core.sites import NO_SUCH_SITE, site_by_key
from core.strings import direction, visitor_lang
from core.survey import follow_up
from models import Site


def site_or_404(key: str) -> Site:
    """core.sites.site_or_404, remembering the site for the API's CORS hook."""
    site = site_by_key(key)
    g.cors_site = site  # the CORS hook needs the same site; spare it a second query
    return site or abort(404, description=NO_SUCH_SITE)


FOLLOW_UP_TEXTS = ("prompt_", "thanks_", "cta_")


def widget_config(site: Site, lang: str, touchpoint: str | None = None) -> dict:
    # The consent text is the stored one of the current version: the version sent with it names
    # exactly these words, and the visitor's consent will be recorded against them.
    consent = current_texts(site)[lang]
    texts = {**visitor_texts(site, lang, touchpoint), "consent": consent.text}
    return {
        "site": {"key": site.key, "name": site.name},
        "lang": lang,
        "dir": direction(lang),  # the widget's root is laid out in it: Arabic right to left
        # Each category's prompt, thanks and call to action travel with its follow-up below; the
        # rest is what the widget shows.
        "texts": {key: value for key, value in texts.items() if not key.startswith(FOLLOW_UP_TEXTS)},
        "consent_version": consent.version,
        "resurvey_days": site.resurvey_days,
        "theme": {"color": site.theme_color},
        # The server's rules, as data: what each score 0-10 counts as, and what follows in each
        # category (the follow-up an answer gets back). The widget computes neither, and still
        # shows the follow-up at once, offline too, before its answer is saved.
        "categories": [category(score) for score in range(11)],
        "follow_up": {cat: follow_up(site, cat, lang, texts) for cat in CATEGORIES},
    }


config_schema = WidgetConfig()


@bp.get("/sites/<key>/config")
# What every page view asks, with a query that can be nothing but right (a language without texts
# gets the site's default): ConfigQuery describes it, and parsing it through webargs and
# marshmallow on each request, to refuse nothing, would cost more than the rest of the view.
@bp.response(200, WidgetConfig)
@bp.described(403, 404, not_modified=True, parameters=[{"in": "query", "schema": ConfigQuery}])
def site_config(key: str):
    """The widget's texts and settings"""
    site = site_or_404(key)
    require_origin(site, required=False, hosted=True)
    # The texts of one language, the one `data-lang` or the page's `lang` asks for (BCP 47), and
    # with `touchpoint` the question the owner wrote for it (else the site's): the widget sends
    # its data-touchpoint, so each touchpoint's config is its own URL, cached on its own.
    lang = visitor_lang(request.args.get("lang"), site.default_lang)
    config = widget_config(site, lang, request.args.get("touchpoint"))
    # What every page view fetches, the same for every visitor: cached by browsers and CDNs, its
    # strong ETag the digest of the config itself (settings, texts, consent text and version),
    # so any change to them is served at once to the next revalidation.
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()
    return cached((digest,), lambda: config_schema.dump(config))
