"""Recording and completing answers, and the site's NPS: the rules every surface shares."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import and_, bindparam, insert, or_

from core import moderation, notifications, webhooks
from core.consent import ConsentChanged, Shown, agreed_text
from core.enums import Category, Channel, Event, TestimonialStatus
from core.generation import changes_site
from core.nps import category as nps_category
from core.strings import texts_for
from extensions import db
from models import Response, Site, Testimonial, sha256_hex, utcnow

# Consenting again cannot reopen these: a withdrawal is final, and a refusal was a moderator's.
CONSENT_CLOSED = {
    TestimonialStatus.WITHDRAWN: "You withdrew this testimonial, and a withdrawal is final: "
    "to publish new words, answer the survey again.",
    TestimonialStatus.REJECTED: "This testimonial was reviewed and will not be published; consenting again "
    "does not change that.",
}


class SurveyError(Exception):
    """A rule of the survey refused the change; `field` names what to fix."""

    def __init__(self, field: str, message: str, code: int = 422):
        super().__init__(message)
        self.field, self.message, self.code = field, message, code


def visitor_hash(secret_key: str, site_key: str, address: str, user_agent: str, day: str) -> str:
    """A keyed hash that recognises a repeat visitor for one day and no longer.

    The salt is derived from the secret key and the UTC date, so it rotates daily without being
    stored anywhere: yesterday's hashes cannot be linked to today's, and the address itself is
    never written down.
    """
    salt = hmac.new(secret_key.encode(), f"visitor-salt:{day}".encode(), hashlib.sha256).digest()
    message = f"{site_key}\n{address}\n{user_agent}".encode()
    return hmac.new(salt, message, hashlib.sha256).hexdigest()


# The widget's hottest path runs statements built once and executed with parameters, so that
# SQLAlchemy skips building a statement per request and the unit of work; the answer goes in with
# its duplicate flag computed by the database in the same round trip (bench/submit_throughput.py).
_ANSWER_COLUMNS = (
    "site_id",
    "score",
    "category",
    "lang",
    "touchpoint",
    "page_url",
    "respondent",
    "respondent_proven",
    "attributes",
    "channel",
    "visitor_hash",
    "token_hash",
    "created_at",
    "updated_at",
)


class Claim(StrEnum):
    """How far an answer's respondent reference is to be believed, which decides what it is a
    repeat of: an anonymous visitor is recognised for the day their hash lives; a reference the
    page merely gives (`data-respondent`) for the resurvey interval, against any answer with it;
    a reference the site proved, only against proven answers with it, so that nobody who
    claims a customer's reference first, whatever their device, makes the customer's own answer
    a duplicate."""

    ANONYMOUS = "anonymous"
    CLAIMED = "claimed"
    PROVEN = "proven"


def _insert_answer(claim: str):
    """INSERT … SELECT :values…, EXISTS(an earlier answer it repeats) RETURNING id."""
    table = Response.__table__
    same_visitor = table.c.visitor_hash == bindparam("visitor_hash")
    same_reference = and_(table.c.respondent == bindparam("respondent"), table.c.created_at >= bindparam("since"))
    seen = {
        Claim.ANONYMOUS: same_visitor,
        Claim.CLAIMED: or_(same_visitor, same_reference),
        Claim.PROVEN: and_(same_reference, table.c.respondent_proven.is_(True)),
    }[claim]
    earlier = db.select(table.c.id).where(table.c.site_id == bindparam("site_id"), seen).exists()
    values = [bindparam(name, type_=table.c[name].type) for name in _ANSWER_COLUMNS]
    return (
        insert(table).from_select([*_ANSWER_COLUMNS, "is_duplicate"], db.select(*values, earlier)).returning(table.c.id)
    )


_INSERT_ANSWER = {claim: _insert_answer(claim) for claim in Claim}


def respondent_hash(secret: str, reference: str) -> str:
    """What a site's server computes to prove a reference: hex HMAC-SHA256 of the reference
    (UTF-8) under the site's identity secret (README, "data-respondent")."""
    return hmac.new(secret.encode(), reference.encode(), hashlib.sha256).hexdigest()


def proves(site: Site, reference: str | None, given: str | None) -> bool:
    if not reference or not given:
        return False
    return hmac.compare_digest(respondent_hash(site.identity_secret, reference), given.lower())


def follow_up(site: Site, category: str, lang: str, texts: dict[str, str] | None = None) -> dict:
    """What the widget asks next for this answer's category, and how it thanks. `texts`: the
    site's texts in `lang` when the caller has them already (the config builds all three)."""
    texts = texts or texts_for(lang, site.name, site.texts)
    url = (site.cta_urls or {}).get(category)
    return {
        "prompt": texts[f"prompt_{category}"],
        "ask_consent": site.asks_consent(category),
        "ask_contact": category != Category.PROMOTER,
        "thanks": texts[f"thanks_{category}"],
        "cta": {"url": url, "label": texts[f"cta_{category}"]} if url else None,
    }


@dataclass(frozen=True)
class Recorded:
    id: int
    category: str
    lang: str
    token: str  # the bearer token that completes this answer; only its hash is stored
    respondent_proven: bool


