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


def answer(client, key: str, score: int = 9, headers: dict | None = None, address: str | None = None) -> int:
    """One answer from the page's origin; its status."""
    environ = {"REMOTE_ADDR": address} if address else {}
    sent = client.post(
        f"/api/v1/sites/{key}/responses",
        json={"score": score},
        headers={"Origin": ORIGIN, **(headers or {})},
        environ_base=environ,
    )
    return sent.status_code


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


def test_a_new_user_agent_is_not_a_new_client(make_app):
    app, key = limited_app(make_app)
    client = app.test_client()
    codes = [answer(client, key, 10, headers={"User-Agent": f"browser/{n}"}) for n in range(4)]
    assert codes == [201, 201, 429, 429]
    assert client.get(f"/api/v1/sites/{key}/nps").json["total"] == 2


def test_addresses_of_one_ipv6_64_are_one_client(make_app):
    """A home or a phone gets a whole /64 and picks any address in it: they count as one."""
    app, key = limited_app(make_app)
    client = app.test_client()
    codes = [answer(client, key, 10, address=f"2001:db8:0:1::{n + 1:x}") for n in range(3)]
    another_home = answer(client, key, 10, address="2001:db8:0:2::1")
    assert codes == [201, 201, 429] and another_home == 201


def test_the_limiter_stores_no_address(make_app):
    from extensions import limiter

    app, key = limited_app(make_app)
    address = "203.0.113.77"
    response = app.test_client().post(
        f"/api/v1/sites/{key}/responses",
        json={"score": 9},
        headers={"Origin": ORIGIN},
        environ_base={"REMOTE_ADDR": address},
    )
    assert response.status_code == 201
    keys = list(limiter.storage.storage)  # the in-process storage's counters, by key
    assert keys and not any(address in key for key in keys)


def test_without_proxies_forwarded_for_is_ignored(make_app):
    app, key = limited_app(make_app)
    client = app.test_client()
    codes = [answer(client, key, headers={"X-Forwarded-For": f"198.51.100.{n}"}) for n in range(3)]
    assert codes == [201, 201, 429]


def test_behind_a_proxy_clients_are_told_apart(make_app):
    app, key = limited_app(make_app, PLAUDIT_PROXY_COUNT=1)
    client = app.test_client()
    codes = [answer(client, key, headers={"X-Forwarded-For": f"203.0.113.{n}"}, address="10.0.0.1") for n in range(3)]
    assert codes == [201, 201, 201]  # three real clients behind the same proxy


LINKED = ("/wall/{key}", "/api/v1/sites/{key}/wall", "/api/v1/sites/{key}/testimonials", "/t/{id}")


def approved_on(app, key: str) -> int:
    """One approved testimonial with a photo (so the wall data carries a photo link)."""
    from extensions import db
    from models import Response, Site, Testimonial

    with app.app_context():
        site = db.session.execute(db.select(Site).filter_by(key=key)).scalar_one()
        answer = Response(site=site, score=10, category="promoter", lang="en", visitor_hash="v", token_hash="t")
        testimonial = Testimonial(
            site=site, response=answer, quote="Lovely", status="approved", photo="p.jpg", display_name="Ann"
        )
        db.session.add_all([answer, testimonial])
        db.session.commit()
        return testimonial.id


def test_without_a_public_url_forwarded_host_links_are_not_cached_publicly(make_app):
    """Behind a proxy, X-Forwarded-Host decides the links; a CDN must not keep one client's."""
    app, key = app_with_site(make_app, PLAUDIT_PUBLIC_URL=None, PLAUDIT_PROXY_COUNT=1)
    testimonial_id = approved_on(app, key)
    client = app.test_client()
    forged = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    for path in LINKED:
        served = client.get(path.format(key=key, id=testimonial_id), headers=forged)
        assert served.status_code == 200, path
        assert served.headers["Cache-Control"].startswith("private"), path
        assert "Set-Cookie" not in served.headers, path
    badge = client.get(f"/badge/{key}.svg", headers=forged)  # no link in it: shared as before
    assert badge.headers["Cache-Control"].startswith("public")


def test_without_a_public_url_host_links_are_not_cached_publicly(make_app):
    app, key = app_with_site(make_app, PLAUDIT_PUBLIC_URL=None)
    testimonial_id = approved_on(app, key)
    client = app.test_client()
    for path in LINKED:
        served = client.get(path.format(key=key, id=testimonial_id), base_url="http://evil.example")
        assert served.headers["Cache-Control"].startswith("private"), path


def test_with_a_public_url_links_ignore_request_headers_and_are_shared(make_app):
    app, key = app_with_site(make_app, PLAUDIT_PUBLIC_URL="https://nps.example.com", PLAUDIT_PROXY_COUNT=1)
    testimonial_id = approved_on(app, key)
    client = app.test_client()
    forged = {"X-Forwarded-Host": "evil.example", "X-Forwarded-For": "203.0.113.9"}
    for path in LINKED:
        served = client.get(path.format(key=key, id=testimonial_id), headers=forged)
        assert served.headers["Cache-Control"].startswith("public"), path
        assert "evil.example" not in served.get_data(as_text=True), path
    share = client.get(f"/t/{testimonial_id}", headers=forged).get_data(as_text=True)
    assert f'<meta property="og:image" content="https://nps.example.com/t/{testimonial_id}.png">' in share
    wall = client.get(f"/api/v1/sites/{key}/wall", headers=forged).json
    assert wall["testimonials"][0]["photo_url"] == "https://nps.example.com/media/p.jpg"


def test_a_proxy_without_a_public_url_is_warned_about(make_app, caplog):
    make_app(PLAUDIT_PUBLIC_URL=None, PLAUDIT_PROXY_COUNT=1)
    assert "PLAUDIT_PUBLIC_URL" in caplog.text
    caplog.clear()
    make_app(PLAUDIT_PROXY_COUNT=1)  # the tests' configured URL
    assert "PLAUDIT_PUBLIC_URL" not in caplog.text
