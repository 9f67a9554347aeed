"""The public API: the widget's flows, and hostile input answered with a clear 4xx."""

from __future__ import annotations

import pytest

import models
from models import Response
from tests.conftest import ORIGIN, app_with_site

HEADERS = {"Origin": ORIGIN}


def post_score(client, site, body=None, headers=HEADERS, **kwargs):
    return client.post(
        f"/api/v1/sites/{site.key}/responses",
        json=body if body is not None else {"score": 9},
        headers=headers,
        **kwargs,
    )


def patch(client, created, body, token=None):
    token = token or created.json["token"]
    return client.patch(
        f"/api/v1/responses/{created.json['id']}", json=body, headers={**HEADERS, "Authorization": f"Bearer {token}"}
    )


def count(db, model):
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar()


def assert_error_shape(response, code):
    assert response.status_code == code, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors"}
    assert body["code"] == code and isinstance(body["status"], str) and body["message"]
    assert isinstance(body["errors"], dict)
    return body


def test_config_gives_the_widget_its_texts_in_the_asked_language(client, site):
    en = client.get(f"/api/v1/sites/{site.key}/config", headers=HEADERS)
    assert en.status_code == 200
    assert en.json["texts"]["question"] == "How likely are you to recommend Test blog to a friend or colleague?"
    assert en.json["texts"]["prompt_passive"] == "What could we do to earn one more point?"
    assert en.headers["Access-Control-Allow-Origin"] == ORIGIN
    fr = client.get(f"/api/v1/sites/{site.key}/config?lang=fr", headers=HEADERS)
    assert fr.json["texts"]["radio_label"] == "{n} sur 10"
    assert client.get(f"/api/v1/sites/{site.key}/config?lang=zh").json["lang"] == "en"  # the site's default
    # BCP 47 tags fall back to their language; the direction comes with the texts.
    assert client.get(f"/api/v1/sites/{site.key}/config?lang=fr-CA").json["texts"]["radio_label"] == "{n} sur 10"
    portuguese = client.get(f"/api/v1/sites/{site.key}/config?lang=pt-BR").json
    assert (portuguese["lang"], portuguese["dir"], portuguese["texts"]["send"]) == ("pt", "ltr", "Enviar")
    arabic = client.get(f"/api/v1/sites/{site.key}/config?lang=ar-EG").json
    assert (arabic["lang"], arabic["dir"], arabic["texts"]["send"]) == ("ar", "rtl", "إرسال")


def test_site_overrides_and_call_to_action(client, make_site):
    site = make_site(
        texts={"en": {"prompt_promoter": "What made you smile?"}},
        cta_urls={"promoter": "https://g.page/review"},
    )
    config = client.get(f"/api/v1/sites/{site.key}/config").json
    assert config["texts"]["prompt_promoter"] == "What made you smile?"
    assert config["cta"]["promoter"] == {"url": "https://g.page/review", "label": "Recommend Test blog"}
    created = post_score(client, site, {"score": 10})
    assert created.json["follow_up"]["cta"]["url"] == "https://g.page/review"


@pytest.mark.parametrize(
    ("score", "category", "ask_consent", "ask_contact"),
    [(10, "promoter", True, False), (8, "passive", False, True), (3, "detractor", False, True)],
)
def test_a_score_is_recorded_with_its_follow_up(client, db, site, score, category, ask_consent, ask_contact):
    created = post_score(
        client,
        site,
        {
            "score": score,
            "lang": "en",
            "touchpoint": "after-purchase",
            "page_url": "https://blog.example/post?email=a@b.c#x",
            "respondent": "cust-42",
            "attributes": {"plan": "trial"},
        },
    )
    assert created.status_code == 201
    assert created.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert created.json["category"] == category
    assert created.json["follow_up"]["ask_consent"] is ask_consent
    assert created.json["follow_up"]["ask_contact"] is ask_contact
    stored = db.session.get(Response, created.json["id"])
    assert stored.score == score and stored.touchpoint == "after-purchase"
    assert stored.page_url == "https://blog.example/post"  # no query string, no fragment
    assert stored.attributes == {"plan": "trial"} and stored.respondent == "cust-42"
    assert stored.token_hash != created.json["token"] and len(stored.visitor_hash) == 64


