"""In Chromium: the settings page's live preview is the real widget under the back office's CSP,
switched between steps, languages, touchpoints and themes, showing unsaved texts, and sending
nothing; a page's data-touchpoint gets the question the owner wrote for it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from extensions import db
from models import DailyView, Site
from tests.browser.test_back_office import log_in, make_user
from tests.browser.test_widget import host_page, stored_responses

WATCH_CSP = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture
def owner_page(page, live_app, live_site):
    """The settings page of a site with a few texts of its own, an owner logged in, and what the
    page sends and says recorded."""
    site = live_site(
        texts={"fr": {"question": "Recommanderiez-vous {name} ?"}},
        touchpoint_questions={"en": {"after-delivery": "How was your delivery from {name}?"}},
        cta_urls={"promoter": "https://reviews.example/host-blog"},
    )
    log_in(page, live_app, make_user(live_app, site))
    sent, said = [], []
    page.on("request", lambda r: sent.append((r.method, r.url)))
    page.on("console", lambda m: said.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: said.append(str(e)))
    page.add_init_script(WATCH_CSP)
    page.goto(f"{live_app.config['LIVE_URL']}/admin/sites/{site.key}/settings")
    return site, sent, said


def controls(page, label: str):
    return page.locator(".preview-controls").get_by_label(label, exact=True)


def preview(page):
    return page.locator("#preview-stage")


def test_the_preview_switches_steps_languages_touchpoints_and_themes(page, live_app, owner_page):
    site, sent, said = owner_page
    stage = preview(page)
    expect(stage.locator("legend")).to_have_text("How likely are you to recommend Host blog to a friend or colleague?")
    expect(stage.get_by_role("radio", name="10 out of 10", exact=True)).to_be_visible()

    step = controls(page, "Step")
    step.select_option(label="Follow-up: Promoters (9–10)")
    expect(stage.get_by_label("What do you like most?")).to_be_visible()
    expect(stage.get_by_role("radio", name="10 out of 10", exact=True)).to_be_checked()
    expect(stage.get_by_text("I agree that Host blog may publish my answer")).to_be_visible()
    step.select_option(label="Follow-up: Passives (7–8)")
    expect(stage.get_by_label("What could we do to earn one more point?")).to_be_visible()
    expect(stage.get_by_text("I agree that Host blog")).to_be_hidden()  # passives are not asked
    step.select_option(label="Follow-up: Detractors (0–6)")
    expect(stage.get_by_label("What went wrong, and what should we improve?")).to_be_visible()

    step.select_option(label="Thank-you: Promoters (9–10)")
    expect(stage.get_by_text("Thank you! It means a lot to us.")).to_be_visible()
    link = stage.get_by_role("link", name="Recommend Host blog")
    expect(link).to_have_attribute("href", "https://reviews.example/host-blog")
    step.select_option(label="Thank-you: Passives (7–8)")
    expect(stage.get_by_text("Thank you. We read every answer")).to_be_visible()
    step.focus()
    step.select_option(label="Thank-you: Detractors (0–6)")
    expect(stage.get_by_text("Thank you for telling us.")).to_be_visible()
    # The owner's focus stays where it was: the widget's own focus moves happen off the page.
    assert page.evaluate("document.activeElement.id") == "preview-step"

    step.select_option(label="The scale")
    controls(page, "Language").select_option(label="Français")
    expect(stage.locator("legend")).to_have_text("Recommanderiez-vous Host blog ?")
    expect(stage.locator(".plaudit")).to_have_attribute("lang", "fr")
    step.select_option(label="Follow-up: Promoters (9–10)")
    expect(stage.get_by_label("Qu'appréciez-vous le plus ?")).to_be_visible()

    controls(page, "Language").select_option(label="English")
    controls(page, "Touchpoint").select_option("after-delivery")
    expect(stage.locator("legend")).to_have_text("How was your delivery from Host blog?")

    controls(page, "Dark").check()
    expect(stage.locator(".plaudit")).to_have_attribute("data-theme", "dark")
    background = stage.locator(".plaudit").evaluate("node => getComputedStyle(node).backgroundColor")
    assert background == "rgb(22, 27, 34)"  # widget.css's dark --bg, drawn by the real stylesheet
    controls(page, "Light").check()
    expect(stage.locator(".plaudit")).to_have_attribute("data-theme", "light")

    assert page.evaluate("window.__violations") == []
    assert said == []
    assert_sent_nothing(live_app, site, sent)


def test_the_preview_shows_unsaved_texts_as_they_are_typed(page, live_app, owner_page):
    site, sent, said = owner_page
    stage = preview(page)
    page.get_by_label("Question", exact=True).fill("Would you tell a friend about {name}? <b>Honestly</b>")
    expect(stage.locator("legend")).to_have_text("Would you tell a friend about Host blog? <b>Honestly</b>")
    controls(page, "Step").select_option(label="Thank-you: Promoters (9–10)")
    page.get_by_label("Thank-you for promoters").fill("Merci, {name} thanks you!")
    page.get_by_label("Link label for promoters").fill("Review us")
    expect(stage.get_by_text("Merci, Host blog thanks you!")).to_be_visible()
    expect(stage.get_by_role("link", name="Review us")).to_be_visible()
    page.get_by_label("Link for promoters (review or referral page)").fill("")
    expect(stage.get_by_role("link")).to_have_count(0)  # no link, no label
    # Emptied: the default again, as visitors would read it.
    page.get_by_label("Thank-you for promoters").fill("")
    expect(stage.get_by_text("Thank you! It means a lot to us.")).to_be_visible()
    # A touchpoint typed but not saved yet is offered at once, with its question.
    page.get_by_label("Touchpoint (its data-touchpoint)").nth(1).fill("after-meeting")
    page.get_by_label("Question at this touchpoint").nth(1).fill("How was our meeting?")
    controls(page, "Step").select_option(label="The scale")
    controls(page, "Touchpoint").select_option("after-meeting")
    expect(stage.locator("legend")).to_have_text("How was our meeting?")
    # Clicking a score in the preview shows its follow-up and sends nothing either.
    stage.get_by_role("radio", name="3 out of 10", exact=True).click()
    expect(stage.get_by_label("What went wrong, and what should we improve?")).to_be_visible()
    stage.get_by_role("button", name="Send").click()
    page.wait_for_timeout(600)  # past the widget's 400 ms debounce: anything it would send, it has
    assert page.evaluate("window.__violations") == [] and said == []
    assert_sent_nothing(live_app, site, sent)
    with live_app.app_context():  # and nothing was saved by previewing
        assert db.session.get(Site, site.id).texts == {"fr": {"question": "Recommanderiez-vous {name} ?"}}


def assert_sent_nothing(live_app, site, sent) -> None:
    """No request but GETs (the page, its files, the config), no view beacon, nothing stored."""
    assert [url for method, url in sent if method != "GET"] == []
    assert [url for _, url in sent if "/views" in url or "/responses" in url] == []
    assert any("/config?lang=" in url for _, url in sent)
    assert stored_responses(live_app, site) == []
    with live_app.app_context():
        assert db.session.execute(db.select(DailyView).filter_by(site_id=site.id)).scalars().all() == []


def test_a_pages_touchpoint_gets_the_question_written_for_it(page, live_app, host_pages, live_site):
    site = live_site(touchpoint_questions={"en": {"after-delivery": "How was your delivery from {name}?"}})
    page.goto(host_page(host_pages, live_app, site, attrs='data-touchpoint="after-delivery"'))
    expect(page.get_by_role("radiogroup", name="How was your delivery from Host blog?")).to_be_visible()
    page.goto(host_page(host_pages, live_app, site, attrs='data-touchpoint="after-purchase"'))
    expect(
        page.get_by_role("radiogroup", name="How likely are you to recommend Host blog to a friend or colleague?")
    ).to_be_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_texts_and_the_preview_fit_a_phone(browser, live_app, live_site, scheme):
    site = live_site(name="The rather long-named community blog of the neighbourhood association")
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme=scheme)
    page = context.new_page()
    try:
        log_in(page, live_app, make_user(live_app, site))
        page.goto(f"{live_app.config['LIVE_URL']}/admin/sites/{site.key}/settings?lang=fr")
        controls(page, "Step").select_option(label="Follow-up: Promoters (9–10)")
        expect(preview(page).get_by_label("Qu'appréciez-vous le plus ?")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
