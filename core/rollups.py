"""Per-day rollups of answers and views, kept up to date on every write.

`bump` is called in the same transaction as the write it counts; `rebuild` recomputes the answer
rollup from the raw answers, and the tests prove both agree.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import TextClause, bindparam, func, text

from extensions import db
from models import DailyCount, DailyView, Response


def _upsert_statement(model) -> TextClause:
    """`INSERT … ON CONFLICT (primary key) DO UPDATE SET count = count + excluded.count`, in the
    syntax SQLite and PostgreSQL share. Text, because SQLAlchemy compiles its ON CONFLICT
    construct again on every execution, which cost more than running it; text compiles once."""
    table = model.__table__
    keys = [column.name for column in table.primary_key.columns]
    columns = [*keys, "count"]
    return text(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)}) "  # noqa: S608  (names from our own metadata)
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET count = {table.name}.count + excluded.count"
    ).bindparams(*(bindparam(c, type_=table.c[c].type) for c in columns))


_UPSERTS = {model: _upsert_statement(model) for model in (DailyCount, DailyView)}


def _upsert(model, keys: dict, delta: int) -> None:
    """Add `delta` to a counter row, creating it if needed, atomically on both databases."""
    db.session.execute(_UPSERTS[model], {**keys, "count": delta})


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
