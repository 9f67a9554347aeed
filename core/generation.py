"""A number that changes after every committed write, cheap to read from every process, so that
each process may keep what it read from the database until something was written.

Where it lives decides who sees it: a file's modification time on one machine (SQLite: every
worker is on that machine), a Redis counter across machines (`REDIS_URL`). With PostgreSQL and
no Redis there may be other hosts nobody can hear from, so there is no generation, and callers
read the database every time.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger("plaudit.generation")
KEY = "plaudit:generation"


class Generation:
    def __init__(self, app: Flask):
        self.redis = None
        self.path: Path | None = None
        redis_url = app.config.get("REDIS_URL")
        if redis_url and app.config.get("PLAUDIT_STATE_CACHE", True):
            import redis

            self.redis = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///") and app.config.get(
            "PLAUDIT_STATE_CACHE", True
        ):
            self.path = Path(app.instance_path) / "generation"
            self.path.touch(exist_ok=True)

    def current(self) -> int | None:
        """None when unknown: read the database."""
        try:
            if self.redis is not None:
                return int(self.redis.get(KEY) or 0)
            if self.path is not None:
                return os.stat(self.path).st_mtime_ns
        except Exception:  # noqa: BLE001  (Redis away, file gone: fall back to the database)
            log.warning("generation unavailable; reading the database", exc_info=True)
        return None

    def bump(self) -> None:
        try:
            if self.redis is not None:
                self.redis.incr(KEY)
            elif self.path is not None:
                os.utime(self.path, ns=(_now_ns(), _now_ns()))
        except Exception:  # noqa: BLE001
            log.warning("could not announce a write; other processes may serve old data briefly", exc_info=True)


_last = 0


def _now_ns() -> int:
    """Strictly increasing, even for two writes within the file system's clock resolution."""
    global _last
    import time

    _last = max(time.time_ns(), _last + 1)
    return _last


def init_app(app: Flask) -> None:
    app.extensions["plaudit_generation"] = Generation(app)


def current() -> int | None:
    generation = current_app.extensions.get("plaudit_generation")
    return generation.current() if generation else None


@event.listens_for(Session, "after_commit")
def _announce(session: Session) -> None:
    # After the commit, never before: a reader that sees the new number also sees the new rows.
    if has_app_context() and (generation := current_app.extensions.get("plaudit_generation")):
        generation.bump()
