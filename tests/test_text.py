"""What people type is stored as typed (NFC; invisible controls and bidi overrides dropped,
whitespace tidied) and escaped by every output: HTML, SVG, JSON-LD, CSV, Slack."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from flask import render_template
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.links import private_link_token
from core.text import clean_text
from core.webhooks import slack_text
from models import Response, Testimonial, utcnow
from tests.conftest import ORIGIN, login

HEADERS = {"Origin": ORIGIN}
HOSTILE = [
    "The <select> menu was broken",
    "read the <title>",
    "</script><script>alert(1)</script>",
    '<img src=x onerror="alert(1)"> & <b>bold</b>',
    "&lt;b&gt; is four characters, &amp; five",
    "<https://evil.example|View in Plaudit>",
    "<@U123> <!channel>",
    '=HYPERLINK("https://evil.example","click")',
    "]]><!-- --> ' \" `",
]
# What clean_text drops: C0/C1 controls but tab and the line breaks, bidi embeddings, overrides
# and isolates, the byte order mark.
DROPPED = {chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]} - set("\r\x85") | set(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)


# --- the rule: kept as typed --------------------------------------------------------------


@pytest.mark.parametrize("typed", HOSTILE)
def test_text_is_kept_as_typed(typed):
    assert clean_text(typed) == typed
    assert clean_text(typed, multiline=True) == typed


def test_the_documented_normalisation():
    assert clean_text("Cafe\u0301") == "Café"  # NFC: one code point, as most keyboards type it
    assert clean_text("one\r\ntwo\rthree\u2028four", multiline=True) == "one\ntwo\nthree\nfour"
    assert clean_text("a\u0000b\u0007c\u009fd") == "abcd"
    assert clean_text("a\u0085b", multiline=True) == "a\nb"  # NEL, a line break, is one
    assert clean_text("\ufeffa\u202eb\u202dc\u2066d\u2069") == "abcd"  # bidi overrides, isolates, BOM
    # What right-to-left text and emoji need stays: marks and joiners.
    assert (
        clean_text("\u200fمرحبا\u200e (ok) \U0001f469\u200d\U0001f4bb")
        == "\u200fمرحبا\u200e (ok) \U0001f469\u200d\U0001f4bb"
    )
    assert clean_text("  a \t  b  ") == "a b"
    assert clean_text("one\n\n\n\n two ", multiline=True) == "one\n\ntwo"
    assert clean_text("one\ntwo") == "one two"
    assert clean_text("   ") == ""


def test_a_lone_surrogate_becomes_the_replacement_character():
    # As a UTF-8 decoder treats bad bytes; no database stores a lone surrogate as text.
    assert clean_text("a\ud800b") == "a\ufffdb"


def _tidy(text: str) -> str:
    return "".join(c for c in text if not c.isspace())


@settings(max_examples=1000, deadline=None)
@given(st.text())
def test_any_text_comes_back_as_typed_modulo_the_normalisation(typed):
    stored = clean_text(typed, multiline=True)
    assert clean_text(stored, multiline=True) == stored  # cleaning again (an edit) changes nothing
    assert unicodedata.is_normalized("NFC", stored)
    expected = unicodedata.normalize("NFC", "".join(c for c in typed if c not in DROPPED))
    expected = expected.translate({0xD800 + n: 0xFFFD for n in range(0x800)})
    # Every visible character, in order: only whitespace may have been tidied.
    assert _tidy(stored) == _tidy(expected)
    assert not DROPPED & set(stored)


# --- through the API into the database ----------------------------------------------------


def test_a_visitors_words_are_stored_exactly_as_typed(client, db, site):
    site.consent_scope = "everyone"
    db.session.commit()
    for n, words in enumerate(HOSTILE):
        created = client.post(
            f"/api/v1/sites/{site.key}/responses",
            json={"score": 9, "respondent": words, "attributes": {"note": words}},
            headers=HEADERS,
            environ_base={"REMOTE_ADDR": f"10.9.0.{n}"},
        )
        assert created.status_code == 201, created.get_data(as_text=True)
        done = client.patch(
            f"/api/v1/responses/{created.json['id']}",
            json={"why": words, "consent": True, "display_name": words, "role": words},
            headers={**HEADERS, "Authorization": f"Bearer {created.json['token']}"},
        )
        assert done.status_code == 200, done.get_data(as_text=True)
        response = db.session.get(Response, created.json["id"])
        assert (response.why, response.respondent, response.attributes) == (words, words, {"note": words})
        t = response.testimonial
        assert (t.quote, t.display_name, t.role) == (words, words, words)


def test_a_lone_surrogate_in_any_field_is_a_clear_400(client, db, site):
    created = client.post(f"/api/v1/sites/{site.key}/responses", json={"score": 9}, headers=HEADERS)
    for body in ('{"email": "a@ex\\ud800ample.org"}', '{"why": "x\\udfff"}'):
        refused = client.patch(
            f"/api/v1/responses/{created.json['id']}",
            data=body,
            content_type="application/json",
            headers={**HEADERS, "Authorization": f"Bearer {created.json['token']}"},
        )
        assert refused.status_code == 400 and refused.json["code"] == 400 and "surrogate" in refused.json["message"]
    # A pair of escapes is one character, and welcome.
    fine = client.patch(
        f"/api/v1/responses/{created.json['id']}",
        data='{"why": "\\ud83d\\ude00"}',
        content_type="application/json",
        headers={**HEADERS, "Authorization": f"Bearer {created.json['token']}"},
    )
    assert fine.status_code == 200 and db.session.get(Response, created.json["id"]).why == "\U0001f600"


# --- every output escapes it --------------------------------------------------------------


class Page(HTMLParser):
    """The elements a browser would build from a page, and the text of the ones watched: a
    selector is `tag`, `tag.class` or `ancestor tag` (a descendant)."""

    def __init__(self, html: str, *watched: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.texts: dict[str, list[str]] = {}
        self._open: list[tuple[set[str], str | None]] = []
        self._watched = watched
        self.feed(html)
        self.close()

    def _matches(self, selector: str, names: set[str]) -> bool:
        *ancestor, own = selector.split()
        return own in names and (not ancestor or any(ancestor[0] in seen for seen, _ in self._open))

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        names = {tag, *(f"{tag}.{c}" for k, v in attrs if k == "class" for c in (v or "").split())}
        key = next((selector for selector in self._watched if self._matches(selector, names)), None)
        if key is not None:
            self.texts.setdefault(key, []).append("")
        self._open.append((names, key))

    def handle_endtag(self, tag):
        if self._open:
            self._open.pop()

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        keys = [key for _, key in self._open if key]
        if keys:
            self.texts[keys[-1]][-1] += data


def approved(make_testimonial, site, words, **fields):
    return make_testimonial(site, quote=words, status="approved", display_name=words, role=words, **fields)


def test_wall_page_shows_the_words_as_typed_and_never_as_markup(client, make_site, make_testimonial):
    site = make_site(wall_jsonld=True, min_sample=1)
    for words in HOSTILE:
        approved(make_testimonial, site, words)
    benign = make_site(wall_jsonld=True, min_sample=1)
    for n in range(len(HOSTILE)):
        approved(make_testimonial, benign, f"plain {n}")
    wall = client.get(f"/wall/{site.key}").get_data(as_text=True)
    page = Page(wall, "blockquote", "figcaption strong", "span.role", "script")
    assert sorted(page.texts["blockquote"]) == sorted(HOSTILE)
    assert sorted(page.texts["figcaption strong"]) == sorted(HOSTILE) and sorted(page.texts["span.role"]) == sorted(
        HOSTILE
    )
    # The same elements as a wall of harmless words: nothing typed became an element.
    assert page.tags == Page(client.get(f"/wall/{benign.key}").get_data(as_text=True)).tags
    [jsonld] = page.texts["script"]
    reviews = json.loads(jsonld)["review"]
    assert sorted(r["reviewBody"] for r in reviews) == sorted(HOSTILE)
    assert sorted(r["author"]["name"] for r in reviews) == sorted(HOSTILE)
    assert "</" not in jsonld and "<" not in jsonld  # tojson escapes them: the script cannot be closed


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.text(min_size=1, max_size=300, alphabet=st.characters(codec="utf-8"))
    | st.lists(st.sampled_from(HOSTILE), max_size=8).map(" ".join)
)
def test_any_stored_text_reads_back_exactly_from_the_wall_page(client, make_site, make_testimonial, typed):
    stored = clean_text(typed, multiline=True) or "x"
    name = clean_text(typed)[:80].strip() or "x"  # names and roles are at most 80 characters
    site = make_site(wall_jsonld=True, min_sample=1)
    testimonial = make_testimonial(site, quote=stored, status="approved", display_name=name, role=name)
    html = client.get(f"/wall/{site.key}").get_data(as_text=True)
    page = Page(html, "blockquote", "figcaption strong", "span.role", "script")
    assert page.texts["blockquote"] == [stored] and page.texts["figcaption strong"] == [name]
    assert page.texts["span.role"] == [name]
    assert json.loads(page.texts["script"][0])["review"][0]["reviewBody"] == stored
    share = Page(client.get(f"/t/{testimonial.id}").get_data(as_text=True), "blockquote")
    assert share.texts["blockquote"] == [stored]


def test_share_page_and_withdraw_page_escape_the_words(app, client, make_site, make_testimonial):

    site = make_site()
    for words in HOSTILE:
        t = approved(make_testimonial, site, words)
        share = client.get(f"/t/{t.id}").get_data(as_text=True)
        page = Page(share, "blockquote", "figcaption strong", "span.role", "title")
        assert page.texts["blockquote"] == [words] and page.texts["figcaption strong"] == [words]
        assert page.texts["title"] == [f"{words} — {site.name}"]
        assert "<script>alert" not in share and "<img" not in share and "<select>" not in share
        mine = client.get(f"/withdraw/{private_link_token(app.config['SECRET_KEY'], t)}").get_data(as_text=True)
        assert Page(mine, "blockquote").texts["blockquote"] == [words]


def test_svg_templates_are_autoescaped(app):
    with app.test_request_context():
        badge = render_template("badge.svg", value="</text><script>alert(1)</script>", title="<b>", color="#123456")
    assert "<script>" not in badge and "&lt;/text&gt;&lt;script&gt;" in badge and "&lt;b&gt;" in badge


def test_back_office_shows_the_words_as_typed(client, db, make_user, site, make_testimonial):
    make_user("owner@example.org", "owner", sites=[site])
    login(client, "owner@example.org")
    for words in HOSTILE:
        t = make_testimonial(site, quote=words, display_name=words, role=words, respondent=words, score=3)
        t.response.owner_notes = words
    db.session.commit()
    queue = Page(client.get("/admin/?status=all").get_data(as_text=True), "blockquote", "p.why")
    assert sorted(queue.texts["blockquote"]) == sorted(HOSTILE) and sorted(queue.texts["p.why"]) == sorted(HOSTILE)
    followups = client.get(f"/admin/sites/{site.key}/followups").get_data(as_text=True)
    page = Page(followups, "p.why", "textarea")
    assert sorted(page.texts["p.why"]) == sorted(HOSTILE) and sorted(page.texts["textarea"]) == sorted(HOSTILE)
    for text in (followups, client.get("/admin/?status=all").get_data(as_text=True)):
        assert "<script>alert" not in text and "<img" not in text and "<select>" not in text


def test_csv_export_keeps_the_words_and_neutralises_formulas(client, db, make_user, site, make_testimonial):
    make_user("owner@example.org", "owner", sites=[site])
    login(client, "owner@example.org")
    for words in HOSTILE:
        make_testimonial(site, quote=words, respondent=words)
    export = client.get(f"/api/v1/sites/{site.key}/responses?format=csv")
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    expected = [("'" + w if w.startswith("=") else w) for w in HOSTILE]
    assert [r["why"] for r in rows] == expected and [r["respondent"] for r in rows] == expected


def slack(why, *, name="Test blog", email=None, event="response.detractor"):
    data = {"response": {"score": 3, "category": "detractor", "why": why, "contact_email": email}}
    return slack_text(event, data, SimpleNamespace(name=name))


def test_slack_messages_show_typed_links_and_pings_as_text():
    text = slack("<https://evil.example|View in Plaudit> <@U123> <!channel> & co", name="<!here> Shop & Co")
    assert "<" not in text and ">" not in text  # no link, no ping, nothing Slack would act on
    assert "&lt;https://evil.example|View in Plaudit&gt; &lt;@U123&gt; &lt;!channel&gt; &amp; co" in text
    assert "on &lt;!here&gt; Shop &amp; Co" in text
    assert slack("Fine", email="<mailto:x@evil.example|boss>").endswith("contact: &lt;mailto:x@evil.example|boss&gt;")


@settings(max_examples=500, deadline=None)
@given(st.text(), st.text(), st.text(min_size=1))
def test_any_typed_part_reads_back_from_a_slack_message(name, email, why):
    text = slack(why, name=name, email=email)
    assert "<" not in text and ">" not in text
    # Slack shows &lt; &gt; &amp; as < > &: the reader sees what was typed.
    shown = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert f"on {name}: “{why}”" in shown and (not email or shown.endswith(f" · contact: {email}"))


# --- right-to-left words ------------------------------------------------------------------

RTL = "رائع"  # "great"


class Directions(HTMLParser):
    """Each piece of typed text (a text node that starts with RTL, punctuation aside), and whether
    an element around it lets the browser find its direction (dir="auto", or <bdi>). <title> and
    <option> hold text only and cannot; a sentence of the interface that names the site starts
    in the interface's language and reads in its direction."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.unmarked: list[str] = []
        self._open: list[tuple[str, bool]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag not in {"meta", "link", "img", "input", "br", "hr"}:
            self._open.append((tag, tag == "bdi" or ("dir", "auto") in attrs))

    def handle_endtag(self, tag):
        while self._open and self._open.pop()[0] != tag:
            pass

    def handle_data(self, data):
        if re.sub(r"^\W+", "", data.strip()).startswith(RTL) and not any(marked for _, marked in self._open):
            if not {"title", "option"} & {tag for tag, _ in self._open}:
                self.unmarked.append(f"{'>'.join(t for t, _ in self._open)}: {data.strip()}")


def test_every_page_lets_right_to_left_words_read_right_to_left(app, client, db, make_user, make_site):
    from core.links import private_link_token
    from core.moderation import edit_quote

    site = make_site(name=f"متجر {RTL}", min_sample=1)
    make_user("owner@example.org", "owner", sites=[site])
    login(client, "owner@example.org")
    response = Response(site=site, score=4, category="detractor", why=f"{RTL} why", lang="ar", visitor_hash="v" * 64)
    response.token_hash, response.respondent, response.owner_notes = "x" * 64, f"{RTL}-7", f"{RTL} notes"
    testimonial = Testimonial(site_id=site.id, response=response, quote=f"{RTL} quote", status="approved")
    testimonial.display_name, testimonial.role, testimonial.consent_text = f"{RTL} name", f"{RTL} role", f"{RTL} ok"
    testimonial.consent_version = 1
    testimonial.consented_at = testimonial.approved_at = response.created_at = utcnow()
    db.session.add_all([response, testimonial])
    db.session.commit()
    edit_quote(testimonial, f"{RTL} edited", "owner@example.org")
    db.session.commit()
    pages = [
        f"/wall/{site.key}",
        f"/t/{testimonial.id}",
        f"/withdraw/{private_link_token(app.config['SECRET_KEY'], testimonial)}",
        "/admin/?status=all",
        f"/admin/sites/{site.key}/followups",
        f"/admin/sites/{site.key}/respondents/{RTL}-7",
        f"/admin/sites/{site.key}/dashboard",
        f"/admin/sites/{site.key}/settings",
        "/admin/audit",
        "/admin/sites",
        "/admin/users",
    ]
    for path in pages:
        page = client.get(path)
        assert page.status_code == 200, path
        assert Directions(page.get_data(as_text=True)).unmarked == [], path