def test_promoter_completes_and_consents(client, db, site):
    created = post_score(client, site, {"score": 10, "lang": "fr"})
    done = patch(
        client,
        created,
        {"why": "Clear <b>docs</b> & fast support", "consent": True, "display_name": "Camille D.", "role": "CTO"},
    )
    assert done.status_code == 200 and done.json["testimonial"] == "pending"
    testimonial = db.session.execute(db.select(models.Testimonial)).scalar_one()
    assert testimonial.quote == "Clear <b>docs</b> & fast support"  # as typed
    assert testimonial.display_name == "Camille D." and testimonial.role == "CTO"
    assert testimonial.consent_text.startswith("J'accepte que Test blog publie")
    assert testimonial.consent_version == 1 and testimonial.consented_at is not None
    assert testimonial.status == "pending"
    # Changing their mind before leaving withdraws it.
    assert patch(client, created, {"consent": False}).json["testimonial"] == "withdrawn"


def test_detractor_may_leave_an_email_but_is_not_asked_consent(client, db, site):
    created = post_score(client, site, {"score": 2})
    assert patch(client, created, {"why": "Slow", "email": "me@example.org"}).status_code == 200
    assert db.session.get(Response, created.json["id"]).contact_email == "me@example.org"
    refused = patch(client, created, {"consent": True})
    assert_error_shape(refused, 422)
    assert "consent" in refused.json["errors"]
    assert count(db, models.Testimonial) == 0


def test_everyone_may_be_asked_consent_when_the_site_says_so(client, db, make_site):
    site = make_site(consent_scope="everyone")
    created = post_score(client, site, {"score": 7})
    assert created.json["follow_up"]["ask_consent"] is True
    assert patch(client, created, {"why": "Good", "consent": True}).status_code == 200


def test_moving_along_the_scale_updates_one_answer(client, db, site):
    created = post_score(client, site, {"score": 1})
    for score in (2, 3, 9):
        moved = patch(client, created, {"score": score})
        assert moved.status_code == 200
    assert moved.json["category"] == "promoter"
    assert count(db, Response) == 1
    assert db.session.get(Response, created.json["id"]).score == 9


def test_consent_needs_words_and_fixes_the_score(client, db, site):
    created = post_score(client, site, {"score": 9})
    assert_error_shape(patch(client, created, {"consent": True}), 422)
    assert patch(client, created, {"why": "Love it", "consent": True}).status_code == 200
    assert_error_shape(patch(client, created, {"score": 3}), 409)
    assert db.session.get(Response, created.json["id"]).score == 9


def test_repeat_visitor_is_kept_but_left_out_of_the_nps(client, db, site):
    first = post_score(client, site, {"score": 10})
    again = post_score(client, site, {"score": 0})
    assert first.status_code == again.status_code == 201
    flags = db.session.execute(db.select(Response.is_duplicate).order_by(Response.id)).scalars().all()
    assert flags == [False, True]
    nps = client.get(f"/api/v1/sites/{site.key}/nps").json
    assert nps["total"] == 1 and nps["promoters"] == 1 and nps["detractors"] == 0


