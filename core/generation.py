"""Numbers that change after committed writes, cheap to read from every process, so that each
process may keep what it read from the database until something it shows was written. Channels:
"site:ID" moves after commits that changed what that site's public surfaces show (its answers,
testimonials, settings); "settings" after commits that changed a site or a webhook (what the
widget's hot path reads); "writes" after commits that changed something no channel above can
name (a bulk statement on a table of shared rows), and every reader of a site's state reads it
too. What no cached surface shows moves nothing: view counts (core/rollups.py, written apart),
a token's last-used stamp, the audit log, the webhook outbox, back-office users. So one visitor,
or one answer, on site A never empties site B's caches.

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
        self.folder: Path | None = None  # SQLite: one file per channel, made when first needed
        self.paths: dict[str, Path] = {}
        enabled = app.config["PLAUDIT_STATE_CACHE"]
        redis_url = app.config["REDIS_URL"]
        if redis_url and enabled:
            import redis

            self.redis = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
            self.unsure = False  # Redis failed since last reached: a write may have gone unannounced
        elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///") and enabled:
            self.folder = Path(app.instance_path)

    def _path(self, channel: str) -> Path:
        path = self.paths.get(channel)
        if path is None:
            path = self.paths[channel] = self.folder / f"generation-{channel.replace(':', '-')}"
        return path

    def current(self, channel: str = "writes") -> int | str | None:
        """A value that changes whenever the channel moves, compared for equality only; None
        when unknown: read the database."""
        return self.current_many((channel,))[0]

    def current_many(self, channels: tuple[str, ...]) -> tuple:
        """Each channel's value, in one Redis round trip; Nones when unknown."""
        try:
            if self.redis is not None:
                return self._from_redis(channels)
            if self.folder is not None:
                return tuple(self._stat(channel) for channel in channels)
        except Exception:  # noqa: BLE001  (Redis away, file gone: fall back to the database)
            self._failed("generation unavailable; reading the database")
        return (None,) * len(channels)

    def _stat(self, channel: str) -> int:
        path = self._path(channel)
        try:
            return os.stat(path).st_mtime_ns
        except FileNotFoundError:  # a site's first read: opening an existing file never moves it
            path.open("a").close()
            return os.stat(path).st_mtime_ns

    def bump(self, channels: tuple[str, ...]) -> None:
        try:
            if self.redis is not None:
                self._move(channels)
            for channel in channels if self.folder is not None else ():
                now = _now_ns()
                path = self._path(channel)
                path.open("a").close()  # a channel nobody read yet has no file
                os.utime(path, ns=(now, now))
        except Exception:  # noqa: BLE001
            self._failed(
                "could not announce a write: this process reads the database, and others may serve what "
                "they read before, until it reaches Redis again"
            )

    def _from_redis(self, channels: tuple[str, ...]) -> tuple:
        if self.unsure:
            # Whatever was written while Redis was away: nobody keeps it ("writes" is read with
            # every site's channel).
            self._move(CHANNELS)
            self.unsure = False
            log.warning("Redis answers again; every process's kept reads were let go")
        epoch, *counts = self.redis.hmget(KEY, ["epoch", *channels])
        if epoch is None:  # Redis lost the hash: a new epoch
            self.redis.hsetnx(KEY, "epoch", secrets.token_hex(8))
            return (None,) * len(channels)
        return tuple(f"{epoch.decode()}:{int(count or 0)}" for count in counts)

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


def read_all(generation: Generation, seen: dict, channels: tuple[str, ...]) -> dict | None:
    """The channels' values, those not yet read in this request in one round trip; None when any
    is unknown."""
    missing = tuple(channel for channel in channels if channel not in seen)
    if missing:
        seen.update(zip(missing, generation.current_many(missing), strict=True))
    values = {channel: seen[channel] for channel in channels}
    return None if None in values.values() else values


def site_channel(site_id: int) -> str:
    return f"site:{site_id}"


def site_channels(site_id: int) -> tuple[str, ...]:
    """What a site's public state is valid while: its own channel, and writes no channel names."""
    return ("writes", site_channel(site_id))


def snapshot(channels: tuple[str, ...]) -> dict | None:
    """The channels' values as this request reads them, to keep with what is read after: the
    read stays valid while they all stand still. None without a generation."""
    generation = current_app.extensions.get("plaudit_generation")
    return None if generation is None else read_all(generation, _seen(), channels)


SEEN = "plaudit.generations"
# A Core write names the site it changes with this execution option (`changes_site`); one that
# names none, on a table that matters, moves "writes".
SITE_OPTION = "plaudit_site"
# Tables that no cached surface shows and no process keeps: writing them moves nothing.
QUIET_TABLES = frozenset({"daily_view", "api_token", "audit_event", "outbox_event", "delivery_attempt", "user"})


def changes_site(site_id: int) -> dict:
    """Execution options for a Core write of one site's rows: `session.execute(stmt, params,
    execution_options=changes_site(id))`."""
    return {SITE_OPTION: site_id}


def _seen() -> dict:
    """This request's reads, by channel, kept in its WSGI environ (read once per request).
    Outside a request, the app context's."""
    if has_request_context():
        return request.environ.setdefault(SEEN, {})
    return g.setdefault("plaudit_generations", {})


def _changes(session: Session) -> set:
    return session.info.setdefault("plaudit_changes", set())


@event.listens_for(Session, "before_flush")
def _note_objects(session: Session, _context, _instances) -> None:
    from models import Site, Webhook

    changes = _changes(session)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if obj.__table__.name in QUIET_TABLES:
            continue
        if isinstance(obj, (Site, Webhook)):
            changes.add("settings")
        site_id = obj.id if isinstance(obj, Site) else getattr(obj, "site_id", None)
        if isinstance(obj, Webhook):
            continue  # read by answers only (core.sites.active_webhooks): "settings" covers it
        changes.add(site_channel(site_id) if site_id is not None else "writes")


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if state.is_select:
        return
    site_id = state.execution_options.get(SITE_OPTION)
    table = getattr(state.statement, "table", None)
    if site_id is not None:
        _changes(state.session).add(site_channel(site_id))
    elif getattr(table, "name", None) not in QUIET_TABLES:
        _changes(state.session).add("writes")  # a text statement, or rows of any site


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop("plaudit_changes", None)


@event.listens_for(Session, "after_commit")
def _announce(session: Session) -> None:
    # After the commit, never before: a reader that sees the new number also sees the new rows.
    channels = tuple(sorted(session.info.pop("plaudit_changes", ())))
    if channels and has_app_context() and (generation := current_app.extensions.get("plaudit_generation")):
        generation.bump(channels)
        _seen().clear()  # this request's own write moved them
