"""Every error of the app is answered here, in the kind of the blueprint it is for (DESIGN
rule 11): the API's one JSON shape,
`{"code": 422, "status": "Unprocessable Entity", "message": "…", "errors": {…}}`,
or, for a blueprint with pages for people (the back office), an HTML page in its own layout.
Views, and the core/ helpers they call (core.sites.site_or_404, core.query_args), only
`abort()` or raise. It sits beside app.py, not in a blueprint: it answers for all of them."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from jinja2 import TemplateNotFound
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError, ServiceUnavailable
from werkzeug.http import HTTP_STATUS_CODES

from core.moderation import ModerationError
from core.survey import SurveyError
from extensions import db

# What the back office's error pages say, in the reader's language: the status, and for an
# error that came with no words of its own (Werkzeug's and Flask-WTF's stock ones), these.
STATUS_TITLES = {
    400: _l("Bad Request"),
    401: _l("Unauthorized"),
    403: _l("Forbidden"),
    404: _l("Not Found"),
    405: _l("Method Not Allowed"),
    409: _l("Conflict"),
    413: _l("Request Entity Too Large"),
    422: _l("Unprocessable Entity"),
    429: _l("Too Many Requests"),
    500: _l("Internal Server Error"),
    503: _l("Service Unavailable"),
}
STOCK_MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have access to this page."),
    404: _l("There is no such page, or it no longer exists."),
    405: _l("This address does not accept that kind of request."),
    413: _l("What was sent is too large."),
    500: _l("Something went wrong on our side; it has been logged."),
}
CSRF_MESSAGES = {
    "The CSRF token is missing.": _l("The CSRF token is missing."),
    "The CSRF token has expired.": _l("The CSRF token has expired."),
    "The CSRF token is invalid.": _l("The CSRF token is invalid."),
    "The CSRF session token is missing.": _l("The CSRF session token is missing."),
    "The CSRF tokens do not match.": _l("The CSRF tokens do not match."),
    "The referrer header is missing.": _l("The referrer header is missing."),
    "The referrer does not match the host.": _l("The referrer does not match the host."),
}


def _plain(value):
    """Texts that may be lazy (marked for translation), made plain strings for JSON."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value if value is None or isinstance(value, int | float | bool) else str(value)


def error_response(code: int, message: str, errors: dict | None = None, headers=None):
    # The API speaks English whatever the reader's language: scripts read and match its messages.
    with force_locale("en"):
        message, errors = str(message), _plain(errors or {})
    body = {
        "code": code,
        "status": HTTP_STATUS_CODES.get(code, "Error"),
        "message": message,
        "errors": errors,
    }
    response = jsonify(body)
    response.status_code = code
    if headers:
        response.headers.update(headers)
    return response


def _wants_html() -> bool:
    if request.path.startswith("/api/"):
        return False
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html"


def _blueprint_of_request() -> str | None:
    """The blueprint the request is for; a URL that matched no route (a 404, a 405) has none
    yet, so it is found by its blueprint's URL prefix (/admin/nothing is the back office's)."""
    if request.blueprint:
        return request.blueprint
    for name, blueprint in current_app.blueprints.items():
        prefix = (blueprint.url_prefix or "").rstrip("/")
        if prefix and (request.path == prefix or request.path.startswith(prefix + "/")):
            return name
    return None


def _error_page(code: int, message: str, errors: dict | None = None, headers=None):
    """The request's blueprint's own error page (`templates/NAME/error.html`), whatever the
    Accept header says: a person reads it in a browser. None if the blueprint has no pages."""
    name = _blueprint_of_request()
    if name is None or name == "api":
        return None
    try:
        template = current_app.jinja_env.get_template(f"{name}/error.html")
    except TemplateNotFound:
        return None
    status = STATUS_TITLES.get(code) or HTTP_STATUS_CODES.get(code, "Error")
    try:
        page = render_template(template, code=code, status=status, message=message, errors=errors or {})
    except OperationalError:
        # The layout reads the logged-in user: with the database down, the plain answer must do.
        db.session.rollback()
        return None
    return page, code, headers or []


def _answer(code: int, message: str, errors: dict | None = None, headers=None):
    return _error_page(code, message, errors, headers) or error_response(code, message, errors, headers)


def _from_http_exception(exc: HTTPException):
    errors = getattr(exc, "data", None) or {}
    message = exc.description or HTTP_STATUS_CODES.get(exc.code, "Error")
    if exc.code == 429:
        message = _l("Too many requests; slow down and try again shortly.")
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    page = _error_page(exc.code or 500, _for_people(exc, message), errors, headers)
    if page is None and _wants_html():
        return exc
    return page or error_response(exc.code or 500, message, errors, headers)


def _for_people(exc: HTTPException, message):
    """What a page says of the error: its own words, or ours in the reader's language in place
    of a library's stock English ones (the API keeps those: scripts may match them)."""
    if isinstance(message, str) and message == type(exc).description and exc.code in STOCK_MESSAGES:
        return STOCK_MESSAGES[exc.code]
    if isinstance(message, str) and message in CSRF_MESSAGES:
        return CSRF_MESSAGES[message]
    return message


def _from_validation_error(exc: ValidationError):
    db.session.rollback()
    errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    page = _error_page(400, _l("This address has a value the page cannot use."), errors)
    return page or error_response(422, "The request body is not valid.", errors)


def _from_survey_rule(exc: SurveyError):
    db.session.rollback()
    return _answer(exc.code, exc.message, {exc.field: [exc.message]})


def _from_moderation_rule(exc: ModerationError):
    db.session.rollback()
    return _answer(exc.code, exc.message)


def _from_bad_value(exc: DataError):
    # A value the database cannot hold (out of range, NUL in text): the request's fault.
    db.session.rollback()
    return _from_http_exception(BadRequest(_l("A value in the request cannot be stored.")))


def _from_database_outage(exc: OperationalError):
    db.session.rollback()
    return _from_http_exception(ServiceUnavailable(_l("The database is not answering; try again.")))


def _from_unexpected(exc: Exception):
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    return _from_http_exception(InternalServerError())


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, _from_http_exception)
    app.register_error_handler(ValidationError, _from_validation_error)
    app.register_error_handler(SurveyError, _from_survey_rule)
    app.register_error_handler(ModerationError, _from_moderation_rule)
    app.register_error_handler(OperationalError, _from_database_outage)
    app.register_error_handler(DataError, _from_bad_value)
    if not app.testing:
        # In tests an unexpected exception should fail loudly, with its traceback.
        app.register_error_handler(Exception, _from_unexpected)