def test_named_respondent_is_recognised_from_another_address(client, db, site):
    post_score(client, site, {"score": 10, "respondent": "cust-7"})
    other = post_score(client, site, {"score": 3, "respondent": "cust-7"}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert db.session.get(Response, other.json["id"]).is_duplicate is True
    fresh = post_score(client, site, {"score": 3, "respondent": "cust-8"}, environ_base={"REMOTE_ADDR": "10.9.9.8"})
    assert db.session.get(Response, fresh.json["id"]).is_duplicate is False


def test_named_respondent_is_asked_again_after_the_resurvey_interval(client, db, site):
    from datetime import timedelta

    first = post_score(client, site, {"score": 10, "respondent": "cust-9"})
    earlier = db.session.get(Response, first.json["id"])
    earlier.created_at -= timedelta(days=site.resurvey_days + 1)
    db.session.commit()
    later = post_score(client, site, {"score": 6, "respondent": "cust-9"}, environ_base={"REMOTE_ADDR": "10.9.9.7"})
    assert db.session.get(Response, later.json["id"]).is_duplicate is False


def test_nps_endpoint_counts_every_response_and_hides_small_samples(client, db, make_site):
    site = make_site(min_sample=4)
    for i, score in enumerate([10, 9, 7, 2]):
        post_score(client, site, {"score": score}, environ_base={"REMOTE_ADDR": f"10.0.0.{i}"})
    body = client.get(f"/api/v1/sites/{site.key}/nps", headers={"Origin": "https://anyone.example"})
    assert body.headers["Access-Control-Allow-Origin"] == "*"
    # p+ = .5, p- = .25, n = 4: 1.96 * sqrt((.75 - .0625) / 4) * 100 = 81.26
    assert body.json == {
        "nps": 25,
        "total": 4,
        "promoters": 2,
        "passives": 1,
        "detractors": 1,
        "margin_of_error": 81.3,
        "enough_data": True,
        "min_sample": 4,
    }
    site.min_sample = 30
    db.session.commit()
    small = client.get(f"/api/v1/sites/{site.key}/nps").json
    assert small["nps"] is None and small["total"] == 4 and small["enough_data"] is False


BAD_BODIES = {
    "score 11": {"score": 11},
    "score -1": {"score": -1},
    "score as text": {"score": "9"},
    "score as float": {"score": 9.5},
    "score as bool": {"score": True},
    "score missing": {"lang": "en"},
    "unknown field": {"score": 9, "admin": True},
    "bad language": {"score": 9, "lang": "zh"},
    "javascript page": {"score": 9, "page_url": "javascript:alert(1)"},
    "bad touchpoint": {"score": 9, "touchpoint": "<script>"},
    "too many attributes": {"score": 9, "attributes": {f"k{i}": "v" for i in range(21)}},
    "bad attribute name": {"score": 9, "attributes": {"Bad Name": "v"}},
    "nested attribute": {"score": 9, "attributes": {"plan": {"x": 1}}},
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_scores_are_refused_and_nothing_is_written(client, db, site, body):
    assert_error_shape(post_score(client, site, body), 422)
    assert count(db, Response) == 0


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b"9", b"", b'{"score": 9'])
def test_bodies_that_are_not_json_objects(client, db, site, raw):
    response = client.post(
        f"/api/v1/sites/{site.key}/responses", data=raw, headers={**HEADERS, "Content-Type": "application/json"}
    )
    assert_error_shape(response, 400)
    assert count(db, Response) == 0


def test_a_100_kb_why_is_refused_and_the_answer_kept_intact(client, db, site):
    created = post_score(client, site, {"score": 4})
    huge = patch(client, created, {"why": "x" * 100_000})
    assert_error_shape(huge, 413)
    too_long = patch(client, created, {"why": "y" * 2001, "email": "a@b.org"})
    assert_error_shape(too_long, 422)
    assert "why" in too_long.json["errors"]
    stored = db.session.get(Response, created.json["id"])
    assert stored.why is None and stored.contact_email is None


@pytest.mark.parametrize(
    "body",
    [
        {"why": 12},
        {"consent": "yes"},
        {"consent": 1},
        {"email": "not-an-email"},
        {"display_name": "n" * 81},
        {"token": "x"},
    ],
)
def test_bad_completions_are_refused(client, db, site, body):
    created = post_score(client, site)
    assert_error_shape(patch(client, created, body), 422)
    assert count(db, models.Testimonial) == 0


