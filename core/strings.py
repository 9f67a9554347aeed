"""Default texts in both languages (shared/PLAYBOOK.md). `{name}` is the site's name.

Neutral on purpose: nothing here tells a visitor which score counts as "satisfied".
A site overrides any key per language; the widget config merges overrides over these.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.enums import Language, values
from core.nps import Summary

LANGUAGES = values(Language)

DEFAULTS: dict[str, dict[str, str]] = {
    "en": {
        "question": "How likely are you to recommend {name} to a friend or colleague?",
        "scale_low": "Not at all likely",
        "scale_high": "Extremely likely",
        "radio_label": "{n} out of 10",
        "prompt_promoter": "What do you like most?",
        "prompt_passive": "What could we do to earn one more point?",
        "prompt_detractor": "What went wrong, and what should we improve?",
        "consent": "I agree that {name} may publish my answer, with the name below, on its website.",
        "display_name": "Name shown with your words (e.g. Camille D.)",
        "role": "Your role or company (optional)",
        "contact_opt_in": "You may contact me about my answer",
        "email": "Your e-mail address",
        "send": "Send",
        "skip": "No thanks",
        "thanks_promoter": "Thank you! It means a lot to us.",
        "thanks_passive": "Thank you. We read every answer and will work to earn that extra point.",
        "thanks_detractor": "Thank you for telling us. We are sorry, and we will look into it.",
        "cta_promoter": "Recommend {name}",
        "cta_passive": "See what is new",
        "cta_detractor": "Contact us",
        "withdraw": "Changed your mind? Withdraw your testimonial",
        "add_photo": "Add a photo to your testimonial",
        "offline": "Your answer is kept here; we will send it when the connection is back.",
        "error": "Something went wrong. Please check your answer and try again.",
        "selected": "{n} out of 10 selected.",
        "need_words": "Please write the words you agree to publish, or untick the box.",
        "consent_changed": "This text has just changed: please read it again.",
        "anonymous": "Publish without my name",
        "need_name": "Please give a name to show, or publish without it.",
        "check_field": "Please check: {field}",
    },
    "fr": {
        "question": "Quelle est la probabilité que vous recommandiez {name} à un ami ou un collègue ?",
        "scale_low": "Pas du tout probable",
        "scale_high": "Très probable",
        "radio_label": "{n} sur 10",
        "prompt_promoter": "Qu'appréciez-vous le plus ?",
        "prompt_passive": "Que pourrions-nous faire pour gagner un point de plus ?",
        "prompt_detractor": "Qu'est-ce qui n'a pas fonctionné, et que devrions-nous améliorer ?",
        "consent": "J'accepte que {name} publie ma réponse, avec le nom ci-dessous, sur son site.",
        "display_name": "Nom affiché avec votre réponse (ex. Camille D.)",
        "role": "Votre fonction ou entreprise (facultatif)",
        "contact_opt_in": "Vous pouvez me recontacter au sujet de ma réponse",
        "email": "Votre adresse e-mail",
        "send": "Envoyer",
        "skip": "Non merci",
        "thanks_promoter": "Merci ! Votre avis compte beaucoup pour nous.",
        "thanks_passive": "Merci. Nous lisons chaque réponse et ferons tout pour mériter ce point de plus.",
        "thanks_detractor": "Merci de nous l'avoir dit. Nous en sommes désolés et allons nous en occuper.",
        "cta_promoter": "Recommander {name}",
        "cta_passive": "Voir les nouveautés",
        "cta_detractor": "Nous contacter",
        "withdraw": "Vous avez changé d'avis ? Retirer votre témoignage",
        "add_photo": "Ajouter une photo à votre témoignage",
        "offline": "Votre réponse est conservée ; nous l'enverrons dès le retour de la connexion.",
        "error": "Une erreur est survenue. Vérifiez votre réponse et réessayez.",
        "selected": "{n} sur 10 sélectionné.",
        "need_words": "Écrivez les mots que vous acceptez de publier, ou décochez la case.",
        "consent_changed": "Ce texte vient de changer : merci de le relire.",
        "anonymous": "Publier sans mon nom",
        "need_name": "Indiquez un nom à afficher, ou publiez sans nom.",
        "check_field": "Vérifiez : {field}",
    },
}

TEXT_KEYS = frozenset(DEFAULTS["en"])


def texts_for(lang: str, name: str, overrides: dict[str, dict[str, str]] | None) -> dict[str, str]:
    """Defaults for `lang`, the site's overrides on top, `{name}` filled in.

    `{n}` stays for the widget to fill per radio. Overrides are owner text: they are plain
    text like everything else and are escaped where shown.
    """
    return _named({**DEFAULTS[lang], **((overrides or {}).get(lang) or {})}, name)


def _named(texts: dict[str, str], name: str) -> dict[str, str]:
    """Every text with the site's name in place of `{name}`."""
    return {key: value.replace("{name}", name) for key, value in texts.items()}


