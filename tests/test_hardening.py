"""Security headers, trusted hosts, and a proxy setting that forged headers cannot fool."""

from __future__ import annotations

from tests.conftest import ORIGIN, app_with_site


def test_security_headers_everywhere(client, site, make_testimonial):
    make_testimonial(site, status="approved")  # a wall page to show
    for path in ("/", f"/api/v1/sites/{site.key}/config", "/widget.js", f"/wall/{site.key}", "/healthz", "/nope"):
        assert client.get(path).headers["X-Content-Type-Options"] == "nosniff", path
    page = client.get(f"/wall/{site.key}")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in page.headers  # plain http: no HSTS
    secure = client.get(f"/wall/{site.key}", base_url="https://plaudit.test")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_trusted_hosts(make_app):
    app = make_app(TRUSTED_HOSTS=["nps.example.com"])
    client = app.test_client()
    assert client.get("/healthz", base_url="http://nps.example.com").status_code != 400
    assert client.get("/healthz", base_url="http://evil.example").status_code == 400


def limited_app(make_app, **config):
    return app_with_site(make_app, PLAUDIT_SUBMIT_LIMIT="2/minute", **config)


def test_forged_forwarded_for_does_not_change_the_rate_limit_key(make_app):
    app, key = limited_app(make_app, PLAUDIT_PROXY_COUNT=1)
    client = app.test_client()

    def post(forged: str):
        # The proxy (10.0.0.1) appends the address it saw; the client wrote `forged` itself.
        return client.post(
            f"/api/v1/sites/{key}/responses",
            json={"score": 9},
            headers={"Origin": ORIGIN, "X-Forwarded-For": f"{forged}, 203.0.113.7"},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
        )

    codes = [post(f"198.51.100.{n}").status_code for n in range(3)]
    assert codes == [201, 201, 429]  # one client, however many addresses it claims


def test_without_proxies_forwarded_for_is_ignored(make_app):
    app, key = limited_app(make_app)
    client = app.test_client()
    codes = [
        client.post(
            f"/api/v1/sites/{key}/responses",
            json={"score": 9},
            headers={"Origin": ORIGIN, "X-Forwarded-For": f"198.51.100.{n}"},
        ).status_code
        for n in range(3)
    ]
    assert codes == [201, 201, 429]


def test_behind_a_proxy_clients_are_told_apart(make_app):
    app, key = limited_app(make_app, PLAUDIT_PROXY_COUNT=1)
    client = app.test_client()
    codes = [
        client.post(
            f"/api/v1/sites/{key}/responses",
            json={"score": 9},
            headers={"Origin": ORIGIN, "X-Forwarded-For": f"203.0.113.{n}"},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
        ).status_code
        for n in range(3)
    ]
    assert codes == [201, 201, 201]  # three real clients behind the same proxy
