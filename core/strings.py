"""The texts visitors read, in the `visitor` gettext domain (translations/LANG/LC_MESSAGES/
visitor.po; README, "Languages"). English is the source; `{name}` is the site's name.

Neutral on purpose (shared/PLAYBOOK.md): nothing here tells a visitor which score counts as
"satisfied". A site overrides any key of DEFAULTS per language; the widget config merges the
overrides over these. Each text is turned into a language with `flask_babel.force_locale`, so
one request may speak a visitor's language while the process serves others; counts and numbers
are CLDR's (plural forms, digits and separators of the language).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from babel import Locale
from babel.numbers import get_plus_sign_symbol
from flask_babel import force_locale, format_decimal, get_locale, get_translations, gettext, ngettext

from core.enums import Language, values
from core.i18n import negotiate
from core.nps import Summary

LANGUAGES = values(Language)


def N_(message: str) -> str:
    """Marks a text for the catalogs without translating it (gettext's convention; `make pot`
    extracts `N_(…)`); `_in` translates it into the language asked for, all of a table under one
    look-up of that language's catalog. Not core.i18n's lazy `_l`, which translates when shown."""
    return message


# The widget's texts. `{n}` is filled by the widget (the radio's number), `{field}` by the widget
# (the label of the field the server refused).
_WIDGET_TEXTS = {
    # TRANSLATORS: the NPS question. Never hint which score is "good" (no "satisfied", no stars).
    "question": N_("How likely are you to recommend {name} to a friend or colleague?"),
    # TRANSLATORS: under 0, the low end of the scale: says how likely, not whether it is bad.
    "scale_low": N_("Not at all likely"),
    # TRANSLATORS: under 10, the high end of the scale.
    "scale_high": N_("Extremely likely"),
    # TRANSLATORS: what a screen reader says for each radio of the scale, e.g. "9 out of 10".
    "radio_label": N_("{n} out of 10"),
    "prompt_promoter": N_("What do you like most?"),
    "prompt_passive": N_("What could we do to earn one more point?"),
    "prompt_detractor": N_("What went wrong, and what should we improve?"),
    "consent": N_("I agree that {name} may publish my answer, with the name below, on its website."),
    "display_name": N_("Name shown with your words (e.g. Camille D.)"),
    "role": N_("Your role or company (optional)"),
    "contact_opt_in": N_("You may contact me about my answer"),
    "email": N_("Your e-mail address"),
    "send": N_("Send"),
    "skip": N_("No thanks"),
    "thanks_promoter": N_("Thank you! It means a lot to us."),
    "thanks_passive": N_("Thank you. We read every answer and will work to earn that extra point."),
    "thanks_detractor": N_("Thank you for telling us. We are sorry, and we will look into it."),
    "cta_promoter": N_("Recommend {name}"),
    "cta_passive": N_("See what is new"),
    "cta_detractor": N_("Contact us"),
    "withdraw": N_("Changed your mind? Withdraw your testimonial"),
    "add_photo": N_("Add a photo to your testimonial"),
    "offline": N_("Your answer is kept here; we will send it when the connection is back."),
    "error": N_("Something went wrong. Please check your answer and try again."),
    # TRANSLATORS: announced to screen readers once a score is chosen, e.g. "9 out of 10 selected."
    "selected": N_("{n} out of 10 selected."),
    "need_words": N_("Please write the words you agree to publish, or untick the box."),
    "consent_changed": N_("This text has just changed: please read it again."),
    "anonymous": N_("Publish without my name"),
    "need_name": N_("Please give a name to show, or publish without it."),
    # TRANSLATORS: {field} is the label of the field to check.
    "check_field": N_("Please check: {field}"),
}

TEXT_KEYS = frozenset(_WIDGET_TEXTS)


def _in(lang: str, messages: Mapping[str, str]) -> dict[str, str]:
    """Every message of `messages` in `lang` (an app context gives the catalogs; without one, English)."""
    with force_locale(lang):
        translations = get_translations()
        return {key: translations.gettext(message) for key, message in messages.items()}


class _Defaults(Mapping):
    """`DEFAULTS[lang][key]`: the default text of a key in a language, from the catalogs, with its
    `{name}` still in place (what an owner's own text is compared with)."""

    def __getitem__(self, lang: str) -> dict[str, str]:
        if lang not in LANGUAGES:
            raise KeyError(lang)
        return _in(lang, _WIDGET_TEXTS)

    def __iter__(self) -> Iterator[str]:
        return iter(LANGUAGES)

    def __len__(self) -> int:
        return len(LANGUAGES)


DEFAULTS: Mapping[str, dict[str, str]] = _Defaults()


def default_text(key: str, lang: str) -> str:
    """The default text of one key in one language, `{name}` still in place."""
    return _in(lang, {key: _WIDGET_TEXTS[key]})[key]


def direction(lang: str) -> str:
    """ "rtl" or "ltr": how the language is laid out (CLDR), for `dir` on a page or the widget."""
    return Locale.parse(lang).text_direction


def visitor_lang(tag: str | None, default: str) -> str:
    """The language a visitor gets for a BCP 47 tag (`?lang=`, `data-lang`, the page's `lang`):
    `fr-CA` → fr, `pt-BR` → pt, anything unknown or absent → `default` (the site's)."""
    return negotiate(tag, LANGUAGES) or default


def texts_for(lang: str, name: str, overrides: dict[str, dict[str, str]] | None) -> dict[str, str]:
    """Defaults for `lang`, the site's overrides on top, `{name}` filled in.

    `{n}` stays for the widget to fill per radio. Overrides are owner text: they are plain
    text like everything else and are escaped where shown.
    """
    return _named({**DEFAULTS[lang], **((overrides or {}).get(lang) or {})}, name)


def _named(texts: dict[str, str], name: str) -> dict[str, str]:
    """Every text with the site's name in place of `{name}`."""
    return {key: value.replace("{name}", name) for key, value in texts.items()}


# Texts of the testimonial wall (page and wall.js), the badge and the share cards. `{i}` and `{n}`
# are filled by wall.js (the slide's position and the number of slides).
_WALL_TEXTS = {
    "title": N_("What people say about {name}"),
    "curated": N_("Testimonials are published with their authors' consent, after moderation."),
    "nps": N_("Net Promoter Score"),
    "edited": N_("edited"),
    # TRANSLATORS: the score a testimonial's author gave, e.g. "Score 9/10"; {score} is filled by wall.js.
    "score": N_("Score {score}/10"),
    "previous": N_("Previous testimonial"),
    "next": N_("Next testimonial"),
    "pause": N_("Pause"),
    "play": N_("Play"),
    "slide": N_("Testimonial {i} of {n}"),
    # TRANSLATORS: the name shown with a testimonial published without one.
    "anonymous": N_("Anonymous"),
    "position": N_("{i} of {n}"),
    "more": N_("Read more"),
    "less": N_("Show less"),
    "share": N_("Share"),
    "all": N_("All testimonials"),
}


def wall_texts(lang: str, name: str) -> dict[str, str]:
    return _named(_in(lang if lang in LANGUAGES else "en", _WALL_TEXTS), name)


@dataclass(frozen=True)
class HonestNumbers:
    """What the wall page, wall.js and the badges say about what they show, worded once."""

    chosen_from: str  # "3 testimonials, chosen from 40 responses"
    nps: str  # the badge's value: "+42 ±12 · 40 responses", or "Collecting responses"
    nps_line: str  # on the walls: "NPS +42 ±12 · 40 responses", or "" below the minimum sample
    badge_title: str  # the badge's accessible name, which must say NPS either way


def _isolated(text: str, lang: str, ltr: bool = False) -> str:
    """`text` as one block inside a sentence of a right-to-left language (FSI…PDI, or LRI…PDI for
    a figure that reads left to right, "+42 ±9"), so that a Latin word or a number beside it
    ("NPS", "61") does not pull it apart; as it is in a left-to-right language."""
    if direction(lang) != "rtl":
        return text
    return ("\u2066" if ltr else "\u2068") + text + "\u2069"


def _responses(n: int, lang: str) -> str:
    return _isolated(ngettext("%(count)s response", "%(count)s responses", n, count=format_decimal(n)), lang)


def honest_numbers(lang: str, name: str, published: int, summary: Summary, pool: int | None = None) -> HonestNumbers:
    """The walls' and badges' sentences; `pool` is how many responses the testimonials were
    chosen from (core.wall.chosen_from), the NPS's own count when not given."""
    with force_locale(lang if lang in LANGUAGES else "en"):
        responses = _responses(summary.total, lang)
        pooled = responses if pool is None else _responses(pool, lang)
        chosen_from = ngettext(
            "%(count)s testimonial, chosen from %(responses)s",
            "%(count)s testimonials, chosen from %(responses)s",
            published,
            count=format_decimal(published),
            responses=pooled,
        )
        if not summary.enough_data:
            # The walls say nothing of the NPS then: "12 of 30 needed" speaks to the owner, not to
            # visitors. The badge, whose contract it is, says it is collecting responses.
            collecting = gettext("Collecting responses")
            needed = gettext(
                "%(total)s of %(min)s needed",
                total=format_decimal(summary.total),
                min=format_decimal(summary.min_sample),
            )
            title = gettext("NPS: %(collecting)s (%(needed)s)", collecting=collecting, needed=needed)
            return HonestNumbers(chosen_from, collecting, "", title)
        # Half away from zero, like the NPS itself (Python's round() would take 12.5 to 12).
        moe = math.floor(summary.margin_of_error + 0.5)
        # The language's own signs and digits; the figure "+42 ±9" reads left to right whatever
        # the language.
        sign = get_plus_sign_symbol(get_locale()) if summary.nps > 0 else ""
        figure = _isolated(f"{sign}{format_decimal(summary.nps)} ±{format_decimal(moe)}", lang, ltr=True)
        # TRANSLATORS: the badge's value, e.g. "+42 ±9 · 61 responses"; the first part is the NPS and its margin.
        value = gettext("%(score)s · %(responses)s", score=figure, responses=responses)
        line = gettext("NPS %(value)s", value=value)
        return HonestNumbers(chosen_from, value, line, line)


# Texts of the respondent's pages served by Plaudit itself (not by the widget).
_PAGE_TEXTS = {
    "private_title": N_("Your testimonial for {name}"),
    "withdraw_title": N_("Withdraw your testimonial"),
    "withdraw_intro": N_("You agreed that {name} may publish these words:"),
    "state_pending": N_("Awaiting review: {name} has not published your testimonial yet."),
    "state_approved": N_("Published: {name} shows your testimonial on its pages."),
    "state_rejected": N_("{name} chose not to publish your testimonial: it is not shown anywhere."),
    "edited_approved": N_("Published as edited by {name}:"),
    "edited": N_("As edited by {name}:"),
    "own_words": N_("Your own words:"),
    "withdraw_button": N_("Withdraw my testimonial"),
    "withdraw_done": N_("Your testimonial is withdrawn. It no longer appears anywhere on {name}'s pages."),
    "photo_title": N_("Add a photo (optional)"),
    "photo_hint": N_("JPEG, PNG or WebP. It is cropped to a square, and its location and camera data are removed."),
    "photo_button": N_("Upload the photo"),
    "photo_done": N_("Your photo is saved. It appears with your words once they are published."),
    "photo_shown": N_("Your photo is saved. It now shows with your published testimonial."),
    "photo_closed": N_("This testimonial takes no photo: it was withdrawn, or it will not be published."),
    "photo_refused": N_("This file could not be used: please choose a JPEG, PNG or WebP photo."),
    "error_title": N_("Nothing to show"),
    "error_404": N_("There is nothing to show at this address."),
    "error_other": N_("This page cannot be shown right now."),
}


def page_texts(lang: str, name: str) -> dict[str, str]:
    return _named(_in(lang if lang in LANGUAGES else "en", _PAGE_TEXTS), name)


def public_lang() -> str:
    """The language of a public page's error: the page's own when it got that far, else `?lang=`."""
    from flask import g, request

    return g.get("page_lang") or visitor_lang(request.args.get("lang"), "en")
