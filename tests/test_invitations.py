"""E-mail invitations through a real SMTP conversation (aiosmtpd on a free port): scheduling by the
API, languages, score links that a plain GET does not answer, one answer per invitation, one
reminder, unsubscribes, bounces, the daily cap, journeys on a moved clock, erasure."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from core import invitations, mail, moderation
from models import ApiToken, Contact, Invitation, MailMessage, Response, utcnow
from tests.conftest import ORIGIN
from tests.smtp_server import sending_to

OWNER = "owner@shop.example"
PLAUDIT = "http://plaudit.test"
FIVE = [
    {"email": "ana@example.org", "name": "Ana", "lang": "en", "respondent": "C-1"},
    {"email": "Bea@Example.org", "name": "Béa", "lang": "fr", "attributes": {"plan": "pro"}},
    {"email": "cy@example.org", "lang": "fr"},
    {"email": "dan@example.org", "name": "Dan <b>"},
    {"email": "eve@example.org", "name": "Eve", "lang": "en"},
]


@pytest.fixture
def app_config(smtp):
    return sending_to(smtp)


@pytest.fixture
def token(db, make_user, site):
    owner = make_user(OWNER, role="owner", sites=[site])
    row, secret = ApiToken.issue(owner)
    db.session.add(row)
    db.session.commit()
    return secret


def invite(client, site, token, contacts, **extra):
    return client.post(
        f"/api/v1/sites/{site.key}/invitations",
        json={"contacts": contacts, **extra},
        headers={"Authorization": f"Bearer {token}"},
    )


def send_all(now=None):
    """One round of the mail worker, at `now`."""
    invitations.queue_due(now)
    while mail.deliver_due():
        pass


def score_links(message) -> dict[int, str]:
    html = message.get_body(("html",)).get_content()
    links = re.findall(r'href="(http://plaudit\.test/s/[^"]+)"', html)
    return {
        int(parse_qs(urlsplit(link.replace("&amp;", "&")).query)["score"][0]): link.replace("&amp;", "&")
        for link in links
    }


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + "?" + parts.query


def answer_from_page(client, site, link: str, score: int | None = None):
    """What the hosted page's script sends once a person has the page: the link's score."""
    query = parse_qs(urlsplit(link).query)
    return client.post(
        f"/api/v1/sites/{site.key}/responses",
        json={
            "score": score if score is not None else int(query["score"][0]),
            "lang": query["lang"][0],
            "page_url": f"{PLAUDIT}/s/{site.key}",
            "invitation": query["i"][0],
        },
        headers={"Origin": PLAUDIT},
    )


def test_five_contacts_get_five_e_mails_in_their_languages_and_a_get_records_nothing(client, db, site, token, smtp):
    created = invite(client, site, token, FIVE, touchpoint="after-delivery", reminder_days=3)
    assert created.status_code == 202, created.json
    assert created.json == {"scheduled": 5, "skipped": []}
    send_all()
    assert len(smtp.messages()) == 5
    [fr] = smtp.messages("bea@example.org")
    [en] = smtp.messages("ana@example.org")
    assert (
        "Quelle est la probabilité" in fr["Subject"]
        or "Quelle est la probabilité" in fr.get_body(("plain",)).get_content()
    )
    assert "How likely are you to recommend" in en.get_body(("plain",)).get_content()
    assert "Bonjour Béa" in fr.get_body(("plain",)).get_content()
    assert "Dan &lt;b&gt;" in smtp.messages("dan@example.org")[0].get_body(("html",)).get_content()
    assert en["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    links = score_links(en)
    assert sorted(links) == list(range(11))
    # A mail filter following every link: the page is served, nothing is recorded.
    for link in links.values():
        assert client.get(path_of(link)).status_code == 200
    assert db.session.execute(db.select(db.func.count()).select_from(Response)).scalar() == 0
    assert db.session.execute(db.select(Invitation.opened_at)).scalars().all() == [None] * 5


def test_the_page_records_the_links_score_once_and_a_second_click_changes_it(client, db, site, token, smtp):
    invite(client, site, token, FIVE[:1], touchpoint="after-delivery")
    send_all()
    links = score_links(smtp.messages("ana@example.org")[0])
    first = answer_from_page(client, site, links[4])
    assert first.status_code == 201, first.json
    assert first.json["category"] == "detractor" and first.json["follow_up"]["prompt"]
    second = answer_from_page(client, site, links[9])
    assert second.status_code == 201 and second.json["id"] == first.json["id"]
    [response] = db.session.execute(db.select(Response)).scalars().all()
    assert (response.score, response.channel, response.touchpoint, response.respondent) == (
        9,
        "email",
        "after-delivery",
        "C-1",
    )
    # The follow-up, with the token the page got.
    why = client.patch(
        f"/api/v1/responses/{second.json['id']}",
        json={"why": "Fast delivery"},
        headers={"Origin": PLAUDIT, "Authorization": f"Bearer {second.json['token']}"},
    )
    assert why.status_code == 200 and db.session.get(Response, response.id).why == "Fast delivery"


def test_a_forged_expired_or_foreign_token_is_refused_in_the_one_error_shape(client, db, site, make_site, token, smtp):
    invite(client, site, token, FIVE[:1])
    send_all()
    link = score_links(smtp.messages()[0])[8]
    query = parse_qs(urlsplit(link).query)
    forged = query["i"][0][:-2] + "xx"
    refused = answer_from_page(client, site, link.replace(query["i"][0], forged))
    assert refused.status_code == 404 and refused.json["errors"] == {"invitation": [refused.json["message"]]}
    other = make_site(name="Other")
    assert answer_from_page(client, other, link).status_code == 404
    # From a site's own page, an invitation is no answer of that page.
    from_page = client.post(
        f"/api/v1/sites/{site.key}/responses",
        json={"score": 8, "page_url": ORIGIN + "/", "invitation": query["i"][0]},
        headers={"Origin": ORIGIN},
    )
    assert from_page.status_code == 403
    db.session.execute(db.update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert answer_from_page(client, site, link).status_code == 410
    assert db.session.execute(db.select(db.func.count()).select_from(Response)).scalar() == 0


def test_one_reminder_to_the_unanswered_none_to_the_answered_or_unsubscribed(client, db, site, token, smtp):
    invite(client, site, token, FIVE[:3], reminder_days=3)
    send_all()
    answer_from_page(client, site, score_links(smtp.messages("ana@example.org")[0])[10])
    unsubscribe = smtp.messages("cy@example.org")[0]["List-Unsubscribe"].strip().strip("<>")
    assert client.post(urlsplit(unsubscribe).path).status_code == 200
    send_all(utcnow() + timedelta(days=2))
    assert len(smtp.messages()) == 3  # not yet
    later = utcnow() + timedelta(days=3, minutes=1)
    send_all(later)
    send_all(later + timedelta(days=5))
    assert len(smtp.messages("ana@example.org")) == 1
    assert len(smtp.messages("cy@example.org")) == 1
    reminders = smtp.messages("bea@example.org")
    assert len(reminders) == 2 and "rappel" in reminders[1]["Subject"].lower()
    # Re-uploading the unsubscribed address changes nothing, ever.
    again = invite(client, site, token, [FIVE[2]])
    assert again.json == {"scheduled": 0, "skipped": [{"email": "cy@example.org", "reason": "unsubscribed"}]}


def test_a_permanent_refusal_is_a_bounce_no_retry_and_no_reminder(client, db, site, token, smtp):
    invite(client, site, token, FIVE[:1], reminder_days=1)
    smtp.refuse_with = "550 5.1.1 No such user"
    send_all()
    invitation = db.session.execute(db.select(Invitation)).scalar_one()
    assert invitation.bounced_at is not None
    smtp.refuse_with = None
    send_all(utcnow() + timedelta(days=2))
    assert smtp.messages() == []
    message = db.session.execute(db.select(MailMessage)).scalar_one()
    assert message.attempts == 1 and message.failed_at is not None


def test_the_resurvey_interval_holds_across_channels(client, db, site, token, smtp):
    # Answered on the site's own page with the same reference, a week ago.
    client.post(
        f"/api/v1/sites/{site.key}/responses",
        json={"score": 7, "page_url": ORIGIN + "/", "respondent": "C-1"},
        headers={"Origin": ORIGIN},
    )
    created = invite(client, site, token, [FIVE[0], FIVE[4], {"email": "EVE@example.org"}])
    assert created.json == {
        "scheduled": 1,
        "skipped": [
            {"email": "ana@example.org", "reason": "answered_recently"},
            {"email": "EVE@example.org", "reason": "duplicate"},
        ],
    }
    assert invite(client, site, token, [FIVE[4]]).json["skipped"] == [
        {"email": "eve@example.org", "reason": "already_invited"}
    ]


def test_the_daily_cap_holds_back_the_rest_until_the_next_day(client, db, site, token, smtp):
    site.invitation_daily_cap = 2
    db.session.commit()
    invite(client, site, token, FIVE)
    send_all()
    assert len(smtp.messages()) == 2
    send_all(utcnow() + timedelta(hours=1) if utcnow().hour < 22 else utcnow())
    assert len(smtp.messages()) == 2
    tomorrow = datetime.combine(utcnow().date() + timedelta(days=1), datetime.min.time()) + timedelta(hours=1)
    send_all(tomorrow)
    assert len(smtp.messages()) == 4


def test_a_3_6_12_month_journey_sends_on_its_dates(client, db, site, token, smtp):
    site.journey_months = [3, 6, 12]
    db.session.commit()
    start = date(2026, 1, 31)
    now = datetime(2026, 2, 10, 12)
    scheduled, _ = invitations.schedule(site, [invitations.ContactIn("ana@example.org", start=start)], now=now)
    db.session.commit()
    assert scheduled == 1
    rows = db.session.execute(db.select(Invitation).order_by(Invitation.send_at)).scalars().all()
    assert [(i.touchpoint, i.send_at) for i in rows] == [
        ("month-3", datetime(2026, 4, 30, 9)),
        ("month-6", datetime(2026, 7, 31, 9)),
        ("month-12", datetime(2027, 1, 31, 9)),
    ]
    for day, expected in [(datetime(2026, 4, 30, 8), 0), (datetime(2026, 4, 30, 9), 1), (datetime(2026, 7, 31, 9), 2)]:
        send_all(day)
        assert len(smtp.messages()) == expected, day


def test_every_n_months_schedules_the_next_when_one_goes(db, site, smtp):
    site.journey_every_months = 4
    db.session.commit()
    now = datetime(2026, 3, 1)
    invitations.schedule(site, [invitations.ContactIn("ana@example.org", start=date(2026, 1, 15))], now=now)
    db.session.commit()
    [first] = db.session.execute(db.select(Invitation)).scalars().all()
    assert (first.touchpoint, first.send_at) == ("month-4", datetime(2026, 5, 15, 9))
    invitations.queue_due(datetime(2026, 5, 15, 9))
    labels = db.session.execute(db.select(Invitation.touchpoint, Invitation.send_at).order_by(Invitation.id)).all()
    assert labels == [("month-4", datetime(2026, 5, 15, 9)), ("month-8", datetime(2026, 9, 15, 9))]


def test_a_resolved_detractor_is_asked_again_and_both_answers_show(client, db, site, token, smtp):
    site.ask_again_after_resolved_days = 14
    db.session.commit()
    invite(client, site, token, FIVE[:1])
    send_all()
    before = answer_from_page(client, site, score_links(smtp.messages("ana@example.org")[0])[3]).json["id"]
    invitations.ask_again_after_resolution(db.session.get(Response, before))
    db.session.commit()
    send_all(utcnow() + timedelta(days=13))
    assert len(smtp.messages("ana@example.org")) == 1
    send_all(utcnow() + timedelta(days=14, minutes=1))
    assert len(smtp.messages("ana@example.org")) == 2
    after = answer_from_page(client, site, score_links(smtp.messages("ana@example.org")[1])[9]).json["id"]
    assert after != before
    scores = db.session.execute(
        db.select(Response.touchpoint, Response.score).where(Response.respondent == "C-1").order_by(Response.id)
    ).all()
    assert scores == [(None, 3), ("after-resolution", 9)]
    from tests.conftest import login

    login(client, OWNER)
    history = client.get(f"/admin/sites/{site.key}/respondents/C-1").get_data(as_text=True)
    assert "3/10" in history and "9/10" in history and "+6 since the previous answer" in history


def test_erasure_removes_contacts_invitations_and_their_messages(client, db, site, token, smtp):
    invite(client, site, token, FIVE[:2])
    send_all()
    response_id = answer_from_page(client, site, score_links(smtp.messages("ana@example.org")[0])[6]).json["id"]
    moderation.erase(site, respondent="C-1", actor="test")
    db.session.commit()
    assert db.session.execute(db.select(Contact.email)).scalars().all() == ["bea@example.org"]
    assert db.session.get(Response, response_id) is None
    assert [m.to_address for m in db.session.execute(db.select(MailMessage)).scalars()] == ["bea@example.org"]


def test_hostile_api_bodies_get_a_clear_4xx(client, site, token):
    assert invite(client, site, token, []).status_code == 422
    assert invite(client, site, token, [{"email": "not an address"}]).status_code == 422
    bad = invite(client, site, token, [{"email": "a@example.org", "lang": "xx"}], send_at="tomorrow")
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"contacts", "send_at"}
    assert client.post(f"/api/v1/sites/{site.key}/invitations", json={"contacts": FIVE}).status_code == 401


CSV = (
    "email,name,respondent,lang,start,attr.plan\n"
    "ana@example.org,Ana,C-1,en,,pro\n"
    "bea@example.org,Béa,,fr-CA,,\n"
    "cy@example.org,,,fr,,trial\n"
    "not-an-address,Nobody,,en,,\n"
    "dan@example.org,Dan,,xx,,\n"
    "dan@example.org,Dan,,en,,\n"
    'eve@example.org,"Eve, of =SUM(1)",,en,2026-13-01,\n'
    "eve@example.org,Eve,,en,,\n"
)


def test_a_csv_upload_previews_then_invites_and_the_page_counts_who_answered(client, db, site, token, smtp):
    from tests.conftest import csrf_from, login

    login(client, OWNER)
    page = client.get(f"/admin/sites/{site.key}/invitations")
    assert page.status_code == 200
    import io

    preview = client.post(
        f"/admin/sites/{site.key}/invitations/preview",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "file": (io.BytesIO(CSV.encode()), "contacts.csv"),
            "touchpoint": "after-delivery",
            "reminder_days": "3",
        },
        content_type="multipart/form-data",
    )
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    assert html.count("Refused:") == 3  # the bad address, the unknown language, the impossible date
    assert "5 contacts will be invited" in html
    assert "Bonjour Béa" in html and "Hello Ana" in html  # what will be sent, in each language
    assert db.session.execute(db.select(db.func.count()).select_from(Invitation)).scalar() == 0
    confirmed = client.post(
        f"/admin/sites/{site.key}/invitations/confirm",
        data={
            "csrf_token": csrf_from(html),
            "contacts": re.search(r'name="contacts" type="hidden" value="([^"]*)"', html)
            .group(1)
            .replace("&#34;", '"'),
            "touchpoint": "after-delivery",
            "reminder_days": "3",
        },
    )
    assert confirmed.status_code == 302
    send_all()
    assert len(smtp.messages()) == 5
    assert "Quelle est la probabilité" in smtp.messages("bea@example.org")[0].get_body(("plain",)).get_content()
    link = score_links(smtp.messages("ana@example.org")[0])[9]
    client.post(
        f"/api/v1/sites/{site.key}/views",
        json={"invitation": parse_qs(urlsplit(link).query)["i"][0]},
        headers={"Origin": PLAUDIT},
    )
    answer_from_page(client, site, link)
    page = client.get(f"/admin/sites/{site.key}/invitations").get_data(as_text=True)
    assert "after-delivery" in page and "20%" in page.replace("\xa0", "")
    row = re.search(r"<tbody><tr>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r"<td>([^<]*)</td>", row)[:6] == ["5", "1", "1", "0", "0", "0"]


def test_the_sending_settings_and_journey_are_saved_from_the_invitations_page(client, db, site, token):
    from tests.conftest import csrf_from, login

    login(client, OWNER)
    page = client.get(f"/admin/sites/{site.key}/invitations").get_data(as_text=True)
    saved = client.post(
        f"/admin/sites/{site.key}/invitations/settings",
        data={
            "csrf_token": csrf_from(page),
            "invitation_daily_cap": "50",
            "invitation_expiry_days": "14",
            "journey_months": "12, 3,6",
            "journey_every_months": "",
            "ask_again_after_resolved_days": "21",
        },
    )
    assert saved.status_code == 302
    db.session.refresh(site)
    assert (site.invitation_daily_cap, site.invitation_expiry_days, site.journey_months) == (50, 14, [3, 6, 12])
    assert (site.journey_every_months, site.ask_again_after_resolved_days) == (None, 21)
    assert 'value="3, 6, 12"' in client.get(f"/admin/sites/{site.key}/invitations").get_data(as_text=True)
    refused = client.post(
        f"/admin/sites/{site.key}/invitations/settings",
        data={"csrf_token": csrf_from(page), "invitation_daily_cap": "0", "invitation_expiry_days": "14",
              "journey_months": "3; drop table"},
    )  # fmt: skip
    assert refused.status_code == 302
    db.session.refresh(site)
    assert site.invitation_daily_cap == 50 and site.journey_months == [3, 6, 12]


def test_resolving_a_detractors_follow_up_in_the_back_office_schedules_the_ask_again(client, db, site, token, smtp):
    from tests.conftest import csrf_from, login

    site.ask_again_after_resolved_days = 10
    db.session.commit()
    invite(client, site, token, FIVE[:1])
    send_all()
    response_id = answer_from_page(client, site, score_links(smtp.messages("ana@example.org")[0])[2]).json["id"]
    login(client, OWNER)
    page = client.get(f"/admin/responses/{response_id}").get_data(as_text=True)
    client.post(f"/admin/responses/{response_id}/followup", data={"csrf_token": csrf_from(page), "status": "resolved"})
    again = db.session.execute(db.select(Invitation).where(Invitation.follows_response_id == response_id)).scalar_one()
    assert again.touchpoint == "after-resolution" and again.send_at > utcnow() + timedelta(days=9)


def test_a_recent_answer_does_not_keep_a_contact_out_of_the_journey_but_holds_on_its_dates(client, db, site, smtp):
    site.journey_months = [3]
    db.session.commit()
    client.post(
        f"/api/v1/sites/{site.key}/responses",
        json={"score": 8, "page_url": ORIGIN + "/", "respondent": "C-9"},
        headers={"Origin": ORIGIN},
    )
    soon = invitations.ContactIn("zoe@example.org", respondent="C-9", start=utcnow().date())
    assert invitations.schedule(site, [soon])[0] == 1
    db.session.commit()
    [step] = db.session.execute(db.select(Invitation)).scalars().all()
    # Its date come while the answer is still recent (the interval made longer here): not sent.
    site.resurvey_days = 400
    db.session.commit()
    invitations.queue_due(step.send_at)
    db.session.refresh(step)
    assert step.sent_at is None and step.cancel_reason == "answered_recently"


def test_a_failed_first_save_leaves_the_invitation_free_to_answer(client, db, site, token, smtp, monkeypatch):
    invite(client, site, token, FIVE[:1])
    send_all()
    link = score_links(smtp.messages("ana@example.org")[0])[7]

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(invitations, "record_response", broken)
    with pytest.raises(RuntimeError):
        answer_from_page(client, site, link)
    monkeypatch.undo()
    assert answer_from_page(client, site, link).status_code == 201


def test_a_contact_without_a_reference_is_erased_by_address_from_the_back_office(client, db, site, token, smtp):
    from tests.conftest import csrf_from, login

    invite(client, site, token, FIVE[1:3])
    send_all()
    response_id = answer_from_page(client, site, score_links(smtp.messages("cy@example.org")[0])[5]).json["id"]
    login(client, OWNER)
    page = client.get("/admin/erase").get_data(as_text=True)
    done = client.post(
        "/admin/erase",
        data={"csrf_token": csrf_from(page), "site": site.key, "email": "CY@example.org", "confirm": "y"},
    )
    assert done.status_code == 302
    assert db.session.get(Response, response_id) is None
    assert db.session.execute(db.select(Contact.email)).scalars().all() == ["bea@example.org"]
    assert [m.to_address for m in db.session.execute(db.select(MailMessage)).scalars()] == ["bea@example.org"]


def test_a_site_over_its_cap_does_not_hold_back_another_sites_invitations(db, make_site, smtp, monkeypatch):
    monkeypatch.setattr(invitations, "BATCH", 2)
    full, other = make_site(name="Full", invitation_daily_cap=1), make_site(name="Other")
    now = utcnow()
    for n in range(4):
        invitations.schedule(full, [invitations.ContactIn(f"f{n}@example.org")], now=now - timedelta(hours=2))
    invitations.schedule(other, [invitations.ContactIn("o@example.org")], now=now - timedelta(hours=1))
    db.session.commit()
    invitations.queue_due(now)
    invitations.queue_due(now)
    sent = db.session.execute(db.select(Invitation.site_id).where(Invitation.sent_at.is_not(None))).scalars().all()
    assert sorted(sent) == sorted([full.id, other.id])


def test_a_reminder_due_is_not_held_back_by_later_ones(client, db, site, token, smtp, monkeypatch):
    monkeypatch.setattr(invitations, "BATCH", 1)
    invite(client, site, token, FIVE[:1], reminder_days=30)
    invite(client, site, token, FIVE[1:2], reminder_days=1)
    send_all()
    send_all()  # one a round, with a batch of one
    send_all(utcnow() + timedelta(days=1, minutes=1))
    assert len(smtp.messages("bea@example.org")) == 2 and len(smtp.messages("ana@example.org")) == 1


def test_an_expired_or_forged_link_says_so_on_the_page_and_offers_no_survey(client, db, site, token, smtp):
    invite(client, site, token, FIVE[1:2])
    send_all()
    link = score_links(smtp.messages("bea@example.org")[0])[8]
    open_page = client.get(path_of(link)).get_data(as_text=True)
    assert 'data-invitation="' in open_page and "expiré" not in open_page
    token_ = parse_qs(urlsplit(link).query)["i"][0]
    forged = client.get(path_of(link).replace(token_, token_[:-2] + "xx")).get_data(as_text=True)
    assert "Cette invitation a expiré" in forged and 'id="survey"' not in forged
    db.session.execute(db.update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    expired = client.get(path_of(link)).get_data(as_text=True)
    assert "Cette invitation a expiré" in expired and 'id="survey"' not in expired


def test_without_a_mail_server_nothing_counts_as_sent_and_no_reminder_is_kept(app, client, db, site, token):
    """The outbox keeps the invitation (no MAIL_SERVER): the page says none was sent, and no
    reminder is written for an invitation nobody received."""
    app.config["MAIL_SERVER"] = None
    invite(client, site, token, FIVE[:2], reminder_days=1)
    send_all()
    send_all(utcnow() + timedelta(days=2))
    from admin.invitations import waves

    (wave,) = waves(site)
    assert wave.invited == 2 and wave.sent == 0 and wave.reminded == 0
    kinds = db.session.execute(db.select(MailMessage.kind)).scalars().all()
    assert sorted(kinds) == ["invitation", "invitation"]


def test_two_invitations_answered_from_one_address_both_count(client, db, site, token, smtp):
    """An office behind one address, or the owner trying the links: each invitation is a person."""
    invite(client, site, token, FIVE[:2])
    send_all()
    for address, score in (("ana@example.org", 9), ("bea@example.org", 3)):
        answer_from_page(client, site, score_links(smtp.messages(address)[0])[score])
    rows = db.session.execute(db.select(Response.score, Response.is_duplicate)).all()
    assert sorted(rows) == [(3, False), (9, False)]
