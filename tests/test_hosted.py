"""The hosted survey page `/s/KEY`, its QR code, and the channel of each answer: what the server
decides, through the real app (the page in Chromium: tests/browser/test_hosted.py)."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re

import pytest
import zxingcpp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from models import DailyView, Response
from tests.conftest import ORIGIN, login

OWN = "http://plaudit.test"  # TestConfig's PLAUDIT_PUBLIC_URL: the instance's own origin


def count(db, model):
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar()


def hosted_answer(client, site, score=9, origin=OWN, page=None, **body):
    page = page or f"{OWN}/s/{site.key}"
    return client.post(
        f"/api/v1/sites/{site.key}/responses",
        json={"score": score, "page_url": page, **body},
        headers={"Origin": origin} if origin else {},
    )


def decoded(png: bytes) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


# The page


def test_the_page_shows_the_site_and_mounts_the_widget_with_the_links_options(client, make_site):
    site = make_site(name='Café "<Bleu>"', theme_color="#0A7D5A")
    page = client.get(f"/s/{site.key}?touchpoint=counter&attr.store=paris&attr.plan=trial&lang=fr-CA&utm_source=x")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert '<h1 dir="auto">Café &#34;&lt;Bleu&gt;&#34;</h1>' in html  # escaped
    assert "<title>Café &#34;&lt;Bleu&gt;&#34; : votre avis</title>" in html
    host = re.search(r'<div id="survey"[^>]*>', html).group(0)
    assert f'data-site="{site.key}"' in host and 'data-lang="fr"' in host and 'data-touchpoint="counter"' in host
    assert 'data-attr-plan="trial"' in host and 'data-attr-store="paris"' in host
    assert "data-score" not in host and "utm" not in host
    # The same widget script, mounting nothing by itself, then the page's own script file.
    assert re.search(r'<script defer src="/widget\.js"></script>\s*<script defer src="/static/js/hosted\.js">', html)
    assert '<meta name="theme-color" content="#0a7d5a">' in html


def test_the_page_is_under_a_strict_policy_that_allows_its_one_style_by_hash(client, site):
    page = client.get(f"/s/{site.key}")
    policy = page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "script-src 'self';" in policy and "connect-src 'self';" in policy and "frame-ancestors 'none'" in policy
    html = page.get_data(as_text=True)
    assert html.count("<style>") == 1 and "style=" not in html and "<script>" not in html
    inline = re.search(r"<style>(.*?)</style>", html).group(1)
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    assert f"style-src 'self' 'sha256-{digest}'" in policy
    assert inline == ":root{--accent:#4f46e5}"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in page.headers


def test_the_page_is_cacheable_and_follows_the_sites_settings(client, db, site):
    first = client.get(f"/s/{site.key}")
    assert first.headers["Cache-Control"].startswith("public")
    again = client.get(f"/s/{site.key}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    site.name, site.theme_color = "Renamed", "#123456"
    db.session.commit()
    changed = client.get(f"/s/{site.key}", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and "Renamed" in changed.get_data(as_text=True)
    assert "--accent:#123456" in changed.get_data(as_text=True)


def test_a_score_is_only_a_preselection_and_a_plain_get_records_nothing(client, db, site):
    """Mail filters follow every link: neither the page nor its QR code writes anything."""
    for url in (f"/s/{site.key}?score=7", f"/s/{site.key}?score=0&touchpoint=mail", f"/s/{site.key}/qr.png"):
        assert client.get(url).status_code == 200
        assert client.head(url).status_code == 200
    html = client.get(f"/s/{site.key}?score=7").get_data(as_text=True)
    assert 'data-score="7"' in html
    assert count(db, Response) == 0 and count(db, DailyView) == 0
    for ignored in ("11", "-1", "abc", "7.5", "٣", "", "1e1"):
        assert "data-score" not in client.get(f"/s/{site.key}", query_string={"score": ignored}).get_data(as_text=True)


def test_an_unknown_key_is_the_public_error_page_not_json(client):
    for accept in ("text/html", "application/json", "*/*"):
        page = client.get("/s/no-such-site", headers={"Accept": accept})
        assert page.status_code == 404 and page.mimetype == "text/html"
        assert "There is nothing to show at this address." in page.get_data(as_text=True)
    french = client.get("/s/no-such-site?lang=fr")
    assert "<h1>Rien à afficher</h1>" in french.get_data(as_text=True)
    for qr in ("/s/no-such-site/qr.svg", "/s/no-such-site/qr.png"):
        assert client.get(qr).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        {"touchpoint": "<script>alert(1)</script>"},
        {"touchpoint": "x" * 65},
        {"touchpoint": " leading-space"},
        {"attr.Plan": "trial"},
        {"attr.": "trial"},
        {"attr.plan": "x" * 129},
        {f"attr.a{n}": "v" for n in range(21)},
    ],
)
def test_a_link_the_api_would_refuse_is_refused_at_once(client, db, site, query):
    """What the answer would carry must be what the API takes, or the visitor's answer would fail."""
    for url in (f"/s/{site.key}", f"/s/{site.key}/qr.svg"):
        page = client.get(url, query_string=query)
        assert page.status_code == 400 and page.mimetype == "text/html"
    assert count(db, Response) == 0