def record_response(site: Site, data: dict, visitor: str, channel: Channel = Channel.WEB) -> Recorded:
    """Store a score the moment it is chosen. Repeats are kept, flagged, and left out of NPS.
    `channel` is what the server found the answer came by (api/cors.py), never the body's word."""
    now = utcnow()
    token = secrets.token_urlsafe(24)
    # A reference whose proof fails is still kept, as a claim: a page signed with a secret just
    # rotated must not lose its visitors' answers, and a forged proof gains nothing.
    proven = proves(site, data.get("respondent"), data.get("respondent_hash"))
    row = {
        "site_id": site.id,
        "score": data["score"],
        "category": nps_category(data["score"]),
        "lang": data.get("lang") or site.default_lang,
        "touchpoint": data.get("touchpoint"),
        "page_url": data.get("page_url"),
        "respondent": data.get("respondent"),
        "respondent_proven": proven,
        "attributes": data.get("attributes") or {},
        "channel": channel.value,
        "visitor_hash": visitor,
        "token_hash": sha256_hex(token),
        "created_at": now,
        "updated_at": now,
        "since": now - timedelta(days=site.resurvey_days),
    }
    # The database counts it in the daily rollup (models.ANSWER_ROLLUP_TRIGGERS) unless it is a
    # repeat.
    claim = Claim.PROVEN if proven else Claim.CLAIMED if row["respondent"] else Claim.ANONYMOUS
    response_id = db.session.execute(_INSERT_ANSWER[claim], row, execution_options=changes_site(site.id)).scalar_one()
    webhooks.response_events(site, response_id, row["category"])
    if row["category"] == Category.DETRACTOR:
        notifications.alert_detractor(site, response_id)
    db.session.commit()
    return Recorded(response_id, row["category"], row["lang"], token, proven)


def token_matches(response: Response, token: str, max_age: timedelta) -> bool:
    fresh = utcnow() - response.created_at <= max_age
    return fresh and hmac.compare_digest(response.token_hash, sha256_hex(token))


def complete_response(response: Response, data: dict) -> Response:
    """Apply the visitor's follow-up (a changed score, why, contact, consent) in one commit.

    Every rule is checked before anything changes: a refused request leaves the response
    exactly as it was.
    """
    site, testimonial = response.site, response.testimonial
    if "score" in data and data["score"] != response.score and testimonial is not None:
        raise SurveyError("score", "The score cannot change once the answer is consented to.", 409)
    category = nps_category(data["score"]) if "score" in data else response.category
    why = data["why"] if "why" in data else response.why
    if data.get("consent") is True:
        if not site.asks_consent(category):
            raise SurveyError("consent", "This site does not ask consent for this answer.")
        if not why:
            raise SurveyError("why", "Write the words you agree to publish before consenting.")
        if testimonial is not None and testimonial.status in CONSENT_CLOSED:
            raise SurveyError("consent", CONSENT_CLOSED[testimonial.status], 409)
        if testimonial is None or testimonial.status == TestimonialStatus.PENDING:
            agreed = _agreed(site, response, data.get("consent_version"))

    if "score" in data and data["score"] != response.score:
        response.set_score(data["score"])  # recounted by the database
    if "why" in data:
        response.why = why or None
    if "email" in data:
        response.contact_email = data["email"] or None
    newly_consented = data.get("consent") is True and testimonial is None
    if newly_consented:
        testimonial = Testimonial(site_id=site.id, response=response, status=TestimonialStatus.PENDING)
        db.session.add(testimonial)
    if data.get("consent") is True and testimonial.status == TestimonialStatus.PENDING:
        _take_receipt(testimonial, *agreed)  # an approved one keeps what it was published under
    elif data.get("consent") is False and testimonial is not None:
        moderation.withdraw(testimonial, "consent withdrawn through the answer's API")
    if testimonial is not None and testimonial.status == TestimonialStatus.PENDING:
        _update_testimonial(testimonial, response, data)
    if newly_consented:
        db.session.flush()  # the testimonial's id, for the event
        webhooks.testimonial_event(Event.TESTIMONIAL_CONSENTED, testimonial)
        notifications.alert_moderation(testimonial)
    db.session.commit()
    return response


def _agreed(site: Site, response: Response, version: int | None) -> tuple[Shown, bool]:
    try:
        return agreed_text(site, response.lang, version, response.created_at)
    except ConsentChanged:
        raise SurveyError(
            "consent_version",
            "The consent text shown is no longer this site's: it was changed since the survey loaded "
            "(or is another site's or language's). Show the current text and ask again.",
            409,
        ) from None


def _take_receipt(testimonial: Testimonial, shown: Shown, confirmed: bool) -> None:
    """The consent receipt: exactly the text shown, its version, and when."""
    testimonial.consent_text, testimonial.consent_version = shown.text, shown.version
    testimonial.consent_text_id, testimonial.consent_confirmed = shown.id, confirmed
    testimonial.consented_at = utcnow()


def _update_testimonial(testimonial: Testimonial, response: Response, data: dict) -> None:
    own_words = testimonial.original_quote if testimonial.edited else testimonial.quote
    if own_words != (response.why or ""):
        # New words of the respondent's own: a moderator's edit of the old ones no longer applies.
        testimonial.quote, testimonial.original_quote = response.why or "", None
    for field in ("display_name", "role"):
        if field in data:
            setattr(testimonial, field, data[field] or None)
