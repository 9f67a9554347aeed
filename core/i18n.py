"""Languages: which one a reader gets, and the gettext catalogs every text comes from.

Every text Plaudit shows or sends is written in English in the code and templates, marked with
`_()` / `ngettext()` (or `{% trans %}` in Jinja), and translated in `translations/LANG/LC_MESSAGES/
messages.po` (README, "Languages"). Flask-Babel gives the request's locale to the back office;
public surfaces choose theirs from `?lang=`, `data-lang` or the page's `lang`, through `negotiate`,
and render under `flask_babel.force_locale` so one request may speak a visitor's language while
the process serves others.
"""

from __future__ import annotations

import os

from babel import Locale
from flask import Flask, g, request
from flask_login import current_user

from core.enums import BACK_OFFICE_LANGUAGES
from extensions import babel

DOMAINS = ("messages", "visitor")
TRANSLATIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "translations")


def negotiate(tag: str | None, offered: tuple[str, ...]) -> str | None:
    """The offered language a BCP 47 tag asks for, or None: `fr-CA` → `fr`, `pt_BR` → `pt`,
    `EN` → `en`. A tag that is itself offered wins over its language (`pt-BR` if offered)."""
    if not tag or not isinstance(tag, str) or len(tag) > 35:
        return None
    wanted = tag.strip().replace("_", "-").lower()
    by_lower = {lang.lower(): lang for lang in offered}
    if wanted in by_lower:
        return by_lower[wanted]
    return by_lower.get(wanted.split("-", 1)[0])


def language_name(lang: str) -> str:
    """A language's name in itself, as its speakers look for it in a list: "Deutsch", "العربية"."""
    name = Locale.parse(lang).get_display_name(lang)
    return name[:1].upper() + name[1:]


def back_office_locale() -> str:
    """The back office's language: the user's own setting, else the browser's, else English.
    A public surface that chose a visitor's language sets `g.locale` and that wins."""
    chosen = g.get("locale")
    if chosen:
        return chosen
    user = current_user if request else None
    own = getattr(user, "language", None) if user is not None and user.is_authenticated else None
    if own in BACK_OFFICE_LANGUAGES:
        return own
    return request.accept_languages.best_match(BACK_OFFICE_LANGUAGES) or "en"


def init_app(app: Flask) -> None:
    # Templates get `_`, `ngettext` and the `numberformat`/`dateformat` filters from Flask-Babel.
    # Counts are written `ngettext("%(count)s answer", "%(count)s answers", n, count=n|numberformat)`:
    # `count` rather than gettext's `num`, which Flask-Babel's Python ngettext fills unformatted.
    # Two domains, merged into one set of translations per language: "messages" for the back office
    # (BACK_OFFICE_LANGUAGES), "visitor" for what visitors read (every Language). A language
    # without a back-office catalog leaves the back office in English, never half translated.
    babel.init_app(
        app,
        locale_selector=back_office_locale,
        default_translation_directories=";".join([TRANSLATIONS] * len(DOMAINS)),
        default_domain=";".join(DOMAINS),
    )
