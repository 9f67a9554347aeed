"""Per-day rollups of answers and views.

The answer rollup (`DailyCount`) is kept by the database, in the statement that writes the answer
(`models.ANSWER_ROLLUP_TRIGGERS`); `rebuild` recomputes it from the raw answers, and the tests prove
both agree. The view rollup (`DailyView`) is bumped here, in the transaction of the view it counts.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, func, text

from extensions import db
from models import DailyCount, DailyView, Response

# `INSERT … ON CONFLICT (primary key) DO UPDATE SET count = count + 1`, in the syntax SQLite and
# PostgreSQL share. Text, because SQLAlchemy compiles its ON CONFLICT construct again on every
# execution, which cost more than running it; text compiles once.
_BUMP_VIEW = text(
    "INSERT INTO daily_view (site_id, day, touchpoint, count) VALUES (:site_id, :day, :touchpoint, 1) "
    "ON CONFLICT (site_id, day, touchpoint) DO UPDATE SET count = daily_view.count + 1"
).bindparams(*(bindparam(c, type_=DailyView.__table__.c[c].type) for c in ("site_id", "day", "touchpoint")))


def bump_view(site_id: int, day: date, touchpoint: str | None) -> None:
    """Count one showing of the widget, creating the day's row if needed, atomically on both
    databases."""
    db.session.execute(_BUMP_VIEW, {"site_id": site_id, "day": day, "touchpoint": touchpoint or ""})


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
