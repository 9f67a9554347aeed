"""The hosted survey page as a person meets it: a phone-width Chromium opening the link (or a
score link from an e-mail), through the real server; and its QR code, read off the screen."""

from __future__ import annotations

import io
import urllib.request

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from extensions import db
from models import DailyView, Response
from tests.browser.test_accessibility import violations
from tests.browser.test_back_office import log_in, make_user
from tests.browser.test_widget import stored_responses, wait_for

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture
def phone(browser):
    """A new visitor on a phone; what the page's policy refuses is kept, to be checked."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.refused = []
    page.on("console", lambda m: page.refused.append(m.text) if "Content Security Policy" in m.text else None)
    yield page
    context.close()


def hosted(live_app, site, query: str = "") -> str:
    return f"{live_app.config['LIVE_URL']}/s/{site.key}{query}"


def views_of(live_app, site) -> int:
    with live_app.app_context():
        query = db.select(db.func.coalesce(db.func.sum(DailyView.count), 0)).where(DailyView.site_id == site.id)
        return db.session.execute(query).scalar()


def test_a_phone_answers_on_the_hosted_page_and_it_counts_as_a_link_answer(phone, live_app, live_site):
    site = live_site(name="Corner Café", theme_color="#0a7d5a")
    phone.goto(hosted(live_app, site, "?touchpoint=counter&attr.store=paris"))
    expect(phone.get_by_role("heading", name="Corner Café", level=1)).to_be_visible()
    group = phone.get_by_role(
        "radiogroup", name="How likely are you to recommend Corner Café to a friend or colleague?"
    )
    expect(group).to_be_visible()
    # Phone first: nothing wider than the screen, every score a target a thumb can hit.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    box = phone.get_by_role("radio", name="9 out of 10", exact=True).bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24
    phone.get_by_role("radio", name="9 out of 10", exact=True).tap()
    phone.get_by_label("What do you like most?").fill("The staff remember my order")
    phone.get_by_role("button", name="Send").tap()
    expect(phone.get_by_text("Thank you! It means a lot to us.")).to_be_visible()

    [answer] = wait_for(lambda: [r for r in stored_responses(live_app, site) if r.why], phone, "the answer completed")
    assert (answer.score, answer.channel, answer.touchpoint) == (9, "link", "counter")
    assert answer.attributes == {"store": "paris"} and answer.why == "The staff remember my order"
    assert answer.page_url == hosted(live_app, site)  # the page, without its query
    nps = urllib.request.urlopen(f"{live_app.config['LIVE_URL']}/api/v1/sites/{site.key}/nps")
    assert b'"promoters":1' in nps.read().replace(b" ", b"")
    wait_for(lambda: views_of(live_app, site) == 1, phone, "the view counted")
    assert phone.refused == [] and phone.context.cookies() == []


def test_a_plain_get_of_a_score_link_records_nothing_and_a_browser_records_it_once(phone, live_app, live_site):
    """Mail filters fetch every link; the score is chosen by the page, with a person there."""
    site = live_site(name="Parcel Co")
    link = hosted(live_app, site, "?score=7&touchpoint=delivery")
    with urllib.request.urlopen(link) as plain:
        assert plain.status == 200 and b'data-score="7"' in plain.read()
    with urllib.request.urlopen(link.replace("?", "/qr.png?")) as qr:
        assert qr.status == 200
    assert stored_responses(live_app, site) == []

    phone.goto(link)
    expect(phone.get_by_label("What could we do to earn one more point?")).to_be_visible()  # the follow-up
    expect(phone.get_by_role("radio", name="7 out of 10", exact=True)).to_be_checked()
    [answer] = wait_for(lambda: stored_responses(live_app, site), phone, "the link's score recorded")
    assert (answer.score, answer.channel, answer.touchpoint) == (7, "link", "delivery")
    # A reload resumes that answer: the link's score is not recorded a second time, and the
    # person's own change of mind is not undone.
    phone.get_by_role("radio", name="8 out of 10", exact=True).tap()
    wait_for(lambda: [r.score for r in stored_responses(live_app, site)] == [8], phone, "moved to 8")
    phone.reload()
    expect(phone.get_by_role("radio", name="8 out of 10", exact=True)).to_be_checked()
    phone.get_by_label("What could we do to earn one more point?").fill("Faster delivery")
    phone.get_by_role("button", name="Send").tap()
    expect(phone.get_by_text("Thank you. We read every answer")).to_be_visible()
    wait_for(lambda: [r.why for r in stored_responses(live_app, site)] == ["Faster delivery"], phone, "completed")
    assert [(r.score, r.channel) for r in stored_responses(live_app, site)] == [(8, "link")]
    # Finished: opening the link again says so rather than showing an empty page.
    phone.goto(link)
    expect(phone.get_by_text("You have already answered this survey recently. Thank you!")).to_be_visible()
    expect(phone.get_by_role("radio")).to_have_count(0)
    assert len(stored_responses(live_app, site)) == 1 and phone.refused == []


def test_french_and_dark_as_the_link_and_the_phone_say(browser, live_app, live_site):
    site = live_site(name="Boulangerie Rose")
    context = browser.new_context(**PHONE, color_scheme="dark")
    page = context.new_page()
    page.goto(hosted(live_app, site, "?lang=fr"))
    expect(
        page.get_by_role("radiogroup", name="Quelle est la probabilité que vous recommandiez Boulangerie Rose")
    ).to_be_visible()
    expect(page).to_have_title("Boulangerie Rose : votre avis")
    background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    assert background == "rgb(13, 17, 23)"
    page.get_by_role("radio", name="10 sur 10", exact=True).tap()
    expect(page.get_by_label("Qu'appréciez-vous le plus ?")).to_be_visible()
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_hosted_page_passes_an_accessibility_audit(browser, live_app, live_site, scheme, lang):
    site = live_site(name="Audited shop", theme_color="#b4005a")
    context = browser.new_context(**PHONE, color_scheme=scheme)
    page = context.new_page()
    page.goto(hosted(live_app, site, f"?lang={lang}&score=3"))
    expect(page.locator("#survey").get_by_role("textbox").first).to_be_visible()
    assert violations(page) == []
    context.close()


def test_an_unknown_key_is_a_page_for_people(phone, live_app):
    response = phone.goto(f"{live_app.config['LIVE_URL']}/s/no-such-key?lang=fr")
    assert response.status == 404
    expect(phone.get_by_role("heading", name="Rien à afficher")).to_be_visible()


def test_the_settings_qr_code_read_off_the_screen_opens_the_hosted_page(page, live_app, live_site):
    site = live_site(name="Printed shop")
    log_in(page, live_app, make_user(live_app, site))
    page.goto(f"{live_app.config['LIVE_URL']}/admin/sites/{site.key}/settings")
    page.get_by_label("Touchpoint of this link (optional)").fill("receipt")
    page.get_by_role("button", name="Make the link").click()
    link = page.get_by_label("Link", exact=True)
    expect(link).to_have_value(hosted(live_app, site, "?touchpoint=receipt"))
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_text("Copied.")).to_be_visible()
    # The SVG as the browser draws it on the page, photographed and decoded.
    picture = page.get_by_role("img", name="QR code of")
    expect(picture).to_be_visible()
    shot = Image.open(io.BytesIO(picture.screenshot()))
    assert [found.text for found in zxingcpp.read_barcodes(shot)] == [link.input_value()]
    with page.expect_download() as download:
        page.get_by_role("link", name="PNG").click()
    png = Image.open(download.value.path())
    assert [found.text for found in zxingcpp.read_barcodes(png)] == [link.input_value()]
    # What the code opens is the survey, with that touchpoint.
    page.goto(link.input_value())
    page.get_by_role("radio", name="6 out of 10", exact=True).click()
    [answer] = wait_for(lambda: stored_responses(live_app, site), page, "answer from the QR code's page")
    assert (answer.channel, answer.touchpoint) == ("link", "receipt")
    with live_app.app_context():
        assert db.session.get(Response, answer.id).category == "detractor"
