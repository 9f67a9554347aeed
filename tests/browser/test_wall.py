"""wall.js on a host page of another origin under a strict CSP, and the wall page without JS."""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import expect

from extensions import db
from tests.browser.conftest import seed_testimonial

_paths = itertools.count()


@pytest.fixture
def wall_site(live_app, live_site):
    site = live_site(name="Wall blog")
    with live_app.app_context():
        for n, (quote, featured) in enumerate(
            [("Alpha words", False), ("Bravo words", True), ("Charlie words", False)]
        ):
            seed_testimonial(
                site,
                quote,
                score=10 - n,
                status="approved",
                display_name=f"Person {n}",
                featured=featured,
                original_quote="alpha wrds" if n == 0 else None,
            )
        seed_testimonial(site, "Pending words")
        db.session.commit()
    return site


def wall_page(host_pages, live_app, site, layout: str, extra: str = "") -> str:
    base = live_app.config["LIVE_URL"]
    path = f"/landing-{next(_paths)}"
    csp = f"default-src 'none'; script-src {base}; connect-src {base}; img-src {base}; style-src 'self'"
    host_pages.add(
        path,
        f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Landing</title></head>
<body><h1>Our product</h1><a href="#">before</a>
<script async src="{base}/wall.js" data-site="{site.key}" data-layout="{layout}" {extra}></script>
<p>Footer</p></body></html>""",
        {"Content-Security-Policy": csp},
    )
    return host_pages.origin + path


@pytest.fixture
def csp_violations(page):
    seen = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    return seen


def test_grid_shows_approved_testimonials_featured_first(page, live_app, host_pages, wall_site, csp_violations):
    page.goto(wall_page(host_pages, live_app, wall_site, "grid"))
    cards = page.locator("li.card")
    expect(cards).to_have_count(3)
    expect(cards.nth(0)).to_contain_text("Bravo words")  # featured first
    expect(page.get_by_text("Pending words")).to_have_count(0)
    expect(page.get_by_text("3 testimonials, chosen from 4 responses")).to_be_visible()
    expect(page.get_by_text("published with their authors' consent, after moderation")).to_be_visible()
    expect(page.locator("li.card", has_text="Alpha words")).to_contain_text("edited")
    # Right-to-left words read right to left: what visitors wrote is dir="auto".
    assert page.locator("li.card blockquote").first.get_attribute("dir") == "auto"
    assert page.locator("li.card strong").first.get_attribute("dir") == "auto"
    radius = page.evaluate(
        "getComputedStyle(document.querySelector('h1 ~ div').shadowRoot.querySelector('.card')).borderRadius"
    )
    assert radius == "10px"  # styled inside the shadow root despite style-src 'self'
    assert csp_violations == []
    assert page.context.cookies() == []


def test_carousel_works_from_the_keyboard_and_pauses(page, live_app, host_pages, wall_site, csp_violations):
    page.goto(wall_page(host_pages, live_app, wall_site, "carousel"))
    region = page.get_by_role("region", name="What people say about Wall blog")
    expect(region).to_be_visible()
    slides = page.locator("[aria-roledescription='slide']")
    expect(slides).to_have_count(3)
    visible = page.locator("[aria-roledescription='slide']:visible")
    expect(visible).to_have_count(1)
    expect(visible).to_have_attribute("aria-label", "Testimonial 1 of 3")
    pause = page.get_by_role("button", name="Pause")
    pause.click()
    expect(page.get_by_role("button", name="Play")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".slides")).to_have_attribute("aria-live", "polite")  # moves are announced
    page.get_by_role("button", name="Play").focus()
    page.keyboard.press("ArrowRight")
    expect(visible).to_have_attribute("aria-label", "Testimonial 2 of 3")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(visible).to_have_attribute("aria-label", "Testimonial 3 of 3")
    page.get_by_role("button", name="Next testimonial").click()
    expect(visible).to_have_attribute("aria-label", "Testimonial 1 of 3")
    assert csp_violations == []


def test_carousel_respects_reduced_motion(browser, live_app, host_pages, wall_site):
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    page.goto(wall_page(host_pages, live_app, wall_site, "carousel"))
    expect(page.get_by_role("button", name="Play")).to_be_visible()  # starts paused
    context.close()


def test_single_layout_limit_and_theme(page, live_app, host_pages, wall_site):
    page.goto(wall_page(host_pages, live_app, wall_site, "single", 'data-limit="2" data-theme="dark"'))
    expect(page.locator("[aria-roledescription='slide']")).to_have_count(2)
    expect(page.locator("[aria-roledescription='slide']:visible")).to_have_count(1)
    expect(page.get_by_role("button", name="Next testimonial")).to_have_count(0)
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    assert page.evaluate("document.querySelector('h1 ~ div').shadowRoot.querySelector('.pw').dataset.theme") == "dark"


def test_wall_page_works_without_javascript(browser, live_app, wall_site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_app.config['LIVE_URL']}/wall/{wall_site.key}")
    expect(page.get_by_role("heading", name="What people say about Wall blog")).to_be_visible()
    expect(page.locator("li.card")).to_have_count(3)
    expect(page.get_by_text("3 testimonials, chosen from 4 responses")).to_be_visible()
    expect(page.get_by_text("Pending words")).to_have_count(0)
    page.get_by_role("link", name="Share").first.click()
    expect(page.locator("meta[property='og:image']")).to_have_attribute("content", page.url + ".png")
    context.close()


def test_below_the_minimum_the_wall_renders_nothing(page, live_app, host_pages, live_site):
    site = live_site(name="Quiet blog", wall_minimum=3)
    with live_app.app_context():
        for quote in ("One", "Two"):
            seed_testimonial(site, quote, status="approved", display_name="Ann")
        db.session.commit()
    with page.expect_response(lambda r: "/wall?" in r.url) as answer:
        page.goto(wall_page(host_pages, live_app, site, "grid"))
    assert answer.value.ok
    page.wait_for_load_state("networkidle")
    host = page.locator("h1 ~ div")
    assert host.evaluate("host => host.shadowRoot === null && host.getBoundingClientRect().height === 0")
    expect(page.get_by_text("testimonial", exact=False)).to_have_count(0)


LONG = " ".join(["The support team stayed with us through the whole migration, every evening."] * 14)
# Layout shifts from now on, none of them excused by a visitor's input (the test moves the carousel
# with untrusted clicks, as its own timer would).
WATCH_SHIFTS = """() => { window.shifts = [];
  new PerformanceObserver(list => list.getEntries().forEach(e => e.hadRecentInput || window.shifts.push(e.value)))
    .observe({type: "layout-shift"}); }"""
NEXT_FRAME = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def test_carousel_keeps_its_height_counts_slides_and_clamps_long_quotes(page, live_app, host_pages, live_site):
    site = live_site(name="Long blog")
    with live_app.app_context():
        for n, quote in enumerate(["Short.", LONG, "Medium words, " * 12, "Tiny", "Fine."]):
            seed_testimonial(site, quote, score=10, status="approved", display_name=None if n == 3 else f"P{n}")
        db.session.commit()
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(wall_page(host_pages, live_app, site, "carousel"))
    shadow = "document.querySelector('h1 ~ div').shadowRoot"
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    page.evaluate(f"() => {shadow}.querySelector('.pause').click()")
    page.evaluate(NEXT_FRAME)
    page.evaluate(WATCH_SHIFTS)
    heights = []
    for _ in range(5):
        heights.append(page.evaluate(f"() => {shadow}.querySelector('.slides').getBoundingClientRect().height"))
        page.evaluate(f"() => {shadow}.querySelector('[aria-label=\"Next testimonial\"]').click()")
        page.evaluate(NEXT_FRAME)
    page.wait_for_timeout(200)  # layout-shift entries are delivered after the frame
    assert page.evaluate("window.shifts") == []  # CLS 0 across five slide changes
    assert len(set(heights)) == 1, heights
    expect(page.get_by_text("1 of 5", exact=True)).to_be_visible()  # back to the first
    page.evaluate(f"() => {shadow}.querySelector('[aria-label=\"Next testimonial\"]').click()")
    expect(page.get_by_text("2 of 5", exact=True)).to_be_visible()
    page.evaluate(f"() => {shadow}.querySelector('[aria-label=\"Previous testimonial\"]').click()")
    # Newest first: the nameless one is second, the long one fourth.
    visible = page.locator("[aria-roledescription='slide']:visible")
    page.get_by_role("button", name="Next testimonial").click()
    expect(visible).to_contain_text("Anonymous")
    page.get_by_role("button", name="Next testimonial").click()
    page.get_by_role("button", name="Next testimonial").click()
    expect(visible).to_have_attribute("aria-label", "Testimonial 4 of 5")
    expect(page.get_by_text("4 of 5", exact=True)).to_be_visible()
    # The long one shows its first lines, and all of it on demand.
    quote = page.locator("[aria-roledescription='slide']:visible blockquote")
    assert quote.evaluate("q => q.scrollHeight > q.clientHeight + 20")
    more = page.get_by_role("button", name="Read more")
    expect(more).to_have_attribute("aria-expanded", "false")
    more.click()
    expect(page.get_by_role("button", name="Show less")).to_have_attribute("aria-expanded", "true")
    assert quote.evaluate("q => q.scrollHeight <= q.clientHeight + 1")
    expect(page.get_by_role("button", name="Read more")).to_have_count(0)  # the short ones have none
