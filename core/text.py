"""The one place that normalises what a visitor or an owner types, before it is stored.

Text is kept as typed: "The <select> menu was broken" is stored with its `<select>`, `&lt;` stays
four characters, nothing that looks like markup is removed. A consented testimonial must publish
exactly what its author wrote, and feedback about websites is full of angle brackets. What is
stored is plain text, so every output escapes it for its own syntax, at the output: Jinja
autoescaping (HTML, SVG), `tojson` (JSON-LD), `core.exports.cell` (CSV cells),
`core.webhooks.slack_escape` (Slack), `textContent` in the embeds.

The only changes, none of which alters what a reader sees:
- Unicode NFC, so the same words are stored (and compared, searched) the same way;
- every kind of line break (CRLF, CR, U+2028, U+2029, NEL) becomes LF;
- invisible characters that can only mislead are dropped: C0 and C1 controls except tab and
  newline, the bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069: they can
  make a quote read backwards on a wall, "Trojan Source" style) and the byte order mark. The
  marks right-to-left text needs (U+200E, U+200F, U+061C) and the joiners (U+200C, U+200D) stay;
- whitespace is tidied: runs of spaces and tabs become one space, lines are trimmed, more than
  one blank line in a row becomes one, and a single-line field has its line breaks turned into
  spaces.
"""

from __future__ import annotations

import re
import unicodedata

_LINE_BREAKS = re.compile("\r\n|[\r\u0085\u2028\u2029]")
_UNWANTED = re.compile("[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufeff]")
# A lone surrogate (JSON allows "\ud800") is no character: no database can store it as text.
_SURROGATES = re.compile("[\ud800-\udfff]")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_SPACES = re.compile(r"[ \t]+")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """What a person typed, ready to store: as typed, modulo the normalisation described above."""
    text = _LINE_BREAKS.sub("\n", value)
    text = _SURROGATES.sub("\ufffd", text)
    text = unicodedata.normalize("NFC", _UNWANTED.sub("", text))
    if not multiline:
        text = text.replace("\n", " ")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _MANY_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
