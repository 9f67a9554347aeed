"""Pictures Plaudit draws itself (share cards, PNG badges): every character is drawn with a glyph
of its own or left out, never as a box; wrapping costs time linear in the text; a card is drawn
once per version, and a failed one is not drawn again on every request."""

from __future__ import annotations

import io
import os
import re
import time
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from PIL import Image, ImageChops, ImageDraw, ImageFont

from core import images, photos
from core.enums import Language, values
from core.images import FONT_FILES, badge_png, drawable, font, share_card_png, wrap

FRENCH = "Pain délicieux, œufs, 5 € : ça, c’est très bien ! À bientôt, Éloïse « Œuvre »"
GREEK = "Εξαιρετική εξυπηρέτηση, ευχαριστώ πολύ"
CYRILLIC = "Отличный сервис, спасибо! Ещё раз — ура"
CJK = "这家面包店的面包非常好吃" * 170  # 2,040 characters without a space, as Chinese is written
MISSING = "\ue000"  # a private-use character: DejaVu has no glyph for it, so it draws its box


def cmap(weight: str) -> set[int]:
    with TTFont(FONT_FILES[weight]) as ttf:
        return set(ttf.getBestCmap())


def glyph(char: str, drawing) -> bytes:
    image = Image.new("L", (200, 200))
    ImageDraw.Draw(image).text((50, 50), char, font=drawing, fill=255)
    return image.tobytes()


def box_free(text: str, size: int, weight: str = "regular") -> None:
    """Each visible character has a glyph in the font that draws it, and that glyph is not the
    font's missing-glyph box (rendered for a character the font lacks)."""
    drawing = font(size, weight)
    box = glyph(MISSING, drawing)
    covered = cmap(weight)
    for char in set(text) - {" "}:
        assert ord(char) in covered, f"{char!r} has no glyph"
        assert glyph(char, drawing) != box, f"{char!r} is drawn as a box"


@pytest.mark.parametrize("text", [FRENCH, GREEK, CYRILLIC], ids=["french", "greek", "cyrillic"])
@pytest.mark.parametrize("weight", ["regular", "bold"])
def test_latin_greek_and_cyrillic_are_drawn_with_their_own_glyphs(text, weight):
    assert drawable(text, weight) == text  # nothing left out
    box_free(text, 42, weight)


def test_the_box_test_does_see_a_box():
    with pytest.raises(AssertionError):
        box_free("a" + MISSING, 42)


