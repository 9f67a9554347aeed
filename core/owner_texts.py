"""The texts an owner writes for their site, per language: the one place that says which texts
those are, what they may contain, how they are stored and which question a touchpoint asks.

Stored exactly as typed (core.text.clean_text normalises only) in `Site.texts` ({lang: {key:
text}}) and `Site.touchpoint_questions` ({lang: {touchpoint: question}}); an empty text, or one
equal to the default, is no override: the visitor reads the default of their language, which
follows the defaults when they are reworded. `{name}` (the site's name) is the one placeholder
an owner may write, plus whatever placeholder the key's default itself uses (`{n}`): anything
else between braces would reach visitors as it was typed, so it is refused with a form error.
"""

from __future__ import annotations

import re

from core.nps import CATEGORIES
from core.strings import default_text, texts_for
from core.text import clean_text
from models import Site

# In the order the editor shows them: the question, then per category what follows the score.
EDITABLE = (
    "question",
    *(f"{kind}_{category}" for category in CATEGORIES for kind in ("prompt", "thanks", "cta")),
    "consent",
)
MULTILINE = frozenset({"consent"})
MAX_LENGTH = {"consent": 500, **{key: 120 for key in EDITABLE if key.startswith("cta_")}}
DEFAULT_MAX_LENGTH = 300

# The editor lists every one in every language; a site asks at a handful, never at hundreds.
MAX_TOUCHPOINTS = 50

_BRACED = re.compile(r"\{[^{}]*\}")
_BRACES = re.compile(r"\{[^{}]*\}|[{}]")


def allowed_placeholders(key: str) -> frozenset[str]:
    return frozenset({"{name}", *_BRACED.findall(default_text(key, "en"))})


def placeholder_problem(key: str, text: str) -> str | None:
    """The first brace group (or lone brace) of an owner's text that is not an allowed
    placeholder, or None when every brace belongs to one."""
    for found in _BRACES.finditer(text):
        if found.group() not in allowed_placeholders(key):
            return found.group()
    return None


def cleaned(key: str, typed: str | None) -> str:
    return clean_text(typed or "", multiline=key in MULTILINE)


def own_texts(site: Site, lang: str) -> dict[str, str]:
    """What the owner wrote in `lang`, by key (no key: the default)."""
    return dict((site.texts or {}).get(lang) or {})


def set_texts(site: Site, lang: str, typed: dict[str, str]) -> None:
    """Store the owner's texts of one language (the other languages stay as they are). A text
    that is empty or the default is removed, so that the default speaks."""
    texts = {code: dict(values) for code, values in (site.texts or {}).items()}
    own = texts.setdefault(lang, {})
    for key in EDITABLE:
        text = cleaned(key, typed.get(key))
        own.pop(key, None)
        if text and text != default_text(key, lang):
            own[key] = text
    site.texts = {code: values for code, values in texts.items() if values}


def touchpoints(site: Site) -> list[str]:
    """Every touchpoint that has its own question in some language, sorted."""
    return sorted({tp for questions in (site.touchpoint_questions or {}).values() for tp in questions})


def set_touchpoint_questions(site: Site, lang: str, questions: dict[str, str]) -> None:
    """Store one language's questions per touchpoint; an empty one asks the site's question."""
    stored = {code: dict(values) for code, values in (site.touchpoint_questions or {}).items()}
    stored[lang] = {tp: text for tp, typed in questions.items() if (text := cleaned("question", typed))}
    site.touchpoint_questions = {code: values for code, values in stored.items() if values}


def visitor_texts(site: Site, lang: str, touchpoint: str | None) -> dict[str, str]:
    """Every text the widget shows in `lang`, the owner's over the defaults, `{name}` filled, and
    the question of `touchpoint` when the owner wrote one for it in that language."""
    texts = texts_for(lang, site.name, site.texts)
    asked = ((site.touchpoint_questions or {}).get(lang) or {}).get(touchpoint or "")
    if asked:
        texts["question"] = asked.replace("{name}", site.name)
    return texts