def test_wrong_or_missing_bearer_token(client, db, site):
    created = post_score(client, site)
    wrong = patch(client, created, {"why": "hi"}, token="not-the-token")
    assert_error_shape(wrong, 401)
    assert wrong.headers["WWW-Authenticate"].lower().startswith("bearer")
    other = post_score(client, site, environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert_error_shape(patch(client, created, {"why": "hi"}, token=other.json["token"]), 401)
    no_auth = client.patch(f"/api/v1/responses/{created.json['id']}", json={"why": "hi"})
    assert_error_shape(no_auth, 401)
    assert db.session.get(Response, created.json["id"]).why is None


def test_token_expires(make_app, client, db, site, app):
    created = post_score(client, site)
    app.config["PLAUDIT_RESPONSE_EDIT_HOURS"] = 0
    assert_error_shape(patch(client, created, {"why": "late"}), 401)


def test_unknown_site_and_response(client):
    assert_error_shape(client.post("/api/v1/sites/nope/responses", json={"score": 9}, headers=HEADERS), 404)
    assert_error_shape(client.get("/api/v1/sites/nope/config"), 404)
    assert_error_shape(client.get("/api/v1/sites/nope/nps"), 404)
    assert_error_shape(client.patch("/api/v1/responses/999", json={}, headers={"Authorization": "Bearer x"}), 404)
    assert_error_shape(client.get("/api/v1/nothing-here"), 404)


def test_foreign_origin_is_refused_and_may_only_read_why(client, db, site):
    """Refused on the server; the refusal's body (no data in it) is readable by the page, so the
    widget can say in the console what is wrong; the preflight a JSON call needs stays closed."""
    for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"}, {}):
        refused = post_score(client, site, headers=headers)
        assert_error_shape(refused, 403)
        assert refused.headers.get("Access-Control-Allow-Origin") == ("*" if headers else None)
        assert "Access-Control-Allow-Methods" not in refused.headers
    preflight = client.options(
        f"/api/v1/sites/{site.key}/responses",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers
    config = client.get(f"/api/v1/sites/{site.key}/config", headers={"Origin": "https://x.example:8000"})
    assert_error_shape(config, 403)
    assert config.headers["Access-Control-Allow-Origin"] == "*"
    assert "texts" not in config.json
    assert config.json["message"].startswith(
        f"This page's origin https://x.example:8000 is not one of the 1 allowed for site {site.key}."
    )
    assert "Add https://x.example:8000 to the site's allowed origins in the back office" in config.json["message"]
    assert count(db, Response) == 0


def test_an_unknown_key_is_said_to_any_page(client):
    missing = client.get("/api/v1/sites/nope/config", headers={"Origin": "https://x.example"})
    assert_error_shape(missing, 404)
    assert missing.headers["Access-Control-Allow-Origin"] == "*"
    assert missing.json["message"] == "No site has this key."


def test_foreign_origin_cannot_complete_even_with_the_token(client, db, site):
    created = post_score(client, site)
    response = client.patch(
        f"/api/v1/responses/{created.json['id']}",
        json={"why": "x"},
        headers={"Origin": "https://evil.example", "Authorization": f"Bearer {created.json['token']}"},
    )
    assert_error_shape(response, 403)


def test_preflight_reflects_only_allowed_origins(client, site):
    allowed = client.options(
        f"/api/v1/sites/{site.key}/responses",
        headers={**HEADERS, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
    )
    assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in allowed.headers
    assert "Origin" in allowed.headers["Vary"]
    foreign = client.options(f"/api/v1/sites/{site.key}/responses", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in foreign.headers


def test_rate_limit_answers_429_in_the_error_shape(make_app):
    app, key = app_with_site(make_app, PLAUDIT_SUBMIT_LIMIT="2/minute")
    client = app.test_client()

    def post():
        return client.post(f"/api/v1/sites/{key}/responses", json={"score": 9}, headers=HEADERS)

    assert [post().status_code for _ in range(3)] == [201, 201, 429]
    body = assert_error_shape(post(), 429)
    assert "Too many requests" in body["message"]


def test_an_operators_default_limit_applies_to_routes_without_their_own(make_app):
    """Plaudit skips Flask-Limiter's per-request hook only while it has nothing to check."""
    from extensions import limiter

    app, key = app_with_site(make_app, RATELIMIT_DEFAULT="2/minute")
    client = app.test_client()
    try:
        codes = [client.get(f"/api/v1/sites/{key}/config", headers=HEADERS).status_code for _ in range(3)]
    finally:
        # The limiter object is shared by every app of the process and keeps the first default
        # limits it was given: take them back, or later tests' apps would inherit them.
        limiter.limit_manager.set_default_limits([])
    assert codes == [200, 200, 429]
    unlimited, key = app_with_site(make_app)
    client = unlimited.test_client()
    assert {client.get(f"/api/v1/sites/{key}/config", headers=HEADERS).status_code for _ in range(5)} == {200}


def test_healthz(client):
    assert client.get("/healthz").json == {"status": "ok"}
