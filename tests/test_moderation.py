"""Moderation through the API and the back office, consent receipts, withdrawal, erasure."""

from __future__ import annotations

import io
import json

import pytest

from models import ApiToken, AuditEvent, Response, Testimonial, TestimonialTag
from tests.conftest import ORIGIN, csrf_from, login
from tests.test_owner_texts import owner_saves_texts


@pytest.fixture
def moderator(make_user, site):
    return make_user("mod@example.org", "moderator", sites=[site])


@pytest.fixture
def token(runner, moderator):
    return json.loads(runner.invoke(args=["token", "create", "--email", "mod@example.org", "--json"]).output)


def auth(token):
    return {"Authorization": f"Bearer {token['token']}"}


def public_quotes(client, site):
    return [t["quote"] for t in client.get(f"/api/v1/sites/{site.key}/testimonials").json["testimonials"]]


def count(db, model):
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar()


def test_api_needs_credentials(client, site, make_testimonial):
    testimonial = make_testimonial(site)
    for response in (
        client.get("/api/v1/moderation/testimonials"),
        client.post(f"/api/v1/moderation/testimonials/{testimonial.id}/approve"),
        client.get("/api/v1/moderation/testimonials", headers={"Authorization": "Bearer plaudit_nope"}),
    ):
        assert response.status_code == 401 and response.json["code"] == 401
        assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_queue_shows_the_receipt_and_approval_publishes(client, db, site, token, make_testimonial):
    testimonial = make_testimonial(site, quote="Fast and kind")
    queue = client.get("/api/v1/moderation/testimonials?status=pending", headers=auth(token))
    [item] = queue.json["testimonials"]
    assert item["why"] == "Fast and kind" and item["score"] == 10 and item["status"] == "pending"
    assert item["receipt"]["text"].startswith("I agree that Test blog") and item["receipt"]["version"] == 1
    assert item["receipt"]["response_id"] == testimonial.response_id
    assert public_quotes(client, site) == []

    approved = client.post(f"/api/v1/moderation/testimonials/{testimonial.id}/approve", headers=auth(token))
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    assert public_quotes(client, site) == ["Fast and kind"]
    # Rejecting an approved one takes it down at once.
    client.post(f"/api/v1/moderation/testimonials/{testimonial.id}/reject", headers=auth(token))
    assert public_quotes(client, site) == []
    actions = db.session.execute(db.select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
    assert actions == ["approve", "reject"]
    assert db.session.execute(db.select(AuditEvent.actor)).scalars().first().startswith("token ")


def test_approval_without_a_receipt_is_refused(client, db, site, token, make_testimonial):
    testimonial = make_testimonial(site, receipt=False)
    refused = client.post(f"/api/v1/moderation/testimonials/{testimonial.id}/approve", headers=auth(token))
    assert refused.status_code == 409 and "receipt" in refused.json["message"]
    assert db.session.get(Testimonial, testimonial.id).status == "pending"
    assert public_quotes(client, site) == []


def test_withdrawn_cannot_be_approved(client, site, token, make_testimonial):
    testimonial = make_testimonial(site, status="withdrawn")
    assert (
        client.post(f"/api/v1/moderation/testimonials/{testimonial.id}/approve", headers=auth(token)).status_code == 409
    )


def test_another_sites_testimonial_is_forbidden(client, make_site, token, make_testimonial):
    other = make_testimonial(make_site(name="Other"))
    response = client.post(f"/api/v1/moderation/testimonials/{other.id}/approve", headers=auth(token))
    assert response.status_code == 403 and response.json["code"] == 403
    listing = client.get("/api/v1/moderation/testimonials?status=all", headers=auth(token)).json["testimonials"]
    assert listing == []
    assert client.get(f"/api/v1/moderation/testimonials?site={other.site.key}", headers=auth(token)).status_code == 403


def test_revoked_token_stops_working(client, runner, site, token):
    assert client.get("/api/v1/moderation/testimonials", headers=auth(token)).status_code == 200
    assert runner.invoke(args=["token", "revoke", str(token["id"])]).exit_code == 0
    assert client.get("/api/v1/moderation/testimonials", headers=auth(token)).status_code == 401
    assert "revoked" in runner.invoke(args=["token", "list"]).output


def test_session_api_writes_need_the_csrf_token(client, db, site, moderator, make_testimonial):
    testimonial = make_testimonial(site)
    login(client, "mod@example.org")
    assert client.get("/api/v1/moderation/testimonials").status_code == 200
    assert client.post(f"/api/v1/moderation/testimonials/{testimonial.id}/approve").status_code == 400
    csrf = csrf_from(client.get("/admin/").get_data(as_text=True))
    ok = client.post(f"/api/v1/moderation/testimonials/{testimonial.id}/approve", headers={"X-CSRFToken": csrf})
    assert ok.status_code == 200 and ok.json["status"] == "approved"


def admin_post(client, path, **data):
    csrf = csrf_from(client.get("/admin/?status=all").get_data(as_text=True))
    return client.post(path, data={"csrf_token": csrf, "next": "/admin/?status=all", **data})


def test_back_office_shows_score_why_and_receipt(client, site, moderator, make_testimonial):
    make_testimonial(site, quote="Clear & <kind>", score=9)
    login(client, "mod@example.org")
    page = client.get("/admin/").get_data(as_text=True)
    assert "Score 9 · promoter · Test blog" in page
    assert "Clear &amp; &lt;kind&gt;" in page  # escaped, never markup
    assert "I agree that Test blog may publish my answer" in page and "Version" in page
    assert 'aria-keyshortcuts="a"' in page and 'aria-keyshortcuts="r"' in page


def test_edit_keeps_the_original_and_is_shown_as_edited(client, db, site, moderator, make_testimonial):
    testimonial = make_testimonial(site, quote="gr8 product!!", status="approved")
    login(client, "mod@example.org")
    assert admin_post(client, f"/admin/testimonials/{testimonial.id}/quote", quote="Great product!").status_code == 302
    stored = db.session.get(Testimonial, testimonial.id)
    db.session.refresh(stored)
    assert stored.quote == "Great product!" and stored.original_quote == "gr8 product!!"
    [public] = client.get(f"/api/v1/sites/{site.key}/testimonials").json["testimonials"]
    assert public["quote"] == "Great product!" and public["edited"] is True
    event = db.session.execute(db.select(AuditEvent).filter_by(action="edit")).scalar_one()
    assert event.details == {"before": "gr8 product!!", "after": "Great product!"}
    assert "mod@example.org" in event.actor


def test_tags_feature_filters_and_bulk_approve(client, db, site, moderator, make_testimonial):
    first, second, third = (make_testimonial(site, quote=q) for q in ("one", "two", "three"))
    login(client, "mod@example.org")
    admin_post(client, f"/admin/testimonials/{first.id}/tags", tags="Pricing, support, pricing")
    admin_post(client, f"/admin/testimonials/{second.id}/feature")
    assert db.session.execute(db.select(TestimonialTag.tag).order_by(TestimonialTag.tag)).scalars().all() == [
        "pricing",
        "support",
    ]
    page = client.get("/admin/?tag=pricing&status=all").get_data(as_text=True)
    assert "one" in page and "three" not in page
    assert "three" not in client.get("/admin/?score=3&status=all").get_data(as_text=True)
    assert admin_post(client, "/admin/testimonials/bulk-approve", ids=[first.id, third.id]).status_code == 302
    statuses = {t.id: (t.status, t.featured) for t in db.session.execute(db.select(Testimonial)).scalars()}
    assert statuses == {first.id: ("approved", False), second.id: ("pending", True), third.id: ("approved", False)}
    tagged = client.get(f"/api/v1/sites/{site.key}/testimonials?tag=pricing").json["testimonials"]
    assert [t["quote"] for t in tagged] == ["one"] and tagged[0]["tags"] == ["pricing", "support"]
    assert admin_post(client, f"/admin/testimonials/{first.id}/tags", tags="<b>x</b>, ok!").status_code == 302
    assert client.get("/admin/").status_code == 200


def test_unpublish_returns_it_to_the_queue(client, db, site, moderator, make_testimonial):
    testimonial = make_testimonial(site, status="approved")
    login(client, "mod@example.org")
    admin_post(client, f"/admin/testimonials/{testimonial.id}/unpublish")
    assert db.session.get(Testimonial, testimonial.id).status == "pending"
    assert public_quotes(client, site) == []


def widget_promoter(client, site, quote="Lovely people"):
    created = client.post(f"/api/v1/sites/{site.key}/responses", json={"score": 10}, headers={"Origin": ORIGIN})
    headers = {"Origin": ORIGIN, "Authorization": f"Bearer {created.json['token']}"}
    done = client.patch(
        f"/api/v1/responses/{created.json['id']}",
        json={"why": quote, "consent": True, "display_name": "Ann"},
        headers=headers,
    )
    return created, done, headers


def test_withdrawal_removes_it_everywhere_at_once(client, db, site, token, make_testimonial):
    created, done, _ = widget_promoter(client, site)
    withdraw_url = done.json["withdraw_url"]
    assert withdraw_url.startswith("http://plaudit.test/withdraw/")
    testimonial = db.session.execute(db.select(Testimonial)).scalar_one()
    client.post(f"/api/v1/moderation/testimonials/{testimonial.id}/approve", headers=auth(token))
    assert public_quotes(client, site) == ["Lovely people"]

    path = withdraw_url.removeprefix("http://plaudit.test")
    page = client.get(path)
    assert page.status_code == 200 and "Lovely people" in page.get_data(as_text=True)
    assert public_quotes(client, site) == ["Lovely people"]  # a link preview (GET) withdraws nothing
    done_page = client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert "Your testimonial is withdrawn" in done_page.get_data(as_text=True)
    assert public_quotes(client, site) == []
    assert (
        client.post(f"/api/v1/moderation/testimonials/{testimonial.id}/approve", headers=auth(token)).status_code == 409
    )
    event = db.session.execute(db.select(AuditEvent).filter_by(action="withdraw")).scalar_one()
    assert event.actor == "respondent"
    assert client.get(path[:-3] + "xyz").status_code == 404  # a forged token


def test_erasure_leaves_nothing(client, db, app, make_user, site, make_testimonial, tmp_path):
    from tests.test_images import jpeg_bytes

    owner = make_user("owner@example.org", "owner", all_sites=True)
    kept = make_testimonial(site, quote="Someone else", respondent="cust-2")
    gone = make_testimonial(site, quote="Erase me", respondent="cust-1")
    created = client.post(
        f"/api/v1/sites/{site.key}/responses", json={"score": 3, "respondent": "cust-1"}, headers={"Origin": ORIGIN}
    )
    login(client, owner.email)
    assert admin_post(client, f"/admin/testimonials/{gone.id}/approve").status_code == 302
    admin_post(client, f"/admin/testimonials/{gone.id}/tags", tags="vip")
    upload = client.post(
        f"/admin/testimonials/{gone.id}/photo",
        data={
            "csrf_token": csrf_from(client.get("/admin/").get_data(as_text=True)),
            "photo": (io.BytesIO(jpeg_bytes()), "me.jpg"),
            "next": "/admin/",
        },
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    photo = db.session.get(Testimonial, gone.id)
    db.session.refresh(photo)
    photo_file = app.config["PLAUDIT_MEDIA_DIR"] + "/" + photo.photo
    import os

    assert os.path.exists(photo_file)

    page = client.get("/admin/erase").get_data(as_text=True)
    erased = client.post(
        "/admin/erase", data={"csrf_token": csrf_from(page), "site": site.key, "respondent": "cust-1", "confirm": "y"}
    )
    assert erased.status_code == 302
    db.session.expire_all()
    assert db.session.execute(db.select(Response.why).order_by(Response.id)).scalars().all() == ["Someone else"]
    assert [t.id for t in db.session.execute(db.select(Testimonial)).scalars()] == [kept.id]
    assert count(db, TestimonialTag) == 0
    assert not os.path.exists(photo_file)
    assert db.session.get(Response, created.json["id"]) is None
    events = db.session.execute(db.select(AuditEvent)).scalars().all()
    assert [e.action for e in events] == ["erase"] and events[0].details == {"responses": 2, "testimonials": 1}
    assert "Erase me" not in json.dumps([e.details for e in events])


def test_owner_settings_validate_and_version_consent(client, db, make_user, site):
    make_user("owner@example.org", "owner", sites=[site])
    login(client, "owner@example.org")
    page = client.get(f"/admin/sites/{site.key}/settings").get_data(as_text=True)
    assert f"&lt;script async src=&#34;http://plaudit.test/widget.js&#34; data-site=&#34;{site.key}&#34;&gt;" in page
    form = {
        "csrf_token": csrf_from(page),
        "name": "New <b>name</b>",
        "origins": "https://blog.example\nhttps://shop.example:443",
        "default_lang": "fr",
        "theme_color": "#112233",
        "resurvey_days": "30",
        "min_sample": "10",
        "wall_minimum": "3",
        "consent_scope": "everyone",
    }
    assert client.post(f"/admin/sites/{site.key}/settings", data=form).status_code == 302
    owner_saves_texts(
        client, site, "en", consent="You may quote me on {name}.", link_promoter="https://g.page/r/review"
    )
    db.session.refresh(site)
    assert site.name == "New <b>name</b>" and site.origins == ["https://blog.example", "https://shop.example"]
    assert site.consent_version == 3 and site.texts["en"]["consent"] == "You may quote me on {name}."
    assert site.cta_urls == {"promoter": "https://g.page/r/review"} and site.consent_scope == "everyone"
    assert site.wall_minimum == 3
    page = client.get(f"/admin/sites/{site.key}/settings").get_data(as_text=True)
    bad_link = {
        "csrf_token": csrf_from(page),
        "consent": "You may quote me on {name}.",
        "link_promoter": "javascript:alert(1)",
    }
    assert client.post(f"/admin/sites/{site.key}/texts/en", data=bad_link).status_code == 200
    for bad in (
        {"theme_color": "red;}"},
        {"origins": "ftp://x"},
        {"wall_minimum": "0"},
    ):
        response = client.post(f"/admin/sites/{site.key}/settings", data={**form, **bad})
        assert response.status_code == 200
    db.session.refresh(site)
    assert site.cta_urls == {"promoter": "https://g.page/r/review"} and site.theme_color == "#112233"
    assert site.origins == ["https://blog.example", "https://shop.example"] and site.wall_minimum == 3
    assert (
        client.get(f"/api/v1/sites/{site.key}/config?lang=en").json["texts"]["consent"]
        == "You may quote me on New <b>name</b>."
    )


def test_audit_log_is_visible_to_owners(client, make_user, site, make_testimonial, token):
    testimonial = make_testimonial(site)
    client.post(f"/api/v1/moderation/testimonials/{testimonial.id}/approve", headers=auth(token))
    make_user("owner@example.org", "owner", sites=[site])
    login(client, "owner@example.org")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "approve" in page and "token " in page and f"#{testimonial.id}" in page


def test_api_token_is_stored_hashed(db, token):
    stored = db.session.execute(db.select(ApiToken)).scalar_one()
    assert token["token"] not in stored.token_hash


@pytest.mark.parametrize("bad", ["²", "99999999999999999999", "0", "-1", "٣"])
def test_bulk_approve_ignores_what_is_no_row_id(client, db, site, moderator, make_testimonial, bad):
    testimonial = make_testimonial(site, quote="one")
    login(client, "mod@example.org")
    assert admin_post(client, "/admin/testimonials/bulk-approve", ids=[bad, testimonial.id]).status_code == 302
    assert db.session.get(Testimonial, testimonial.id).status == "approved"


def test_erasing_an_id_no_row_can_have_is_a_message(client, db, make_user, site):
    make_user("owner@example.org", "owner", sites=[site])
    login(client, "owner@example.org")
    page = client.get("/admin/erase").get_data(as_text=True)
    erased = client.post(
        "/admin/erase",
        data={"csrf_token": csrf_from(page), "site": site.key, "response_id": "99999999999999999999", "confirm": "y"},
    )
    assert erased.status_code in (200, 400) and "Number must be between" in erased.get_data(as_text=True)


def test_the_dashboard_after_erasing_a_days_only_answer(client, db, make_user, site):
    make_user("owner@example.org", "owner", sites=[site])
    created = client.post(
        f"/api/v1/sites/{site.key}/responses",
        json={"score": 3, "touchpoint": "checkout", "respondent": "cust-9"},
        headers={"Origin": ORIGIN},
    )
    assert created.status_code == 201
    login(client, "owner@example.org")
    page = client.get("/admin/erase").get_data(as_text=True)
    erased = client.post(
        "/admin/erase", data={"csrf_token": csrf_from(page), "site": site.key, "respondent": "cust-9", "confirm": "y"}
    )
    assert erased.status_code == 302
    assert client.get(f"/admin/sites/{site.key}/dashboard").status_code == 200
    assert client.get(f"/api/v1/sites/{site.key}/stats?by=touchpoint").json["groups"] == []


def test_each_moderation_says_what_it_did(client, db, site, moderator, make_testimonial):
    testimonial = make_testimonial(site, quote="Say it")
    login(client, "mod@example.org")
    admin_post(client, f"/admin/testimonials/{testimonial.id}/approve")
    assert "Approved: it is published now." in client.get("/admin/").get_data(as_text=True)
    admin_post(client, f"/admin/testimonials/{testimonial.id}/reject")
    assert "Rejected: it is not shown anywhere." in client.get("/admin/").get_data(as_text=True)
