"""The back office answers its errors as pages in its own layout (DESIGN rule 11), the API in its
one JSON shape, whatever the Accept header asks for."""

from __future__ import annotations

import pytest

from tests.conftest import login

LAYOUT = '<link rel="stylesheet" href="/static/css/admin.css">'


@pytest.fixture
def owner(client, make_user, site):
    make_user("owner@example.org", "owner", sites=[site])
    login(client, "owner@example.org")
    return site


def assert_back_office_page(response, status: int, *texts: str) -> str:
    page = response.get_data(as_text=True)
    assert response.status_code == status and response.mimetype == "text/html", page[:300]
    assert LAYOUT in page and 'aria-label="Back office"' in page  # the layout, with its navigation
    for text in texts:
        assert text in page
    return page


@pytest.mark.parametrize("accept", [None, "application/json", "text/html"])
def test_a_bad_query_value_gets_a_page_that_names_it(client, owner, accept):
    headers = {"Accept": accept} if accept else {}
    page = assert_back_office_page(client.get("/admin/?limit=abc", headers=headers), 400, "Bad Request")
    assert "<code>limit</code>: Not a valid integer." in page
    dashboard = client.get(f"/admin/sites/{owner.key}/dashboard?from=x", headers=headers)
    assert "<code>from</code>: Not a valid date." in assert_back_office_page(dashboard, 400)
    followups = client.get(f"/admin/sites/{owner.key}/followups?to=yesterday", headers=headers)
    assert "<code>to</code>" in assert_back_office_page(followups, 400)


def test_a_bad_value_is_escaped_on_the_page(client, owner):
    page = assert_back_office_page(client.get("/admin/?status=<b>x</b>"), 400)
    assert "<b>x</b>" not in page


def test_forbidden_and_missing_pages_keep_the_layout(client, owner, make_site, make_user):
    other = make_site(name="Someone else's")
    assert_back_office_page(client.get(f"/admin/sites/{other.key}/dashboard"), 403, "Forbidden")
    assert_back_office_page(client.get("/admin/sites/no-such-key/followups"), 404, "Not Found")
    assert_back_office_page(client.get("/admin/no/such/page"), 404, "Not Found")  # matched no route
    assert_back_office_page(client.get("/admin/logout"), 405, "Method Not Allowed")
    make_user("mod@example.org", "moderator", sites=[owner])
    login(client, "mod@example.org")
    assert_back_office_page(client.get("/admin/sites"), 403, "Forbidden")


def test_a_refused_form_post_is_a_page(client, owner):
    assert_back_office_page(client.post("/admin/logout", data={}), 400, "The CSRF token is missing.")


def test_the_api_keeps_its_json_errors(client, owner):
    for accept in ("text/html", "application/json"):
        response = client.get("/api/v1/sites/no-such-key/nps", headers={"Accept": accept})
        assert response.status_code == 404 and response.get_json()["code"] == 404
        response = client.get(f"/api/v1/sites/{owner.key}/stats?from=x", headers={"Accept": accept})
        assert response.status_code == 422 and response.get_json()["errors"]["from"]


def test_an_error_page_that_cannot_be_drawn_falls_back_to_the_plain_answer(client, owner, monkeypatch):
    """With the database down, the layout cannot read the logged-in user: the answer is still the
    error's status, never a 500 from the error handler itself."""
    from sqlalchemy.exc import OperationalError

    import errors

    def database_down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(errors, "render_template", database_down)
    response = client.get("/admin/no/such/page")
    assert response.status_code == 404 and response.get_json()["code"] == 404
    response = client.get("/admin/no/such/page", headers={"Accept": "text/html"})
    assert response.status_code == 404 and "Not Found" in response.get_data(as_text=True)


@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_the_apis_framework_answers_no_page_of_the_others(client, accept):
    """flask-smorest registers a JSON handler for every HTTP error of the app; errors.py's, which
    answers each blueprint in its own kind, must stay the one that answers."""
    for path in ("/admin/no/such/page", "/wall/no-such-key"):
        response = client.get(path, headers={"Accept": accept})
        assert response.status_code == 404 and response.mimetype == "text/html", path
        assert "<html" in response.get_data(as_text=True)
    api = client.get("/api/v1/no/such/thing", headers={"Accept": accept})
    assert api.status_code == 404 and set(api.get_json()) == {"code", "status", "message", "errors"}
