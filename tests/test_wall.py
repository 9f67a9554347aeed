"""Public social proof: only approved testimonials, honest numbers, badges, cards, caching."""

from __future__ import annotations

import io
import json
import os
import xml.etree.ElementTree as ET

import pytest
from flask import request
from PIL import Image

from tests.conftest import ORIGIN, TEST_DATABASE_URL, app_with_site, csrf_from, login

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def moderator_token(runner, make_user, site):
    make_user("mod@example.org", "moderator", sites=[site])
    return json.loads(runner.invoke(args=["token", "create", "--email", "mod@example.org", "--json"]).output)["token"]


def add_answers(client, site, scores):
    for i, score in enumerate(scores):
        created = client.post(
            f"/api/v1/sites/{site.key}/responses",
            json={"score": score},
            headers={"Origin": ORIGIN},
            environ_base={"REMOTE_ADDR": f"10.7.{i // 250}.{i % 250}"},
        )
        assert created.status_code == 201


def public_surfaces(client, site, testimonial):
    return {
        "wall page": client.get(f"/wall/{site.key}").get_data(as_text=True),
        "wall data": client.get(f"/api/v1/sites/{site.key}/wall").get_data(as_text=True),
        "testimonials": client.get(f"/api/v1/sites/{site.key}/testimonials").get_data(as_text=True),
        "share page": client.get(f"/t/{testimonial.id}").get_data(as_text=True),
    }


@pytest.mark.parametrize("status", ["pending", "rejected", "withdrawn"])
def test_only_approved_testimonials_are_public(client, site, make_testimonial, status):
    hidden = make_testimonial(site, quote=f"A {status} quote", status=status)
    shown = make_testimonial(site, quote="An approved quote", status="approved")
    for name, body in public_surfaces(client, site, shown).items():
        assert f"A {status} quote" not in body, name
    assert "An approved quote" in client.get(f"/wall/{site.key}").get_data(as_text=True)
    assert client.get(f"/t/{hidden.id}").status_code == 404
    assert client.get(f"/t/{hidden.id}.png").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/wall/{key}",
        "/api/v1/sites/{key}/wall",
        "/api/v1/sites/{key}/testimonials",
        "/api/v1/sites/{key}/nps",
        "/badge/{key}.svg",
        "/badge/{key}.png",
    ],
)
def test_etag_revalidates_and_moves_with_moderation(client, site, make_testimonial, moderator_token, path):
    make_testimonial(site, quote="Already published", status="approved")  # the wall shows throughout
    testimonial = make_testimonial(site, quote="Lovely")
    url = path.format(key=site.key)
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"].startswith('"')  # strong, not W/
    assert "public" in first.headers["Cache-Control"] and "stale-while-revalidate" in first.headers["Cache-Control"]
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    headers = {"Authorization": f"Bearer {moderator_token}"}
    client.post(f"/api/v1/moderation/testimonials/{testimonial.id}/approve", headers=headers)
    approved = client.get(url, headers={"If-None-Match": etag})
    assert approved.status_code == 200 and approved.headers["ETag"] != etag
    # Withdrawal (here through the API's reject of an approved one) moves it again at once.
    client.post(f"/api/v1/moderation/testimonials/{testimonial.id}/reject", headers=headers)
    assert client.get(url, headers={"If-None-Match": approved.headers["ETag"]}).status_code == 200


@pytest.mark.parametrize("logged_in", [False, True])
def test_public_responses_do_not_vary_by_cookie(client, site, make_testimonial, make_user, logged_in):
    """A CDN must be able to share one copy of each public URL; the back office's pages vary."""
    testimonial = make_testimonial(site, quote="Lovely", status="approved")
    if logged_in:
        make_user("owner@example.org", "owner", sites=[site])
        login(client, "owner@example.org")
    for path in ("/wall/{key}", "/api/v1/sites/{key}/wall", "/api/v1/sites/{key}/nps", "/badge/{key}.svg", "/t/{id}"):
        served = client.get(path.format(key=site.key, id=testimonial.id))
        assert served.status_code == 200, path
        assert "Cookie" not in served.headers.get("Vary", "") and "Set-Cookie" not in served.headers, path
    if logged_in:
        assert "Cookie" in client.get("/admin/").headers.get("Vary", "")


