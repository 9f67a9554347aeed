"""The settings of sites and their webhooks, as the widget's hot path reads them: kept in each
process's memory while the "settings" generation has not moved (core/generation.py).

The cached Site objects are detached from any session and only ever read: code that changes a
site loads its own copy (admin.owner.owned_site_or_404)."""

from __future__ import annotations

import threading
from collections import OrderedDict

from core.generation import current as current_generation
from extensions import db
from models import Site, Webhook

_SITE_BY_KEY = db.select(Site).where(Site.key == db.bindparam("key"))
_ACTIVE_WEBHOOKS = db.select(Webhook.id, Webhook.events).where(
    Webhook.site_id == db.bindparam("site_id"), Webhook.active.is_(True)
)


class _Memo:
    def __init__(self, size: int = 1024):
        self.size, self.entries, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key, generation: int):
        with self.lock:
            entry = self.entries.get(key)
            return entry[1] if entry is not None and entry[0] == generation else None

    def put(self, key, generation: int, value) -> None:
        with self.lock:
            self.entries[key] = (generation, value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


_sites, _webhooks = _Memo(), _Memo()


def site_by_key(key: str) -> Site | None:
    seen = current_generation("settings")
    if seen is not None and (site := _sites.get(key, seen)) is not None:
        return site
    site = db.session.execute(_SITE_BY_KEY, {"key": key}).scalar()
    if site is not None and seen is not None:
        db.session.expunge(site)  # read-only from here on, and safe to share between requests
        _sites.put(key, seen, site)
    return site


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
