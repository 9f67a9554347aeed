"""Typed words in Chromium: shown exactly as typed, never run, and right-to-left words read right
to left on every server-rendered page that shows them."""

from __future__ import annotations

from playwright.sync_api import expect

from core.links import private_link_token
from extensions import db
from models import Testimonial
from tests.browser.conftest import seed_testimonial
from tests.browser.test_back_office import log_in, make_user
from tests.browser.test_wall import wall_page

ARABIC = "الموقع رائع والدعم سريع"  # "the site is great and support is fast"
ENGLISH = "Great site, fast support"

# Where the text sits in its box: the gaps between its line and the box's content edges.
PLACEMENT = """el => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const text = range.getBoundingClientRect(), box = el.getBoundingClientRect(), css = getComputedStyle(el);
  return {
    direction: css.direction,
    left: text.left - box.left - parseFloat(css.paddingLeft) - parseFloat(css.borderLeftWidth),
    right: box.right - parseFloat(css.paddingRight) - parseFloat(css.borderRightWidth) - text.right,
  };
}"""


def assert_reads(locator, direction: str) -> None:
    expect(locator).to_be_visible()
    placed = locator.evaluate(PLACEMENT)
    assert placed["direction"] == direction, placed
    start, end = ("right", "left") if direction == "rtl" else ("left", "right")
    assert abs(placed[start]) < 2 and placed[end] > 20, placed  # starts at its own side, short of the other


def test_arabic_is_right_to_left_wherever_the_server_shows_it(page, live_app, live_site):
    site = live_site(min_sample=1)
    with live_app.app_context():
        seed_testimonial(site, ARABIC, status="approved", display_name="سارة", role="مديرة")
        seed_testimonial(site, ENGLISH, status="approved", display_name="Sam")
        db.session.commit()
        arabic = db.session.execute(db.select(Testimonial).filter_by(site_id=site.id, quote=ARABIC)).scalar_one()
        arabic.response.respondent = "client-7"
        db.session.commit()
        arabic_id, token = arabic.id, private_link_token(live_app.config["SECRET_KEY"], arabic)
    base = live_app.config["LIVE_URL"]

    page.goto(f"{base}/wall/{site.key}")
    assert_reads(page.locator("blockquote", has_text=ARABIC), "rtl")
    assert_reads(page.locator("blockquote", has_text=ENGLISH), "ltr")
    assert page.locator("figcaption strong", has_text="سارة").evaluate("e => getComputedStyle(e).direction") == "rtl"
    page.goto(f"{base}/t/{arabic_id}")
    assert_reads(page.locator("blockquote"), "rtl")
    page.goto(f"{base}/withdraw/{token}")
    assert_reads(page.locator("blockquote"), "rtl")

    log_in(page, live_app, make_user(live_app, site))
    page.goto(f"{base}/admin/?status=all")
    card = page.locator(f"#t-{arabic_id}")
    assert_reads(card.locator("blockquote"), "rtl")
    assert_reads(card.locator(".why"), "rtl")
    assert_reads(page.locator("blockquote", has_text=ENGLISH), "ltr")
    page.goto(f"{base}/admin/sites/{site.key}/followups")
    assert_reads(page.locator(".why", has_text=ARABIC), "rtl")
    page.goto(f"{base}/admin/sites/{site.key}/respondents/client-7")
    assert_reads(page.locator(".why", has_text=ARABIC), "rtl")


TYPED = [
    "The <select> menu was broken",
    "read the <title>",
    "</script><script>alert(1)</script>",
    "<img src=x onerror=alert(2)> & &lt;b&gt;",
]


def test_typed_markup_shows_as_text_on_the_wall_page_and_in_the_embed(page, live_app, host_pages, live_site):
    site = live_site(min_sample=1)
    with live_app.app_context():
        for words in TYPED:
            seed_testimonial(site, words, status="approved", display_name=words[:80])
        db.session.commit()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{live_app.config['LIVE_URL']}/wall/{site.key}")
    assert sorted(page.locator("blockquote").all_text_contents()) == sorted(TYPED)
    assert page.locator("img[src='x'], select, script:not([src]):not([type='application/ld+json'])").count() == 0
    page.goto(wall_page(host_pages, live_app, site, "grid"))
    quotes = page.locator("li.card blockquote")
    expect(quotes).to_have_count(len(TYPED))
    assert sorted(quotes.all_text_contents()) == sorted(TYPED)
    assert page.locator("img[src='x'], select").count() == 0  # the shadow root is pierced by locators
    assert dialogs == []
