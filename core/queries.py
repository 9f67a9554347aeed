"""Read queries shared by the API and the back office."""

from __future__ import annotations

from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from extensions import db
from models import Response, Site, Testimonial, TestimonialTag, User


def testimonials_query(
    *,
    sites: list[Site] | None = None,
    status: str | None = None,
    tag: str | None = None,
    score: int | None = None,
    before_id: int | None = None,
) -> Select:
    """Testimonials, newest first, filtered; `sites=None` means every site."""
    # Loaded with their answers and tags in two more queries, not two per testimonial.
    query = (
        db.select(Testimonial)
        .options(selectinload(Testimonial.response), selectinload(Testimonial.tag_rows))
        .order_by(Testimonial.id.desc())
    )
    if sites is not None:
        query = query.where(Testimonial.site_id.in_([s.id for s in sites]))
    if status:
        query = query.where(Testimonial.status == status)
    if tag:
        query = query.where(
            Testimonial.id.in_(db.select(TestimonialTag.testimonial_id).where(TestimonialTag.tag == tag))
        )
    if score is not None:
        query = query.join(Response).where(Response.score == score)
    if before_id is not None:
        query = query.where(Testimonial.id < before_id)
    return query


def visible_sites(user: User) -> list[Site] | None:
    """The sites a back-office user works on; None means all of them."""
    return None if user.all_sites else list(user.sites)


def page_of(query: Select, limit: int) -> tuple[list, int | None]:
    """One page of a newest-first query and the cursor of the next (None on the last page)."""
    rows = db.session.execute(query.limit(limit + 1)).scalars().all()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more else None)


def moderation_page(sites: list[Site] | None, args: dict) -> tuple[list, int | None]:
    """A page of the moderation queue for the validated arguments of ModerationQuery."""
    query = testimonials_query(
        sites=sites,
        status=args.get("status"),
        tag=args.get("tag"),
        score=args.get("score"),
        before_id=args.get("cursor"),
    )
    return page_of(query, args["limit"])
