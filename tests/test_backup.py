"""Backups taken while the app writes are consistent, and restore brings them back."""

from __future__ import annotations

import shutil
import sqlite3
import threading

import pytest

from core.survey import record_response
from extensions import db as _db
from models import DailyCount, Response, Site
from tests.conftest import TEST_DATABASE_URL


def keep_writing(app, site_id: int, stop: threading.Event, written: list[int]) -> None:
    with app.app_context():
        site = _db.session.get(Site, site_id)
        n = 0
        while not stop.is_set():
            record_response(site, {"score": n % 11, "touchpoint": "load"}, f"writer-{n}")
            written.append(n)
            n += 1
        _db.session.remove()


def counts_new_answers(db, site_id: int) -> bool:
    """The restored database counts answers itself: its rollup triggers came back with it."""
    before = db.session.execute(db.select(db.func.coalesce(db.func.sum(DailyCount.count), 0))).scalar()
    record_response(db.session.get(Site, site_id), {"score": 10}, "after-restore")
    return db.session.execute(db.select(db.func.sum(DailyCount.count))).scalar() == before + 1


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="the SQLite path; PostgreSQL has its own test below")
def test_sqlite_backup_under_writes_is_consistent_and_restores(app, db, runner, site, tmp_path):
    site_id = site.id
    stop, written = threading.Event(), []
    writer = threading.Thread(target=keep_writing, args=(app, site.id, stop, written))
    writer.start()
    try:
        while len(written) < 50:  # the writer is well under way
            stop.wait(0.01)
        result = runner.invoke(args=["backup", str(tmp_path / "backup.sqlite3")])
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    with sqlite3.connect(tmp_path / "backup.sqlite3") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        answers = copy.execute("SELECT count(*) FROM response WHERE is_duplicate = 0").fetchone()[0]
        counted = copy.execute("SELECT coalesce(sum(count), 0) FROM daily_count").fetchone()[0]
    # A snapshot: every answer in it is counted in its rollup, none half-written.
    assert 50 <= answers <= len(written) and counted == answers

    final = db.session.execute(db.select(db.func.count()).select_from(Response)).scalar()
    assert answers <= final == len(written)  # every write landed; the backup holds a prefix of them
    restored = runner.invoke(args=["restore", str(tmp_path / "backup.sqlite3"), "--yes"])
    assert restored.exit_code == 0, restored.output
    db.session.remove()
    assert db.session.execute(db.select(db.func.count()).select_from(Response)).scalar() == answers
    assert db.session.execute(db.select(db.func.sum(DailyCount.count))).scalar() == answers
    assert counts_new_answers(db, site_id)


def test_restore_refuses_a_damaged_file(runner, tmp_path):
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    result = runner.invoke(args=["restore", str(damaged), "--yes"])
    assert result.exit_code != 0


@pytest.mark.skipif(not TEST_DATABASE_URL or not shutil.which("pg_dump"), reason="needs PostgreSQL and pg_dump")
def test_postgres_backup_and_restore(app, db, runner, site, tmp_path):
    site_id = site.id
    for n in range(5):
        record_response(site, {"score": 9}, f"pg-{n}")
    result = runner.invoke(args=["backup", str(tmp_path / "backup.dump")])
    assert result.exit_code == 0, result.output
    for n in range(3):
        record_response(site, {"score": 2}, f"pg-later-{n}")
    db.session.remove()
    restored = runner.invoke(args=["restore", str(tmp_path / "backup.dump"), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert db.session.execute(db.select(db.func.count()).select_from(Response)).scalar() == 5
    assert counts_new_answers(db, site_id)
