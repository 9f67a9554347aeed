"""The follow-up loop of PLAYBOOK.md: every answer gets a next step, and overdue ones stand out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, case

from models import Response, utcnow

OVERDUE_AFTER = timedelta(days=7)
STATUSES = ("new", "contacted", "resolved")

NEXT_STEP = {
    "detractor": "Contact them now (a week at most), through the same channel as the survey: thank, "
    "apologise, ask what happened, fix it, say what changed, and ask again later.",
    "passive": "Within a week: ask what would earn one more point, show what they may not know "
    "about the product, and tell them when an improvement ships.",
    "promoter": "Within two weeks: thank them, ask for a testimonial (written, video, case study), "
    "remind them of a referral offer, invite a public review where it matters.",
}


def is_overdue(response: Response) -> bool:
    return response.followup_status == "new" and utcnow() - response.created_at > OVERDUE_AFTER


def worklist_order() -> tuple:
    """The follow-up list's order, most urgent first, so that a long list cut short keeps what
    must be done first: overdue answers, then detractors and passives (due within a week), then
    promoters (within two weeks); oldest first within each."""
    overdue = and_(Response.followup_status == "new", Response.created_at < utcnow() - OVERDUE_AFTER)
    return case((overdue, 0), else_=1), case((Response.category == "promoter", 1), else_=0), Response.created_at
