"""The one sanitising wrapper for everything a visitor or an owner types.

What comes out is plain text: no markup (words in angle brackets that name no element are kept),
no control characters, entities decoded. It is stored as text and must still be escaped wherever
it is shown (Jinja autoescaping, `textContent` in the embeds): sanitising here is a second line of
defence, never the first. bleach does the HTML parsing; swapping it for nh3 means changing
`_strip_markup` only.
"""

from __future__ import annotations

import html
import re
import unicodedata

import bleach

# C0/C1 controls except tab and newline, and the bidi overrides that can make a quote read
# backwards on a wall ("Trojan Source" style spoofing).
_UNWANTED = re.compile("[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufeff]")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t]+")


# Every element name an HTML parser acts on: the living standard's, the obsolete ones browsers
# still parse, and SVG's and MathML's, roots and the elements that switch parsing inside them.
# Words in angle brackets that name none of these and carry no attribute value are a visitor's
# words ("replied <within an hour>"), not markup: they are kept as typed. Nothing in them can run
# (a handler needs `=`), and they are escaped wherever they are shown, like all text.
_ELEMENTS = frozenset(
    """a abbr acronym address applet area article aside audio b base basefont bdi bdo bgsound big blink
    blockquote body br button canvas caption center cite code col colgroup data datalist dd del details
    dfn dialog dir div dl dt em embed fieldset figcaption figure font footer form frame frameset h1 h2
    h3 h4 h5 h6 head header hgroup hr html i iframe image img input ins isindex kbd keygen label legend
    li link listing main map mark marquee math menu menuitem meta meter multicol nav nextid nobr noembed
    noframes noscript object ol optgroup option output p param picture plaintext pre progress q rb rp
    rt rtc ruby s samp script search section select slot small source spacer span strike strong style
    sub summary sup svg table tbody td template textarea tfoot th thead time title tr track tt u ul var
    video wbr xmp
    mi mo mn ms mtext mglyph malignmark annotation-xml foreignobject desc animate set use""".split()
)
_TAG_LIKE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)([^<>]*)(?=>|$)")


def _keep_words_in_brackets(value: str) -> str:
    tags = _TAG_LIKE.findall(value)
    # An unknown name used with an attribute value is markup wherever it stands in the text.
    removed = {name.lower() for closing, name, rest in tags if not closing and "=" in rest}

    def kept(match: re.Match) -> str:
        name = match[2].lower()
        markup = name in _ELEMENTS or name in removed or "=" in match[3]
        return match[0] if markup else "&lt;" + match[0][1:]

    return _TAG_LIKE.sub(kept, value)


def _strip_markup(value: str) -> str:
    cleaned = bleach.clean(_keep_words_in_brackets(value), tags=set(), strip=True, strip_comments=True)
    return html.unescape(cleaned)


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Plain text from untrusted input, ready to store."""
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    # Decoding entities can reveal markup that was escaped once (`&lt;b&gt;`); repeat until
    # stable so the result never holds a tag, however many times the input was escaped.
    for _ in range(5):
        stripped = _strip_markup(text)
        if stripped == text:
            break
        text = stripped
    text = _UNWANTED.sub("", text)
    if not multiline:
        text = text.replace("\n", " ")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _MANY_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
