"""E-mail invitations as a new owner meets them: a CSV of five contacts uploaded in the back office,
previewed, confirmed; the app's own mail thread sends five e-mails through a real SMTP server, each
in its contact's language; a plain HTTP GET of a score link records nothing; Chromium opening it
records the score, asks the follow-up, and the answer shows under channel `email` with its
touchpoint; the unanswered get one reminder, the unsubscribed nothing more. Also screenshots."""

from __future__ import annotations

import re
import urllib.request
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from core import invitations
from extensions import db
from models import Invitation, Response
from tests.browser.test_back_office import log_in
from tests.browser.test_hosted import PHONE
from tests.browser.test_mail import make_owner, sending, shoot  # noqa: F401  (the fixture)
from tests.browser.test_widget import wait_for

OWNER = "invites@shop.example"
CSV = (
    "email,name,respondent,lang,start,attr.plan\n"
    "ana@example.org,Ana,C-1,en,,pro\n"
    "bea@example.org,Béa,C-2,fr,,\n"
    "cy@example.org,Cy,,fr,,trial\n"
    "dan@example.org,Dan,,en,,\n"
    "eve@example.org,Eve,,en,,\n"
    "broken,Nobody,,en,,\n"
)


def score_links(message) -> dict[int, str]:
    html = message.get_body(("html",)).get_content().replace("&amp;", "&")
    links = re.findall(r'href="(http://[^"]+/s/[^"]+)"', html)
    return {int(parse_qs(urlsplit(link).query)["score"][0]): link for link in links}


def responses_of(live_app, site) -> list[Response]:
    with live_app.app_context():
        rows = db.session.execute(db.select(Response).filter_by(site_id=site.id)).scalars().all()
        db.session.expunge_all()
        return rows


def test_five_contacts_invited_by_csv_answer_by_e_mail_and_the_unanswered_are_reminded_once(
    page,
    browser,
    live_app,
    live_site,
    sending,  # noqa: F811  (the fixture imported above)
):
    smtp = sending
    site = live_site(name="Parcel Co")
    make_owner(live_app, site, OWNER)
    log_in(page, live_app, OWNER)
    page.goto(f"{live_app.config['LIVE_URL']}/admin/sites/{site.key}/invitations")
    page.get_by_label("Contacts (CSV").set_input_files(
        {"name": "contacts.csv", "mimeType": "text/csv", "buffer": CSV.encode()}
    )
    page.get_by_label("Touchpoint label").fill("after-delivery")
    page.get_by_label("One reminder after").fill("3")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Before anything is sent")).to_be_visible()
    expect(page.get_by_text("5 contacts will be invited.")).to_be_visible()
    expect(page.get_by_text("Refused:")).to_be_visible()
    shoot(page, "invitations-preview-en")
    page.get_by_role("button", name="Invite 5 contacts").click()
    expect(page.get_by_text("5 contacts invited.")).to_be_visible()

    wait_for(lambda: len(smtp.messages()) == 5, page, "five invitations sent")
    [fr] = smtp.messages("bea@example.org")
    [en] = smtp.messages("ana@example.org")
    assert fr["Subject"] == "Votre avis sur Parcel Co" and en["Subject"] == "Your opinion of Parcel Co"
    assert "Quelle est la probabilité" in fr.get_body(("plain",)).get_content()

    # A mail filter fetches every link of the e-mail: nothing is recorded.
    for link in score_links(en).values():
        with urllib.request.urlopen(link) as plain:
            assert plain.status == 200
    assert responses_of(live_app, site) == []

    # Ana, on her phone, taps 9 in the e-mail.
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(score_links(en)[9])
    expect(phone.get_by_role("radio", name="9 out of 10", exact=True)).to_be_checked()
    expect(phone.get_by_label("What do you like most?")).to_be_visible()  # the follow-up
    shoot(phone, "invitation-score-link-phone")
    [answer] = wait_for(lambda: responses_of(live_app, site), phone, "the e-mail's score recorded")
    assert (answer.score, answer.channel, answer.touchpoint, answer.respondent) == (9, "email", "after-delivery", "C-1")
    assert answer.attributes == {"plan": "pro"}
    phone.get_by_label("What do you like most?").fill("Arrived the next day")
    phone.get_by_role("button", name="Send").tap()
    expect(phone.get_by_text("Thank you! It means a lot to us.")).to_be_visible()
    shoot(phone, "invitation-answered-phone")
    phone.context.close()

    # She thinks again and taps 6 in the same e-mail: the same answer changes, none is added.
    again = browser.new_context(**PHONE).new_page()
    again.goto(score_links(en)[6])
    expect(again.get_by_role("radio", name="6 out of 10", exact=True)).to_be_checked()
    wait_for(lambda: [r.score for r in responses_of(live_app, site)] == [6], again, "the same answer moved to 6")
    again.context.close()

    # Cy unsubscribes with one click from the e-mail.
    unsubscribe = smtp.messages("cy@example.org")[0]["List-Unsubscribe"].strip().strip("<>")
    urllib.request.urlopen(urllib.request.Request(unsubscribe, data=b"List-Unsubscribe=One-Click", method="POST"))

    # Three days on: one reminder to each of the two who neither answered nor unsubscribed.
    later = lambda: invitations.queue_due(invitations.utcnow() + timedelta(days=3, minutes=1))  # noqa: E731
    with live_app.app_context():
        later()
        later()  # a second round a moment later sends nothing more
    wait_for(lambda: len(smtp.messages()) == 8, page, "three reminders sent")
    counts = [len(smtp.messages(f"{name}@example.org")) for name in ("ana", "bea", "cy", "dan", "eve")]
    assert counts == [1, 2, 1, 2, 2]
    assert smtp.messages("bea@example.org")[1]["Subject"] == "Un rappel : votre avis sur Parcel Co"

    # The dashboard, segmented by channel; the invitations page, per wave.
    page.goto(f"{live_app.config['LIVE_URL']}/admin/sites/{site.key}/dashboard?channel=email")
    by_channel = page.locator("section", has=page.get_by_role("heading", name="By channel"))
    expect(by_channel).to_contain_text("email")
    expect(page.locator("main")).to_contain_text("after-delivery")
    page.goto(f"{live_app.config['LIVE_URL']}/admin/sites/{site.key}/invitations")
    row = page.locator("table.waves tbody tr").first
    expect(row).to_contain_text("after-delivery")
    assert [c.strip() for c in row.locator("td").all_inner_texts()][:6] == ["5", "1", "1", "3", "0", "1"]
    shoot(page, "invitations-page-en")
    with live_app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Invitation)).scalar() == 5

    # The same page in French, dark, at phone width; the e-mails as a phone's mail program shows them.
    french = browser.new_context(
        **PHONE, storage_state=page.context.storage_state(), locale="fr-FR", color_scheme="dark"
    )
    fr_page = french.new_page()
    fr_page.goto(f"{live_app.config['LIVE_URL']}/admin/sites/{site.key}/invitations")
    expect(fr_page.get_by_role("heading", name="Qui a répondu")).to_be_visible()
    assert fr_page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(fr_page, "invitations-page-fr-dark-phone")
    for address, name in (
        ("ana@example.org", "invitation-email-en-phone"),
        ("bea@example.org", "invitation-email-fr-phone"),
    ):
        reader = french.new_page()  # about:blank: not under the back office's policy
        reader.set_content(smtp.messages(address)[0].get_body(("html",)).get_content())
        assert reader.evaluate("document.documentElement.scrollWidth") <= 390  # eleven scores fit a phone
        shoot(reader, name)
    french.close()
