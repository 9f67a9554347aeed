"""How the API reads a request, on flask-smorest and webargs: its body rules, its one error shape
for bad arguments, and the order of its refusals."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus

from flask import abort
from flask_smorest import Blueprint
from marshmallow import ValidationError
from webargs.flaskparser import FlaskParser


def json_object(request) -> dict:
    """The body as a JSON object, whatever its Content-Type says: the view beacon comes as
    text/plain, so that browsers send it without a preflight."""
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        abort(400, description="The body must be a JSON object.")
    try:
        json.dumps(body, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        # JSON may escape half of a UTF-16 pair ("\\ud800") alone: that is no character, and no
        # database stores it as text. Refused here, whichever field carries it.
        abort(400, description="The body contains a lone surrogate escape (\\ud800 to \\udfff), which is not text.")
    return body


class RequestParser(FlaskParser):
    """webargs' parser, with the API's rules for bodies: `json` is one JSON object (400 for
    anything else, an empty body included); `json_or_empty` is the same, or nothing at all."""

    __location_map__ = {**FlaskParser.__location_map__, "json_or_empty": "load_json_or_empty"}

    def load_json(self, req, schema):
        return json_object(req)

    def load_json_or_empty(self, req, schema):
        return json_object(req) if req.get_data(cache=True) else {}

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        # webargs files each field's messages under the location it came from ({"json": {"score":
        # [...]}}); the API's errors name the fields themselves, wherever they were sent.
        # errors.py answers the ValidationError in the one shape: 422 for the API.
        raise ValidationError(
            {
                field: messages
                for per_location in error.messages.values()
                for field, messages in (
                    per_location if isinstance(per_location, dict) else {"_schema": per_location}
                ).items()
            }
        )


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = RequestParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "json_or_empty": "application/json",
    }

    def described(self, *refusals: int, not_modified: bool = False, **doc) -> Callable:
        """What a route's other decorators do not say, in one flask-smorest `doc` (each of its
        decorators is one more call around every request): the errors it may answer besides a
        422 for its arguments (which `arguments` documents), each in the one error shape; a 304
        for a cached read (If-None-Match); and any other doc, such as its security."""
        responses: dict = {code: HTTPStatus(code).name for code in refusals}
        if not_modified:
            responses[304] = {"description": "Not Modified: the copy the client holds (If-None-Match) is current"}
        return self.doc(responses=responses, **doc)


def resolved(name: str, lookup: Callable) -> Callable:
    """Gives the view `name=lookup(**the URL's values)`, looked up before its arguments are
    parsed: a caller who may not call, or who calls about nothing, hears that (401, 403, 404)
    before anything about the rest of the request (422). Goes above `arguments`."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def with_lookup(*args, **url_values):
            return view(*args, **url_values, **{name: lookup(**url_values)})

        return with_lookup

    return decorator
