"""Plaudit's application factory: `flask --app app …` and `gunicorn 'app:create_app()'`."""

from __future__ import annotations

import os

from flask import Flask, abort, request
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

import config
from core import generation, i18n, rollups
from core.http_cache import Revalidations, build_id, is_public
from core.mail import MailWorker
from core.photos import allow_photo_body
from core.strings import direction, page_texts, public_lang
from core.webhooks import Dispatcher
from extensions import csrf, db, limiter, login_manager, mail, migrate
from models import MAX_ROW_ID


def create_app(test_config: dict | type | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.json = BoundedJSON(app)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config.settings(app.instance_path))
    app.config.from_prefixed_env()
    if test_config is not None:
        if isinstance(test_config, dict):
            app.config.from_mapping(test_config)
        else:
            app.config.from_object(test_config)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))
    limiter.init_app(app)
    _skip_idle_limit_check(app)
    login_manager.init_app(app)
    mail.init_app(app)
    i18n.init_app(app)
    app.session_interface = BackOfficeSessions()
    generation.init_app(app)
    rollups.init_app(app)
    if app.config.get("PLAUDIT_RENDER_CACHE", True):
        app.wsgi_app = Revalidations(app.wsgi_app, app.extensions["plaudit_generation"])
    proxies = int(app.config.get("PLAUDIT_PROXY_COUNT") or 0)
    if proxies and not app.config.get("PLAUDIT_PUBLIC_URL"):
        app.logger.warning(
            "PLAUDIT_PROXY_COUNT is set but PLAUDIT_PUBLIC_URL is not: links follow X-Forwarded-Host, so "
            "walls, wall data and share pages are served private and no CDN can cache them."
        )
    if proxies:
        # Behind N trusted proxies, the client is the address the Nth proxy from us saw: what a
        # client writes in X-Forwarded-For itself is further left and ignored (rate-limit key).
        # Outermost, so that everything inside sees the client as the proxies describe it.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.before_request(allow_photo_body)  # before CSRF's hook, the first to read a form
    csrf.init_app(app)
    with app.app_context():
        _tune_sqlite(db.engine)

    from admin import bp as admin_bp
    from api import bp as api_bp
    from cli import register_cli
    from errors import register_error_handlers
    from health import bp as health_bp
    from wall import bp as wall_bp
    from widget import bp as widget_bp

    # The API authenticates with bearer tokens; where it accepts a session it checks CSRF itself.
    csrf.exempt(api_bp)
    # Public reads are cached and cheap, and served by a CDN at scale; the limiter's per-request
    # bookkeeping would cost them more than it protects. Writes and logins keep their limits.
    limiter.exempt(wall_bp)
    limiter.exempt(health_bp)
    app.url_map.converters["id"] = RowId
    app.register_blueprint(api_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(wall_bp)
    app.register_blueprint(widget_bp)
    app.register_blueprint(health_bp)
    register_error_handlers(app)
    register_cli(app)
    app.after_request(security_headers)
    app.before_request(refuse_nul)
    app.jinja_env.globals["page_texts"] = page_texts
    app.jinja_env.globals["public_lang"] = public_lang
    app.jinja_env.globals["direction"] = direction
    app.config.setdefault("PLAUDIT_BUILD", build_id(app))
    if app.config.get("PLAUDIT_WEBHOOKS_WORKER", True):
        dispatcher = Dispatcher()
        app.before_request(lambda: dispatcher.start(app))
    if app.config.get("PLAUDIT_MAIL_WORKER", True):
        mail_worker = MailWorker()
        app.before_request(lambda: mail_worker.start(app, app.config["PLAUDIT_MAIL_INTERVAL_SECONDS"]))
    if app.config["PLAUDIT_VIEW_FLUSHER"]:
        flusher = rollups.ViewFlusher()
        app.before_request(lambda: flusher.start(app, app.config["PLAUDIT_VIEW_FLUSH_SECONDS"]))
    return app


def _skip_idle_limit_check(app: Flask) -> None:
    """Flask-Limiter checks default and application limits in a hook before every request,
    exempt or not, and that hook cost a fifth of a cached read. Plaudit declares each of its
    limits on its view, where the decorator checks it; so unless an operator configures default,
    application or meta limits (FLASK_RATELIMIT_DEFAULT…), the hook has nothing to check."""
    if any(app.config.get(f"RATELIMIT_{kind}") for kind in ("DEFAULT", "APPLICATION", "META")):
        return
    hooks = app.before_request_funcs.get(None, [])
    app.before_request_funcs[None] = [hook for hook in hooks if hook != limiter._check_request_limit]


class BackOfficeSessions(SecureCookieSessionInterface):
    """Signed-cookie sessions, which only the back office uses. A request without the cookie gets
    an empty session without building a signer. A public, cacheable response never saves the
    session, even a changed one (Flask-Login changes it when it restores a login from the
    remember cookie), and never carries any cookie: no `Set-Cookie` a CDN could store and hand
    to others, and no `Vary: Cookie` (added because Flask-Login looks at the session on every
    response) to split its cache by cookie. The back office restores the login again itself."""

    def open_session(self, app: Flask, request):
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:
        if is_public(response):
            # Sessions are saved after every after_request hook: the last word on this response.
            response.headers.remove("Set-Cookie")
            return
        super().save_session(app, session, response)


class BoundedJSON(DefaultJSONProvider):
    """JSON as Flask reads it, with one difference: a document nested deeper than the parser
    recurses (60 KB of `[`) is invalid JSON like any other, so `get_json` answers it with a 400
    (or None when silent) instead of letting RecursionError end in a 500."""

    def loads(self, s: str | bytes, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("The JSON document is nested too deeply.") from None


class RowId(IntegerConverter):
    """A row id in a URL: 1 to 2³¹−1, so that no number reaches the database it cannot hold."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ROW_ID)


def refuse_nul() -> None:
    """NUL cannot be stored in PostgreSQL text: refuse it at the door, in the URL and the query."""
    query = request.query_string
    nul_in_query = (b"%00" in query or b"\x00" in query) and any(
        "\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)
    )
    if "\x00" in request.path or nul_in_query:
        abort(400, description="The address contains a NUL character.")


def security_headers(response):
    """On every response; the back office sets a stricter policy of its own (admin/__init__.py)."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'",
        )
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    return response


def _tune_sqlite(engine: Engine) -> None:
    """WAL lets readers and one writer work at once; the busy timeout makes concurrent writers
    wait for each other instead of failing with "database is locked"."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