def test_the_french_badge_draws_its_accents(client, make_site):
    from tests.test_wall import add_answers

    site = make_site(min_sample=1, default_lang="fr")
    add_answers(client, site, [10, 9])
    response = client.get(f"/badge/{site.key}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    badge = Image.open(io.BytesIO(response.data))
    assert badge == Image.open(io.BytesIO(badge_png("NPS", "+100 ±0 · 2 réponses", site.theme_color)))
    box_free("+100 ±0 · 2 réponses", 22)
    # The é is really drawn: the same badge with a box-drawn character instead is not this one.
    assert badge != Image.open(io.BytesIO(badge_png("NPS", "+100 ±0 · 2 r" + MISSING + "ponses", site.theme_color)))


def test_a_french_card_is_drawn_whole(client, site, make_testimonial):
    testimonial = make_testimonial(site, quote=FRENCH, status="approved", display_name="Élodie Ç.", role="Cheffe")
    card = client.get(f"/t/{testimonial.id}.png")
    assert card.status_code == 200 and Image.open(io.BytesIO(card.data)).size == (1200, 630)
    lines = wrap(f"“{drawable(FRENCH)}”", font(42), 1040, 6)
    assert " ".join(lines) == f"“{FRENCH}”"  # every word is on the card, none cut
    box_free("".join(lines) + "Élodie Ç.", 42)


def quote_area(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("L").crop((60, 60, 1140, 440))


def test_characters_no_font_has_are_left_out_not_boxed():
    assert drawable("Super 👍 merci") == "Super…"  # stops before, as a cut quote does
    assert drawable("Très bien\u200d\ufe0f, merci") == "Très bien, merci"  # invisible ones just go
    assert drawable(CJK) == "" and drawable("") == ""
    assert drawable("line one\nline\ttwo") == "line one\nline two"


def test_a_long_chinese_quote_draws_a_card_without_the_quote(client, site, make_testimonial):
    """Nothing of it can be drawn with the shipped fonts, so the card shows who and what score,
    and no box (the share page itself carries the words, as text)."""
    testimonial = make_testimonial(site, quote=CJK, status="approved", display_name="王小明")
    card = client.get(f"/t/{testimonial.id}.png")
    assert card.status_code == 200
    blank = share_card_png("", "", "", site.theme_color)
    assert ImageChops.difference(quote_area(card.data), quote_area(blank)).getbbox() is None
    detail = Image.open(io.BytesIO(card.data)).convert("L").crop((60, 520, 1140, 580))
    assert detail.getextrema()[0] < 128  # "10/10 · Test blog" is there


class CountingFont:
    """A font that counts how many characters it was asked to measure."""

    def __init__(self, size: int = 42):
        self.font, self.measured = font(size), 0

    def getlength(self, text: str, *args, **kwargs) -> float:
        self.measured += len(text)
        return self.font.getlength(text, *args, **kwargs)


@pytest.mark.parametrize("length", [2_000, 8_000])
def test_wrapping_measures_each_character_once(length):
    text = "".join(chr(0x430 + i % 32) for i in range(length))  # Cyrillic, without a space
    counting = CountingFont()
    lines = wrap(text, counting, 1040, 6)
    # Each of the 32 letters once, each pair of neighbours once (two characters, for kerning),
    # each letter before an ellipsis once: however long the text, never the text itself.
    assert counting.measured <= 32 + 2 * 32 + 2 * 33
    assert len(lines) == 6 and lines[-1].endswith("…")
    assert "".join(lines)[:-1] == text[: sum(map(len, lines)) - 1]  # nothing skipped or reordered


def test_wrapping_words_is_linear_and_stops_when_the_lines_are_full():
    counting = CountingFont()
    words = " ".join(f"mot{i % 10}" for i in range(2_000))
    lines = wrap(words, counting, 1040, 6)
    # m, o, t, ten digits, space, ellipsis once; each pair once: "mo", "ot", ten "tN", ten "N ",
    # " m", and each character before an ellipsis
    assert counting.measured <= 15 + 2 * (23 + 15)
    assert len(lines) == 6 and lines[-1].endswith("…")


def test_wrapped_lines_fit_the_card():
    real = font(42)
    for text in (FRENCH * 3, GREEK * 4, CYRILLIC * 4, "W" * 300, "-J" * 200):
        for line in wrap(text, real, 1040, 6):
            assert real.getlength(line) <= 1040


def test_a_card_is_drawn_once_per_version(app, db, site, make_testimonial, monkeypatch):
    drawn = []
    monkeypatch.setattr(photos, "share_card_png", lambda *args: drawn.append(args) or share_card_png(*args))
    testimonial = make_testimonial(site, quote="Drawn once", status="approved")
    first = photos.share_card(testimonial)
    assert photos.share_card(testimonial) == first and len(drawn) == 1
    testimonial.quote = "Drawn again, once"
    assert photos.share_card(testimonial) != first and len(drawn) == 2
    cards = Path(app.config["PLAUDIT_MEDIA_DIR"]) / "cards"
    assert [p.suffix for p in cards.iterdir()] == [".png"]  # the old version is gone, no claim left


def test_a_card_that_failed_is_not_drawn_again(client, app, site, make_testimonial, monkeypatch):
    attempts = []

    def broken(*args):
        attempts.append(args)
        raise MemoryError("no room to draw")

    monkeypatch.setattr(photos, "share_card_png", broken)
    testimonial = make_testimonial(site, quote="Unlucky", status="approved")
    answers = [client.get(f"/t/{testimonial.id}.png").status_code for _ in range(3)]
    assert answers == [404, 404, 404] and len(attempts) == 1  # remembered, not retried per request
    monkeypatch.setattr(photos, "share_card_png", share_card_png)
    from core import moderation

    moderation.edit_quote(testimonial, "A new version is drawn", "test")
    from extensions import db

    db.session.commit()
    assert client.get(f"/t/{testimonial.id}.png").status_code == 200


def test_a_card_whose_worker_died_drawing_it_is_not_drawn_again(app, site, make_testimonial, monkeypatch):
    """A worker killed mid-drawing (gunicorn's timeout) leaves its claim behind."""
    testimonial = make_testimonial(site, quote="Interrupted", status="approved")
    monkeypatch.setattr(photos, "share_card_png", lambda *args: pytest.fail("drawn again"))
    monkeypatch.setattr(photos, "CARD_WAIT", 0.01)
    cards = Path(app.config["PLAUDIT_MEDIA_DIR"]) / "cards"
    cards.mkdir(parents=True)
    stem = photos.card_stem(testimonial)
    claim = cards / f"{stem}.claim"
    claim.touch()
    os.utime(claim, (time.time() - 60, time.time() - 60))
    assert photos.share_card(testimonial) is None
    (cards / f"{stem}.png").write_bytes(b"drawn by the other worker")
    assert photos.share_card(testimonial) == b"drawn by the other worker"


def test_the_drawing_code_is_part_of_a_cards_version(app, site, make_testimonial, monkeypatch):
    """Cards drawn before a deploy that changes the drawing (the boxes of old) are redrawn."""
    testimonial = make_testimonial(site, quote="Same words", status="approved")
    before = photos.card_stem(testimonial)
    monkeypatch.setattr(images, "drawing_version", lambda: "another drawing")
    monkeypatch.setattr(photos, "drawing_version", images.drawing_version)
    assert photos.card_stem(testimonial) != before


def test_right_to_left_text_is_drawn_only_with_a_layout_engine_for_it(monkeypatch):
    hebrew = "Merci, תודה רבה"
    monkeypatch.setattr(images, "_COMPLEX_LAYOUT", True)
    assert drawable(hebrew) == hebrew
    monkeypatch.setattr(images, "_COMPLEX_LAYOUT", False)  # it would come out mirrored and unjoined
    assert drawable(hebrew) == "Merci,…"


def test_two_workers_asking_at_once_draw_the_card_once(app, site, make_testimonial, monkeypatch):
    import threading

    drawn = []

    def slow(*args):
        drawn.append(args)
        time.sleep(0.2)  # long enough for the other request to find the claim
        return share_card_png(*args)

    monkeypatch.setattr(photos, "share_card_png", slow)
    testimonial = make_testimonial(site, quote="Asked twice", status="approved")
    photos.card_stem(testimonial)  # loads what the card shows, before the threads share the object
    cards: list[bytes | None] = []

    def ask():
        with app.app_context():
            cards.append(photos.share_card(testimonial))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(drawn) == 1 and len(cards) == 2 and cards[0] == cards[1] is not None


# --- Every language offered, and the scripts visitors write in ------------------------------------

ARABIC = "خدمة ممتازة وسريعة، شكرًا جزيلًا لكم. أنصح بها جميع أصدقائي وزملائي في العمل"
MIXED = f"Pain délicieux — Straße — Ωραίο — Отлично — {ARABIC}"


def raqm(size: int, weight: str = "regular") -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT_FILES[weight], size, layout_engine=ImageFont.Layout.RAQM)


def basic(size: int, weight: str = "regular") -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT_FILES[weight], size, layout_engine=ImageFont.Layout.BASIC)


