"""E-mail through a real SMTP conversation (aiosmtpd on a free port): alerts, digests, replies,
thanks; headers, links, languages, unsubscribing; a server refusing or down; one send each."""

from __future__ import annotations

import re
import threading
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from core import mail, notifications
from core.followups import overdue_count
from core.nps import change, summarise
from core.stats import Filters, site_nps
from models import MailAttempt, MailMessage, MailSuppression, NotificationSetting, Response, Testimonial, utcnow
from tests.conftest import ORIGIN, csrf_from, login
from tests.smtp_server import sending_to

OWNER = "owner@shop.example"


@pytest.fixture
def app_config(smtp):
    return sending_to(smtp)


@pytest.fixture
def owner(make_user, site):
    return make_user(OWNER, role="owner", sites=[site])


def answer(client, site, score, why=None, email=None, lang="en", consent=False, name=None, ip=1):
    created = client.post(
        f"/api/v1/sites/{site.key}/responses",
        json={"score": score, "lang": lang, "touchpoint": "after-purchase", "page_url": ORIGIN + "/checkout"},
        headers={"Origin": ORIGIN},
        environ_base={"REMOTE_ADDR": f"10.9.0.{ip}"},
    )
    assert created.status_code == 201, created.json
    body = {k: v for k, v in {"why": why, "email": email, "display_name": name}.items() if v}
    if consent:
        body["consent"] = True
    if body:
        patched = client.patch(
            f"/api/v1/responses/{created.json['id']}",
            json=body,
            headers={"Origin": ORIGIN, "Authorization": f"Bearer {created.json['token']}"},
        )
        assert patched.status_code == 200, patched.json
    return created.json["id"]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def parts(message):
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def assert_real_email(message):
    assert message.get_content_type() == "multipart/alternative"
    for header in ("Message-ID", "Date", "From", "To", "Subject"):
        assert message[header], header
    assert message["List-Unsubscribe"].strip().startswith("<http://plaudit.test/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_detractor_alert_reaches_the_owner_with_a_link_to_the_answer(client, db, site, owner, smtp):
    response_id = answer(client, site, 2, why="Slow <b>delivery</b> & rude", email="ana@example.org")
    assert mail.deliver_due() == 1
    [message] = smtp.messages(OWNER)
    assert_real_email(message)
    assert message["Subject"] == f"Detractor 2/10 on {site.name}: contact them within a week"
    assert message["Auto-Submitted"] == "auto-generated"
    assert "plaudit@plaudit.test" in message["From"]
    text, html = parts(message)
    assert "Slow <b>delivery</b> & rude" in text and "after-purchase" in text and ORIGIN + "/checkout" in text
    assert "Slow &lt;b&gt;delivery&lt;/b&gt; &amp; rude" in html and "<b>delivery" not in html
    link = f"http://plaudit.test/admin/responses/{response_id}"
    assert link in text and f'href="{link}"' in html
    login(client, OWNER)
    page = client.get(path_of(link))
    assert page.status_code == 200 and "Slow &lt;b&gt;delivery&lt;/b&gt; &amp; rude" in page.get_data(as_text=True)
    attempt = db.session.execute(db.select(MailAttempt)).scalar_one()
    assert attempt.error is None and attempt.smtp_code is None


def test_only_owners_get_the_detractor_alert_by_default_and_nothing_else(client, db, site, owner, make_user, smtp):
    make_user("mod@shop.example", role="moderator", sites=[site])
    answer(client, site, 10, why="Lovely", consent=True)
    answer(client, site, 8, ip=2)
    answer(client, site, 1, ip=3)
    mail.deliver_due()
    assert [m["To"] for m in smtp.messages()] == [OWNER]
    assert notifications.queue_due_digests(date.today()) == 0


def test_a_detractor_who_moves_up_the_scale_gets_no_alert(client, db, site, owner, smtp):
    created = client.post(f"/api/v1/sites/{site.key}/responses", json={"score": 3}, headers={"Origin": ORIGIN})
    client.patch(
        f"/api/v1/responses/{created.json['id']}",
        json={"score": 9},
        headers={"Origin": ORIGIN, "Authorization": f"Bearer {created.json['token']}"},
    )
    assert mail.deliver_due() == 0
    assert smtp.messages() == []
    message = db.session.execute(db.select(MailMessage)).scalar_one()
    assert message.last_error == mail.NOTHING_TO_SAY


def test_the_moderation_alert_opens_the_queue_at_that_testimonial_and_approves_nothing(
    client, db, site, make_user, smtp
):
    moderator = make_user("mod@shop.example", role="moderator", sites=[site])
    db.session.add(
        NotificationSetting(
            user_id=moderator.id, site_id=site.id, detractor_alert=False, moderation_alert=True, digest="off"
        )
    )
    db.session.commit()
    answer(client, site, 10, why="Best shop in town", consent=True, name="Camille D.")
    mail.deliver_due()
    [message] = smtp.messages("mod@shop.example")
    assert_real_email(message)
    text, html = parts(message)
    testimonial = db.session.execute(db.select(Testimonial)).scalar_one()
    link = f"http://plaudit.test/admin/?site={site.key}&cursor={testimonial.id + 1}#t-{testimonial.id}"
    assert link in text
    login(client, "mod@shop.example")
    page = client.get(path_of(link))  # what a person, or a mail scanner, following the link gets
    assert page.status_code == 200 and f'id="t-{testimonial.id}"' in page.get_data(as_text=True)
    db.session.refresh(testimonial)
    assert testimonial.status == "pending"
    client.get(urlsplit(message["List-Unsubscribe"].strip().strip("<>")).path)  # a GET unsubscribes nobody either
    assert db.session.get(NotificationSetting, (moderator.id, site.id)).moderation_alert is True


def test_no_header_can_be_injected_through_a_name_or_a_subject(client, db, make_site, make_user, smtp):
    site = make_site(name="Shop\r\nBcc: victim@evil.example")
    make_user(OWNER, role="owner", sites=[site])
    response_id = answer(client, site, 4, why="Meh", email="ana@example.org")
    response = db.session.get(Response, response_id)
    login(client, OWNER)
    page = client.get(f"/admin/responses/{response_id}").get_data(as_text=True)
    sent = client.post(
        f"/admin/responses/{response_id}/reply",
        data={"csrf_token": csrf_from(page), "subject": "Hello\r\nBcc: victim@evil.example\nX-Evil: 1", "body": "Hi"},
    )
    assert sent.status_code == 302
    mail.deliver_due()
    assert {r for rcpts, _ in smtp.received for r in rcpts} == {OWNER, response.contact_email}
    for message in smtp.messages():
        assert message["Bcc"] is None and message["X-Evil"] is None
        assert "\n" not in message["Subject"] and "\n" not in message["From"]
    reply = smtp.messages("ana@example.org")[0]
    assert reply["Subject"] == "Hello Bcc: victim@evil.example X-Evil: 1"


def test_a_reply_in_the_respondents_language_answers_to_the_owner_and_marks_it_contacted(client, db, site, owner, smtp):
    response_id = answer(client, site, 3, why="Cassé", email="lea@example.fr", lang="fr")
    login(client, OWNER)
    followups = client.get(f"/admin/sites/{site.key}/followups").get_data(as_text=True)
    assert f'href="/admin/responses/{response_id}">Reply by e-mail' in followups
    page = client.get(f"/admin/responses/{response_id}").get_data(as_text=True)
    assert "Bonjour, merci d&#39;avoir répondu à notre enquête." in page  # the playbook's draft, in French
    assert f"À propos de votre réponse à {site.name}" in page
    sent = client.post(
        f"/admin/responses/{response_id}/reply",
        data={
            "csrf_token": csrf_from(page),
            "subject": "Votre réponse",
            "body": "Bonjour Léa,\n\nQue s'est-il passé ?",
        },
    )
    assert sent.status_code == 302
    response = db.session.get(Response, response_id)
    assert response.followup_status == "contacted" and response.followed_up_at is not None
    mail.deliver_due()
    [message] = smtp.messages("lea@example.fr")
    assert_real_email(message)
    assert message["Reply-To"] == OWNER and message["Subject"] == "Votre réponse"
    assert site.name in message["From"] and "Auto-Submitted" not in message
    text, html = parts(message)
    assert "Que s'est-il passé ?" in text and "Répondez à cet e-mail pour nous répondre." in text
    assert '<html lang="fr">' in html and "Que s&#39;est-il passé ?" in html
    history = client.get(f"/admin/responses/{response_id}").get_data(as_text=True)
    assert "Votre réponse" in history and "sent " in history


def test_one_click_unsubscribe_is_final_and_a_get_only_offers_the_button(client, db, site, owner, smtp):
    response_id = answer(client, site, 5, why="Hmm", email="Ana@Example.org")
    response = db.session.get(Response, response_id)
    mail.queue(
        site, "reply", response.contact_email, "en", response_id=response_id, params={"subject": "Hi", "body": "Hi"}
    )
    db.session.commit()
    mail.deliver_due()
    [message] = smtp.messages("Ana@Example.org")
    link = message["List-Unsubscribe"].strip().strip("<>")
    shown = client.get(path_of(link))
    assert shown.status_code == 200 and '<form method="post"' in shown.get_data(as_text=True)
    assert db.session.execute(db.select(MailSuppression)).first() is None
    # What a mail program sends from its own button: no session, no CSRF token.
    done = client.post(
        path_of(link), data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert done.status_code == 200 and "You are unsubscribed" in done.get_data(as_text=True)
    assert client.post(path_of(link)).status_code == 200  # twice changes nothing
    suppressed = db.session.execute(db.select(MailSuppression)).scalar_one()
    assert "example" not in suppressed.address_hash  # only a hash is kept
    # Never written to again: not by a queued message, not by a new reply, whatever the case.
    queued = mail.queue(
        site, "reply", "ana@example.ORG", "en", response_id=response_id, params={"subject": "x", "body": "x"}
    )
    assert queued is None
    login(client, OWNER)
    page = client.get(f"/admin/responses/{response_id}").get_data(as_text=True)
    assert "They unsubscribed" in page and "Send the reply" not in page
    assert client.get(path_of(link.replace("/unsubscribe/", "/unsubscribe/x"))).status_code == 404


def test_a_team_member_unsubscribes_from_one_alert(client, db, site, owner, smtp):
    answer(client, site, 2)
    mail.deliver_due()
    link = smtp.messages(OWNER)[0]["List-Unsubscribe"].strip().strip("<>")
    assert client.post(path_of(link)).status_code == 200
    assert notifications.preferences(owner, site).detractor_alert is False
    answer(client, site, 1, ip=2)
    mail.deliver_due()
    assert len(smtp.messages(OWNER)) == 1


@pytest.mark.parametrize("refusal", ["550 5.7.1 Not now", "451 4.3.0 Try again later"])
def test_a_refusing_server_leaves_the_message_in_the_outbox_until_it_takes_it(client, db, site, owner, smtp, refusal):
    answer(client, site, 2)
    smtp.refuse_with = refusal
    assert mail.deliver_due() == 1
    message = db.session.execute(db.select(MailMessage)).scalar_one()
    assert message.delivered_at is None and message.failed_at is None and message.attempts == 1
    assert message.last_error.startswith(refusal[:3]) and message.next_attempt_at > utcnow()
    assert mail.deliver_due() == 0  # backing off
    smtp.refuse_with = None
    move_clock(db, message)
    assert mail.deliver_due() == 1
    assert len(smtp.messages(OWNER)) == 1
    codes = db.session.execute(db.select(MailAttempt.smtp_code).order_by(MailAttempt.id)).scalars().all()
    assert codes == [int(refusal[:3]), None]
    assert mail.deliver_due() == 0 and len(smtp.messages(OWNER)) == 1  # never twice


def move_clock(db, message):
    """Past the backoff: the next attempt is due now."""
    db.session.execute(db.update(MailMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_a_server_that_is_down_loses_nothing_and_gets_it_when_back(client, db, site, owner, smtp):
    smtp.stop()
    answer(client, site, 0, why="Nothing worked")
    assert mail.deliver_due() == 1
    message = db.session.execute(db.select(MailMessage)).scalar_one()
    assert message.delivered_at is None and message.attempts == 1 and message.last_error
    smtp.start()
    move_clock(db, message)
    assert mail.deliver_due() == 1
    [received] = smtp.messages(OWNER)
    assert received["Message-ID"] == message.message_id
    assert "Nothing worked" in parts(received)[0]


def test_a_message_that_keeps_failing_is_given_up_after_the_last_attempt(app, client, db, site, owner, smtp):
    answer(client, site, 2)
    smtp.refuse_with = "550 No such user"
    for _ in range(mail.MAX_ATTEMPTS):
        move_clock(db, None)
        assert mail.deliver_due() == 1
    message = db.session.execute(db.select(MailMessage)).scalar_one()
    with app.test_request_context():  # as the E-mails page says it
        assert message.failed_at is not None and mail.state(message).startswith("not sent: gave up after 8 attempts")
    move_clock(db, None)
    assert mail.deliver_due() == 0


def test_two_workers_never_send_one_message_twice(app, client, db, site, owner, smtp):
    for n in range(12):
        answer(client, site, n % 7, ip=n + 1)
    barrier = threading.Barrier(2)
    counts = []

    def worker():
        with app.app_context():
            barrier.wait()
            counts.append(mail.deliver_due(limit=50))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    ids = [m["Message-ID"] for m in smtp.messages()]
    assert len(ids) == 12 and len(set(ids)) == 12 and sum(counts) == 12
    assert db.session.execute(db.select(db.func.count()).select_from(MailAttempt)).scalar() == 12


def test_a_worker_that_selected_a_message_another_claimed_gets_nothing(client, db, site, owner, smtp):
    answer(client, site, 2)
    message = db.session.execute(db.select(MailMessage)).scalar_one()
    assert mail._outbox.claim(message.id) is not None
    assert mail._outbox.claim(message.id) is None


def test_without_a_mail_server_messages_are_kept_and_shown_under_emails(make_app, db, site, make_user):
    from tests.conftest import empty_database

    app = make_app(PLAUDIT_WEBHOOK_GRACE_SECONDS=0)  # MAIL_SERVER unset: the `make run` default
    with app.app_context():
        empty_database()
        db.create_all()
        client = app.test_client()
        from models import Site

        site = Site(name="Quiet shop", origins=[ORIGIN])
        db.session.add(site)
        db.session.commit()
        make_user(OWNER, role="owner", sites=[site])
        make_user("mod@shop.example", role="moderator", sites=[site])
        answer(client, site, 1, why="Broken checkout")
        assert mail.deliver_due() == 0
        message = db.session.execute(db.select(MailMessage)).scalar_one()
        assert message.last_error == mail.NO_SERVER and message.failed_at is not None
        assert "Broken checkout" in message.text_body
        login(client, OWNER)
        page = client.get(f"/admin/sites/{site.key}/emails").get_data(as_text=True)
        assert "not sent: no mail server configured" in page and "No mail server is configured" in page
        assert "Broken checkout" in page and f"Detractor 1/10 on {site.name}" in page
        french = client.get(f"/admin/sites/{site.key}/emails", headers={"Accept-Language": "fr"})
        assert "non envoyé : aucun serveur de messagerie configuré" in french.get_data(as_text=True)
        client.post("/admin/logout", data={"csrf_token": csrf_from(page)})
        login(client, "mod@shop.example")
        assert client.get(f"/admin/sites/{site.key}/emails").status_code == 403
        db.session.remove()
        empty_database()


def test_notification_choices_are_saved_on_the_users_own_page(client, db, site, owner, smtp):
    login(client, OWNER)
    page = client.get("/admin/notifications").get_data(as_text=True)
    assert re.search(rf'<input checked id="{site.key}-detractor_alert" name="{site.key}-detractor_alert"', page)
    saved = client.post(
        f"/admin/notifications/{site.key}",
        data={"csrf_token": csrf_from(page), f"{site.key}-moderation_alert": "y", f"{site.key}-digest": "weekly"},
    )
    assert saved.status_code == 302
    setting = db.session.get(NotificationSetting, (owner.id, site.id))
    assert (setting.detractor_alert, setting.moderation_alert, setting.digest) == (False, True, "weekly")


def seed(db, site, day: date, scores: list[int], why: str | None = None) -> None:
    for n, score in enumerate(scores):
        db.session.add(
            Response(
                site=site, score=score, category="promoter" if score >= 9 else "passive" if score >= 7 else "detractor",
                why=why if score <= 6 else None, lang="en", visitor_hash=f"{day}-{n}-{score}", token_hash="t",
                created_at=datetime.combine(day, datetime.min.time()) + timedelta(hours=10, minutes=n),
            )
        )  # fmt: skip
    db.session.commit()


def test_the_weekly_digest_has_the_dashboards_numbers_and_the_change(client, db, site, owner, smtp, make_testimonial):
    db.session.add(
        NotificationSetting(
            user_id=owner.id, site_id=site.id, detractor_alert=True, moderation_alert=False, digest="weekly"
        )
    )
    db.session.commit()
    today = date(2026, 11, 25)  # a Wednesday: the week before is 16 to 22 November
    seed(db, site, date(2026, 11, 10), [10] * 5 + [8] * 10 + [2] * 15)  # the week before that: NPS −33
    seed(db, site, date(2026, 11, 18), [10] * 25 + [8] * 10 + [3] * 5, why="Too <i>slow</i>")  # NPS +50
    make_testimonial(site)
    assert notifications.queue_due_digests(today) == 1
    assert notifications.queue_due_digests(today) == 0  # one per period, whoever asks again
    mail.deliver_due()
    [message] = smtp.messages(OWNER)
    assert_real_email(message)
    assert message["Subject"] == f"{site.name}, 2026-11-16 to 2026-11-22: the week's answers"
    text, html = parts(message)
    summary, _ = site_nps(site.id, site.min_sample, Filters(start=date(2026, 11, 16), end=date(2026, 11, 22)))
    assert summary.nps == 50 and summary.total == 40
    assert f"NPS +50 (± {summary.margin_of_error} points), from 40 answers" in text
    assert "NPS -33" in text and "a statistically meaningful change" in text
    assert "5 new detractors" in text and "Too <i>slow</i>" in text and "Too &lt;i&gt;slow&lt;/i&gt;" in html
    assert "1 testimonial waiting for moderation" in text
    assert f"{overdue_count(site)} follow-ups overdue" in text and overdue_count(site) >= 45
    dashboard = next(line for line in text.splitlines() if "/dashboard" in line).split(": ", 1)[1]
    login(client, OWNER)
    board = client.get(path_of(dashboard)).get_data(as_text=True)
    assert "+50" in board and f"±{summary.margin_of_error}" in board.replace(" ", "").replace("&nbsp;", "")
    # Next week's comes next week, not before.
    assert notifications.queue_due_digests(today + timedelta(days=4)) == 0
    assert notifications.queue_due_digests(today + timedelta(days=5)) == 1


def test_the_daily_digest_covers_yesterday(client, db, site, owner, smtp):
    db.session.add(
        NotificationSetting(
            user_id=owner.id, site_id=site.id, detractor_alert=False, moderation_alert=False, digest="daily"
        )
    )
    db.session.commit()
    seed(db, site, date(2026, 11, 30), [9, 9, 7])
    seed(db, site, date(2026, 11, 29), [10])
    assert notifications.queue_due_digests(date(2026, 12, 1)) == 1
    mail.deliver_due()
    text, _ = parts(smtp.messages(OWNER)[0])
    assert "NPS +67" in text and "from 3 answers" in text
    assert "Previous period: NPS +100 (± 0.0 points), from 1 answer" in text.splitlines()
    assert "not a meaningful change" in text


def test_a_change_within_the_margin_is_not_called_meaningful():
    small = change(
        summarise({"promoter": 5, "passive": 3, "detractor": 2}, 1),
        summarise({"promoter": 6, "passive": 3, "detractor": 1}, 1),
    )
    assert small.points == 20.0 and not small.meaningful and small.margin > 20
    large = change(summarise({"promoter": 100, "detractor": 300}, 1), summarise({"promoter": 300, "detractor": 100}, 1))
    assert large.points == 100.0 and large.meaningful
    assert change(summarise({}, 1), summarise({"promoter": 1}, 1)) is None


def test_an_approved_promoter_is_thanked_with_their_links(client, db, site, owner, smtp):
    site.thank_promoters = True
    site.cta_urls = {"promoter": "https://shop.example/refer"}
    db.session.commit()
    answer(client, site, 10, why="Wonderful", email="sam@example.org", consent=True, name="Sam K.", lang="fr")
    testimonial = db.session.execute(db.select(Testimonial)).scalar_one()
    login(client, OWNER)
    queue = client.get("/admin/").get_data(as_text=True)
    client.post(f"/admin/testimonials/{testimonial.id}/approve", data={"csrf_token": csrf_from(queue)})
    assert db.session.get(Testimonial, testimonial.id).status == "approved"
    mail.deliver_due()
    [message] = smtp.messages("sam@example.org")
    assert_real_email(message)
    text, html = parts(message)
    assert message["Subject"].strip() == f"Merci : vos mots sont sur {site.name}"
    assert "Bonjour Sam," in text and "Wonderful" in text and "https://shop.example/refer" in html
    for path in (f"/t/{testimonial.id}", f"/t/{testimonial.id}.png"):
        assert f"http://plaudit.test{path}" in text
        assert client.get(path).status_code == 200


def test_no_thanks_unless_the_site_asks(client, db, site, owner, smtp):
    answer(client, site, 10, why="Wonderful", email="sam@example.org", consent=True)
    testimonial = db.session.execute(db.select(Testimonial)).scalar_one()
    from core import moderation

    moderation.approve(testimonial, "test")
    db.session.commit()
    mail.deliver_due()
    assert smtp.messages("sam@example.org") == []


def test_erasure_removes_the_respondents_messages(client, db, site, owner, smtp):
    response_id = answer(client, site, 2, why="Bad", email="ana@example.org")
    mail.queue(site, "reply", "ana@example.org", "en", response_id=response_id, params={"subject": "x", "body": "y"})
    db.session.commit()
    mail.deliver_due()
    assert db.session.execute(db.select(db.func.count()).select_from(MailMessage)).scalar() == 2
    from core import moderation

    moderation.erase(site, response_id=response_id, actor="test")
    db.session.commit()
    assert db.session.execute(db.select(db.func.count()).select_from(MailMessage)).scalar() == 0


def test_a_reply_without_words_sends_nothing_and_says_so(client, db, site, owner, smtp):
    response_id = answer(client, site, 6, why="Hmm", email="ana@example.org")
    login(client, OWNER)
    page = client.get(f"/admin/responses/{response_id}").get_data(as_text=True)
    refused = client.post(
        f"/admin/responses/{response_id}/reply", data={"csrf_token": csrf_from(page), "subject": "Hi", "body": ""}
    )
    assert refused.status_code == 302
    assert "nothing was sent" in client.get(f"/admin/responses/{response_id}").get_data(as_text=True)
    assert db.session.get(Response, response_id).followup_status == "new"
    assert db.session.execute(db.select(MailMessage).filter_by(kind="reply")).first() is None
    invisible = client.post(
        f"/admin/responses/{response_id}/reply",
        data={"csrf_token": csrf_from(page), "subject": "\x00\u202e", "body": "Hi\x00"},
    )
    assert invisible.status_code == 302
    assert db.session.execute(db.select(MailMessage).filter_by(kind="reply")).first() is None
    kept = client.post(
        f"/admin/responses/{response_id}/reply",
        data={"csrf_token": csrf_from(page), "subject": "Hi", "body": "Line one\r\n\x00Line two"},
    )
    assert kept.status_code == 302
    reply = db.session.execute(db.select(MailMessage).filter_by(kind="reply")).scalar_one()
    assert reply.params["body"] == "Line one\nLine two"
    silent = answer(client, site, 6, ip=2)
    assert client.post(f"/admin/responses/{silent}/reply", data={"csrf_token": csrf_from(page)}).status_code == 404


def test_team_e_mails_speak_the_members_language(client, db, site, owner, smtp):
    owner.language = "fr"
    db.session.commit()
    answer(client, site, 1, why="Rien ne marche")
    mail.deliver_due()
    [message] = smtp.messages(OWNER)
    assert message["Subject"].strip() == f"Détracteur 1/10 sur {site.name} : à contacter dans la semaine"
    text, html = parts(message)
    assert "Ouvrir la réponse" in text and '<html lang="fr">' in html
    link = message["List-Unsubscribe"].strip().strip("<>")
    assert "Se désabonner" in client.get(path_of(link)).get_data(as_text=True)


def test_settings_come_from_the_environment_under_the_librarys_names(monkeypatch, make_app):
    monkeypatch.setenv("MAIL_SERVER", "smtp.shop.example")
    monkeypatch.setenv("MAIL_USE_TLS", "true")
    monkeypatch.setenv("MAIL_USE_SSL", "false")
    monkeypatch.setenv("MAIL_DEFAULT_SENDER", "Shop <hello@shop.example>")
    monkeypatch.setenv("FLASK_MAIL_PORT", "2525")
    from app import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["MAIL_SERVER"] == "smtp.shop.example" and app.config["MAIL_PORT"] == 2525
    assert app.config["MAIL_USE_TLS"] is True and app.config["MAIL_USE_SSL"] is False
    state = app.extensions["mailman"]
    assert (state.server, state.port, state.use_tls, state.backend) == ("smtp.shop.example", 2525, True, "smtp")
    assert state.default_sender == "Shop <hello@shop.example>" and state.timeout == 20


def test_a_message_that_cannot_be_written_is_retried_not_lost(client, db, site, owner, smtp, monkeypatch):
    answer(client, site, 2, why="Late")

    def broken(message, unsubscribe_url):
        raise KeyError("a template's bug")

    monkeypatch.setattr(notifications, "write_detractor_alert", broken)
    assert mail.deliver_due() == 1
    db.session.expire_all()  # the worker ran in this very session
    message = db.session.execute(db.select(MailMessage)).scalar_one()
    assert message.attempts == 1 and message.subject is None and message.locked_until is None
    assert message.last_error == "could not be written (see the log)" and message.next_attempt_at > utcnow()
    monkeypatch.undo()
    move_clock(db, message)
    assert mail.deliver_due() == 1
    assert "Late" in parts(smtp.messages(OWNER)[0])[0]


@pytest.mark.parametrize(
    ("lang", "opening"),
    [
        ("de", "Hallo, vielen Dank, dass Sie sich die Zeit"),
        ("ar", "مرحبًا، شكرًا لأنك خصصت وقتًا"),
        ("es", "Hola, gracias"),
    ],
)
def test_the_draft_speaks_every_respondents_language(client, db, site, owner, lang, opening):
    response_id = answer(client, site, 7, why="Ok", email="x@example.org", lang=lang)
    login(client, OWNER)
    page = client.get(f"/admin/responses/{response_id}").get_data(as_text=True)
    assert opening in page
