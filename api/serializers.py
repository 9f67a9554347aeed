"""How testimonials look in JSON: the public shape, and the moderators' (with the receipt)."""

from __future__ import annotations

from core.snippets import public_url
from models import Testimonial


def iso(value) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None


def public_testimonial(t: Testimonial) -> dict:
    return {
        "id": t.id,
        "quote": t.quote,
        "edited": t.edited,
        "display_name": t.display_name,
        "role": t.role,
        "score": t.response.score,
        "lang": t.response.lang,
        "featured": t.featured,
        "tags": t.tags,
        "photo_url": public_url("wall.media", name=t.photo) if t.photo else None,
        "approved_at": iso(t.approved_at),
    }


def moderation_testimonial(t: Testimonial) -> dict:
    return {
        **public_testimonial(t),
        "site": t.site.key,
        "status": t.status,
        "why": t.response.why,
        "original_quote": t.original_quote,
        "category": t.response.category,
        "touchpoint": t.response.touchpoint,
        "page_url": t.response.page_url,
        "receipt": {
            "text": t.consent_text,
            "version": t.consent_version,
            # False when the client did not say which version it showed (older widgets).
            "confirmed": t.consent_confirmed,
            "consented_at": iso(t.consented_at),
            "response_id": t.response_id,
        }
        if t.has_receipt
        else None,
        "created_at": iso(t.created_at),
    }
