"""The back office's layout in Chromium: its script on every page of the layout, and a phone's
width (375 CSS pixels) without sideways scrolling."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.moderation import log
from extensions import db
from models import Response, Site
from tests.browser.conftest import seed_testimonial
from tests.browser.test_back_office import log_in, make_user

PHONE = {"width": 375, "height": 812}
LONG_ORIGIN = "https://a-rather-long-subdomain-name.of-a-long-blog-address.example"


@pytest.fixture
def busy_site(live_app, live_site):
    """A site with a long name and origin, a testimonial waiting and answers to follow up."""
    site = live_site(name="The rather long-named community blog of the neighbourhood association")
    with live_app.app_context():
        row = db.session.get(Site, site.id)
        row.origins = [*row.origins, LONG_ORIGIN]
        seed_testimonial(site, "Clear and kind, and a rather long sentence to wrap on a phone.")
        for n, score in enumerate((0, 7, 10)):
            answer = Response(site_id=site.id, lang="en", why=f"answer {n}", visitor_hash=f"busy-{n}", token_hash="t")
            answer.set_score(score)
            answer.respondent = "customer-0000000000000000000000000000000042"
            db.session.add(answer)
        log(
            "moderator-with-a-long-address@neighbourhood-association.example",
            "approve",
            site_id=site.id,
            before="pending",
            after="approved",
        )
        db.session.commit()
    return site


def back_office_pages(site) -> list[str]:
    return [
        "/admin/?status=all",
        "/admin/sites",
        f"/admin/sites/{site.key}/dashboard",
        f"/admin/sites/{site.key}/followups",
        "/admin/audit",
        "/admin/sites/no-such-site/dashboard",  # the error page, in the same layout
    ]


def test_the_script_leaves_pages_without_shortcuts_alone(page, live_app, busy_site):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_app, make_user(live_app, busy_site))
    page.goto(f"{live_app.config['LIVE_URL']}/admin/sites/{busy_site.key}/followups")
    expect(page.locator("article.card")).to_have_count(4)  # cards, but no shortcuts announced
    page.keyboard.press("j")
    page.keyboard.press("?")
    page.goto(f"{live_app.config['LIVE_URL']}/admin/?status=all")  # the queue still has them
    page.keyboard.press("j")
    expect(page.locator("article.card").first).to_be_focused()
    assert errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_phone_never_scrolls_sideways(browser, live_app, busy_site, scheme):
    context = browser.new_context(viewport=PHONE, color_scheme=scheme)
    page = context.new_page()
    try:
        log_in(page, live_app, make_user(live_app, busy_site))
        for path in back_office_pages(busy_site):
            page.goto(live_app.config["LIVE_URL"] + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} is {width} px wide"
        page.goto(live_app.config["LIVE_URL"] + "/admin/sites")
        # Every link of the navigation and of the sites table can be reached without scrolling.
        for link in page.locator("header nav a, table a").all():
            box = link.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], link.text_content()
    finally:
        context.close()
