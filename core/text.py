"""The one sanitising wrapper for everything a visitor or an owner types.

What comes out is plain text: no markup, no control characters, entities decoded. It is stored as
text and must still be escaped wherever it is shown (Jinja autoescaping, `textContent` in the
embeds): sanitising here is a second line of defence, never the first. bleach does the HTML
parsing; swapping it for nh3 means changing `_strip_markup` only.
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


def _strip_markup(value: str) -> str:
    return html.unescape(bleach.clean(value, tags=set(), strip=True, strip_comments=True))


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
