"""A testimonial's life: consent, moderation, the respondent's private link, withdrawal, erasure.

Every change of status goes through core.moderation.set_status, whatever path asks for it; these
tests come in through each path and look at what the respondent and the public then see.
"""

from __future__ import annotations

import io
import json

import pytest

from models import AuditEvent, Testimonial
from tests.conftest import ORIGIN, csrf_from, login


@pytest.fixture
def moderator_token(runner, make_user, site):
    make_user("mod@example.org", "moderator", sites=[site])
    return json.loads(runner.invoke(args=["token", "create", "--email", "mod@example.org", "--json"]).output)["token"]


def moderate(client, testimonial_id: int, action: str, token: str):
    return client.post(
        f"/api/v1/moderation/testimonials/{testimonial_id}/{action}", headers={"Authorization": f"Bearer {token}"}
    )


class Respondent:
    """A visitor who answers through the widget's API and keeps what it gave them."""

    def __init__(self, client, site, *, quote: str, respondent: str | None = None, lang: str = "en"):
        body = {"score": 10, "lang": lang, **({"respondent": respondent} if respondent else {})}
        created = client.post(f"/api/v1/sites/{site.key}/responses", json=body, headers={"Origin": ORIGIN})
        self.client, self.id = client, created.json["id"]
        self.headers = {"Origin": ORIGIN, "Authorization": f"Bearer {created.json['token']}"}
        done = self.patch({"why": quote, "consent": True, "display_name": "Ann"})
        assert done.status_code == 200, done.json
        self.link = done.json["withdraw_url"].removeprefix("http://plaudit.test")

    def patch(self, body: dict):
        return self.client.patch(f"/api/v1/responses/{self.id}", json=body, headers=self.headers)

    def testimonial(self, db) -> Testimonial:
        return db.session.execute(db.select(Testimonial).filter_by(response_id=self.id)).scalar_one()


def jpeg() -> bytes:
    from tests.test_images import jpeg_bytes

    return jpeg_bytes()