def drawn(face, text: str, **layout) -> bytes:
    image = Image.new("L", (900, 120))
    ImageDraw.Draw(image).text((10, 20), text, font=face, fill=255, **layout)
    return image.tobytes()


def test_arabic_is_shaped_and_laid_out_right_to_left():
    """What the layout engine draws for "شكرا" is its joined forms in visual order (the
    presentation forms isolated alif, final ra, medial kaf, initial shin, drawn left to right
    without any shaping): the letters join, and the word reads from the right."""
    assert images._COMPLEX_LAYOUT, "Pillow here has no libraqm: Arabic would be left out of pictures"
    shaped = drawn(raqm(42), "شكرا", direction="rtl", language="ar")
    assert shaped == drawn(basic(42), "\ufe8d\ufeae\ufedc\ufeb7")
    assert shaped != drawn(basic(42), "شكرا")  # unshaped and left to right: not the word
    assert raqm(42).getlength("شكرا", direction="rtl") < sum(raqm(42).getlength(c) for c in "شكرا")


@pytest.mark.parametrize("weight", ["regular", "bold"])
def test_every_script_of_a_mixed_quote_has_its_glyphs(weight):
    assert drawable(MIXED, weight) == MIXED  # nothing left out
    box_free(MIXED, 42, weight)


def test_a_card_with_mixed_quotes_is_drawn_whole_and_each_line_fits(client, site, make_testimonial, monkeypatch):
    calls = []
    real = photos.share_card_png
    monkeypatch.setattr(photos, "share_card_png", lambda *args: calls.append(args) or real(*args))
    testimonial = make_testimonial(site, quote=MIXED, status="approved", display_name="Ελένη Ö.", role="Straße 5")
    card = client.get(f"/t/{testimonial.id}.png")
    assert card.status_code == 200
    [(quote, name, detail, color, lang)] = calls
    lines = images.card_lines(quote)
    # Every word is on the card, in the order written, and no line is wider than the card once shaped.
    assert " ".join(lines) == f"“{MIXED}”"
    for line in lines:
        assert images.text_width(line, font(42), lang, images.base_direction(MIXED)) <= images.CARD_TEXT_WIDTH
    box_free("".join(lines) + name + detail, 42)
    assert Image.open(io.BytesIO(card.data)) == Image.open(io.BytesIO(real(quote, name, detail, color, lang)))


