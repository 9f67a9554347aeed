"""Every language a visitor can get, in Chromium: the widget's whole flow on a host page of
another origin, chosen by `data-lang` or the page's `lang` (BCP 47, with fallback); Arabic laid
out right to left; the wall page and wall.js following `?lang=` / `data-lang`."""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import expect

from core.strings import texts_for, wall_texts
from extensions import db
from tests.browser.conftest import seed_testimonial
from tests.browser.test_widget import host_page, stored_responses, stored_testimonials, wait_for

_paths = itertools.count()

# One literal per language, typed here rather than read from the catalogs: a catalog that lost
# its words (or a widget that showed English) fails on these, not only on the catalog's own.
LANGUAGES = {
    "de": ("Wie wahrscheinlich ist es, dass Sie Host blog einem Freund oder Kollegen empfehlen?", "Senden"),
    "es": ("¿Qué probabilidad hay de que recomiende Host blog a un amigo o colega?", "Enviar"),
    "it": ("Con quale probabilità consiglierebbe Host blog a un amico o a un collega?", "Invia"),
    "nl": ("Hoe waarschijnlijk is het dat u Host blog zou aanbevelen aan een vriend of collega?", "Versturen"),
    "pt-BR": ("Qual é a probabilidade de você recomendar Host blog a um amigo ou colega?", "Enviar"),
    "ar": ("ما مدى احتمال أن توصي بـ Host blog لصديق أو زميل؟", "إرسال"),
}


def texts(live_app, lang: str) -> dict[str, str]:
    with live_app.test_request_context():
        return texts_for(lang, "Host blog", None)


@pytest.mark.parametrize("tag", list(LANGUAGES))
def test_the_whole_flow_speaks_the_language_of_data_lang(page, live_app, host_pages, live_site, tag):
    question, send = LANGUAGES[tag]
    lang = tag.split("-")[0]
    t = texts(live_app, lang)
    assert t["question"] == question and t["send"] == send
    site = live_site()
    # The page says English; data-lang wins.
    page.goto(host_page(host_pages, live_app, site, attrs=f'data-lang="{tag}"'))
    expect(page.get_by_role("radiogroup", name=question)).to_be_visible()
    expect(page.get_by_text(t["scale_low"], exact=True)).to_be_visible()
    expect(page.get_by_text(t["scale_high"], exact=True)).to_be_visible()
    page.get_by_role("radio", name=t["radio_label"].replace("{n}", "9"), exact=True).click()
    expect(page.get_by_label(t["prompt_promoter"])).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(t["selected"].replace("{n}", "9"))
    page.get_by_label(t["prompt_promoter"]).fill("Très bien, merci")
    page.get_by_role("checkbox", name=t["consent"]).check()
    page.get_by_label(t["display_name"]).fill("Camille D.")
    page.get_by_role("button", name=send).click()
    expect(page.get_by_text(t["thanks_promoter"])).to_be_visible()
    expect(page.get_by_role("link", name=t["withdraw"])).to_be_visible()
    [testimonial] = wait_for(lambda: stored_testimonials(live_app, site), page, "testimonial stored")
    assert testimonial.consent_text == t["consent"]  # the receipt keeps the words shown, in that language
    assert [r.lang for r in stored_responses(live_app, site)] == [lang]


def test_a_detractor_is_asked_and_thanked_in_german(page, live_app, host_pages, live_site):
    t = texts(live_app, "de")
    site = live_site()
    page.goto(host_page(host_pages, live_app, site, lang="de-AT"))  # the page's own lang, a BCP 47 tag
    page.get_by_role("radio", name="3 von 10", exact=True).click()
    expect(page.get_by_label("Was ist schiefgelaufen, und was sollten wir verbessern?")).to_be_visible()
    expect(page.get_by_role("checkbox", name=t["contact_opt_in"])).not_to_be_checked()
    page.get_by_role("button", name="Nein danke").click()
    expect(page.get_by_text(t["thanks_detractor"])).to_be_visible()


@pytest.mark.parametrize(("page_lang", "expected"), [("pt-BR", "pt"), ("fr-CA", "fr"), ("zh-Hant", "it")])
def test_the_page_language_falls_back_to_its_language_then_to_the_site(
    page, live_app, host_pages, live_site, page_lang, expected
):
    site = live_site(default_lang="it")
    page.goto(host_page(host_pages, live_app, site, lang=page_lang))
    expect(page.get_by_role("radiogroup", name=texts(live_app, expected)["question"])).to_be_visible()
    root = page.locator("article > div").evaluate_handle("host => host.shadowRoot.querySelector('.plaudit')")
    assert root.evaluate("r => [r.lang, r.dir]") == [expected, "ltr"]


