"""In Chromium: the widget sends the consent version it showed, and when the owner changed the
text meanwhile it shows the new one and asks again; a proven respondent reference is sent."""

from __future__ import annotations

import hashlib
import hmac
import json

from playwright.sync_api import expect

from core import consent
from extensions import db
from models import Site
from tests.browser.test_widget import host_page, stored_responses, stored_testimonials, wait_for


def owner_changes_consent(live_app, site, words: str) -> None:
    """What saving the settings with new consent words does (admin.owner.save_settings)."""
    with live_app.app_context():
        own = db.session.get(Site, site.id)
        shown = consent.current_texts(own)
        own.texts = {"en": {"consent": words}}
        assert consent.new_version_if_changed(own, shown)
        db.session.commit()


def test_a_text_changed_before_send_is_shown_and_asked_again(page, live_app, host_pages, live_site):
    site = live_site()
    sent = []
    page.on(
        "request",
        lambda r: sent.append(json.loads(r.post_data)) if r.method == "PATCH" and "/responses/" in r.url else None,
    )
    page.goto(host_page(host_pages, live_app, site))
    page.get_by_role("radio", name="10 out of 10", exact=True).click()
    wait_for(lambda: stored_responses(live_app, site), page, "score recorded")
    page.get_by_label("What do you like most?").fill("Lovely docs")
    first = page.get_by_role("checkbox", name="I agree that Host blog may publish my answer")
    first.check()
    page.get_by_label("Name shown with your words").fill("Camille D.")

    owner_changes_consent(live_app, site, "Host blog may quote me, with my photo, anywhere.")
    page.get_by_role("button", name="Send").click()

    expect(page.get_by_role("alert")).to_have_text("This text has just changed: please read it again.")
    again = page.get_by_role("checkbox", name="Host blog may quote me, with my photo, anywhere.")
    expect(again).not_to_be_checked()
    expect(again).to_be_focused()
    assert stored_testimonials(live_app, site) == []
    assert [body.get("consent_version") for body in sent if body.get("consent")] == [1]

    again.check()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Thank you! It means a lot to us.")).to_be_visible()
    [testimonial] = wait_for(lambda: stored_testimonials(live_app, site), page, "testimonial stored")
    assert testimonial.consent_text == "Host blog may quote me, with my photo, anywhere."
    assert testimonial.consent_version == 2 and testimonial.consent_confirmed is True
    assert [body.get("consent_version") for body in sent if body.get("consent")] == [1, 2]


def test_a_proven_reference_from_the_page_is_recorded_as_proven(page, live_app, host_pages, live_site):
    site = live_site()
    proof = hmac.new(site.identity_secret.encode(), b"cust-1042", hashlib.sha256).hexdigest()
    attrs = f'data-respondent="cust-1042" data-respondent-hash="{proof}"'
    page.goto(host_page(host_pages, live_app, site, attrs=attrs))
    page.get_by_role("radio", name="9 out of 10", exact=True).click()
    [answer] = wait_for(lambda: stored_responses(live_app, site), page, "score recorded")
    assert answer.respondent == "cust-1042" and answer.respondent_proven is True
