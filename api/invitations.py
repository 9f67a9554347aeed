"""E-mail invitations by API: `POST /sites/KEY/invitations` (CONTRACT.md), for an owner."""

from __future__ import annotations

from api import bp
from api.insights import owned_site
from api.responses import json_body
from api.schemas import invitations_create
from core import invitations
from extensions import db


@bp.post("/sites/<key>/invitations")
def create_invitations(key: str):
    """Scheduled now or at `send_at` (the mail worker sends them): 202, with whom it skipped."""
    site = owned_site(key)
    data = invitations_create.load(json_body())
    contacts = [invitations.ContactIn(**contact) for contact in data["contacts"]]
    scheduled, skipped = invitations.schedule(
        site,
        contacts,
        touchpoint=data.get("touchpoint"),
        send_at=data.get("send_at"),
        reminder_days=data.get("reminder_days"),
    )
    db.session.commit()
    return {"scheduled": scheduled, "skipped": [{"email": e, "reason": r.value} for e, r in skipped]}, 202
