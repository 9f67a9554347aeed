"""E-mail invitations by API: `POST /sites/KEY/invitations` (CONTRACT.md), for an owner."""

from __future__ import annotations

from api import bp
from api.auth import SECURITY
from api.insights import owned_site
from api.parsing import resolved
from api.schemas import InvitationsScheduled, invitations_create
from core import invitations
from extensions import db
from models import Site


@bp.post("/sites/<key>/invitations")
@resolved("site", owned_site)
@bp.arguments(invitations_create)
@bp.response(202, InvitationsScheduled)
@bp.described(400, 401, 403, 404, 413, 429, security=SECURITY)
def create_invitations(data: dict, key: str, site: Site):
    """Invite contacts by e-mail, now or at `send_at` (owners); says whom it skipped and why"""
    contacts = [invitations.ContactIn(**contact) for contact in data["contacts"]]
    scheduled, skipped = invitations.schedule(
        site, contacts, touchpoint=data.get("touchpoint"), send_at=data.get("send_at"),
        reminder_days=data.get("reminder_days"),
    )  # fmt: skip
    db.session.commit()
    return {"scheduled": scheduled, "skipped": [{"email": e, "reason": r.value} for e, r in skipped]}