@pytest.mark.parametrize("public_url", ["http://plaudit.test", None])
def test_a_remember_cookie_alone_gets_no_cookie_from_public_responses(
    make_app, site, make_testimonial, make_user, public_url
):
    """Flask-Login restores a returning moderator from the remember cookie and marks the session
    changed; a public response must still not carry the new session (a CDN would hand it out),
    nor one served private because its links follow the request (no PLAUDIT_PUBLIC_URL)."""
    app = make_app(PLAUDIT_PUBLIC_URL=public_url)  # on the test's database
    testimonial = make_testimonial(site, quote="Lovely", status="approved")
    make_user("mod@example.org", "moderator", sites=[site])
    browser = app.test_client()
    page = browser.get("/admin/login")
    logged = browser.post(
        "/admin/login",
        data={
            "email": "mod@example.org",
            "password": "correct horse battery",
            "remember": "y",
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    remember = browser.get_cookie("remember_token")
    assert logged.status_code == 302 and remember is not None
    returning = app.test_client()  # the browser's session cookie is gone; the remember cookie stays
    returning.set_cookie("remember_token", remember.value)
    paths = (
        "/wall/{key}",
        "/badge/{key}.svg",
        "/badge/{key}.png",
        "/api/v1/sites/{key}/wall",
        "/t/{id}",
        "/t/{id}.png",
    )
    for path in paths:
        served = returning.get(path.format(key=site.key, id=testimonial.id))
        assert served.status_code == 200, path
        assert "Set-Cookie" not in served.headers and "Cookie" not in served.headers.get("Vary", ""), path
    assert returning.get("/admin/").status_code == 200  # the back office still restores the login


# On PostgreSQL, Redis carries the generation that lets a process keep what it read (as in
# production); without one, every request reads the database and no revalidation is replayed.
REDIS_FOR_POSTGRESQL = (
    {"REDIS_URL": os.environ["TEST_REDIS_URL"]} if TEST_DATABASE_URL and "TEST_REDIS_URL" in os.environ else {}
)
needs_a_generation = pytest.mark.skipif(
    bool(TEST_DATABASE_URL) and not REDIS_FOR_POSTGRESQL, reason="PostgreSQL without Redis has no generation"
)


@pytest.fixture
def app_config():
    return REDIS_FOR_POSTGRESQL


@needs_a_generation
def test_a_revalidation_already_answered_is_answered_again_without_running_the_app(app, client, site):
    """core.http_cache.Revalidations: the app's own 304, replayed while nothing was written;
    another Origin, or any write, goes to the app again."""
    reached = []
    app.before_request(lambda: reached.append(request.headers.get("Origin")) if request.method == "GET" else None)
    url = f"/api/v1/sites/{site.key}/testimonials"
    etag = client.get(url).headers["ETag"]
    first = client.get(url, headers={"If-None-Match": etag, "Origin": ORIGIN})
    again = client.get(url, headers={"If-None-Match": etag, "Origin": ORIGIN})
    assert first.status_code == again.status_code == 304
    assert len(reached) == 2  # the page's GET and the first revalidation, not the second
    assert list(again.headers) == list(first.headers)
    assert again.headers["Access-Control-Allow-Origin"] == "*" and "Origin" in again.headers["Vary"]
    elsewhere = client.get(url, headers={"If-None-Match": etag, "Origin": "https://elsewhere.example"})
    assert elsewhere.status_code == 304 and reached[-1] == "https://elsewhere.example"
    add_answers(client, site, [10])
    moved = client.get(url, headers={"If-None-Match": etag, "Origin": ORIGIN})
    assert moved.status_code == 200 and moved.headers["ETag"] != etag
    assert len(reached) == 4


@needs_a_generation
@pytest.mark.parametrize("state_cache", [True, False])
def test_revalidations_replayed_are_only_the_apps_cached_ones(make_app, state_cache):
    """Assets are revalidated by the app every time (an edited file changes them without any
    write); without a generation to say nothing moved, so is everything."""
    app, key = app_with_site(make_app, PLAUDIT_STATE_CACHE=state_cache, **REDIS_FOR_POSTGRESQL)
    reached = []
    app.before_request(lambda: reached.append(request.path))
    client = app.test_client()
    for url in ("/widget.js", f"/api/v1/sites/{key}/nps"):
        etag = client.get(url).headers["ETag"]
        for _ in range(2):
            assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert reached.count("/widget.js") == 3
    assert reached.count(f"/api/v1/sites/{key}/nps") == (2 if state_cache else 3)


def test_a_new_answer_changes_the_numbers_and_the_etag(client, site):
    etag = client.get(f"/api/v1/sites/{site.key}/nps").headers["ETag"]
    add_answers(client, site, [10])
    assert client.get(f"/api/v1/sites/{site.key}/nps", headers={"If-None-Match": etag}).status_code == 200


def test_withdrawn_vanishes_from_every_public_surface_at_once(client, db, site, moderator_token, make_testimonial):
    make_testimonial(site, quote="Another one", status="approved")  # the wall shows throughout
    created = client.post(f"/api/v1/sites/{site.key}/responses", json={"score": 10}, headers={"Origin": ORIGIN})
    auth = {"Origin": ORIGIN, "Authorization": f"Bearer {created.json['token']}"}
    done = client.patch(
        f"/api/v1/responses/{created.json['id']}", json={"why": "Take me back later", "consent": True}, headers=auth
    )
    from models import Testimonial

    testimonial = db.session.execute(db.select(Testimonial).filter_by(status="pending")).scalar_one()
    client.post(
        f"/api/v1/moderation/testimonials/{testimonial.id}/approve",
        headers={"Authorization": f"Bearer {moderator_token}"},
    )
    before = {name: body for name, body in public_surfaces(client, site, testimonial).items()}
    assert all("Take me back later" in body for body in before.values())
    etags = {url: client.get(url).headers["ETag"] for url in (f"/wall/{site.key}", f"/api/v1/sites/{site.key}/wall")}
    path = done.json["withdraw_url"].removeprefix("http://plaudit.test")
    page = client.get(path).get_data(as_text=True)
    from tests.conftest import csrf_from

    client.post(path, data={"csrf_token": csrf_from(page)})
    for url, etag in etags.items():
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 200
    surfaces = public_surfaces(client, site, testimonial)
    assert all("Take me back later" not in body for name, body in surfaces.items() if name != "share page")
    assert client.get(f"/t/{testimonial.id}").status_code == 404


def test_wall_page_is_honest_and_featured_first(client, make_site, make_testimonial):
    site = make_site(min_sample=3)
    make_testimonial(site, quote="Older, featured", status="approved", featured=True)
    make_testimonial(site, quote="Newer", status="approved")
    make_testimonial(site, quote="Not published", status="pending")
    add_answers(client, site, [10, 9, 6, 8, 10])
    page = client.get(f"/wall/{site.key}").get_data(as_text=True)
    # The three testimonials' own answers count too: 8 responses, only 2 testimonials published.
    assert "2 testimonials, chosen from 8 responses" in page
    assert page.index("Older, featured") < page.index("Newer")
    # 6 promoters, 1 passive, 1 detractor of 8: NPS 62.5 → +63;
    # margin 1.96 * sqrt((.875 - .625**2) / 8) * 100 = 48.2
    assert "NPS +63 ±48 · 8 responses" in page
    assert "<script" not in page  # works without JavaScript; no JSON-LD unless the owner opts in
    fr = client.get(f"/wall/{site.key}?lang=fr").get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in fr and "2 témoignages, choisis parmi 8 réponses" in fr


def test_walls_below_minimum_sample_show_no_nps_and_no_owner_words(client, site, make_testimonial):
    make_testimonial(site, status="approved")
    add_answers(client, site, [10, 10])
    page = client.get(f"/wall/{site.key}").get_data(as_text=True)
    assert "1 testimonial, chosen from 3 responses" in page  # 2 answers + the testimonial's
    assert "NPS +" not in page and "Collecting" not in page and "needed" not in page
    assert client.get(f"/api/v1/sites/{site.key}/wall").json["honest"]["nps"] == ""
    # The badge keeps its contract: it says it is collecting responses.
    assert "Collecting responses" in client.get(f"/badge/{site.key}.svg").get_data(as_text=True)


def test_every_surface_counts_in_the_singular_where_the_language_does(client, make_site, make_testimonial):
    site = make_site(min_sample=1)
    make_testimonial(site, status="approved")  # one testimonial, from the one answer so far
    page = client.get(f"/wall/{site.key}").get_data(as_text=True)
    assert "1 testimonial, chosen from 1 response." in page and "NPS +100 ±0 · 1 response\n" in page
    assert client.get(f"/api/v1/sites/{site.key}/wall").json["honest"] == {
        "chosen_from": "1 testimonial, chosen from 1 response",
        "nps": "NPS +100 ±0 · 1 response",
    }
    root = ET.fromstring(client.get(f"/badge/{site.key}.svg").data)
    assert root.get("aria-label") == "NPS +100 ±0 · 1 response"
    fr = client.get(f"/api/v1/sites/{site.key}/wall?lang=fr").json["honest"]
    assert fr == {"chosen_from": "1 témoignage, choisi parmi 1 réponse", "nps": "NPS +100 ±0 · 1 réponse"}


def test_honest_numbers_word_each_count_and_round_the_margin_half_up(app):
    from core.nps import Summary
    from core.strings import honest_numbers

    def summary(total, margin, enough=True):
        return Summary(
            nps=-7,
            total=total,
            promoters=0,
            passives=0,
            detractors=0,
            margin_of_error=margin,
            enough_data=enough,
            min_sample=30,
        )

    with app.test_request_context():
        en, fr = "My blog", "Mon blog"
        assert honest_numbers("en", en, 0, summary(40, 12.5)).nps_line == "NPS -7 ±13 · 40 responses"
        assert honest_numbers("en", en, 0, summary(40, 12.4)).chosen_from == "0 testimonials, chosen from 40 responses"
        # French takes the singular for zero, and the participle agrees with the testimonials.
        assert honest_numbers("fr", fr, 0, summary(40, 1.0)).chosen_from == "0 témoignage, choisi parmi 40 réponses"
        assert (
            honest_numbers("fr", fr, 2, summary(0, None, False)).chosen_from == "2 témoignages, choisis parmi 0 réponse"
        )
        collecting = honest_numbers("en", en, 0, summary(12, 30.0, False))
        assert (collecting.nps, collecting.nps_line, collecting.badge_title) == (
            "Collecting responses",
            "",
            "NPS: Collecting responses (12 of 30 needed)",
        )
        # CLDR's plural forms and digits: "1 234 réponses" (a narrow no-break space), "0 réponse".
        many = honest_numbers("fr", fr, 1, summary(1234, 2.4))
        assert many.nps_line == "NPS -7 ±2 · 1\u202f234 réponses"
        assert many.chosen_from == "1 témoignage, choisi parmi 1\u202f234 réponses"
        assert honest_numbers("de", "Blog", 2, summary(1234, 2.4)).chosen_from == (
            "2 Erfahrungsberichte, ausgewählt aus 1.234 Antworten"
        )
        # Arabic: six forms (two is a dual), and the figure isolated left to right in its sentence.
        arabic = honest_numbers("ar", "Blog", 2, Summary(42, 61, 0, 0, 0, 9.2, True, 30))
        assert arabic.chosen_from == "شهادتان، اختيرتا من بين \u206861 إجابة\u2069"
        assert arabic.nps == "\u2066\u200e+42 ±9\u2069 · \u206861 إجابة\u2069"
        assert honest_numbers("ar", "Blog", 0, summary(3, 1.0)).chosen_from.startswith("0 شهادة")
        assert (
            honest_numbers("ar", "Blog", 5, summary(3, 1.0)).chosen_from
            == "5 شهادات، اختيرت من بين \u20683 إجابات\u2069"
        )


def test_every_page_names_an_icon_that_is_served(client, site, make_testimonial):
    """Browsers otherwise ask for /favicon.ico on every page, and log its 404 as an error."""
    shared = make_testimonial(site, status="approved")
    for path in (f"/wall/{site.key}", f"/t/{shared.id}", "/", "/admin/login"):
        page = client.get(path).get_data(as_text=True)
        icon = page.split('<link rel="icon" href="')[1].split('"')[0]
        served = client.get(icon)
        assert served.status_code == 200 and served.mimetype == "image/svg+xml", path
        assert served.data.startswith(b"<svg"), path


def test_json_ld_when_the_owner_opts_in(client, make_site, make_testimonial):
    site = make_site(wall_jsonld=True)
    make_testimonial(site, quote="</script><script>alert(1)</script>", status="approved", display_name="Ann")
    page = client.get(f"/wall/{site.key}").get_data(as_text=True)
    start = page.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
    data = json.loads(page[start : page.index("</script>", start)])
    assert data["review"][0]["reviewBody"] == "</script><script>alert(1)</script>"
    assert data["review"][0]["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 10,
        "bestRating": 10,
        "worstRating": 0,
    }


def test_testimonials_api_paginates_with_a_cursor_and_filters_by_tag(client, db, site, make_testimonial):
    from models import TestimonialTag

    made = [make_testimonial(site, quote=f"quote {i}", status="approved") for i in range(5)]
    db.session.add(TestimonialTag(testimonial_id=made[1].id, tag="pricing"))
    db.session.commit()
    first = client.get(f"/api/v1/sites/{site.key}/testimonials?limit=2").json
    assert [t["quote"] for t in first["testimonials"]] == ["quote 4", "quote 3"]
    second = client.get(f"/api/v1/sites/{site.key}/testimonials?limit=2&cursor={first['next_cursor']}").json
    third = client.get(f"/api/v1/sites/{site.key}/testimonials?limit=2&cursor={second['next_cursor']}").json
    assert [t["quote"] for t in second["testimonials"] + third["testimonials"]] == ["quote 2", "quote 1", "quote 0"]
    assert third["next_cursor"] is None
    tagged = client.get(f"/api/v1/sites/{site.key}/testimonials?tag=pricing").json["testimonials"]
    assert [t["quote"] for t in tagged] == ["quote 1"]
    assert client.get(f"/api/v1/sites/{site.key}/testimonials?limit=0").status_code == 422


def test_badge_svg_is_valid_and_accessible(client, make_site):
    site = make_site(min_sample=4)
    add_answers(client, site, [10, 9, 7, 2])
    svg = client.get(f"/badge/{site.key}.svg")
    assert svg.mimetype == "image/svg+xml"
    root = ET.fromstring(svg.data)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    # 2 promoters, 1 passive, 1 detractor of 4: +25, margin 81.3 (tests/test_api.py works it out)
    assert root.find(f"{SVG}title").text == "NPS +25 ±81 · 4 responses"
    assert root.get("aria-label") == "NPS +25 ±81 · 4 responses"


def test_badge_below_the_minimum_sample(client, site):
    add_answers(client, site, [10, 10, 10])
    root = ET.fromstring(client.get(f"/badge/{site.key}.svg").data)
    title = root.find(f"{SVG}title").text
    assert "Collecting responses" in title and "3 of 30" in title and "+100" not in title
    png = Image.open(io.BytesIO(client.get(f"/badge/{site.key}.png").data))
    assert png.format == "PNG" and png.size[1] == 40


def test_badge_png_is_a_real_png(client, make_site):
    site = make_site(min_sample=1)
    add_answers(client, site, [10])
    response = client.get(f"/badge/{site.key}.png")
    assert response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    image.verify()
    assert image.format == "PNG" and image.size[1] == 40 and image.size[0] > 100


def test_share_page_and_card(client, site, make_testimonial):
    testimonial = make_testimonial(site, quote="Word " * 300, status="approved", display_name="Camille D.", role="CTO")
    page = client.get(f"/t/{testimonial.id}").get_data(as_text=True)
    assert f'<meta property="og:image" content="http://plaudit.test/t/{testimonial.id}.png">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    assert "og:description" in page and "…" in page  # the long quote is cut for previews
    card = client.get(f"/t/{testimonial.id}.png")
    image = Image.open(io.BytesIO(card.data))
    assert card.mimetype == "image/png" and image.size == (1200, 630)


def test_share_card_is_redrawn_when_the_testimonial_changes(client, app, db, site, make_testimonial):
    from pathlib import Path

    testimonial = make_testimonial(site, quote="First words", status="approved")
    first = client.get(f"/t/{testimonial.id}.png")
    cards = Path(app.config["PLAUDIT_MEDIA_DIR"]) / "cards"
    assert len(list(cards.glob(f"{testimonial.id}-*.png"))) == 1
    from core import moderation

    moderation.edit_quote(testimonial, "Second words, longer", "test")
    db.session.commit()
    second = client.get(f"/t/{testimonial.id}.png", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.data != first.data
    assert len(list(cards.glob(f"{testimonial.id}-*.png"))) == 1  # the old card is gone


def test_wall_data_for_wall_js(client, site, make_testimonial):
    make_testimonial(site, quote="Shown", status="approved")
    data = client.get(f"/api/v1/sites/{site.key}/wall?lang=fr&limit=5", headers={"Origin": "https://any.example"})
    assert data.headers["Access-Control-Allow-Origin"] == "*" and "Set-Cookie" not in data.headers
    body = data.json
    assert body["lang"] == "fr" and body["published"] == 1 and body["texts"]["edited"] == "modifié"
    assert [t["quote"] for t in body["testimonials"]] == ["Shown"]
    assert body["nps"]["enough_data"] is False and body["nps"]["nps"] is None


def test_below_the_owners_minimum_the_walls_show_nothing(client, make_site, make_testimonial):
    """No empty or near-empty wall: no testimonial, no count, no "no testimonials yet"."""
    site = make_site(wall_minimum=2)
    make_testimonial(site, quote="Only one so far", status="approved")
    data = client.get(f"/api/v1/sites/{site.key}/wall?lang=fr").json
    assert data["testimonials"] == [] and "honest" not in data and "texts" not in data
    page = client.get(f"/wall/{site.key}", headers={"Accept": "text/html"})
    assert page.status_code == 404
    body = page.get_data(as_text=True)
    assert "Only one so far" not in body and "chosen from" not in body and "Collecting" not in body
    make_testimonial(site, quote="And a second", status="approved")
    data = client.get(f"/api/v1/sites/{site.key}/wall").json
    assert len(data["testimonials"]) == 2 and data["honest"]["chosen_from"] == "2 testimonials, chosen from 2 responses"
    assert client.get(f"/wall/{site.key}").status_code == 200


def test_an_empty_wall_shows_nothing_by_default(client, site):
    assert site.wall_minimum == 1
    assert client.get(f"/api/v1/sites/{site.key}/wall").json["testimonials"] == []
    assert client.get(f"/wall/{site.key}").status_code == 404


def test_no_name_is_published_as_anonymous_never_as_the_site(client, site, make_testimonial):
    shared = make_testimonial(site, quote="كان الدعم سريعا", status="approved", display_name=None)
    wall = client.get(f"/wall/{site.key}").get_data(as_text=True)
    assert '<strong dir="auto">Anonymous</strong>' in wall and "<strong>—" not in wall
    assert '<blockquote lang="en" dir="auto">كان الدعم سريعا</blockquote>' in wall
    page = client.get(f"/t/{shared.id}").get_data(as_text=True)
    assert "<title>Anonymous — Test blog</title>" in page
    assert '<strong dir="auto">Anonymous</strong>' in page and f'<strong dir="auto">{site.name}' not in page


def test_the_share_card_of_a_nameless_testimonial_credits_no_one(client, site, make_testimonial, monkeypatch):
    import core.photos

    drawn = []
    real = core.photos.share_card_png
    monkeypatch.setattr(core.photos, "share_card_png", lambda *args: drawn.append(args) or real(*args))
    testimonial = make_testimonial(site, quote="Anonymous words", status="approved", display_name=None)
    assert client.get(f"/t/{testimonial.id}.png").status_code == 200
    [(quote, name, detail, color, lang)] = drawn
    assert name == "Anonymous" and name != site.name


def test_public_pages_answer_their_errors_as_pages_in_the_visitors_language(client, make_site):
    site = make_site(default_lang="fr")
    below_minimum = client.get(f"/wall/{site.key}")
    assert below_minimum.status_code == 404 and below_minimum.mimetype == "text/html"
    page = below_minimum.get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in page and "Il n&#39;y a rien à afficher à cette adresse." in page
    english = client.get(f"/wall/{site.key}?lang=en", headers={"Accept": "application/json"})
    assert english.mimetype == "text/html" and "There is nothing to show at this address." in english.get_data(
        as_text=True
    )
    assert "Rien à afficher" in client.get("/wall/no-such-key?lang=fr").get_data(as_text=True)
    assert "Set-Cookie" not in below_minimum.headers
    link = client.get("/withdraw/not-a-valid-link")
    assert link.status_code == 404 and "There is nothing to show at this address." in link.get_data(as_text=True)


def test_testimonials_from_repeat_answers_are_counted_in_what_they_were_chosen_from(client, db, site, make_testimonial):
    """A shop's counter tablet is one visitor all day: its later answers are repeats, left out of
    the NPS, but a wall must never say "5 testimonials, chosen from 1 response"."""
    for n in range(3):
        testimonial = make_testimonial(site, quote=f"Counter {n}", status="approved")
        testimonial.response.is_duplicate = n > 0
    db.session.commit()
    data = client.get(f"/api/v1/sites/{site.key}/wall?lang=en").json
    assert data["honest"]["chosen_from"] == "3 testimonials, chosen from 3 responses"
    assert client.get(f"/api/v1/sites/{site.key}/testimonials").json["chosen_from"] == 3
    assert "3 testimonials, chosen from 3 responses" in client.get(f"/wall/{site.key}?lang=en").get_data(as_text=True)


def test_every_public_surface_takes_a_bcp47_language_and_falls_back_to_the_sites(
    app, client, make_site, make_testimonial
):
    from core.links import private_link_token

    site = make_site(min_sample=1, default_lang="de")
    shared = make_testimonial(site, quote="خدمة ممتازة", status="approved", lang="ar")
    add_answers(client, site, [10])

    def badge(query=""):
        return ET.fromstring(client.get(f"/badge/{site.key}.svg{query}").data).get("aria-label")

    assert badge() == badge("?lang=zh-Hant") == "NPS +100 ±0 · 2 Antworten"  # the site's default
    assert badge("?lang=pt-BR") == "NPS +100 ±0 · 2 respostas"
    assert badge("?lang=fr-CA") == "NPS +100 ±0 · 2 réponses"
    data = client.get(f"/api/v1/sites/{site.key}/wall?lang=ar-EG").json
    assert (data["lang"], data["dir"], data["texts"]["title"]) == ("ar", "rtl", "ماذا يقول الناس عن Test blog")
    assert client.get(f"/api/v1/sites/{site.key}/wall?lang=es-MX").json["texts"]["more"] == "Leer más"
    page = client.get(f"/wall/{site.key}?lang=es-MX").get_data(as_text=True)
    assert '<html lang="es" dir="ltr">' in page and "Lo que se dice de Test blog" in page
    assert '<html lang="de" dir="ltr">' in client.get(f"/wall/{site.key}?lang=xx").get_data(as_text=True)
    # The share page speaks its answer's language unless asked for another.
    share = client.get(f"/t/{shared.id}").get_data(as_text=True)
    assert (
        '<html lang="ar" dir="rtl">' in share and '<blockquote lang="ar" dir="auto">خدمة ممتازة</blockquote>' in share
    )
    assert '<html lang="nl" dir="ltr">' in client.get(f"/t/{shared.id}?lang=nl-BE").get_data(as_text=True)
    # The respondent's own page, and a public error, in the respondent's or the asked language.
    with app.app_context():
        token = private_link_token(app.config["SECRET_KEY"], db_testimonial(shared.id))
    private = client.get(f"/withdraw/{token}").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in private and "اسحب شهادتك" in private
    missing = client.get("/wall/no-such-site?lang=ar")
    assert missing.status_code == 404 and '<html lang="ar" dir="rtl">' in missing.get_data(as_text=True)


def db_testimonial(testimonial_id):
    from extensions import db
    from models import Testimonial

    return db.session.get(Testimonial, testimonial_id)
