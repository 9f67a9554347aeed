"""The floor under a submit: the least any Flask view could do to store and count an answer and
tell other processes, served with the same gunicorn settings as the yardstick and Plaudit
(bench/submit_throughput.py --floor).

One INSERT of the answer with its duplicate flag, in autocommit; the database counts it in the
daily rollup itself (models.ANSWER_ROLLUP_TRIGGERS, as for Plaudit). Then the signal that tells
other processes: the Redis increment when REDIS_URL is set (PostgreSQL), a file's time touched
(SQLite, in WAL mode as Plaudit sets it up). No validation, no site lookup, no rate limit, no
webhooks, no ORM, no transaction around the write: what Plaudit does beyond this is its framework
and its rules.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
import tempfile

import psycopg
from flask import Flask, request

app = Flask(__name__)
DATABASE_URL = os.environ["DATABASE_URL"]
ON_SQLITE = DATABASE_URL.startswith("sqlite:///")
_connection = None
_redis = None
_site_ids: dict[str, int] = {}  # looked up once per worker, as Plaudit keeps sites in memory

ANSWER = """
INSERT INTO response (site_id, score, category, lang, touchpoint, page_url, attributes,
                      visitor_hash, is_duplicate, token_hash, followup_status, created_at, updated_at)
SELECT %(site)s::int, %(score)s::int, %(category)s::varchar, 'en', %(touchpoint)s::varchar,
       %(page)s::varchar, '{}', %(visitor)s::varchar,
       EXISTS (SELECT 1 FROM response WHERE site_id = %(site)s::int AND visitor_hash = %(visitor)s::varchar),
       %(token)s::varchar, 'new', now(), now()
RETURNING id
"""

SQLITE_ANSWER = """
INSERT INTO response (site_id, score, category, lang, touchpoint, page_url, attributes,
                      visitor_hash, is_duplicate, token_hash, followup_status, created_at, updated_at)
SELECT :site, :score, :category, 'en', :touchpoint, :page, '{}', :visitor,
       EXISTS (SELECT 1 FROM response WHERE site_id = :site AND visitor_hash = :visitor),
       :token, 'new', strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')
RETURNING id
"""
SIGNAL = os.path.join(tempfile.gettempdir(), f"plaudit-floor-{os.getppid()}")


def connection():
    global _connection, _redis
    if _connection is None and ON_SQLITE:  # per worker, after gunicorn's fork
        _connection = sqlite3.connect(DATABASE_URL.removeprefix("sqlite:///"), timeout=10)
        _connection.execute("PRAGMA journal_mode=WAL")
        _connection.execute("PRAGMA synchronous=NORMAL")
    elif _connection is None:
        _connection = psycopg.connect(DATABASE_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
        if os.environ.get("REDIS_URL"):
            import redis

            _redis = redis.Redis.from_url(os.environ["REDIS_URL"])
    return _connection


def write(params: dict) -> int:
    """Store the answer (counted by the database), and tell the other processes; return its id."""
    if not ON_SQLITE:
        answer_id = connection().execute(ANSWER, params).fetchone()[0]
        if _redis is not None:
            _redis.hincrby("plaudit:generation", "writes", 1)
        return answer_id
    with connection() as db:  # committed on leaving
        answer_id = db.execute(SQLITE_ANSWER, params).fetchone()[0]
    with open(SIGNAL, "a"):
        os.utime(SIGNAL)
    return answer_id


@app.post("/floor/<key>")
def floor(key: str):
    if key not in _site_ids:
        query = "SELECT id FROM site WHERE key = ?" if ON_SQLITE else "SELECT id FROM site WHERE key = %s"
        _site_ids[key] = connection().execute(query, (key,)).fetchone()[0]
    site_id = _site_ids[key]
    body = request.get_json(force=True)
    score = int(body["score"])
    visitor = hmac.new(
        b"floor", f"{request.remote_addr}\n{request.headers.get('User-Agent', '')}".encode(), hashlib.sha256
    ).hexdigest()
    token = secrets.token_urlsafe(24)
    params = {
        "site": site_id,
        "score": score,
        "category": "promoter" if score >= 9 else "passive" if score >= 7 else "detractor",
        "touchpoint": body.get("touchpoint"),
        "page": body.get("page_url"),
        "visitor": visitor,
        "token": hashlib.sha256(token.encode()).hexdigest(),
    }
    return {"id": write(params), "token": token}, 201
