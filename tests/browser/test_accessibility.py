"""Accessibility audits in Chromium with axe-core (the engine of the browsers' own audits), on every
surface a person meets: the widget at each step and the wall in a host page of another origin,
Plaudit's public pages, and the back office. No violation of any impact passes."""

from __future__ import annotations

import itertools
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from core.links import private_link_token
from core.strings import texts_for
from extensions import db
from models import Response, Testimonial
from tests.browser.conftest import seed_testimonial
from tests.browser.test_back_office import log_in, make_user

AXE = Axe()
# No animation running, in the page or in an embed's shadow root (document.getAnimations() does
# not look inside those).
SETTLED = """() => [document, ...Array.from(document.querySelectorAll("*"), e => e.shadowRoot).filter(Boolean)]
  .every(root => root.getAnimations().every(a => a.playState != "running"))"""
_paths = itertools.count()


def violations(page) -> list[str]:
    """What axe finds on the page once its fades have ended (mid-fade, text has too little
    contrast), open shadow roots included, one line a rule."""
    page.wait_for_function(SETTLED)
    found = AXE.run(page).response["violations"]
    return [f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in found]


@pytest.fixture
def audited_site(live_app, live_site):
    """A site with published testimonials, whose pages may also be Plaudit's own (the demo)."""
    site = live_site(name="Audited blog", is_demo=True)
    site.origins = [*site.origins, live_app.config["LIVE_URL"]]
    with live_app.app_context():
        db.session.merge(site)
        seed_testimonial(site, "Clear and kind", status="approved", display_name="Ann", role="Reader")
        seed_testimonial(site, "Waiting for a moderator", display_name="Bob")
        db.session.commit()
    return site