# Texts of the testimonial wall (page and wall.js), the badge and the share cards.
WALL_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "What people say about {name}",
        "chosen_from": "{n} testimonials, chosen from {responses}",
        "chosen_from_one": "{n} testimonial, chosen from {responses}",
        "responses": "{n} responses",
        "responses_one": "{n} response",
        "curated": "Testimonials are published with their authors' consent, after moderation.",
        "nps": "Net Promoter Score",
        "nps_value": "{nps} ±{moe} · {responses}",
        "collecting": "Collecting responses",
        "needed": "{total} of {min} needed",
        "edited": "edited",
        "score": "Score {score}/10",
        "previous": "Previous testimonial",
        "next": "Next testimonial",
        "pause": "Pause",
        "play": "Play",
        "slide": "Testimonial {i} of {n}",
        "anonymous": "Anonymous",
        "position": "{i} of {n}",
        "more": "Read more",
        "less": "Show less",
        "share": "Share",
        "all": "All testimonials",
    },
    "fr": {
        "title": "Ce que l'on dit de {name}",
        "chosen_from": "{n} témoignages, choisis parmi {responses}",
        "chosen_from_one": "{n} témoignage, choisi parmi {responses}",
        "responses": "{n} réponses",
        "responses_one": "{n} réponse",
        "curated": "Les témoignages sont publiés avec l'accord de leurs auteurs, après modération.",
        "nps": "Net Promoter Score",
        "nps_value": "{nps} ±{moe} · {responses}",
        "collecting": "Réponses en cours de collecte",
        "needed": "{total} sur {min} nécessaires",
        "edited": "modifié",
        "score": "Note {score}/10",
        "previous": "Témoignage précédent",
        "next": "Témoignage suivant",
        "pause": "Pause",
        "play": "Lecture",
        "slide": "Témoignage {i} sur {n}",
        "anonymous": "Anonyme",
        "position": "{i} sur {n}",
        "more": "Lire la suite",
        "less": "Réduire",
        "share": "Partager",
        "all": "Tous les témoignages",
    },
}


def wall_texts(lang: str, name: str) -> dict[str, str]:
    return _named(WALL_TEXTS.get(lang, WALL_TEXTS["en"]), name)


# Which counts take the singular: English says "0 responses", French "0 réponse".
_SINGULAR = {"en": lambda n: n == 1, "fr": lambda n: n in (0, 1)}


def _counted(texts: dict[str, str], key: str, lang: str, n: int, **values) -> str:
    singular = _SINGULAR.get(lang, _SINGULAR["en"])(n)
    return texts[f"{key}_one" if singular else key].format(n=n, **values)


@dataclass(frozen=True)
class HonestNumbers:
    """What the wall page, wall.js and the badges say about what they show, worded once."""

    chosen_from: str  # "3 testimonials, chosen from 40 responses"
    nps: str  # the badge's value: "+42 ±12 · 40 responses", or "Collecting responses"
    nps_line: str  # on the walls: "NPS +42 ±12 · 40 responses", or "" below the minimum sample
    badge_title: str  # the badge's accessible name, which must say NPS either way


