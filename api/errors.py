"""The one JSON error shape of the whole API, produced here and nowhere else:
`{"code": 422, "status": "Unprocessable Entity", "message": "…", "errors": {…}}`.
Views only `abort()` or raise."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, request
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError, ServiceUnavailable
from werkzeug.http import HTTP_STATUS_CODES

from core.moderation import ModerationError
from core.survey import SurveyError
from extensions import db


def error_response(code: int, message: str, errors: dict | None = None, headers=None):
    body = {
        "code": code,
        "status": HTTP_STATUS_CODES.get(code, "Error"),
        "message": message,
        "errors": errors or {},
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


def _from_http_exception(exc: HTTPException):
    if _wants_html():
        return exc
    errors = getattr(exc, "data", None) or {}
    message = exc.description or HTTP_STATUS_CODES.get(exc.code, "Error")
    if exc.code == 429:
        message = "Too many requests; slow down and try again shortly."
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    return error_response(exc.code or 500, message, errors, headers)


def _from_validation_error(exc: ValidationError):
    db.session.rollback()
    errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    return error_response(422, "The request body is not valid.", errors)


def _from_survey_rule(exc: SurveyError):
    db.session.rollback()
    return error_response(exc.code, exc.message, {exc.field: [exc.message]})


def _from_moderation_rule(exc: ModerationError):
    db.session.rollback()
    return error_response(exc.code, exc.message)


def _from_bad_value(exc: DataError):
    # A value the database cannot hold (out of range, NUL in text): the request's fault.
    db.session.rollback()
    return _from_http_exception(BadRequest("A value in the request cannot be stored."))


def _from_database_outage(exc: OperationalError):
    db.session.rollback()
    return _from_http_exception(ServiceUnavailable("The database is not answering; try again."))


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
