"""Backups that are consistent while the app keeps writing.

SQLite: `VACUUM INTO` writes the database as one read transaction sees it; in WAL mode that read
neither blocks the writers nor is restarted by them (the page-by-page backup API starts over at
every write from another connection, and may never finish under steady traffic). Restoring
uses the backup API, with the app stopped. PostgreSQL: pg_dump (custom format) and pg_restore.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

TABLES = (
    "site",
    "response",
    "testimonial",
    "user",
    "api_token",
    "audit_event",
    "daily_count",
    "webhook",
    "outbox_event",
)


class BackupError(RuntimeError):
    pass


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory database has nothing to back up")
    return Path(database)


def check_sqlite(path: Path) -> dict[str, int]:
    """PRAGMA integrity_check, then the row count of each table; raises when damaged."""
    with sqlite3.connect(path) as connection:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"integrity check failed: {verdict}")
        return {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in TABLES}  # noqa: S608


def backup(url: str, target: Path) -> dict[str, int] | None:
    if make_url(url).get_backend_name() == "sqlite":
        if target.exists():
            raise BackupError(f"{target} exists already; choose a new file")
        connection = sqlite3.connect(_sqlite_path(url), timeout=30)
        try:
            connection.execute("VACUUM INTO ?", (str(target),))
        finally:
            connection.close()
        return check_sqlite(target)
    _postgres("pg_dump", "--format=custom", "--no-owner", f"--file={target}", url)
    return None


def restore(url: str, source: Path) -> dict[str, int] | None:
    if make_url(url).get_backend_name() == "sqlite":
        counts = check_sqlite(source)  # never restore a damaged file
        with sqlite3.connect(source) as src, sqlite3.connect(_sqlite_path(url), timeout=30) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
        return counts
    _postgres("pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={url}", str(source))
    return None


def _postgres(tool: str, *args: str) -> None:
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is needed for PostgreSQL (Debian package postgresql-client)")
    # The tools take libpq addresses, without SQLAlchemy's driver suffix.
    plain = [
        a.replace("postgresql+psycopg://", "postgresql://").replace("postgresql+psycopg2://", "postgresql://")
        for a in args
    ]
    result = subprocess.run([tool, *plain], capture_output=True, text=True)  # noqa: S603  (fixed tool, no shell)
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or f"{tool} failed")
