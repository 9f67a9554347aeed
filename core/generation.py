"""Numbers that change after committed writes, cheap to read from every process, so that each
process may keep what it read from the database until something was written. Two channels:
"writes" moves after every commit; "settings" only after commits that changed a site or a
webhook (what the widget's hot path reads), so answers pouring in do not empty that cache.

Where it lives decides who sees it: a file's modification time on one machine (SQLite: every
worker is on that machine), a Redis counter across machines (`REDIS_URL`). With PostgreSQL and
no Redis there may be other hosts nobody can hear from, so there is no generation, and callers
read the database every time.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger("plaudit.generation")
KEY = "plaudit:generation:"
CHANNELS = ("writes", "settings")


class Generation:
    def __init__(self, app: Flask):
        self.redis = None
        self.paths: dict[str, Path] = {}
        enabled = app.config.get("PLAUDIT_STATE_CACHE", True)
        redis_url = app.config.get("REDIS_URL")
        if redis_url and enabled:
            import redis

            self.redis = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///") and enabled:
            for channel in CHANNELS:
                self.paths[channel] = Path(app.instance_path) / f"generation-{channel}"
                if not self.paths[channel].exists():  # touching an existing one would move it
                    self.paths[channel].touch()

    def current(self, channel: str = "writes") -> int | None:
        """None when unknown: read the database."""
        try:
            if self.redis is not None:
                return int(self.redis.get(KEY + channel) or 0)
            if self.paths:
                return os.stat(self.paths[channel]).st_mtime_ns
        except Exception:  # noqa: BLE001  (Redis away, file gone: fall back to the database)
            log.warning("generation unavailable; reading the database", exc_info=True)
        return None

    def bump(self, channels: tuple[str, ...]) -> None:
        try:
            for channel in channels:
                if self.redis is not None:
                    self.redis.incr(KEY + channel)
                elif self.paths:
                    now = _now_ns()
                    os.utime(self.paths[channel], ns=(now, now))
        except Exception:  # noqa: BLE001
            log.warning("could not announce a write; other processes may serve old data briefly", exc_info=True)


_last = 0


def _now_ns() -> int:
    """Strictly increasing, even for two writes within the file system's clock resolution."""
    global _last
    import time

    _last = max(time.time_ns(), _last + 1)
    return _last


class Memo:
    """What this process read, by key, valid for as long as the generation it was read at."""

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


def init_app(app: Flask) -> None:
    app.extensions["plaudit_generation"] = Generation(app)


def current(channel: str = "writes") -> int | None:
    """The channel's number, read once per request (or app context): one answer reads the
    settings for its site and for its webhooks, and each read was a round trip to Redis."""
    generation = current_app.extensions.get("plaudit_generation")
    if generation is None:
        return None
    seen = g.setdefault("plaudit_generations", {})
    if channel not in seen:
        seen[channel] = generation.current(channel)
    return seen[channel]


@event.listens_for(Session, "before_flush")
def _note_settings(session: Session, _context, _instances) -> None:
    from models import Site, Webhook

    if any(isinstance(o, (Site, Webhook)) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info["settings_changed"] = True


@event.listens_for(Session, "after_rollback")
def _forget_settings(session: Session) -> None:
    session.info.pop("settings_changed", None)


@event.listens_for(Session, "after_commit")
def _announce(session: Session) -> None:
    # After the commit, never before: a reader that sees the new number also sees the new rows.
    channels = ("writes", "settings") if session.info.pop("settings_changed", False) else ("writes",)
    if has_app_context() and (generation := current_app.extensions.get("plaudit_generation")):
        generation.bump(channels)
        g.pop("plaudit_generations", None)  # this request's own write moved them