def landmarked_post(host_pages, live_app, site, attrs: str = "") -> str:
    """A blog post that pastes the widget, the wall and the badge inside its own landmarks, as a
    well-made page does: what axe finds there is Plaudit's."""
    base = live_app.config["LIVE_URL"]
    path = f"/audited-{next(_paths)}"
    host_pages.add(
        path,
        f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A post</title></head>
<body><main><article><h1>A post</h1><p>Words.</p>
<script async src="{base}/widget.js" data-site="{site.key}" {attrs}></script></article>
<section aria-label="What readers say"><h2>What readers say</h2>
<script async src="{base}/wall.js" data-site="{site.key}" data-layout="carousel" {attrs}></script>
<img src="{base}/badge/{site.key}.svg" alt="Net Promoter Score"></section></main></body></html>""",
    )
    return host_pages.origin + path


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_widget_and_the_wall_in_a_host_page(browser, live_app, host_pages, audited_site, scheme):
    """On a light page, for visitors in light and in dark mode (the embeds follow the visitor)."""
    url = landmarked_post(host_pages, live_app, audited_site)
    for score, prompt in ((3, "What went wrong, and what should we improve?"), (10, "What do you like most?")):
        context = browser.new_context(color_scheme=scheme)  # a new visitor each time
        page = context.new_page()
        page.goto(url)
        expect(page.get_by_text("Clear and kind")).to_be_visible()  # the wall is drawn
        assert violations(page) == [], "before answering"
        page.get_by_role("radio", name=f"{score} out of 10", exact=True).click()
        expect(page.get_by_label(prompt)).to_be_visible()
        if score == 10:
            page.get_by_role("checkbox", name="I agree").check()
            page.get_by_label("What do you like most?").fill("Clear and kind")
            page.get_by_label("Name shown with your words").fill("Ann")
        assert violations(page) == [], f"the follow-up after {score}"
        page.get_by_role("button", name="Send").click()
        expect(page.locator(".thanks")).to_be_visible()
        assert violations(page) == [], f"the thank-you after {score}"
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_widget_and_the_wall_in_arabic(browser, live_app, host_pages, audited_site, scheme):
    """Right to left, in the language's own words: the same audit, each step."""
    with live_app.test_request_context():
        t = texts_for("ar", audited_site.name, None)
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    page.goto(landmarked_post(host_pages, live_app, audited_site, 'data-lang="ar"'))
    expect(page.get_by_text("Clear and kind")).to_be_visible()
    assert violations(page) == [], "before answering"
    page.get_by_role("radio", name="10 من 10", exact=True).click()
    page.get_by_role("checkbox", name=t["consent"]).check()
    page.get_by_label(t["prompt_promoter"]).fill("واضح ولطيف")
    page.get_by_label(t["display_name"]).fill("سارة")
    assert violations(page) == [], "the follow-up"
    page.get_by_role("button", name=t["send"]).click()
    expect(page.get_by_text(t["thanks_promoter"])).to_be_visible()
    assert violations(page) == [], "the thank-you"
    context.close()


def test_plaudits_public_pages(page, live_app, audited_site):
    base = live_app.config["LIVE_URL"]
    with live_app.app_context():
        shared = db.session.execute(db.select(Testimonial).filter_by(site_id=audited_site.id, status="approved"))
        shared_testimonial = shared.scalar_one()
        shared_id = shared_testimonial.id
        token = private_link_token(live_app.config["SECRET_KEY"], shared_testimonial)  # the respondent's page
    pages = (
        "/",
        f"/wall/{audited_site.key}",
        *(f"/wall/{audited_site.key}?lang={lang}" for lang in ("fr", "de", "ar")),
        f"/t/{shared_id}",
        f"/t/{shared_id}?lang=ar",
        "/wall/nothing-here?lang=ar",
        "/demo",
    )
    for path in (*pages, f"/withdraw/{token}"):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        assert violations(page) == [], path


def test_the_respondents_private_page_in_each_state(page, live_app, live_site):
    """The page says where the testimonial stands; an edited one shows both wordings."""
    site = live_site(name="Private pages")
    states = [
        ("pending", "Waiting, in my words", {}),
        ("approved", "Published as edited", {"original_quote": "Publshed, in my wrds"}),
        ("rejected", "Not for the wall", {}),
        ("withdrawn", "Taken back", {}),
    ]
    with live_app.app_context():
        for status, quote, fields in states:
            seed_testimonial(site, quote, status=status, **fields)
        db.session.commit()
        rows = db.session.execute(db.select(Testimonial).filter_by(site_id=site.id)).scalars().all()
        tokens = {t.status: private_link_token(live_app.config["SECRET_KEY"], t) for t in rows}
    for status, quote, fields in states:
        page.goto(f"{live_app.config['LIVE_URL']}/withdraw/{tokens[status]}")
        main = page.get_by_role("main")
        if status == "withdrawn":
            expect(main).to_contain_text("Your testimonial is withdrawn")
            expect(main).not_to_contain_text(quote)
        else:
            expect(main).to_contain_text(quote)
        if fields:
            expect(main).to_contain_text("Published as edited by Private pages:")
            expect(main).to_contain_text(re.compile(r"Your own words:\s*" + fields["original_quote"]))
        assert violations(page) == [], status


def test_the_back_office(page, live_app, audited_site):
    base = live_app.config["LIVE_URL"]
    page.goto(base + "/admin/login")
    assert violations(page) == [], "login"
    log_in(page, live_app, make_user(live_app, audited_site))
    key = audited_site.key
    with live_app.app_context():
        answer_id = db.session.execute(db.select(Response.id).filter_by(site_id=audited_site.id)).scalars().first()
    assert answer_id is not None
    for path in (
        "/admin/?status=all",
        "/admin/sites",
        "/admin/sites/new",
        f"/admin/sites/{key}/settings",
        f"/admin/sites/{key}/dashboard",
        f"/admin/sites/{key}/followups",
        f"/admin/sites/{key}/webhooks",
        "/admin/users",
        "/admin/audit",
        "/admin/erase",
        "/admin/password",
        f"/admin/sites/{key}/emails",
        "/admin/notifications",
        f"/admin/responses/{answer_id}",
        "/admin/sites/no-such-site/dashboard",  # an error page, in the back office's layout
        "/admin/?limit=abc",
    ):
        page.goto(base + path)
        assert violations(page) == [], path