def post_photo(client, link: str, csrf: str | None = None):
    csrf = csrf or csrf_from(client.get(link).get_data(as_text=True))
    return client.post(
        link + "/photo",
        data={"csrf_token": csrf, "photo": (io.BytesIO(jpeg()), "me.jpg")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def erase_response(app, make_user, site, response_id: int) -> None:
    """The owner erases one answer from the back office, in a browser of their own."""
    owner = make_user("owner@example.org", "owner", all_sites=True)
    office = app.test_client()
    login(office, owner.email)
    page = office.get("/admin/erase").get_data(as_text=True)
    erased = office.post(
        "/admin/erase",
        data={"csrf_token": csrf_from(page), "site": site.key, "response_id": response_id, "confirm": "y"},
    )
    assert erased.status_code == 302


# Item 6: an erased respondent's private link


def test_an_erased_respondents_link_opens_nothing_not_even_the_next_testimonial(
    app, client, db, make_user, site, moderator_token
):
    mallory = Respondent(client, site, quote="Mallory's words")
    old_link, old_testimonial = mallory.link, mallory.testimonial(db).id
    erase_response(app, make_user, site, mallory.id)
    victor = Respondent(client, site, quote="Victor's words")
    moderate(client, victor.testimonial(db).id, "approve", moderator_token)

    page = client.get(old_link)
    assert page.status_code == 404 and "Victor's words" not in page.get_data(as_text=True)
    assert client.post(old_link + "/photo", data={"photo": (io.BytesIO(jpeg()), "me.jpg")}).status_code in (400, 404)
    assert client.get(victor.link).status_code == 200  # Victor's own link works
    csrf = csrf_from(client.get(victor.link).get_data(as_text=True))
    assert client.post(old_link, data={"csrf_token": csrf}).status_code == 404
    assert (
        client.post(
            old_link + "/photo",
            data={"csrf_token": csrf, "photo": (io.BytesIO(jpeg()), "me.jpg")},
            content_type="multipart/form-data",
        ).status_code
        == 404
    )
    db.session.expire_all()
    stored = victor.testimonial(db)
    assert stored.status == "approved" and stored.photo is None
    assert stored.id != old_testimonial and victor.id != mallory.id  # never an erased one's number again


def test_a_private_link_is_a_secret_of_its_own_not_a_signed_number(client, db, site):
    first = Respondent(client, site, quote="First")
    second = Respondent(client, site, quote="Second")
    assert first.link != second.link
    # The same link, every time the widget completes the answer again.
    assert first.patch({"display_name": "Ann B."}).json["withdraw_url"].endswith(first.link)
    # A link signed the old way, with the instance's key, for the testimonial's number: dead.
    from itsdangerous import URLSafeSerializer

    legacy = URLSafeSerializer(client.application.config["SECRET_KEY"], salt="plaudit.withdraw")
    assert client.get(f"/withdraw/{legacy.dumps(first.testimonial(db).id)}").status_code == 404
    assert client.get(first.link[:-4] + "abcd").status_code == 404  # forged


# Item 7: a withdrawal through the API


def test_withdrawing_through_the_api_takes_it_off_every_public_surface_and_is_audited(
    client, db, site, moderator_token
):
    ann = Respondent(client, site, quote="Take me off later")
    moderate(client, ann.testimonial(db).id, "approve", moderator_token)
    # Another one keeps the walls above their minimum, so they still answer after the withdrawal.
    bob = Respondent(client, site, quote="Still here")
    moderate(client, bob.testimonial(db).id, "approve", moderator_token)
    surfaces = (
        f"/wall/{site.key}",
        f"/api/v1/sites/{site.key}/wall",
        f"/api/v1/sites/{site.key}/testimonials",
    )
    etags = {}
    for url in surfaces:
        shown = client.get(url)
        assert "Take me off later" in shown.get_data(as_text=True), url
        etags[url] = shown.headers["ETag"]
    assert client.get(f"/t/{ann.testimonial(db).id}").status_code == 200

    withdrawn = ann.patch({"consent": False})
    assert withdrawn.status_code == 200 and withdrawn.json["testimonial"] == "withdrawn"
    for url, etag in etags.items():
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 200, url  # not a 304 of the old body
        assert again.headers["ETag"] != etag
        assert "Take me off later" not in again.get_data(as_text=True), url
        assert "Still here" in again.get_data(as_text=True), url
    assert client.get(f"/t/{ann.testimonial(db).id}").status_code == 404
    event = db.session.execute(db.select(AuditEvent).filter_by(action="withdraw")).scalar_one()
    assert event.actor == "respondent" and event.details["before"] == "approved"
    assert event.details["after"] == "withdrawn" and event.testimonial_id == ann.testimonial(db).id


# Item 8: withdrawn is for good, rejected stays rejected


def test_a_withdrawal_is_final_through_the_api(client, db, site, moderator_token):
    ann = Respondent(client, site, quote="Changed my mind")
    assert ann.patch({"consent": False}).json["testimonial"] == "withdrawn"
    again = ann.patch({"why": "Changed my mind again", "consent": True})
    assert again.status_code == 409
    assert set(again.json) == {"code", "status", "message", "errors"} and again.json["code"] == 409
    assert ann.patch({"consent": False}).status_code == 200  # saying it twice is no error
    db.session.expire_all()
    testimonial = ann.testimonial(db)
    assert testimonial.status == "withdrawn" and testimonial.quote == "Changed my mind"
    assert moderate(client, testimonial.id, "approve", moderator_token).status_code == 409
    assert moderate(client, testimonial.id, "reject", moderator_token).status_code == 409
    actions = db.session.execute(db.select(AuditEvent.action)).scalars().all()
    assert actions == ["withdraw"]


def test_a_rejected_testimonial_is_not_resurrected_by_consenting_again(client, db, site, moderator_token):
    ann = Respondent(client, site, quote="Buy my crypto")
    moderate(client, ann.testimonial(db).id, "reject", moderator_token)
    again = ann.patch({"why": "Buy my crypto now", "consent": True})
    assert again.status_code == 409 and again.json["code"] == 409
    db.session.expire_all()
    assert ann.testimonial(db).status == "rejected"
    queue = client.get(
        "/api/v1/moderation/testimonials?status=pending", headers={"Authorization": f"Bearer {moderator_token}"}
    )
    assert queue.json["testimonials"] == []
    # The respondent may still withdraw it: their consent is theirs to take back.
    assert ann.patch({"consent": False}).json["testimonial"] == "withdrawn"


def test_consenting_again_to_a_published_testimonial_changes_nothing(client, db, site, moderator_token):
    ann = Respondent(client, site, quote="Published already")
    moderate(client, ann.testimonial(db).id, "approve", moderator_token)
    again = ann.patch({"consent": True})
    assert again.status_code == 200 and again.json["testimonial"] == "approved"
    db.session.expire_all()
    assert ann.testimonial(db).status == "approved"


def test_set_status_is_the_one_gate(db, site, make_testimonial):
    from core.moderation import RESPONDENT, ModerationError, set_status

    testimonial = make_testimonial(site)
    with pytest.raises(ModerationError):
        set_status(testimonial, "approved", RESPONDENT, "the respondent cannot publish")
    with pytest.raises(ModerationError):
        set_status(testimonial, "withdrawn", "user 1 <m@example.org>", "only the respondent withdraws")
    with pytest.raises(ModerationError):
        set_status(testimonial, "published", "user 1 <m@example.org>", "not a status")
    set_status(testimonial, "rejected", "user 1 <m@example.org>", "spam")
    with pytest.raises(ModerationError):
        set_status(testimonial, "pending", RESPONDENT, "consented again")
    set_status(testimonial, "withdrawn", RESPONDENT, "private page")
    for status in ("pending", "approved", "rejected"):
        with pytest.raises(ModerationError):
            set_status(testimonial, status, "user 1 <m@example.org>", "after a withdrawal")
    db.session.commit()
    events = db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    assert [(e.action, e.details["after"], e.details["reason"]) for e in events] == [
        ("reject", "rejected", "spam"),
        ("withdraw", "withdrawn", "private page"),
    ]


# The respondent's private page after a withdrawal


def test_after_a_withdrawal_the_private_page_says_so_and_allows_nothing_more(client, db, site):
    ann = Respondent(client, site, quote="Gone for good")
    csrf = csrf_from(client.get(ann.link).get_data(as_text=True))
    done = client.post(ann.link, data={"csrf_token": csrf}).get_data(as_text=True)
    assert "Your testimonial is withdrawn" in done
    later = client.get(ann.link)
    body = later.get_data(as_text=True)
    assert later.status_code == 200 and "Your testimonial is withdrawn" in body
    assert "<form" not in body and "Gone for good" not in body
    photo = post_photo(client, ann.link, csrf)
    assert photo.status_code == 409 and "withdrawn" in photo.get_data(as_text=True)
    db.session.expire_all()
    assert ann.testimonial(db).photo is None


# Item 10: what the private page says was agreed to


def test_the_private_page_shows_the_published_words_that_they_were_edited_and_the_respondents_own(
    client, db, site, make_user, moderator_token
):
    original = "Super boulangerie mais le parking est une catastrophe."
    ann = Respondent(client, site, quote=original, lang="fr")
    page = client.get(ann.link).get_data(as_text=True)
    assert original in page and "modifié" not in page

    make_user("owner@example.org", "owner", all_sites=True)
    office = client.application.test_client()
    login(office, "owner@example.org")
    queue = office.get("/admin/?status=all").get_data(as_text=True)
    testimonial = ann.testimonial(db)
    office.post(
        f"/admin/testimonials/{testimonial.id}/quote",
        data={"csrf_token": csrf_from(queue), "quote": "Super boulangerie !", "next": "/admin/"},
    )
    moderate(client, testimonial.id, "approve", moderator_token)

    page = client.get(ann.link).get_data(as_text=True)
    published = page.index("Super boulangerie !")
    own = page.index(original)
    assert "Publié" in page[:published] and "modifié" in page  # says it is published, and edited
    assert "Vos propres mots" in page[published:own]  # their own words, beside it
    assert "Vous avez accepté que Test blog publie ces mots" not in page  # not what they agreed to


def moderator_edits(client, db, make_user, ann: Respondent, quote: str) -> None:
    """An owner of every site rewrites the respondent's words in the back office."""
    make_user("owner@example.org", "owner", all_sites=True)
    office = client.application.test_client()
    login(office, "owner@example.org")
    queue = office.get("/admin/?status=all").get_data(as_text=True)
    office.post(
        f"/admin/testimonials/{ann.testimonial(db).id}/quote",
        data={"csrf_token": csrf_from(queue), "quote": quote, "next": "/admin/"},
    )


def test_the_private_page_in_english_while_pending_and_edited(client, db, site, make_user):
    ann = Respondent(client, site, quote="gr8 bakery!!")
    moderator_edits(client, db, make_user, ann, "Great bakery!")
    page = client.get(ann.link).get_data(as_text=True)
    assert "Awaiting review" in page and "edited by Test blog" in page
    assert page.index("Great bakery!") < page.index("Your own words") < page.index("gr8 bakery!!")


# Item 25 (part): what the photo message says, per status


def test_a_photo_on_a_pending_testimonial_waits_for_its_publication(client, db, site):
    ann = Respondent(client, site, quote="Pending words")
    saved = post_photo(client, ann.link).get_data(as_text=True)
    assert "It appears with your words once they are published" in saved
    db.session.expire_all()
    assert client.get(f"/media/{ann.testimonial(db).photo}").status_code == 404  # not shown yet


def test_a_photo_on_a_published_testimonial_says_it_shows_at_once(client, db, site, moderator_token):
    ann = Respondent(client, site, quote="Published words")
    moderate(client, ann.testimonial(db).id, "approve", moderator_token)
    etag = client.get(f"/api/v1/sites/{site.key}/wall").headers["ETag"]
    saved = post_photo(client, ann.link).get_data(as_text=True)
    assert "once they are published" not in saved
    assert "It now shows with your published testimonial" in saved
    db.session.expire_all()
    photo = ann.testimonial(db).photo
    assert client.get(f"/media/{photo}").status_code == 200  # what the message says: at once
    wall = client.get(f"/api/v1/sites/{site.key}/wall", headers={"If-None-Match": etag})
    assert wall.status_code == 200 and photo in wall.get_data(as_text=True)


def test_a_rejected_testimonial_takes_no_photo(client, db, site, moderator_token):
    ann = Respondent(client, site, quote="Rejected words")
    moderate(client, ann.testimonial(db).id, "reject", moderator_token)
    page = client.get(ann.link).get_data(as_text=True)
    assert 'name="photo"' not in page and "not to publish" in page
    refused = post_photo(client, ann.link, csrf_from(page))
    assert refused.status_code == 409
    db.session.expire_all()
    assert ann.testimonial(db).photo is None


def test_a_moderators_edit_outlives_the_respondents_other_changes_but_not_new_words(client, db, site, make_user):
    ann = Respondent(client, site, quote="gr8 bakery!!")
    moderator_edits(client, db, make_user, ann, "Great bakery!")
    assert ann.patch({"display_name": "Ann B."}).status_code == 200
    db.session.expire_all()
    edited = ann.testimonial(db)
    assert (edited.quote, edited.original_quote, edited.display_name) == ("Great bakery!", "gr8 bakery!!", "Ann B.")
    assert ann.patch({"why": "Lovely bread, kind staff"}).status_code == 200
    db.session.expire_all()
    rewritten = ann.testimonial(db)
    assert (rewritten.quote, rewritten.original_quote) == ("Lovely bread, kind staff", None)
    page = client.get(ann.link).get_data(as_text=True)
    assert "Lovely bread, kind staff" in page and "edited" not in page and "Great bakery!" not in page


def test_a_withdrawn_testimonial_is_nobodys_to_change_and_its_photo_is_deleted(client, db, site, make_user):
    from tests.test_images import jpeg_bytes

    ann = Respondent(client, site, quote="My words, my face")
    post_photo(client, ann.link)
    db.session.expire_all()
    photo = ann.testimonial(db).photo
    stored = client.application.config["PLAUDIT_MEDIA_DIR"] + "/" + photo
    with open(stored, "rb"):
        pass  # on disk
    assert ann.patch({"consent": False}).status_code == 200
    db.session.expire_all()
    withdrawn = ann.testimonial(db)
    assert withdrawn.photo is None
    with pytest.raises(FileNotFoundError):
        open(stored, "rb")

    make_user("owner@example.org", "owner", all_sites=True)
    office = client.application.test_client()
    login(office, "owner@example.org")
    token = csrf_from(office.get("/admin/?status=all").get_data(as_text=True))
    base = f"/admin/testimonials/{withdrawn.id}"
    office.post(f"{base}/quote", data={"csrf_token": token, "quote": "Moderator words", "next": "/admin/"})
    office.post(f"{base}/tags", data={"csrf_token": token, "tags": "pricing", "next": "/admin/"})
    office.post(f"{base}/feature", data={"csrf_token": token, "next": "/admin/"})
    office.post(
        f"{base}/photo",
        data={"csrf_token": token, "photo": (io.BytesIO(jpeg_bytes()), "me.jpg"), "next": "/admin/"},
        content_type="multipart/form-data",
    )
    db.session.expire_all()
    after = ann.testimonial(db)
    assert (after.quote, after.tags, after.featured, after.photo) == ("My words, my face", [], False, None)


def test_the_private_page_is_kept_by_no_cache_and_leaks_no_referrer(client, site):
    ann = Respondent(client, site, quote="Private page")
    page = client.get(ann.link)
    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
