"""The follow-up loop of PLAYBOOK.md: every answer gets a next step by a due date, and overdue
ones stand out."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Float, Select, and_, case, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from core.enums import Category, FollowUpStatus, values
from core.stats import Filters, raw_answers
from extensions import db
from models import Response, Site, utcnow

STATUSES = values(FollowUpStatus)
# What the follow-up list can show: what is not yet resolved, one status, or all of them.
LIST_STATUSES = ("open", *STATUSES, "all")

# By when each category must have been answered, counted from the answer (PLAYBOOK.md, "What to
# do after each answer"): a detractor now and a week at most, a passive within a week, a
# promoter within two weeks. Left alone past it, an answer is overdue.
DUE_WITHIN = {
    Category.DETRACTOR: timedelta(days=7),
    Category.PASSIVE: timedelta(days=7),
    Category.PROMOTER: timedelta(days=14),
}
# Among answers due now, the one that must not wait comes first.
URGENCY = {Category.DETRACTOR: 0, Category.PASSIVE: 1, Category.PROMOTER: 2}

NEXT_STEP = {
    Category.DETRACTOR: "Contact them now (a week at most), through the same channel as the survey: thank, "
    "apologise, ask what happened, fix it, say what changed, and ask again later.",
    Category.PASSIVE: "Within a week: ask what would earn one more point, show what they may not know "
    "about the product, and tell them when an improvement ships.",
    Category.PROMOTER: "Within two weeks: thank them, ask for a testimonial (written, video, case study), "
    "remind them of a referral offer, invite a public review where it matters.",
}


def due_by(response: Response) -> datetime:
    return response.created_at + DUE_WITHIN[response.category]


def is_overdue(response: Response) -> bool:
    return response.followup_status == FollowUpStatus.NEW and utcnow() > due_by(response)


def overdue_count(site: Site, now: datetime | None = None) -> int:
    """How many answers nobody has replied to are past their time (what the list marks overdue;
    repeat answers too, as the list shows them)."""
    now = now or utcnow()
    late = (and_(Response.category == c, Response.created_at < now - window) for c, window in DUE_WITHIN.items())
    query = (
        select(func.count())
        .select_from(Response)
        .where(Response.site_id == site.id, Response.followup_status == FollowUpStatus.NEW, or_(*late))
    )
    return db.session.execute(query).scalar_one()


class _days(FunctionElement):
    """A timestamp as a number of days, so that SQL can add a category's window to it on either
    database (SQLite keeps timestamps as text, PostgreSQL as timestamps)."""

    type = Float()
    inherit_cache = True


@compiles(_days)
def _days_in_sqlite(element, compiler, **kw) -> str:
    return f"julianday({compiler.process(element.clauses, **kw)})"


@compiles(_days, "postgresql")
def _days_in_postgresql(element, compiler, **kw) -> str:
    return f"(extract(epoch from {compiler.process(element.clauses, **kw)}) / 86400.0)"


def worklist(site: Site, filters: Filters, category: str | None, status: str, words: str) -> Select:
    """The answers of the follow-up list in its order: `status` "open" is everything not yet
    resolved, "all" everything; `words` are looked for in the "why"."""
    # Repeat answers too: left out of the NPS, but each is someone who may have asked to be
    # contacted (a shop's counter tablet sends every customer's answer from one visitor).
    query = raw_answers(site, filters, Response, duplicates=True)
    if category in NEXT_STEP:
        query = query.where(Response.category == category)
    if status == "open":
        query = query.where(Response.followup_status != FollowUpStatus.RESOLVED)
    elif status in STATUSES:
        query = query.where(Response.followup_status == status)
    if words:
        query = query.where(Response.why.ilike(f"%{words}%"))
    return query.order_by(*worklist_order())


def worklist_order(now: datetime | None = None) -> tuple:
    """The follow-up list's order, so that the first page is what must be done first. Answers
    nobody has replied to yet come before those already contacted; among them, the answers due
    now come first (every detractor, and passives and promoters left past their time), detractors
    before passives before promoters: today's 0/10 comes before a passive left for three months.
    Then the answers not yet due, the nearest due date first."""
    now = now or utcnow()
    late = (and_(Response.category == c, Response.created_at < now - window) for c, window in DUE_WITHIN.items())
    due_now = or_(Response.category == Category.DETRACTOR, *late)
    urgency = case(*((Response.category == c, rank) for c, rank in URGENCY.items()), else_=len(URGENCY))
    window_days = case(*((Response.category == c, window.days) for c, window in DUE_WITHIN.items()), else_=0)
    return (
        case((Response.followup_status == FollowUpStatus.NEW, 0), else_=1),
        case((due_now, 0), else_=1),
        case((due_now, urgency), else_=0),
        _days(Response.created_at) + window_days,
        Response.id,
    )
