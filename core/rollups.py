"""Per-day rollups of answers and views.

The answer rollup (`DailyCount`) is kept by the database, in the statement that writes the answer
(`models.ANSWER_ROLLUP_TRIGGERS`); `rebuild` recomputes it from the raw answers, and the tests prove
both agree.

The view rollup (`DailyView`) is what every page view writes, and a commit per page view would
cost more than the page view's reads: views are counted in memory (per process) or in Redis
(`REDIS_URL`), and `ViewFlusher` adds them to the table every few seconds, in one transaction
(`flush_views`), and once more when the process exits. A crash can lose at most the views counted
since the last flush (in a process's memory; with Redis, only if Redis loses them too), never an
answer: answers are committed before they are acknowledged.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections import Counter
from datetime import date

from flask import Flask, current_app
from sqlalchemy import Integer, bindparam, func, text

from core.background import StartedOnce
from extensions import db
from models import DailyCount, DailyView, Response

# `INSERT … ON CONFLICT (primary key) DO UPDATE SET count = count + n`, in the syntax SQLite and
# PostgreSQL share. Text, because SQLAlchemy compiles its ON CONFLICT construct again on every
# execution; text compiles once. A site erased since its views were counted takes no row.
_ADD_VIEWS = text(
    "INSERT INTO daily_view (site_id, day, touchpoint, count) "
    "SELECT :site_id, :day, :touchpoint, :n WHERE EXISTS (SELECT 1 FROM site WHERE site.id = :site_id) "
    "ON CONFLICT (site_id, day, touchpoint) DO UPDATE SET count = daily_view.count + excluded.count"
).bindparams(
    *(bindparam(c, type_=DailyView.__table__.c[c].type) for c in ("site_id", "day", "touchpoint")),
    bindparam("n", type_=Integer),
)
REDIS_KEY = "plaudit:views"  # a Redis hash: "site_id|day|touchpoint" → views not yet in the database
log = logging.getLogger("plaudit.views")

ViewKey = tuple[int, date, str]


class ViewCounts:
    """Views not yet in the database: in Redis when configured (shared by every process, and kept
    if a process dies), else in this process's memory; and in memory whenever Redis fails, so a
    view is never refused or dropped for it."""

    def __init__(self, redis_url: str | None = None):
        self.lock = threading.Lock()
        self.pending: Counter[ViewKey] = Counter()
        self.redis = None
        self.redis_failed = False
        if redis_url:
            import redis

            self.redis = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def add(self, key: ViewKey) -> None:
        if self.redis is not None:
            try:
                self.redis.hincrby(REDIS_KEY, f"{key[0]}|{key[1].isoformat()}|{key[2]}", 1)
                self.redis_failed = False
                return
            except Exception:  # noqa: BLE001  (Redis away: counted here instead)
                self._warn("could not count a view in Redis; counting in this process")
        with self.lock:
            self.pending[key] += 1

    def take(self) -> Counter[ViewKey]:
        """Everything pending, removed from where it was (a MULTI: no view counted twice or lost
        between the read and the delete)."""
        with self.lock:
            taken, self.pending = self.pending, Counter()
        if self.redis is not None:
            try:
                with self.redis.pipeline(transaction=True) as pipe:
                    fields, _ = pipe.hgetall(REDIS_KEY).delete(REDIS_KEY).execute()
            except Exception:  # noqa: BLE001  (they stay in Redis for the next flush)
                self._warn("could not read the views counted in Redis; trying again at the next flush")
            else:
                for field, count in fields.items():
                    site_id, day, touchpoint = field.decode().split("|", 2)
                    taken[(int(site_id), date.fromisoformat(day), touchpoint)] += int(count)
        return taken

    def give_back(self, counts: Counter[ViewKey]) -> None:
        with self.lock:
            self.pending.update(counts)

    def _warn(self, message: str) -> None:
        if not self.redis_failed:  # once per outage
            log.warning(message, exc_info=True)
        self.redis_failed = True


def init_app(app: Flask) -> None:
    app.extensions["plaudit_views"] = ViewCounts(app.config["REDIS_URL"])


def bump_view(site_id: int, day: date, touchpoint: str | None) -> None:
    """Count one showing of the widget; it reaches the database at the next `flush_views`."""
    current_app.extensions["plaudit_views"].add((site_id, day, touchpoint or ""))


def flush_views() -> int:
    """Add the pending views to the database in one transaction of its own (whatever the
    caller's session holds); return how many rows it touched. On failure they stay pending."""
    counts: ViewCounts = current_app.extensions["plaudit_views"]
    taken = counts.take()
    if not taken:
        return 0
    rows = [{"site_id": s, "day": d, "touchpoint": t, "n": n} for (s, d, t), n in taken.items()]
    try:
        with db.engine.begin() as connection:
            connection.execute(_ADD_VIEWS, rows)
    except Exception:
        counts.give_back(taken)
        raise
    return len(rows)


class ViewFlusher(StartedOnce):
    """Flushes the views every `interval` seconds from a thread of its own, and at exit."""

    def __init__(self):
        super().__init__()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, app: Flask, interval: float) -> None:
        if not self._first_start():
            return
        self._thread = threading.Thread(target=self._run, args=(app, interval), name="plaudit-views", daemon=True)
        self._thread.start()
        atexit.register(self.stop, app)

    def stop(self, app: Flask) -> None:
        """Stop the thread and flush what it had not yet (a worker's graceful exit)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        self._flush(app)

    def _run(self, app: Flask, interval: float) -> None:
        while not self._stop.wait(interval):
            self._flush(app)

    @staticmethod
    def _flush(app: Flask) -> None:
        try:
            with app.app_context():
                flush_views()
        except Exception:  # noqa: BLE001  (kept pending; the next round tries again)
            log.exception("could not add the counted views to the database; trying again")


def rebuild(site_id: int | None = None) -> int:
    """Recompute the answer rollup from the raw answers; return how many rows it now has."""
    delete = db.delete(DailyCount)
    if site_id is not None:
        delete = delete.where(DailyCount.site_id == site_id)
    db.session.execute(delete)
    day = func.date(Response.created_at)
    touchpoint = func.coalesce(Response.touchpoint, "")
    source = (
        db.select(Response.site_id, day, touchpoint, Response.score, func.count())
        .where(Response.is_duplicate.is_(False))
        .group_by(Response.site_id, day, touchpoint, Response.score)
    )
    if site_id is not None:
        source = source.where(Response.site_id == site_id)
    db.session.execute(db.insert(DailyCount).from_select(["site_id", "day", "touchpoint", "score", "count"], source))
    # Rows whose count fell to zero carry nothing; rebuild never makes them.
    db.session.execute(db.delete(DailyCount).where(DailyCount.count == 0))
    return db.session.execute(db.select(func.count()).select_from(DailyCount)).scalar()