def honest_numbers(lang: str, name: str, published: int, summary: Summary, pool: int | None = None) -> HonestNumbers:
    """The walls' and badges' sentences; `pool` is how many responses the testimonials were
    chosen from (core.wall.chosen_from), the NPS's own count when not given."""
    texts = wall_texts(lang, name)
    responses = _counted(texts, "responses", lang, summary.total)
    pooled = responses if pool is None else _counted(texts, "responses", lang, pool)
    chosen_from = _counted(texts, "chosen_from", lang, published, responses=pooled)
    if not summary.enough_data:
        # The walls say nothing of the NPS then: "12 of 30 needed" speaks to the owner, not to
        # visitors. The badge, whose contract it is, says it is collecting responses.
        needed = texts["needed"].format(total=summary.total, min=summary.min_sample)
        return HonestNumbers(chosen_from, texts["collecting"], "", f"NPS: {texts['collecting']} ({needed})")
    # Half away from zero, like the NPS itself (Python's round() would take 12.5 to 12).
    moe = math.floor(summary.margin_of_error + 0.5)
    value = texts["nps_value"].format(nps=f"{summary.nps:+d}" if summary.nps else "0", moe=moe, responses=responses)
    return HonestNumbers(chosen_from, value, f"NPS {value}", f"NPS {value}")


# Texts of the respondent's pages served by Plaudit itself (not by the widget).
PAGE_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "private_title": "Your testimonial for {name}",
        "withdraw_title": "Withdraw your testimonial",
        "withdraw_intro": "You agreed that {name} may publish these words:",
        "state_pending": "Awaiting review: {name} has not published your testimonial yet.",
        "state_approved": "Published: {name} shows your testimonial on its pages.",
        "state_rejected": "{name} chose not to publish your testimonial: it is not shown anywhere.",
        "edited_approved": "Published as edited by {name}:",
        "edited": "As edited by {name}:",
        "own_words": "Your own words:",
        "withdraw_button": "Withdraw my testimonial",
        "withdraw_done": "Your testimonial is withdrawn. It no longer appears anywhere on {name}'s pages.",
        "photo_title": "Add a photo (optional)",
        "photo_hint": "JPEG, PNG or WebP. It is cropped to a square, and its location and camera data are removed.",
        "photo_button": "Upload the photo",
        "photo_done": "Your photo is saved. It appears with your words once they are published.",
        "photo_shown": "Your photo is saved. It now shows with your published testimonial.",
        "photo_closed": "This testimonial takes no photo: it was withdrawn, or it will not be published.",
        "photo_refused": "This file could not be used: please choose a JPEG, PNG or WebP photo.",
        "error_title": "Nothing to show",
        "error_404": "There is nothing to show at this address.",
        "error_other": "This page cannot be shown right now.",
    },
    "fr": {
        "private_title": "Votre témoignage pour {name}",
        "withdraw_title": "Retirer votre témoignage",
        "withdraw_intro": "Vous avez accepté que {name} publie ces mots :",
        "state_pending": "En attente de relecture : {name} n'a pas encore publié votre témoignage.",
        "state_approved": "Publié : {name} affiche votre témoignage sur ses pages.",
        "state_rejected": "{name} a choisi de ne pas publier votre témoignage : il n'apparaît nulle part.",
        "edited_approved": "Publié tel que modifié par {name} :",
        "edited": "Tel que modifié par {name} :",
        "own_words": "Vos propres mots :",
        "withdraw_button": "Retirer mon témoignage",
        "withdraw_done": "Votre témoignage est retiré. Il n'apparaît plus nulle part sur les pages de {name}.",
        "photo_title": "Ajouter une photo (facultatif)",
        "photo_hint": "JPEG, PNG ou WebP. Elle est recadrée en carré, sans données de lieu ni d'appareil.",
        "photo_button": "Envoyer la photo",
        "photo_done": "Votre photo est enregistrée. Elle apparaîtra avec vos mots une fois publiés.",
        "photo_shown": "Votre photo est enregistrée. Elle apparaît dès maintenant avec votre témoignage publié.",
        "photo_closed": "Ce témoignage ne prend pas de photo : il a été retiré, ou il ne sera pas publié.",
        "photo_refused": "Ce fichier n'a pas pu être utilisé : choisissez une photo JPEG, PNG ou WebP.",
        "error_title": "Rien à afficher",
        "error_404": "Il n'y a rien à afficher à cette adresse.",
        "error_other": "Cette page ne peut pas être affichée pour le moment.",
    },
}


def page_texts(lang: str, name: str) -> dict[str, str]:
    return _named(PAGE_TEXTS.get(lang, PAGE_TEXTS["en"]), name)


def public_lang() -> str:
    """The language of a public page's error: the page's own when it got that far, else `?lang=`."""
    from flask import g, request

    lang = g.get("page_lang") or request.args.get("lang")
    return lang if lang in LANGUAGES else "en"
