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
    expect(page.locator("li.card", has_text="Alpha words")).to_contain_text("edited")
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
