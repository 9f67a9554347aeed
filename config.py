"""The one place that reads the environment. Every default is safe for a first run."""

from __future__ import annotations

import importlib.util
import os
import secrets
from pathlib import Path


def normalise_database_url(url: str) -> str:
    """Accept `postgres://` and `postgresql://` as given and pick the installed driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            rest = url[len(prefix) :]
            driver = "psycopg" if importlib.util.find_spec("psycopg") else "psycopg2"
            return f"postgresql+{driver}://{rest}"
    return url


def instance_secret_key(instance_path: str) -> str:
    """A key generated on first start and kept in the instance folder, so sessions survive
    restarts and every worker of one instance signs with the same key."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: when several gunicorn workers start at once, exactly one writes the key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
    return path.read_text().strip()


def env_flag(name: str) -> bool:
    """A plain `NAME=true` / `false` (also 1/0, yes/no, on/off) boolean from the environment."""
    return (os.environ.get(name) or "").strip().lower() in ("1", "true", "yes", "on")


def mail_settings() -> dict:
    """The SMTP server e-mails go through, under Flask-Mailman's own names. Without MAIL_SERVER
    nothing is sent: messages are kept in the outbox and shown on the back office's E-mails page.
    `FLASK_MAIL_…` forms work too (from_prefixed_env, after these)."""
    return {
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT") or 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": env_flag("MAIL_USE_TLS"),
        "MAIL_USE_SSL": env_flag("MAIL_USE_SSL"),
        # The instance's From; without it, plaudit@ the public address's host (core.mail).
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER") or None,
        # Said explicitly: Flask-Mailman picks its in-memory backend whenever TESTING is set, and
        # the tests talk to a real SMTP server.
        "MAIL_BACKEND": "smtp",
        # Flask-Mailman waits forever by default; a silent server must not hold the mail thread
        # past its claim on the message (core.mail.CLAIM).
        "MAIL_TIMEOUT": 20,
    }


def settings(instance_path: str) -> dict:
    """Configuration from the environment (CONTRACT.md, "Configuration")."""
    database_url = os.environ.get("DATABASE_URL") or "sqlite:///" + os.path.join(instance_path, "plaudit.sqlite3")
    redis_url = os.environ.get("REDIS_URL")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or instance_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "PLAUDIT_PUBLIC_URL": (os.environ.get("PLAUDIT_PUBLIC_URL") or "").rstrip("/") or None,
        "REDIS_URL": redis_url,
        # Rate limits: shared through Redis when there is one, in-process otherwise. When Redis
        # is down the limiter fails open (swallows its errors) rather than refusing visitors.
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # Said explicitly: the limiter object is shared, and would keep another app's choice.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": "plaudit",
        "PLAUDIT_SUBMIT_LIMIT": "30/minute;300/hour",
        "PLAUDIT_COMPLETE_LIMIT": "60/minute",
        # A widget body is a few hundred bytes; 64 KiB leaves room and stops floods early.
        "MAX_CONTENT_LENGTH": 64 * 1024,
        # Except on the three photo uploads: a phone's photo is 2 to 5 MB, a few reach 8.
        "PLAUDIT_PHOTO_MAX_BYTES": 10 * 1024 * 1024,
        # A respondent adds a photo or two; each upload costs a decoding (core/images.py).
        "PLAUDIT_PHOTO_LIMIT": "10/minute;60/hour",
        # Re-encoded photos, under server-made names.
        "PLAUDIT_MEDIA_DIR": os.path.join(instance_path, "media"),
        # Secure cookies whenever the public address is https (Flask's own settings win).
        "SESSION_COOKIE_SECURE": (os.environ.get("PLAUDIT_PUBLIC_URL") or "").startswith("https://"),
        "REMEMBER_COOKIE_SECURE": (os.environ.get("PLAUDIT_PUBLIC_URL") or "").startswith("https://"),
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PLAUDIT_LOGIN_LIMIT": "10/minute;50/hour",
        # How many reverse proxies (load balancer, CDN…) stand in front and append to
        # X-Forwarded-For. 0: trust no such header (the default, safe when exposed directly).
        "PLAUDIT_PROXY_COUNT": int(os.environ.get("PLAUDIT_PROXY_COUNT") or 0),
        # How long the bearer token of a response may complete or change it.
        "PLAUDIT_RESPONSE_EDIT_HOURS": 24,
        # View counts reach the database in one transaction every this many seconds (from a
        # thread in each process), not one commit per page view: core/rollups.py.
        "PLAUDIT_VIEW_FLUSHER": True,
        "PLAUDIT_VIEW_FLUSH_SECONDS": 5.0,
        "JSON_SORT_KEYS": False,
        # E-mails leave from a thread of each process (core.mail.MailWorker), from the outbox.
        "PLAUDIT_MAIL_WORKER": True,
        "PLAUDIT_MAIL_INTERVAL_SECONDS": 5.0,
        **mail_settings(),
    }


class TestConfig:
    """What tests change: their own database, no shared state between tests."""

    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105  (tests only)
    SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("TEST_DATABASE_URL") or "sqlite://")
    RATELIMIT_STORAGE_URI = "memory://"
    WTF_CSRF_ENABLED = True
    # Tests deliver webhooks themselves, when they choose; no thread behind their back.
    PLAUDIT_WEBHOOKS_WORKER = False
    # Nor for e-mails: tests deliver them (core.mail.deliver_due) when they choose.
    PLAUDIT_MAIL_WORKER = False
    # Nor for view counts: tests flush them (core.rollups.flush_views) when they choose.
    PLAUDIT_VIEW_FLUSHER = False
    PLAUDIT_PUBLIC_URL = "http://plaudit.test"