def test_an_empty_value_is_no_value(client, site):
    html = client.get(f"/s/{site.key}?touchpoint=&attr.plan=&lang=&score=").get_data(as_text=True)
    host = re.search(r'<div id="survey"[^>]*>', html).group(0)
    assert host == f'<div id="survey" data-site="{site.key}" data-lang="en">'


def test_a_language_falls_back_as_everywhere(client, make_site):
    site = make_site(default_lang="fr")
    assert '<html lang="fr">' in client.get(f"/s/{site.key}?lang=ja").get_data(as_text=True)
    assert '<html lang="en">' in client.get(f"/s/{site.key}?lang=en-GB").get_data(as_text=True)
    assert '<html lang="en">' in client.get(f"/s/{site.key}?lang=EN_us").get_data(as_text=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(
        st.sampled_from(["touchpoint", "lang", "score", "attr.plan", "attr.x-y", "attr.\u00e9", "attr.", "next"]),
        st.text(max_size=80).filter(lambda text: "\x00" not in text),
        max_size=5,
    )
)
def test_hostile_query_values_never_end_in_a_server_error(client, site, query):
    for url in (f"/s/{site.key}", f"/s/{site.key}/qr.svg", f"/s/{site.key}/qr.png"):
        assert client.get(url, query_string=query).status_code in (200, 400)


# The channel


def test_an_answer_from_the_hosted_page_is_a_link_answer(client, db, site):
    created = hosted_answer(client, site, score=7, touchpoint="counter")
    assert created.status_code == 201, created.get_data(as_text=True)
    stored = db.session.get(Response, created.json["id"])
    assert stored.channel == "link" and stored.touchpoint == "counter"
    assert stored.page_url == f"{OWN}/s/{site.key}"
    # Same-origin: the page needs no CORS header, and gets none for Plaudit's own origin.
    assert "Access-Control-Allow-Origin" not in created.headers
    # It completes its answer from there too.
    done = client.patch(
        f"/api/v1/responses/{stored.id}",
        json={"why": "Quicker checkout"},
        headers={"Origin": OWN, "Authorization": f"Bearer {created.json['token']}"},
    )
    assert done.status_code == 200
    web = client.post(
        f"/api/v1/sites/{site.key}/responses",
        json={"score": 9},
        headers={"Origin": ORIGIN},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},  # another visitor: the same one would be a repeat
    )
    assert db.session.get(Response, web.json["id"]).channel == "web"
    assert client.get(f"/api/v1/sites/{site.key}/nps").json["total"] == 2  # one NPS for both


def test_the_channel_is_the_servers_word_not_the_clients(client, db, site):
    # Claiming a channel is refused like any field the API does not take.
    claimed = client.post(
        f"/api/v1/sites/{site.key}/responses", json={"score": 9, "channel": "link"}, headers={"Origin": ORIGIN}
    )
    assert claimed.status_code == 422 and "channel" in claimed.json["errors"]
    # A site's page that names the hosted page as its address is still a site's page.
    from_site = hosted_answer(client, site, origin=ORIGIN)
    assert db.session.get(Response, from_site.json["id"]).channel == "web"
    # Plaudit's own origin is accepted on that site's hosted page only: not another page of
    # Plaudit's, not another site's hosted page, not without saying where.
    for page in (f"{OWN}/wall/{site.key}", f"{OWN}/s/{site.key}/qr.svg", f"{OWN}/s/another-key", f"{OWN}/"):
        assert hosted_answer(client, site, page=page).status_code == 403
    assert client.post(
        f"/api/v1/sites/{site.key}/responses", json={"score": 9}, headers={"Origin": OWN}
    ).status_code == (403)
    # Another origin cannot pass for the hosted page by naming its address.
    assert hosted_answer(client, site, origin="https://evil.example").status_code == 403
    assert hosted_answer(client, site, origin="http://plaudit.test.evil.example").status_code == 403
    assert hosted_answer(client, site, origin=None).status_code == 403
    assert count(db, Response) == 1


def test_a_site_answer_cannot_be_completed_from_plaudits_origin(client, db, site):
    web = client.post(f"/api/v1/sites/{site.key}/responses", json={"score": 9}, headers={"Origin": ORIGIN})
    refused = client.patch(
        f"/api/v1/responses/{web.json['id']}",
        json={"why": "From elsewhere"},
        headers={"Origin": OWN, "Authorization": f"Bearer {web.json['token']}"},
    )
    assert refused.status_code == 403
    assert db.session.get(Response, web.json["id"]).why is None


