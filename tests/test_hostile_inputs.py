"""Inputs that once ended in a 500 with a traceback: each is refused with a 4xx in the API's one
error shape."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.conftest import ORIGIN

DEEP = "[" * 60_000  # under MAX_CONTENT_LENGTH, and deeper than any JSON parser recurses


def assert_error_shape(response, code: int) -> dict:
    assert response.status_code == code, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors"} and body["code"] == code
    return body


@pytest.fixture
def tokens(runner, make_user, site) -> dict:
    make_user("owner@example.org", "owner", sites=[site])
    make_user("mod@example.org", "moderator", sites=[site])

    def bearer(email: str) -> dict:
        created = runner.invoke(args=["token", "create", "--email", email, "--json"]).output
        return {"Authorization": "Bearer " + json.loads(created)["token"]}

    return {"owner": bearer("owner@example.org"), "moderator": bearer("mod@example.org")}


@pytest.mark.parametrize("path", ["/api/v1/sites/{key}/responses", "/api/v1/sites/{key}/views"])
def test_deeply_nested_json_is_a_400(client, site, path):
    for content_type in ("application/json", "text/plain"):
        response = client.post(
            path.format(key=site.key), data=DEEP, headers={"Origin": ORIGIN, "Content-Type": content_type}
        )
        assert_error_shape(response, 400)


def test_deeply_nested_json_completing_an_answer_is_a_400(client, site):
    created = client.post(f"/api/v1/sites/{site.key}/responses", json={"score": 9}, headers={"Origin": ORIGIN}).json
    response = client.patch(
        f"/api/v1/responses/{created['id']}",
        data=DEEP,
        headers={"Authorization": f"Bearer {created['token']}", "Content-Type": "application/json"},
    )
    assert_error_shape(response, 400)


@pytest.mark.parametrize("cursor", ["99999999999999999999", "2147483648"])
def test_a_cursor_past_any_row_id_is_a_422(client, site, tokens, cursor):
    public = client.get(f"/api/v1/sites/{site.key}/testimonials?cursor={cursor}")
    assert "cursor" in assert_error_shape(public, 422)["errors"]
    queue = client.get(f"/api/v1/moderation/testimonials?cursor={cursor}", headers=tokens["moderator"])
    assert "cursor" in assert_error_shape(queue, 422)["errors"]
    assert client.get(f"/api/v1/sites/{site.key}/testimonials?cursor=2147483647").status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/api/v1/sites/{key}/stats", "/api/v1/sites/{key}/responses", "/api/v1/sites/{key}/responses?format=json"],
)
@pytest.mark.parametrize("query", ["to=9999-12-31", "from=9999-12-31", "from=0001-01-01&to=0001-01-01"])
def test_a_date_out_of_range_is_a_422(client, site, tokens, path, query):
    separator = "&" if "?" in path else "?"
    response = client.get(path.format(key=site.key) + separator + query, headers=tokens["owner"])
    body = assert_error_shape(response, 422)
    assert set(body["errors"]) <= {"from", "to"} and body["errors"]


def test_an_export_fails_before_it_starts_streaming(app, site):
    """A query the database refuses must fail while the view can still answer in the error shape,
    not after the status line is sent (gunicorn then answers its own HTML 500)."""
    from core.exports import csv_lines, json_chunks
    from core.stats import Filters

    for export in (csv_lines, json_chunks):
        with pytest.raises(OverflowError):
            export(site, Filters(end=date.max), None)
