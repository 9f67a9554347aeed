"""The daily rollup kept on write equals the one rebuilt from raw answers, whatever happens."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import moderation, rollups
from core.survey import complete_response, record_response
from models import DailyCount, Response

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(
            st.just("answer"), st.integers(0, 10), st.sampled_from([None, "blog", "after-purchase"]), st.integers(0, 3)
        ),
        st.tuples(st.just("rescore"), st.integers(0, 30), st.integers(0, 10)),
        st.tuples(st.just("erase"), st.integers(0, 30)),
    ),
    max_size=25,
)


def rollup_rows(db) -> set[tuple]:
    rows = db.session.execute(db.select(DailyCount)).scalars()
    return {(r.site_id, r.day, r.touchpoint, r.score, r.count) for r in rows if r.count != 0}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_incremental_equals_rebuild(db, site, operations):
    db.session.execute(db.delete(Response))
    db.session.execute(db.delete(DailyCount))
    db.session.commit()
    for operation in operations:
        kind = operation[0]
        ids = db.session.execute(db.select(Response.id).order_by(Response.id)).scalars().all()
        if kind == "answer":
            _, score, touchpoint, visitor = operation
            # The same visitor twice in a day is a duplicate: stored, never counted.
            record_response(site, {"score": score, "touchpoint": touchpoint}, f"visitor-{visitor}")
        elif kind == "rescore" and ids:
            response = db.session.get(Response, ids[operation[1] % len(ids)])
            complete_response(response, {"score": operation[2]})
        elif kind == "erase" and ids:
            moderation.erase(site, response_id=ids[operation[1] % len(ids)], actor="test")
            db.session.commit()
    incremental = rollup_rows(db)
    rollups.rebuild()
    db.session.commit()
    assert incremental == rollup_rows(db)
    # And the rollup says what the raw answers say.
    raw = db.session.execute(
        db.select(db.func.count()).select_from(Response).where(Response.is_duplicate.is_(False))
    ).scalar()
    assert sum(row[-1] for row in incremental) == raw


def test_the_database_counts_answers_whatever_writes_them(db, site):
    """Plain SQL, outside the app's code: an insert is counted, a repeat is not, a rescore or a
    change of day moves the count, a delete takes it back."""
    from sqlalchemy import text

    def insert(score: int, duplicate: bool) -> int:
        return db.session.execute(
            text(
                "INSERT INTO response (site_id, score, category, lang, touchpoint, attributes, visitor_hash,"
                " is_duplicate, token_hash, followup_status, created_at, updated_at)"
                " VALUES (:site, :score, 'x', 'en', :touchpoint, '{}', 'v', :duplicate, 't', 'new',"
                " '2026-03-01 23:59:59', '2026-03-01 23:59:59') RETURNING id"
            ),
            {"site": site.id, "score": score, "touchpoint": "blog", "duplicate": duplicate},
        ).scalar_one()

    def counted() -> set[tuple]:
        return {(str(day), touchpoint, score, count) for _, day, touchpoint, score, count in rollup_rows(db)}

    first = insert(9, duplicate=False)
    repeat = insert(9, duplicate=True)
    assert counted() == {("2026-03-01", "blog", 9, 1)}
    db.session.execute(text("UPDATE response SET score = 4 WHERE id = :id"), {"id": first})
    assert counted() == {("2026-03-01", "blog", 4, 1)}
    db.session.execute(text("UPDATE response SET created_at = '2026-03-02 00:00:01' WHERE id = :id"), {"id": first})
    db.session.execute(text("UPDATE response SET touchpoint = NULL WHERE id = :id"), {"id": first})
    assert counted() == {("2026-03-02", "", 4, 1)}
    db.session.execute(text("UPDATE response SET is_duplicate = :no WHERE id = :id"), {"id": repeat, "no": False})
    assert counted() == {("2026-03-02", "", 4, 1), ("2026-03-01", "blog", 9, 1)}
    db.session.execute(text("DELETE FROM response"))
    assert counted() == set()
    db.session.commit()


def test_rebuild_command(runner, db, site):
    for visitor in range(3):
        record_response(site, {"score": 9}, f"v{visitor}")
    db.session.execute(db.delete(DailyCount))
    db.session.commit()
    result = runner.invoke(args=["rollups", "rebuild"])
    assert result.exit_code == 0 and "1 rows" in result.output
    assert rollup_rows(db) == {(site.id, *next(iter(rollup_rows(db)))[1:3], 9, 3)}


@pytest.mark.parametrize("scores", [[10, 9, 7, 2], [0], []])
def test_public_numbers_come_from_the_rollup(client, db, site, scores):
    for visitor, score in enumerate(scores):
        record_response(site, {"score": score}, f"v{visitor}")
    body = client.get(f"/api/v1/sites/{site.key}/nps").json
    assert body["total"] == len(scores)
