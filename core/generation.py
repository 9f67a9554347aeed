"""Numbers that change after committed writes, cheap to read from every process, so that each
process may keep what it read from the database until something was written. Two channels:
"writes" moves after every commit; "settings" only after commits that changed a site or a
webhook (what the widget's hot path reads), so answers pouring in do not empty that cache.

Where it lives decides who sees it: a file's modification time on one machine (SQLite: every
worker is on that machine), a Redis counter across machines (`REDIS_URL`). With PostgreSQL and
no Redis there may be other hosts nobody can hear from, so there is no generation, and callers
read the database every time.

Redis can fail in two ways that must not leave a process serving old data for long. It can go
away: meanwhile every process reads the database, writes cannot be announced, and the first
process back that saw the outage moves every channel before anything else. It can come back
empty (restarted without persistence, flushed, its keys evicted), and counts starting again from
zero would meet numbers that processes kept from before: so the counters live in one hash with a
random epoch, and a hash without one gets a new epoch, which no number kept before contains.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections import OrderedDict
from pathlib import Path

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger("plaudit.generation")
KEY = "plaudit:generation"  # a Redis hash: a counter per channel, and the epoch
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
            self.unsure = False  # Redis failed since last reached: a write may have gone unannounced
        elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///") and enabled:
            for channel in CHANNELS:
                self.paths[channel] = Path(app.instance_path) / f"generation-{channel}"
                if not self.paths[channel].exists():  # touching an existing one would move it
                    self.paths[channel].touch()

    def current(self, channel: str = "writes") -> int | str | None:
        """A value that changes whenever the channel moves, compared for equality only; None
        when unknown: read the database."""
        try:
            if self.redis is not None:
                return self._from_redis(channel)
            if self.paths:
                return os.stat(self.paths[channel]).st_mtime_ns
        except Exception:  # noqa: BLE001  (Redis away, file gone: fall back to the database)
            self._failed("generation unavailable; reading the database")
        return None

    def bump(self, channels: tuple[str, ...]) -> None:
        try:
            if self.redis is not None:
                self._move(channels)
            for channel in channels if self.paths else ():
                now = _now_ns()
                os.utime(self.paths[channel], ns=(now, now))
        except Exception:  # noqa: BLE001
            self._failed(
                "could not announce a write: this process reads the database, and others may serve what "
                "they read before, until it reaches Redis again"
            )

    def _from_redis(self, channel: str) -> str | None:
        if self.unsure:
            self._move(CHANNELS)  # whatever was written while Redis was away: nobody keeps it
            self.unsure = False
            log.warning("Redis answers again; every process's kept reads were let go")
        epoch, count = self.redis.hmget(KEY, ["epoch", channel])
        if epoch is None:  # Redis lost the hash: a new epoch
            self.redis.hsetnx(KEY, "epoch", secrets.token_hex(8))
            return None
        return f"{epoch.decode()}:{int(count or 0)}"

    def _move(self, channels: tuple[str, ...]) -> None:
        if len(channels) == 1:  # the common case (an answer), without a pipeline's own cost
            self.redis.hincrby(KEY, channels[0], 1)
            return
        with self.redis.pipeline(transaction=False) as pipe:
            for channel in channels:
                pipe.hincrby(KEY, channel, 1)
            pipe.execute()

    def _failed(self, message: str) -> None:
        """Log once per outage, not once per request."""
        if self.redis is None or not self.unsure:
            log.warning(message, exc_info=True)
        if self.redis is not None:
            self.unsure = True


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


def current(channel: str = "writes") -> int | str | None:
    """The channel's number, read once per request (or app context): one answer reads the
    settings for its site and for its webhooks, and each read was a round trip to Redis."""
    generation = current_app.extensions.get("plaudit_generation")
    if generation is None:
        return None
    return read_once(generation, _seen(), channel)


def read_once(generation: Generation, seen: dict, channel: str) -> int | str | None:
    if channel not in seen:
        seen[channel] = generation.current(channel)
    return seen[channel]


SEEN = "plaudit.generations"


def _seen() -> dict:
    """This request's reads, by channel, kept in its WSGI environ: core.http_cache.Revalidations
    reads the writes channel before the app runs, and the app uses that same read. Outside a
    request, the app context's."""
    if has_request_context():
        return request.environ.setdefault(SEEN, {})
    return g.setdefault("plaudit_generations", {})


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
        _seen().clear()  # this request's own write moved them
