"""The widget as a visitor meets it: pasted into a page of another origin, in Chromium."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

import models
from extensions import db
from models import Response

_paths = itertools.count()


def host_page(host_pages, live_app, site, *, lang="en", headers=None, attrs="", before="", after="") -> str:
    """Register a blog post that pastes the snippet, and return its URL."""
    path = f"/post-{next(_paths)}"
    snippet = f'<script async src="{live_app.config["LIVE_URL"]}/widget.js" data-site="{site.key}" {attrs}></script>'
    html = f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Post</title></head>
<body><article><h1>A post</h1><p>Words.</p>{before}{snippet}{after}<p>After the survey.</p></article></body></html>"""
    host_pages.add(path, html, headers)
    return host_pages.origin + path


def stored_responses(live_app, site) -> list[Response]:
    with live_app.app_context():
        rows = db.session.execute(db.select(Response).filter_by(site_id=site.id).order_by(Response.id)).scalars().all()
        for row in rows:
            db.session.expunge(row)
        return rows


def stored_testimonials(live_app, site) -> list:
    with live_app.app_context():
        rows = db.session.execute(db.select(models.Testimonial).filter_by(site_id=site.id)).scalars().all()
        for row in rows:
            db.session.expunge(row)
        return rows


def wait_for(predicate, page, what: str):
    """Poll the database while the page keeps running; fail with `what` after 10 s."""
    for _ in range(100):
        value = predicate()
        if value:
            return value
        page.wait_for_timeout(100)
    pytest.fail(f"never happened: {what}")


def test_promoter_by_mouse_consents_and_is_pending(page, live_app, host_pages, live_site):
    site = live_site()
    page.goto(host_page(host_pages, live_app, site))
    group = page.get_by_role("radiogroup", name="How likely are you to recommend Host blog to a friend or colleague?")
    expect(group).to_be_visible()
    assert page.evaluate("document.querySelector('article div').shadowRoot !== null")  # open shadow root
    expect(page.get_by_text("Not at all likely")).to_be_visible()
    expect(page.get_by_text("Extremely likely")).to_be_visible()
    expect(page.get_by_role("radio")).to_have_count(11)

    page.get_by_role("radio", name="9 out of 10", exact=True).click()
    expect(page.get_by_label("What do you like most?")).to_be_visible()
    # The score is recorded the moment it is chosen, before any "why".
    wait_for(lambda: [r.score for r in stored_responses(live_app, site)] == [9], page, "score 9 recorded")

    consent = page.get_by_role("checkbox", name="I agree that Host blog may publish my answer")
    expect(consent).not_to_be_checked()
    consent.check()
    page.get_by_role("button", name="Send").click()  # consenting to publish nothing is refused
    expect(page.get_by_role("alert")).to_have_text("Please write the words you agree to publish, or untick the box.")
    expect(page.get_by_label("What do you like most?")).to_be_focused()
    page.get_by_label("What do you like most?").fill('Fast <b>support</b> & "clear" docs')
    page.get_by_label("Name shown with your words").fill("Camille D.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Thank you! It means a lot to us.")).to_be_visible()
    expect(page.get_by_role("link", name="Add a photo to your testimonial")).to_be_visible()
    withdraw = page.get_by_role("link", name="Changed your mind? Withdraw your testimonial")
    assert "/withdraw/" in withdraw.get_attribute("href")

    [testimonial] = wait_for(lambda: stored_testimonials(live_app, site), page, "testimonial stored")
    assert testimonial.status == "pending" and testimonial.display_name == "Camille D."
    assert testimonial.quote == 'Fast <b>support</b> & "clear" docs'  # as typed
    assert testimonial.consent_text.startswith("I agree that Host blog may publish")
    assert len(stored_responses(live_app, site)) == 1
    assert page.context.cookies() == []