def box(locator) -> dict:
    found = locator.bounding_box()
    assert found is not None
    return found


@pytest.mark.parametrize("width", [900, 390])
def test_arabic_is_laid_out_right_to_left(page, live_app, host_pages, live_site, width):
    t = texts(live_app, "ar")
    page.set_viewport_size({"width": width, "height": 900})
    site = live_site()
    page.goto(host_page(host_pages, live_app, site, lang="ar-EG"))
    zero = page.get_by_role("radio", name="0 من 10", exact=True)
    ten = page.get_by_role("radio", name="10 من 10", exact=True)
    expect(zero).to_be_visible()
    root = page.locator("article > div").evaluate_handle("host => host.shadowRoot.querySelector('.plaudit')")
    assert root.evaluate("r => [r.lang, r.dir, getComputedStyle(r).direction]") == ["ar", "rtl", "rtl"]
    # The scale mirrors: 0 on the right, 10 on the left; its ends follow.
    assert box(zero)["x"] > box(ten)["x"]
    assert (
        box(page.get_by_text(t["scale_low"], exact=True))["x"] > box(page.get_by_text(t["scale_high"], exact=True))["x"]
    )
    # The arrow keys follow what is seen: from 0, ArrowLeft goes to 1.
    zero.focus()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("radio", name="1 من 10", exact=True)).to_be_checked()
    zero.click()
    expect(page.get_by_label(t["prompt_detractor"])).to_be_visible()
    # The buttons mirror too: Send, first, is on the right of No thanks.
    assert box(page.get_by_role("button", name=t["send"]))["x"] > box(page.get_by_role("button", name=t["skip"]))["x"]
    # What the visitor types takes its own direction (a French answer in an Arabic widget).
    why = page.get_by_label(t["prompt_detractor"])
    assert why.get_attribute("dir") == "auto"
    why.fill("Le pain était froid")
    assert why.evaluate("e => getComputedStyle(e).direction") == "ltr"
    page.get_by_role("button", name=t["send"]).click()
    expect(page.get_by_text(t["thanks_detractor"])).to_be_visible()


@pytest.fixture
def arabic_wall(live_app, live_site):
    site = live_site(name="Wall blog", default_lang="ar")
    with live_app.app_context():
        seed_testimonial(site, "خدمة ممتازة وسريعة", status="approved", display_name="سارة م.", role="مديرة")
        seed_testimonial(site, "Great bread, every morning", score=9, status="approved", display_name="Sam K.")
        db.session.commit()
    return site


def test_the_wall_page_follows_lang(page, live_app, arabic_wall):
    base = live_app.config["LIVE_URL"]
    page.goto(f"{base}/wall/{arabic_wall.key}?lang=ar")
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
    with live_app.test_request_context():
        ar = wall_texts("ar", "Wall blog")
    expect(page.get_by_role("heading", level=1)).to_have_text(ar["title"])
    # The visitors' words each in their own direction, whatever the page's.
    latin = page.get_by_text("Great bread, every morning")
    assert latin.evaluate("e => [e.dir, getComputedStyle(e).direction]") == ["auto", "ltr"]
    page.goto(f"{base}/wall/{arabic_wall.key}?lang=fr-CA")
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["fr", "ltr"]
    expect(page.get_by_role("heading", level=1)).to_have_text("Ce que l'on dit de Wall blog")
    arabic = page.get_by_text("خدمة ممتازة وسريعة")
    assert arabic.evaluate("e => getComputedStyle(e).direction") == "rtl"


def test_wall_js_follows_data_lang_and_mirrors_in_arabic(page, live_app, host_pages, arabic_wall):
    base = live_app.config["LIVE_URL"]
    path = f"/wall-lang-{next(_paths)}"
    host_pages.add(
        path,
        f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Landing</title></head>
<body><script async src="{base}/wall.js" data-site="{arabic_wall.key}" data-layout="carousel" data-lang="ar"></script>
</body></html>""",
    )
    page.goto(host_pages.origin + path)
    with live_app.test_request_context():
        ar = wall_texts("ar", "Wall blog")
    previous = page.get_by_role("button", name=ar["previous"])
    expect(previous).to_be_visible()
    root = page.locator("body > div").evaluate_handle("host => host.shadowRoot.querySelector('.pw')")
    assert root.evaluate("r => [r.lang, r.dir]") == ["ar", "rtl"]
    # "Previous" is on the right, where a right-to-left reader comes from.
    assert box(previous)["x"] > box(page.get_by_role("button", name=ar["next"]))["x"]
    expect(page.get_by_text(ar["position"].replace("{i}", "1").replace("{n}", "2"))).to_be_visible()
