"""The settings of sites and their webhooks, as the widget's hot path reads them: kept in each
process's memory while the "settings" generation has not moved (core/generation.py).

The cached Site objects are detached from any session and only ever read: code that changes a
site loads its own copy (admin.owner.owned_site_or_404).

Creating a site follows one set of rules, whether from the CLI or the back office (`new_site`)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import abort
from flask_babel import lazy_gettext as _l

from core.generation import Memo
from core.generation import current as current_generation
from core.origins import normalise_origin
from core.text import clean_text
from extensions import db
from models import Site, Webhook

_SITE_BY_KEY = db.select(Site).where(Site.key == db.bindparam("key"))
_ACTIVE_WEBHOOKS = db.select(Webhook.id, Webhook.events).where(
    Webhook.site_id == db.bindparam("site_id"), Webhook.active.is_(True)
)


_sites, _webhooks = Memo(), Memo()


def site_by_key(key: str) -> Site | None:
    seen = current_generation("settings")
    if seen is not None and (site := _sites.get(key, seen)) is not None:
        return site
    site = db.session.execute(_SITE_BY_KEY, {"key": key}).scalar()
    if site is not None and seen is not None:
        db.session.expunge(site)  # read-only from here on, and safe to share between requests
        _sites.put(key, seen, site)
    return site


NO_SUCH_SITE = "No site has this key."


def site_or_404(key: str) -> Site:
    """The site, read-only (possibly from this process's memory), or a 404 answered in the kind
    of the blueprint that asked."""
    return site_by_key(key) or abort(404, description=NO_SUCH_SITE)


def active_webhooks(site_id: int) -> list[tuple[int, list[str]]]:
    seen = current_generation("settings")
    if seen is not None and (hooks := _webhooks.get(site_id, seen)) is not None:
        return hooks
    hooks = [
        (hook_id, list(events or [])) for hook_id, events in db.session.execute(_ACTIVE_WEBHOOKS, {"site_id": site_id})
    ]
    if seen is not None:
        _webhooks.put(site_id, seen, hooks)
    return hooks


def new_site(name: str, origins: Iterable[str], lang: str) -> Site:
    """A new site, added to the session: its name as plain text of 1 to 200 characters, at least
    one http(s) origin, each once. Raises ValueError, saying what to fix, and adds nothing."""
    clean_name = clean_text(name)
    if not clean_name or len(clean_name) > 200:
        raise ValueError(_l("Give the site a name of 1 to 200 characters."))
    allowed = list(dict.fromkeys(normalise_origin(value) for value in origins if value.strip()))
    if not allowed:
        raise ValueError(_l("Give at least one origin, such as https://blog.example."))
    site = Site(name=clean_name, origins=allowed, default_lang=lang)
    db.session.add(site)
    return site
