"""Per-day rollups of answers and views, kept up to date on every write.

`bump` is called in the same transaction as the write it counts; `rebuild` recomputes the answer
rollup from the raw answers, and the tests prove both agree.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite

from extensions import db
from models import DailyCount, DailyView, Response


def _upsert(model, keys: dict, delta: int) -> None:
    """Add `delta` to a counter row, creating it if needed, atomically on both databases."""
    insert = (postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert)(model)
    statement = insert.values(**keys, count=delta).on_conflict_do_update(
        index_elements=list(keys), set_={"count": model.count + delta}
    )
    db.session.execute(statement)


def bump_answer(site_id: int, day: date, touchpoint: str | None, score: int, delta: int) -> None:
    _upsert(DailyCount, {"site_id": site_id, "day": day, "touchpoint": touchpoint or "", "score": score}, delta)


def bump_view(site_id: int, day: date, touchpoint: str | None) -> None:
    _upsert(DailyView, {"site_id": site_id, "day": day, "touchpoint": touchpoint or ""}, 1)


def count_response(response: Response, delta: int) -> None:
    """Count (+1) or uncount (-1) one stored answer; duplicates are never counted."""
    if not response.is_duplicate:
        bump_answer(response.site_id, response.created_at.date(), response.touchpoint, response.score, delta)


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