def test_keyboard_moves_along_the_scale_without_a_trail(page, live_app, host_pages, live_site):
    site = live_site()
    page.goto(host_page(host_pages, live_app, site, before='<a href="#top">top</a>'))
    expect(page.get_by_role("radio", name="0 out of 10", exact=True)).to_be_visible()
    page.get_by_role("link", name="top").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("radio", name="0 out of 10", exact=True)).to_be_focused()
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    expect(page.get_by_role("radio", name="7 out of 10", exact=True)).to_be_checked()
    expect(page.get_by_label("What could we do to earn one more point?")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("7 out of 10 selected.")
    rows = wait_for(lambda: [r for r in stored_responses(live_app, site) if r.score == 7], page, "score settled on 7")
    assert len(stored_responses(live_app, site)) == 1 and rows[0].category == "passive"
    # Passives and detractors are not asked to publish; they may leave an address, opt-in only.
    expect(page.get_by_role("checkbox", name="I agree that")).to_have_count(0)
    opt_in = page.get_by_role("checkbox", name="You may contact me about my answer")
    expect(opt_in).not_to_be_checked()
    opt_in.check()
    page.get_by_label("Your e-mail address").fill("visitor@example.org")
    page.get_by_label("What could we do to earn one more point?").fill("Dark mode")
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Send").press("Enter")
    expect(page.get_by_text("Thank you. We read every answer")).to_be_visible()
    stored = wait_for(lambda: [r for r in stored_responses(live_app, site) if r.why], page, "why stored")[0]
    assert stored.why == "Dark mode" and stored.contact_email == "visitor@example.org" and stored.score == 7


def test_reload_does_not_ask_again(page, live_app, host_pages, live_site):
    site = live_site()
    url = host_page(host_pages, live_app, site)
    page.goto(url)
    page.get_by_role("radio", name="3 out of 10", exact=True).click()
    expect(page.get_by_label("What went wrong, and what should we improve?")).to_be_visible()
    page.get_by_role("button", name="No thanks").click()
    expect(page.get_by_text("Thank you for telling us.")).to_be_visible()
    wait_for(lambda: stored_responses(live_app, site), page, "score recorded")
    config_requests = []
    page.on("request", lambda r: config_requests.append(r.url) if "/config" in r.url else None)
    page.reload(wait_until="networkidle")
    expect(page.get_by_text("After the survey.")).to_be_visible()
    expect(page.get_by_role("radio")).to_have_count(0)
    assert config_requests == []
    assert page.context.cookies() == []


def test_french_from_the_page_language(page, live_app, host_pages, live_site):
    site = live_site()
    page.goto(host_page(host_pages, live_app, site, lang="fr-FR"))
    page.get_by_role("radio", name="10 sur 10", exact=True).click()
    expect(page.get_by_label("Qu'appréciez-vous le plus ?")).to_be_visible()
    wait_for(lambda: [r.lang for r in stored_responses(live_app, site)] == ["fr"], page, "French answer")


def test_foreign_origin_gets_no_widget_and_its_post_is_refused(page, live_app, host_pages, live_site):
    site = live_site(origins=["https://only-this.example"])
    page.goto(host_page(host_pages, live_app, site), wait_until="networkidle")
    expect(page.get_by_text("After the survey.")).to_be_visible()
    expect(page.get_by_role("radio")).to_have_count(0)
    outcome = page.evaluate(
        """async (url) => {
            try {
                const r = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"},
                                            body: JSON.stringify({score: 10})});
                return "answered " + r.status;
            } catch (e) { return "blocked"; }
        }""",
        f"{live_app.config['LIVE_URL']}/api/v1/sites/{site.key}/responses",
    )
    assert outcome == "blocked"
    assert stored_responses(live_app, site) == []


def test_strict_csp_host_page_still_shows_and_submits(page, live_app, host_pages, live_site):
    site = live_site()
    base = live_app.config["LIVE_URL"]
    csp = f"default-src 'none'; script-src {base}; connect-src {base}; style-src 'self'; img-src 'self'"
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(host_page(host_pages, live_app, site, headers={"Content-Security-Policy": csp}))
    page.get_by_role("radio", name="10 out of 10", exact=True).click()
    # Styled inside the shadow root: the stylesheet applied despite style-src 'self'.
    radius = page.evaluate(
        "getComputedStyle(document.querySelector('article div').shadowRoot.querySelector('.plaudit')).borderRadius"
    )
    assert radius == "10px"
    page.get_by_label("What do you like most?").fill("Works under CSP")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Thank you! It means a lot to us.")).to_be_visible()
    wait_for(lambda: [r.why for r in stored_responses(live_app, site)] == ["Works under CSP"], page, "why stored")
    assert violations == []


def test_mount_from_code_into_a_target_with_attributes(page, live_app, host_pages, live_site):
    site = live_site()
    url = host_page(
        host_pages,
        live_app,
        site,
        attrs='data-target="#survey" data-touchpoint="after-purchase" data-respondent="cust-9" data-attr-plan="trial" data-theme="dark"',
        after='<div id="survey"></div>',
    )
    page.goto(url)
    page.locator("#survey").get_by_role("radio", name="8 out of 10", exact=True).click()
    [row] = wait_for(lambda: stored_responses(live_app, site), page, "answer stored")
    assert (row.touchpoint, row.respondent, row.attributes) == ("after-purchase", "cust-9", {"plan": "trial"})
    assert row.page_url.startswith(host_pages.origin + "/post-")
    assert (
        page.evaluate("document.querySelector('#survey').shadowRoot.querySelector('.plaudit').dataset.theme") == "dark"
    )


def test_network_failure_keeps_the_answer_and_retries(page, live_app, host_pages, live_site):
    site = live_site()
    page.goto(host_page(host_pages, live_app, site))
    page.get_by_role("radio", name="9 out of 10", exact=True).click()
    wait_for(lambda: stored_responses(live_app, site), page, "score recorded")
    page.route("**/api/v1/responses/**", lambda route: route.abort())
    page.get_by_label("What do you like most?").fill("Kept while offline")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_contain_text("Your answer is kept here")
    expect(page.get_by_label("What do you like most?")).to_have_value("Kept while offline")
    page.unroute("**/api/v1/responses/**")
    expect(page.get_by_text("Thank you! It means a lot to us.")).to_be_visible()
    wait_for(lambda: [r.why for r in stored_responses(live_app, site)] == ["Kept while offline"], page, "retried")


def test_offline_from_the_first_choice_the_follow_up_still_follows_the_score(page, live_app, host_pages, live_site):
    """The category and follow-up of each score come with the config (the server's rules): an
    answer begun offline shows them all the same, and is sent, whole, when the network is back."""
    site = live_site()
    page.goto(host_page(host_pages, live_app, site))
    expect(page.get_by_role("radio")).to_have_count(11)
    page.context.set_offline(True)
    page.get_by_role("radio", name="3 out of 10", exact=True).click()
    expect(page.get_by_label("What went wrong, and what should we improve?")).to_be_visible()
    expect(page.get_by_role("checkbox", name="You may contact me about my answer")).to_be_visible()
    expect(page.get_by_role("checkbox", name="I agree that")).to_be_hidden()
    expect(page.get_by_role("alert")).to_contain_text("Your answer is kept here")
    page.get_by_role("radio", name="10 out of 10", exact=True).click()  # moving along, still offline
    expect(page.get_by_label("What do you like most?")).to_be_visible()
    expect(page.get_by_role("checkbox", name="You may contact me about my answer")).to_be_hidden()
    page.get_by_label("What do you like most?").fill("Written offline")
    page.get_by_role("checkbox", name="I agree that").check()
    page.get_by_role("checkbox", name="Publish without my name").check()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_contain_text("Your answer is kept here")
    assert stored_responses(live_app, site) == []
    page.context.set_offline(False)  # "online": sent at once
    expect(page.get_by_text("Thank you! It means a lot to us.")).to_be_visible()
    [answer] = stored_responses(live_app, site)
    assert (answer.score, answer.category, answer.why) == (10, "promoter", "Written offline")
    [testimonial] = stored_testimonials(live_app, site)
    assert testimonial.status == "pending" and testimonial.display_name is None


def test_the_answers_follow_up_is_the_servers_last_word(page, live_app, host_pages, live_site):
    """Settings changed after the config loaded: the follow-up the answer gets back is shown."""
    site = live_site()
    page.goto(host_page(host_pages, live_app, site))
    expect(page.get_by_role("radio")).to_have_count(11)
    with live_app.app_context():
        db.session.get(models.Site, site.id).consent_scope = "everyone"  # passives asked too, now
        db.session.commit()
    page.get_by_role("radio", name="7 out of 10", exact=True).click()
    consent = page.get_by_role("checkbox", name="I agree that")
    expect(consent).to_be_visible()  # the config said no; the answer, saved, says yes
    page.get_by_label("What could we do to earn one more point?").fill("Faster pages")
    consent.check()
    page.get_by_label("Name shown with your words").fill("Sam")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Thank you. We read every answer")).to_be_visible()
    [testimonial] = wait_for(lambda: stored_testimonials(live_app, site), page, "testimonial stored")
    assert (testimonial.quote, testimonial.display_name) == ("Faster pages", "Sam")


def test_a_shown_widget_counts_one_view(page, live_app, host_pages, live_site):
    from models import DailyView

    site = live_site()
    page.goto(host_page(host_pages, live_app, site, attrs='data-touchpoint="pricing"'))
    expect(page.get_by_role("radio", name="5 out of 10", exact=True)).to_be_visible()

    def counted():
        with live_app.app_context():
            return db.session.execute(db.select(DailyView.touchpoint, DailyView.count).filter_by(site_id=site.id)).all()

    assert wait_for(counted, page, "a view counted") == [("pricing", 1)]
    assert page.context.cookies() == []


def console_warnings(page) -> list[str]:
    seen = []
    page.on("console", lambda m: seen.append(m.text) if m.type in ("warning", "error") else None)
    return seen


def test_a_wrong_origin_or_key_is_explained_in_the_console(page, live_app, host_pages, live_site):
    site = live_site(origins=["https://only-this.example", "https://and-this.example"])
    said = console_warnings(page)
    page.goto(host_page(host_pages, live_app, site), wait_until="networkidle")
    expect(page.get_by_role("radio")).to_have_count(0)
    wait_for(lambda: any(m.startswith("Plaudit: ") for m in said), page, "a warning")
    [warning] = [m for m in said if m.startswith("Plaudit: ")]
    assert warning.startswith(
        f"Plaudit: This page's origin {host_pages.origin} is not one of the 2 allowed for site {site.key}."
    )
    assert f"Add {host_pages.origin} to the site's allowed origins in the back office" in warning
    assert not [m for m in said if "CORS" in m]  # the server's words, not a bare CORS failure

    said.clear()
    unknown = SimpleNamespace(key="no-such-key")
    page.goto(host_page(host_pages, live_app, unknown), wait_until="networkidle")
    wait_for(lambda: any(m.startswith("Plaudit: ") for m in said), page, "a warning")
    [warning] = [m for m in said if m.startswith("Plaudit: ")]
    assert warning.startswith("Plaudit: No site has this key. (HTTP 404, site") and not [m for m in said if "CORS" in m]


def count_views(live_app, site) -> int:
    from models import DailyView

    with live_app.app_context():
        return db.session.execute(db.select(db.func.sum(DailyView.count)).filter_by(site_id=site.id)).scalar() or 0


def test_a_snippet_in_head_shows_in_the_body_and_counts_a_view_once_seen(page, live_app, host_pages, live_site):
    site = live_site()
    path = f"/head-{next(_paths)}"
    snippet = f'<script async src="{live_app.config["LIVE_URL"]}/widget.js" data-site="{site.key}"></script>'
    host_pages.add(
        path,
        f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Post</title>{snippet}</head>
<body><article><h1>A post</h1><p style="height:3000px">Words.</p><p>The end.</p></article></body></html>""",
    )
    views = []
    page.on("request", lambda r: views.append(r.url) if r.url.endswith("/views") else None)
    said = console_warnings(page)
    page.set_viewport_size({"width": 800, "height": 600})
    page.goto(host_pages.origin + path, wait_until="networkidle")
    radio = page.get_by_role("radio", name="9 out of 10", exact=True)
    expect(radio).to_have_count(1)
    assert page.evaluate(
        "document.head.querySelector('div') === null && document.body.lastElementChild.shadowRoot !== null"
    )
    assert any("<head>" in m and "end of <body>" in m for m in said)
    # Rendered below the fold: not seen yet, so not counted yet.
    assert views == [] and count_views(live_app, site) == 0
    radio.scroll_into_view_if_needed()
    expect(radio).to_be_in_viewport()
    wait_for(lambda: count_views(live_app, site) == 1, page, "one view counted once seen")
    page.mouse.wheel(0, -5000)
    radio.scroll_into_view_if_needed()
    wait_for(lambda: len(views) == 1, page, "the request")
    assert count_views(live_app, site) == 1 and len(views) == 1


def test_a_reload_mid_answer_resumes_it_and_only_the_end_hides_the_widget(page, live_app, host_pages, live_site):
    site = live_site()
    url = host_page(host_pages, live_app, site)
    page.goto(url)
    page.get_by_role("radio", name="9 out of 10", exact=True).click()
    page.get_by_label("What do you like most?").fill("Half written")
    page.get_by_role("checkbox", name="I agree that").check()
    page.get_by_label("Name shown with your words").fill("Camille D.")
    wait_for(lambda: stored_responses(live_app, site), page, "score recorded")
    page.reload()
    expect(page.get_by_role("radio", name="9 out of 10", exact=True)).to_be_checked()
    expect(page.get_by_label("What do you like most?")).to_have_value("Half written")
    expect(page.get_by_role("checkbox", name="I agree that")).to_be_checked()
    expect(page.get_by_label("Name shown with your words")).to_have_value("Camille D.")
    page.get_by_label("What do you like most?").fill("Half written, now whole")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Thank you! It means a lot to us.")).to_be_visible()
    [testimonial] = wait_for(lambda: stored_testimonials(live_app, site), page, "testimonial stored")
    assert (testimonial.quote, testimonial.display_name) == ("Half written, now whole", "Camille D.")
    assert len(stored_responses(live_app, site)) == 1  # the same answer, completed
    page.reload(wait_until="networkidle")
    expect(page.get_by_text("After the survey.")).to_be_visible()
    expect(page.get_by_role("radio")).to_have_count(0)  # finished: not asked again
    assert page.context.cookies() == []


def test_consent_needs_a_name_or_the_choice_to_publish_without(page, live_app, host_pages, live_site):
    site = live_site()
    page.goto(host_page(host_pages, live_app, site))
    page.get_by_role("radio", name="10 out of 10", exact=True).click()
    page.get_by_label("What do you like most?").fill("Kind people")
    page.get_by_role("checkbox", name="I agree that").check()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_have_text("Please give a name to show, or publish without it.")
    expect(page.get_by_label("Name shown with your words")).to_be_focused()
    page.get_by_role("checkbox", name="Publish without my name").check()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Thank you! It means a lot to us.")).to_be_visible()
    [testimonial] = wait_for(lambda: stored_testimonials(live_app, site), page, "testimonial stored")
    assert testimonial.display_name is None and testimonial.quote == "Kind people"


def test_an_invalid_email_names_the_field(page, live_app, host_pages, live_site):
    site = live_site()
    page.goto(host_page(host_pages, live_app, site, lang="fr"))
    page.get_by_role("radio", name="5 sur 10", exact=True).click()
    page.get_by_role("checkbox", name="Vous pouvez me recontacter").check()
    page.get_by_label("Votre adresse e-mail").fill("not an address")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_role("alert")).to_have_text("Vérifiez : Votre adresse e-mail")
    expect(page.get_by_label("Votre adresse e-mail")).to_be_focused()
    page.get_by_label("Votre adresse e-mail").fill("visiteur@example.org")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_text("Merci de nous l'avoir dit.")).to_be_visible()
    wait_for(
        lambda: [r.contact_email for r in stored_responses(live_app, site)] == ["visiteur@example.org"], page, "saved"
    )


def test_right_to_left_words_and_score_targets_on_a_320_px_phone(browser, live_app, host_pages, live_site):
    site = live_site()
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(host_page(host_pages, live_app, site))
    sizes = [
        page.locator(".pt").nth(n).bounding_box() for n in range(11)
    ]  # the label is the target: the radio covers it
    assert all(box["width"] >= 24 and box["height"] >= 24 for box in sizes), sizes
    assert sizes[10]["x"] + sizes[10]["width"] <= 320  # all eleven fit, no scrolling sideways
    page.get_by_role("radio", name="10 out of 10", exact=True).click()
    page.get_by_role("checkbox", name="I agree that").check()
    why, name = page.get_by_label("What do you like most?"), page.get_by_label("Name shown with your words")
    why.fill("الدعم ممتاز")
    name.fill("ليلى")
    for field in (why, name, page.get_by_label("Your role or company")):
        assert field.get_attribute("dir") == "auto"
    assert [f.evaluate("e => getComputedStyle(e).direction") for f in (why, name)] == ["rtl", "rtl"]
    context.close()


def test_the_thank_you_moves_nothing_on_the_page(page, live_app, host_pages, live_site):
    """A slow answer to "Send" swaps the form for the thank-you long after the click: the
    widget keeps its height, so the host page below it does not jump (no layout shift)."""
    import time

    from tests.browser.test_wall import NEXT_FRAME, WATCH_SHIFTS

    site = live_site()
    page.goto(host_page(host_pages, live_app, site))
    page.get_by_role("radio", name="10 out of 10", exact=True).click()
    page.get_by_label("What do you like most?").fill("Worth the wait")
    wait_for(lambda: stored_responses(live_app, site), page, "score recorded")
    page.evaluate(NEXT_FRAME)
    page.evaluate(WATCH_SHIFTS)
    page.route("**/api/v1/responses/**", lambda route: (time.sleep(0.8), route.continue_()))
    below = page.get_by_text("After the survey.").bounding_box()["y"]
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Thank you! It means a lot to us.")).to_be_visible()
    page.evaluate(NEXT_FRAME)
    page.wait_for_timeout(200)  # layout-shift entries are delivered after the frame
    assert page.evaluate("window.shifts") == []
    assert page.get_by_text("After the survey.").bounding_box()["y"] == below
    expect(page.get_by_role("radio", name="10 out of 10", exact=True)).to_be_hidden()
