"""The e-mail loop as a new owner meets it: a detractor answers on a host page of another origin,
the app's own mail thread sends the owner an alert through a real SMTP server, and its link opens
that answer in the back office; the reply from there reaches the respondent, answered to the owner.
Also the screenshots of the new pages and of the e-mails as Chromium renders them."""

from __future__ import annotations

import os
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from core import notifications
from core.mail import MailWorker
from extensions import db, mail
from models import MailMessage, User, utcnow
from tests.browser.test_widget import host_page, wait_for
from tests.smtp_server import SMTPServer

PASSWORD = "correct horse battery"
SHOTS = os.environ.get("PLAUDIT_SCREENSHOTS")  # a folder: where to save the screenshots


@pytest.fixture
def sending(live_app):
    """The live app with a mail server and its mail thread, as with MAIL_SERVER set."""
    smtp = SMTPServer()
    smtp.start()
    keys = ("MAIL_SERVER", "MAIL_PORT", "PLAUDIT_WEBHOOK_GRACE_SECONDS")
    saved = {k: live_app.config[k] for k in keys if k in live_app.config}
    # The grace period as deployed (30 s); the test moves the clock past it (`grace_is_over`).
    live_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, PLAUDIT_WEBHOOK_GRACE_SECONDS=30)
    mail.init_app(live_app)  # Flask-Mailman reads its settings when initialised
    worker = MailWorker()
    worker.start(live_app, 0.2)
    yield smtp
    worker.stop()
    for key in keys:  # as it was: a setting it did not have is not left behind as None
        live_app.config.pop(key, None)
    live_app.config.update(saved)
    mail.init_app(live_app)
    smtp.stop()


def make_owner(live_app, site, email: str) -> None:
    with live_app.app_context():
        user = User(email=email, role="owner", sites=[db.session.merge(site)])
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()


def digest_of(live_app, site, smtp, page):
    """This week's digest, as next Monday's round of the mail thread writes it."""
    if not smtp.messages("owner@corner.example", subject_has="answers"):
        with live_app.app_context():
            owner = db.session.execute(db.select(User).filter_by(email="owner@corner.example")).scalar_one()
            notifications.save_preferences(owner, db.session.merge(site), True, False, "weekly")
            db.session.commit()
            assert notifications.queue_due_digests(date.today() + timedelta(days=7)) == 1
    return wait_for(lambda: smtp.messages("owner@corner.example", subject_has="answers"), page, "the digest")[0]


def grace_is_over(live_app) -> None:
    """What 30 s later would bring: the alerts waiting for the visitor to finish are due now."""
    with live_app.app_context():
        db.session.execute(
            db.update(MailMessage).where(MailMessage.delivered_at.is_(None)).values(next_attempt_at=utcnow())
        )
        db.session.commit()


def shoot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_a_detractor_on_a_host_page_alerts_the_owner_whose_link_opens_the_answer(
    page, browser, live_app, host_pages, live_site, sending
):
    site = live_site(name="Corner shop")
    make_owner(live_app, site, "owner@corner.example")
    page.goto(host_page(host_pages, live_app, site))
    page.get_by_role("radio", name="2 out of 10", exact=True).click()
    page.get_by_label("What went wrong, and what should we improve?").fill("Parcel <b>late</b> & broken")
    page.get_by_role("checkbox", name="You may contact me about my answer").check()
    page.get_by_label("Your e-mail address").fill("ana@example.org")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Thank you for telling us.")).to_be_visible()
    assert sending.messages() == []  # the visitor may still be writing: nothing leaves yet
    grace_is_over(live_app)

    alert = wait_for(lambda: sending.messages("owner@corner.example"), page, "the alert in the owner's inbox")[0]
    assert alert["Subject"] == "Detractor 2/10 on Corner shop: contact them within a week"
    text = alert.get_body(("plain",)).get_content()
    assert "Parcel <b>late</b> & broken" in text
    link = next(line.split(": ", 1)[1] for line in text.splitlines() if "/admin/responses/" in line)
    assert link.startswith(live_app.config["LIVE_URL"])

    owner = browser.new_context(viewport={"width": 390, "height": 844})
    tab = owner.new_page()
    tab.goto(link)  # not logged in yet: the login page, then the answer
    tab.get_by_label("E-mail").fill("owner@corner.example")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    expect(tab.get_by_text("Parcel <b>late</b> & broken")).to_be_visible()
    assert urlsplit(tab.url).path == urlsplit(link).path
    body = tab.get_by_label("Message")
    expect(body).to_have_value(
        "Hello, thank you for answering our survey. We are sorry that your experience did not live up to what you "
        "expected, and we would like to understand what happened. Could you tell us a little more? We read every "
        "answer and will do what we can to put it right."
    )
    shoot(tab, "reply-form-light")
    body.fill("Hello Ana,\n\nWe are sorry about the parcel. What happened exactly?")
    tab.get_by_role("button", name="Send the reply").click()
    expect(tab.get_by_text("Reply queued; the answer is marked contacted.")).to_be_visible()
    reply = wait_for(lambda: sending.messages("ana@example.org"), page, "the reply in the respondent's inbox")[0]
    assert reply["Reply-To"] == "owner@corner.example" and "Corner shop" in reply["From"]
    assert "What happened exactly?" in reply.get_body(("plain",)).get_content()
    tab.reload()
    expect(tab.get_by_text("contacted").first).to_be_attached()

    if SHOTS:
        tab.emulate_media(color_scheme="dark")
        shoot(tab, "reply-form-dark")
        for scheme in ("light", "dark"):
            tab.emulate_media(color_scheme=scheme)
            tab.goto(live_app.config["LIVE_URL"] + f"/admin/sites/{site.key}/emails")
            tab.locator("details").first.evaluate("d => d.open = true")
            shoot(tab, f"emails-{scheme}")
            tab.goto(live_app.config["LIVE_URL"] + "/admin/notifications")
            shoot(tab, f"notifications-{scheme}")
            blank = owner.new_page()  # off the back office, whose CSP would refuse the e-mail's styles
            blank.emulate_media(color_scheme=scheme)
            for name, message in (
                ("alert", alert),
                ("reply", reply),
                ("digest", digest_of(live_app, site, sending, blank)),
            ):
                blank.set_content(message.get_body(("html",)).get_content())
                shoot(blank, f"mail-{name}-{scheme}")
    owner.close()
    if SHOTS:
        french_screenshots(browser, live_app, site)


def french_screenshots(browser, live_app, site) -> None:
    """The same pages for a reader whose browser asks for French, at phone width."""
    base = live_app.config["LIVE_URL"]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    tab = context.new_page()
    tab.goto(base + "/admin/login")
    tab.locator("input[name=email]").fill("owner@corner.example")
    tab.locator("input[name=password]").fill(PASSWORD)
    tab.locator("form button[type=submit]").click()
    with live_app.app_context():
        answer_id = db.session.execute(db.select(MailMessage.response_id).where(MailMessage.kind == "reply")).scalar()
    for scheme in ("light", "dark"):
        tab.emulate_media(color_scheme=scheme)
        for name, path in (
            ("emails", f"/admin/sites/{site.key}/emails"),
            ("notifications", "/admin/notifications"),
            ("reply-form", f"/admin/responses/{answer_id}"),
        ):
            tab.goto(base + path)
            shoot(tab, f"{name}-fr-{scheme}")
    context.close()