def test_the_hosted_page_counts_its_views(client, site):
    shown = client.post(f"/api/v1/sites/{site.key}/views", data=json.dumps({}), headers={"Origin": OWN})
    assert shown.status_code == 204
    assert client.post(f"/api/v1/sites/{site.key}/views", headers={"Origin": "https://evil.example"}).status_code == 403


def test_without_a_public_url_the_instance_is_the_address_the_request_came_to(make_app, db):
    """And behind proxies, the address the proxies describe (PLAUDIT_PROXY_COUNT)."""
    from extensions import db as _db
    from models import Site
    from tests.conftest import empty_database

    for config, headers, origin, other_scheme in (
        (
            {"PLAUDIT_PUBLIC_URL": None},
            {"Host": "nps.local:8000"},
            "http://nps.local:8000",
            "https://nps.local:8000",
        ),
        (
            {"PLAUDIT_PUBLIC_URL": None, "PLAUDIT_PROXY_COUNT": 1},
            {"Host": "10.0.0.5:5000", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "nps.example"},
            "https://nps.example",
            "http://nps.example",
        ),
    ):
        app = make_app(**config)
        with app.app_context():
            empty_database()
            _db.create_all()
            site = Site(name="Shop", origins=[ORIGIN])
            _db.session.add(site)
            _db.session.commit()
            client = app.test_client()

            def post(origin, headers=headers, site=site, client=client):
                return client.post(
                    f"/api/v1/sites/{site.key}/responses",
                    json={"score": 8, "page_url": f"{origin}/s/{site.key}"},
                    headers={"Origin": origin, **headers},
                )

            created = post(origin)
            assert created.status_code == 201, created.get_data(as_text=True)
            assert _db.session.get(Response, created.json["id"]).channel == "link"
            # The same host over the other scheme, or another host, is not the instance.
            assert post(other_scheme).status_code == 403
            assert post("http://elsewhere.example").status_code == 403
            _db.session.remove()
            empty_database()
            _db.engine.dispose()


def test_with_a_public_url_the_host_a_request_names_is_never_the_instance(client, db, site):
    """A name someone else points at the instance (DNS rebinding) cannot pass for its origin."""
    created = client.post(
        f"/api/v1/sites/{site.key}/responses",
        json={"score": 8, "page_url": f"http://evil.example/s/{site.key}"},
        headers={"Origin": "http://evil.example", "Host": "evil.example"},
    )
    assert created.status_code == 403
    assert count(db, Response) == 0


# Channel as a segment


@pytest.fixture
def mixed(client, db, site):
    """Three answers on the site's pages (10, 9, 3) and two on the hosted page (7, 2)."""
    for score in (10, 9, 3):
        assert client.post(
            f"/api/v1/sites/{site.key}/responses",
            json={"score": score},
            headers={"Origin": ORIGIN},
            environ_base={"REMOTE_ADDR": f"10.0.0.{score}"},
        ).status_code == (201)
    for score in (7, 2):
        assert (
            client.post(
                f"/api/v1/sites/{site.key}/responses",
                json={"score": score, "page_url": f"{OWN}/s/{site.key}"},
                headers={"Origin": OWN},
                environ_base={"REMOTE_ADDR": f"10.0.1.{score}"},
            ).status_code
            == 201
        )
    return site


@pytest.fixture
def owner_token(runner, make_user, mixed):
    make_user("owner@example.org", "owner", sites=[mixed])
    token = json.loads(runner.invoke(args=["token", "create", "--email", "owner@example.org", "--json"]).output)
    return {"Authorization": f"Bearer {token['token']}"}


def test_stats_by_channel_and_filtered_by_channel(client, mixed, owner_token):
    stats = client.get(f"/api/v1/sites/{mixed.key}/stats?by=channel", headers=owner_token)
    assert stats.status_code == 200 and stats.json["by"] == "channel"
    groups = {g["key"]: g for g in stats.json["groups"]}
    assert set(groups) == {"web", "link"}
    assert (groups["web"]["total"], groups["web"]["promoters"], groups["web"]["detractors"]) == (3, 2, 1)
    assert (
        groups["link"]["total"],
        groups["link"]["passives"],
        groups["link"]["detractors"],
        groups["link"]["nps"],
    ) == (
        2,
        1,
        1,
        -50,
    )
    assert stats.json["total"]["total"] == 5
    link = client.get(f"/api/v1/sites/{mixed.key}/stats?by=week&channel=link", headers=owner_token).json
    assert link["total"]["total"] == 2 and sum(g["total"] for g in link["groups"]) == 2
    assert {k for k, n in link["scores"].items() if n} == {"7", "2"}
    refused = client.get(f"/api/v1/sites/{mixed.key}/stats?channel=fax", headers=owner_token)
    assert refused.status_code == 422 and "channel" in refused.json["errors"]