def ink(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    """How many pixels of `box` are not white."""
    region = image.crop(box).convert("L")
    return sum(1 for value in region.tobytes() if value < 200)


def test_an_arabic_card_reads_from_the_right(client, site, make_testimonial):
    testimonial = make_testimonial(site, quote=ARABIC, status="approved", display_name="سارة م.", lang="ar")
    card = Image.open(io.BytesIO(client.get(f"/t/{testimonial.id}.png").data)).convert("RGB")
    # The accent bar is on the right, and the quote starts at the right margin: its first line has
    # ink just inside the right margin and its second line ends before reaching the left one.
    assert card.getpixel((1190, 300)) == images.hex_rgb(site.theme_color) and card.getpixel((5, 300)) == (255,) * 3
    assert ink(card, (1080, 80, 1120, 130)) > 0
    lines = images.card_lines(ARABIC)
    assert lines[0].startswith("«") and lines[-1].endswith("»") and len(lines) == 2
    assert " ".join(lines) == f"«{ARABIC}»"
    last = images.text_width(lines[-1], font(42), "ar", "rtl")
    assert (
        ink(card, (80, 136, int(1120 - last) - 4, 190)) == 0 and ink(card, (int(1120 - last) + 4, 136, 1120, 190)) > 0
    )


def test_an_arabic_badge_is_shaped_and_mirrored(client, make_site):
    from tests.test_wall import add_answers

    site = make_site(min_sample=1)
    add_answers(client, site, [10, 9])
    badge = client.get(f"/badge/{site.key}.png?lang=ar")
    assert badge.status_code == 200
    value = "\u2066\u200e+100 ±0\u2069 · \u2068إجابتان\u2069"
    assert client.get(f"/badge/{site.key}.svg?lang=ar").data.decode().count(value) == 3  # name, title, text
    picture = Image.open(io.BytesIO(badge.data)).convert("RGB")
    assert picture.tobytes() == Image.open(io.BytesIO(badge_png("NPS", value, site.theme_color, "ar"))).tobytes()
    # "NPS", on grey, is on the right; the value on the site's colour on the left.
    assert picture.getpixel((2, 2)) == images.hex_rgb(site.theme_color)
    assert picture.getpixel((picture.width - 3, 2)) == (85, 85, 85)
    assert drawable(value) == value  # the marks stay for the layout engine, which draws none of them
    box_free("".join(char for char in value if char not in "\u2066\u2068\u2069\u200e"), 22)


@pytest.mark.parametrize("lang", values(Language))
def test_every_visitor_text_of_every_language_can_be_drawn(app, lang):
    """A picture may show any of them (the badge's value, "Anonymous" on a card): each has a glyph
    for every character, in both weights, so a new language without its script's glyphs fails here."""
    from core.nps import Summary
    from core.strings import honest_numbers, page_texts, texts_for, wall_texts

    with app.test_request_context():
        honest = honest_numbers(lang, "Blog", 3, Summary(42, 1234, 0, 0, 0, 9.2, True, 30))
        collecting = honest_numbers(lang, "Blog", 3, Summary(0, 12, 0, 0, 0, 30.0, False, 30))
        words = [
            *texts_for(lang, "Blog", None).values(),
            *wall_texts(lang, "Blog").values(),
            *page_texts(lang, "Blog").values(),
            honest.nps,
            collecting.nps,
        ]
    for weight in ("regular", "bold"):
        for text in words:
            # Nothing cut; only the spaces become plain ones (French writes "1 234" with a narrow one).
            assert drawable(text, weight) == re.sub(r"[^\S\n]", " ", text), text
        box_free(
            "".join(words).replace("\u2066", "").replace("\u2068", "").replace("\u2069", "").replace("\u200e", ""),
            26,
            weight,
        )


def test_without_a_layout_engine_arabic_is_left_out_never_drawn_unjoined(monkeypatch):
    """A Pillow without libraqm: the badge keeps the figure and stops at the Arabic word, the card
    keeps nothing of an Arabic quote, and nothing is mirrored (README, "Share cards")."""
    monkeypatch.setattr(images, "_COMPLEX_LAYOUT", False)
    assert drawable("\u2066\u200e+42 ±9\u2069 · \u2068إجابة\u2069") == "+42 ±9 ·…"
    assert images.card_lines(ARABIC) == []
    assert images._direction("ar") is None
    # Drawn as its drawable part, left to right, "NPS" on the left.
    arabic = badge_png("NPS", "\u2066\u200e+42 ±9\u2069 · \u2068إجابة\u2069", "#4f46e5", "ar")
    assert arabic == badge_png("NPS", "+42 ±9 ·…", "#4f46e5")
