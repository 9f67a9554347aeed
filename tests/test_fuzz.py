"""Schemathesis fuzzes the API from its own OpenAPI description: no 5xx, nothing off-spec.

A bounded run (a few examples per operation) is part of the suite; raise FUZZ_EXAMPLES for a
longer hunt: `FUZZ_EXAMPLES=500 make test PYTEST_ARGS=tests/test_fuzz.py`.
"""

from __future__ import annotations

import json
import os

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

from tests.conftest import ORIGIN

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def app_config() -> dict:
    return {"RATELIMIT_ENABLED": False}  # the limiter is tested elsewhere; here it would only answer 429


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def credentials(app, db, runner, make_site, make_user, make_testimonial):
    site = make_site()
    make_testimonial(site, status="approved")
    make_user("owner@example.org", "owner", all_sites=True)
    token = json.loads(runner.invoke(args=["token", "create", "--email", "owner@example.org", "--json"]).output)[
        "token"
    ]
    created = app.test_client().post(
        f"/api/v1/sites/{site.key}/responses", json={"score": 9}, headers={"Origin": ORIGIN}
    )
    return {"site": site.key, "owner": token, "response": created.json}


def operations() -> list[tuple[str, str]]:
    from api.openapi import spec

    return [(path, method) for path, methods in spec()["paths"].items() for method in methods]


@pytest.mark.parametrize(("path", "method"), operations())
def test_api_keeps_its_description(api_schema, credentials, path, method):
    operation = api_schema[path][method.upper()]

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def fuzz(case):
        # Aim most calls at things that exist, so the fuzzer reaches past the 404s.
        if "key" in (case.path_parameters or {}):
            case.path_parameters["key"] = credentials["site"]
        token = credentials["owner"]
        if "response_id" in (case.path_parameters or {}):
            case.path_parameters["response_id"] = credentials["response"]["id"]
            token = credentials["response"]["token"]
        case.headers = {**(case.headers or {}), "Origin": ORIGIN, "Authorization": f"Bearer {token}"}
        case.call_and_validate(checks=CHECKS)

    fuzz()