def test_exports_carry_the_channel_as_their_last_column(client, mixed, owner_token):
    url = f"/api/v1/sites/{mixed.key}/responses"
    records = list(csv.DictReader(io.StringIO(client.get(url + "?format=csv", headers=owner_token).get_data(True))))
    assert list(records[0])[-2:] == ["respondent_proven", "channel"]
    assert [(r["score"], r["channel"]) for r in records] == [
        ("10", "web"),
        ("9", "web"),
        ("3", "web"),
        ("7", "link"),
        ("2", "link"),
    ]
    rows = client.get(url + "?format=json&channel=link", headers=owner_token).json
    assert [(r["score"], r["channel"]) for r in rows] == [(7, "link"), (2, "link")]


def test_the_dashboard_segments_and_filters_by_channel(client, mixed, owner_token):
    login(client, "owner@example.org")
    page = client.get(f"/admin/sites/{mixed.key}/dashboard").get_data(as_text=True)
    assert "By channel" in page and "NPS by channel" in page
    chart = page.split("<h2>By channel</h2>")[1].split("</section>")[0]
    assert "link" in chart and "web" in chart
    only = client.get(f"/admin/sites/{mixed.key}/dashboard?channel=link").get_data(as_text=True)
    assert "<option selected>link</option>" in only
    assert re.search(r'<span class="big">2</span> answers', only)
    # The filter is carried into the exports' links.
    assert "channel=link" in only.split("Export:")[1].split("</nav>")[0]


# The QR code


def test_the_qr_code_decodes_to_the_hosted_link(client, site):
    plain = client.get(f"/s/{site.key}/qr.png")
    assert plain.status_code == 200 and plain.mimetype == "image/png"
    assert decoded(plain.data) == [f"{OWN}/s/{site.key}"]
    counter = client.get(f"/s/{site.key}/qr.png?touchpoint=till 2&attr.store=paris&lang=fr&score=9")
    # The score is a link's choice for one person, never printed.
    assert decoded(counter.data) == [f"{OWN}/s/{site.key}?touchpoint=till+2&lang=fr&attr.store=paris"]
    svg = client.get(f"/s/{site.key}/qr.svg?touchpoint=counter")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.data.startswith(b"<?xml") and b"<svg" in svg.data
    assert f"<title>{OWN}/s/{site.key}?touchpoint=counter</title>".encode() in svg.data


def test_the_qr_code_is_cacheable(client, site):
    first = client.get(f"/s/{site.key}/qr.svg")
    assert first.headers["Cache-Control"].startswith("public, max-age=3600")
    assert client.get(f"/s/{site.key}/qr.svg", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_without_a_public_url_the_qr_code_is_private_to_who_asked(make_app):
    from extensions import db as _db
    from models import Site
    from tests.conftest import empty_database

    app = make_app(PLAUDIT_PUBLIC_URL=None)
    with app.app_context():
        empty_database()
        _db.create_all()
        site = Site(name="Shop", origins=[ORIGIN])
        _db.session.add(site)
        _db.session.commit()
        answer = app.test_client().get(f"/s/{site.key}/qr.png", headers={"Host": "nps.local:8000"})
        assert answer.headers["Cache-Control"].startswith("private")
        assert decoded(answer.data) == [f"http://nps.local:8000/s/{site.key}"]
        _db.session.remove()
        empty_database()
        _db.engine.dispose()


def test_the_settings_page_shows_the_link_and_its_qr_code(client, make_user, site):
    make_user("owner@example.org", "owner", sites=[site])
    login(client, "owner@example.org")
    page = client.get(f"/admin/sites/{site.key}/settings").get_data(as_text=True)
    assert f'id="hosted-link" value="{OWN}/s/{site.key}" readonly' in page
    assert f'src="/s/{site.key}/qr.svg"' in page
    assert f'href="/s/{site.key}/qr.png" download="{site.key}-qr.png"' in page
    counter = client.get(f"/admin/sites/{site.key}/settings?touchpoint=counter").get_data(as_text=True)
    assert f'value="{OWN}/s/{site.key}?touchpoint=counter" readonly' in counter
    assert f'href="/s/{site.key}/qr.png?touchpoint=counter"' in counter
    bad = client.get(f"/admin/sites/{site.key}/settings?touchpoint=%3Cb%3E")
    assert bad.status_code == 200 and "A touchpoint has letters" in bad.get_data(as_text=True)
    assert f'value="{OWN}/s/{site.key}" readonly' in bad.get_data(as_text=True)
