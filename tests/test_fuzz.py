"""Schemathesis fuzzes the API from the OpenAPI document it generates: no 5xx, nothing off the
document, on every operation; and the document describes every route of the API.

A bounded run (a few examples per operation) is part of the suite; raise FUZZ_EXAMPLES for a
longer hunt: `FUZZ_EXAMPLES=500 make test PYTEST_ARGS=tests/test_fuzz.py`.
"""

from __future__ import annotations

import json
import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import create_app
from config import TestConfig
from core.exports import COLUMNS
from tests.conftest import ORIGIN

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
DOCUMENT = "/api/v1/openapi.json"
METHODS = ("get", "put", "post", "patch", "delete")
# The operations that take nothing but their URL: every other one must declare its arguments.
TAKES_NOTHING = {
    ("get", "/api/v1/openapi.json"),
    ("get", "/api/v1/sites/{key}/nps"),
    ("post", "/api/v1/moderation/testimonials/{testimonial_id}/{action}"),
}
# The config's one argument can be nothing but right (any language; one without texts gets the
# site's default): described by its schema, it is never a 422.
REFUSES_NO_ARGUMENT = {("get", "/api/v1/sites/{key}/config")}


def served_document() -> dict:
    """The document as an app serves it, read when the tests are collected (to parametrize)."""
    app = create_app(
        {**{k: v for k, v in vars(TestConfig).items() if k.isupper()}, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    return app.test_client().get(DOCUMENT).get_json()


def operations_of(document: dict) -> list[tuple[str, str]]:
    return sorted((method, path) for path, item in document["paths"].items() for method in item if method in METHODS)


def api_routes(app) -> list[tuple[str, str]]:
    """Every (method, path) the app routes under /api/v1, its path written as OpenAPI writes it."""
    return sorted(
        (method.lower(), re.sub(r"<(?:[^<>]*:)?([^<>:]+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


OPERATIONS = operations_of(served_document())


@pytest.fixture
def app_config() -> dict:
    return {"RATELIMIT_ENABLED": False}  # the limiter is tested elsewhere; here it would only answer 429


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi(DOCUMENT, app)


def test_the_document_describes_every_route_of_the_api(app, client):
    document = client.get(DOCUMENT).json
    assert operations_of(document) == api_routes(app) == OPERATIONS
    for method, path in OPERATIONS:
        operation = document["paths"][path][method]
        assert operation["summary"], (method, path)
        success = {code: answer for code, answer in operation["responses"].items() if code.startswith("2")}
        assert success, (method, path)
        for code, answer in success.items():
            # An answer with a body says what is in it, from a schema.
            assert code == "204" or all("schema" in media for media in answer["content"].values()), (method, path)
        assert operation["responses"]["default"] == {"$ref": "#/components/responses/DEFAULT_ERROR"}
        parameters = [p for p in operation.get("parameters", []) if p["in"] != "path"]
        if (method, path) not in TAKES_NOTHING:
            # Its arguments come from a schema: query parameters or a body, and the 422 for them.
            assert parameters or "schema" in next(iter(operation["requestBody"]["content"].values())), (method, path)
        if (method, path) not in TAKES_NOTHING | REFUSES_NO_ARGUMENT:
            assert operation["responses"]["422"] == {"$ref": "#/components/responses/UNPROCESSABLE_ENTITY"}
    # The JSON export is streamed by core.exports, not dumped: its rows' schema names its columns.
    assert sorted(document["components"]["schemas"]["ExportRecord"]["properties"]) == sorted(COLUMNS)
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "status", "message", "errors"} == set(error["properties"])


def test_the_fuzzer_reads_every_operation(app, api_schema):
    # Each operation as schemathesis loads it: one it could not read would be an error here. Left
    # to itself it leaves out the one serving the document, which the test below fuzzes too.
    read = [(result.ok().method.lower(), result.ok().path) for result in api_schema.get_all_operations()]
    assert sorted([*read, ("get", DOCUMENT)]) == api_routes(app) == OPERATIONS


@pytest.fixture
def credentials(app, db, client, runner, make_site, make_user, make_testimonial):
    site = make_site()
    testimonial = make_testimonial(site, status="approved")
    make_user("owner@example.org", "owner", all_sites=True)
    token = json.loads(runner.invoke(args=["token", "create", "--email", "owner@example.org", "--json"]).output)[
        "token"
    ]
    created = client.post(f"/api/v1/sites/{site.key}/responses", json={"score": 9}, headers={"Origin": ORIGIN}).json
    # An answer whose words are consented: the photo upload reaches past its 409.
    consented = client.post(
        f"/api/v1/sites/{site.key}/responses",
        json={"score": 10},
        headers={"Origin": ORIGIN},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    ).json
    client.patch(
        f"/api/v1/responses/{consented['id']}",
        json={"why": "Lovely", "consent": True},
        headers={"Origin": ORIGIN, "Authorization": f"Bearer {consented['token']}"},
    )
    return {
        "site": site.key,
        "owner": token,
        "response": created,
        "consented": consented,
        "testimonial": testimonial.id,
    }


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_api_keeps_its_description(api_schema, credentials, method, path):
    operation = api_schema[path][method.upper()]
    answer = credentials["consented" if path.endswith("/photo") else "response"]

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def fuzz(case):
        # Aim most calls at things that exist, so the fuzzer reaches past the 404s.
        parameters = case.path_parameters or {}
        token = credentials["owner"]
        if "key" in parameters:
            parameters["key"] = credentials["site"]
        if "testimonial_id" in parameters:
            parameters["testimonial_id"] = credentials["testimonial"]
        if "response_id" in parameters:
            parameters["response_id"] = answer["id"]
            token = answer["token"]
        case.headers = {**(case.headers or {}), "Origin": ORIGIN, "Authorization": f"Bearer {token}"}
        case.call_and_validate(checks=CHECKS)

    fuzz()
