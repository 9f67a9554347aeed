"""The back office in Chromium: hostile text through every write path, and the keyboard."""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import expect

from extensions import db
from models import Testimonial, User
from tests.browser.conftest import seed_testimonial
from tests.browser.test_widget import host_page, wait_for

PASSWORD = "correct horse battery"
_emails = itertools.count()

HOSTILE = [
    "<script>alert('script')</script>",
    "<img src=x onerror=alert('img')>",
    '"><svg onload=alert("svg")>',
    "' onmouseover='alert(1)' x='",
    "javascript:alert('js')",
    '<a href="javascript:alert(1)">click</a>',
    "<noscript><p title=\"</noscript><img src=x onerror=alert('mxss')>\">",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('math')>",
    "&lt;img src=x onerror=alert('entity')&gt;",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "Replied <within an hour> <3 <x onclick=alert('x')>tap</x>",
]


def make_user(live_app, site, role="owner") -> str:
    email = f"user{next(_emails)}@example.org"
    with live_app.app_context():
        site_row = db.session.get(type(site), site.id)
        user = User(email=email, role=role, sites=[site_row])
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    return email


def log_in(page, live_app, email: str) -> None:
    page.goto(live_app.config["LIVE_URL"] + "/admin/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Moderation")).to_be_visible()


def stored_testimonials_of(live_app, site) -> list[Testimonial]:
    with live_app.app_context():
        rows = (
            db.session.execute(db.select(Testimonial).filter_by(site_id=site.id).order_by(Testimonial.id))
            .scalars()
            .all()
        )
        for row in rows:
            db.session.expunge(row)
        return rows


@pytest.fixture
def dialogs(page):
    seen = []

    def on_dialog(dialog):
        seen.append(dialog.message)
        dialog.dismiss()

    page.context.on("page", lambda p: p.on("dialog", on_dialog))
    page.on("dialog", on_dialog)
    return seen


def test_hostile_text_never_runs_and_reads_as_stored(browser, page, dialogs, live_app, host_pages, live_site):
    site = live_site()
    owner = make_user(live_app, site)

    # 1. Visitors type hostile words and names into the widget (each in a fresh browser profile).
    for i, text in enumerate(HOSTILE):
        context = browser.new_context()
        visitor = context.new_page()
        visitor.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        visitor.goto(host_page(host_pages, live_app, site))
        visitor.get_by_role("radio", name="10 out of 10", exact=True).click()
        visitor.get_by_label("What do you like most?").fill(f"{i}: {text}")
        visitor.get_by_role("checkbox", name="I agree").check()
        visitor.get_by_label("Name shown with your words").fill(text[:80])
        visitor.get_by_role("button", name="Send").click()
        expect(visitor.get_by_text("Thank you! It means a lot to us.")).to_be_visible()
        context.close()
    rows = wait_for(
        lambda: len(stored_testimonials_of(live_app, site)) == len(HOSTILE) and stored_testimonials_of(live_app, site),
        page,
        "all stored",
    )

    # 2. The owner renames the site, edits a quote and tags one, all with hostile text.
    log_in(page, live_app, owner)
    page.goto(f"{live_app.config['LIVE_URL']}/admin/sites/{site.key}/settings")
    page.get_by_label("Site name").fill(HOSTILE[1] + " Blog")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()

    page.goto(f"{live_app.config['LIVE_URL']}/admin/?status=all")
    first = page.locator(f"#t-{rows[0].id}")
    first.get_by_text("Edit the published words").click()
    first.get_by_label("Published words").fill(HOSTILE[2] + " edited")
    first.get_by_role("button", name="Save words").click()
    first = page.locator(f"#t-{rows[0].id}")
    first.get_by_text("Tags").first.click()
    first.get_by_label("Tags, comma-separated").fill(HOSTILE[0])
    first.get_by_role("button", name="Save tags").click()
    expect(page.get_by_text("Not a tag:")).to_contain_text("alert('script')")  # refused, said as plain text

    # 3. Every page that shows that text, in the browser: nothing runs, nothing is injected.
    base = live_app.config["LIVE_URL"]
    for path in ("/admin/?status=all", "/admin/audit", f"/admin/sites/{site.key}/settings", "/admin/sites"):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        assert page.locator("img[src='x'], svg[onload], script:not([src])").count() == 0, path
    page.goto(host_page(host_pages, live_app, site))
    expect(page.get_by_role("radiogroup")).to_contain_text(HOSTILE[1] + " Blog")
    assert dialogs == []

    # The text reads exactly as typed: stored so, and escaped wherever it is shown.
    page.goto(base + "/admin/?status=all")
    for row, text in zip(rows, HOSTILE, strict=True):
        card = page.locator(f"#t-{row.id}")
        expect(card.locator(".why")).to_have_text(f"{HOSTILE.index(text)}: {text}")
    expect(page.locator(f"#t-{rows[4].id} .why")).to_have_text("4: javascript:alert('js')")
    expect(page.locator(f"#t-{rows[3].id} .why")).to_have_text("3: ' onmouseover='alert(1)' x='")
    expect(page.locator(f"#t-{rows[9].id} .why")).to_have_text("9: {{7*7}} ${7*7} <%= 7*7 %>")
    expect(page.locator(f"#t-{rows[10].id} .why")).to_have_text(
        "10: Replied <within an hour> <3 <x onclick=alert('x')>tap</x>"
    )
    expect(page.locator(f"#t-{rows[0].id} blockquote")).to_have_text(HOSTILE[2] + " edited")
    assert dialogs == []


def test_keyboard_moderation(page, live_app, live_site):
    site = live_site()
    email = make_user(live_app, site, role="moderator")
    with live_app.app_context():
        for quote in ["first words", "second words", "third words"]:
            seed_testimonial(site, quote)
        db.session.commit()
    log_in(page, live_app, email)
    page.goto(f"{live_app.config['LIVE_URL']}/admin/?site={site.key}")
    expect(page.get_by_text("j/k move between testimonials")).to_be_visible()  # the shortcuts are announced
    cards = page.locator("article.card")
    expect(cards).to_have_count(3)
    page.keyboard.press("j")
    expect(cards.nth(0)).to_be_focused()
    page.keyboard.press("j")
    expect(cards.nth(1)).to_be_focused()
    page.keyboard.press("k")
    expect(cards.nth(0)).to_be_focused()
    page.keyboard.press("a")  # approves "third words" (newest first) and lands on the next one
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_be_focused()
    page.keyboard.press("r")
    expect(cards).to_have_count(1)
    statuses = {t.quote: t.status for t in stored_testimonials_of(live_app, site)}
    assert statuses == {"third words": "approved", "second words": "rejected", "first words": "pending"}
    # Typing in a field never triggers a shortcut.
    page.locator("article.card").first.get_by_text("Tags").first.click()
    page.get_by_label("Tags, comma-separated").type("array")
    assert {t.quote: t.status for t in stored_testimonials_of(live_app, site)}["first words"] == "pending"
