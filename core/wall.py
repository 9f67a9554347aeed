"""What the public surfaces show of a site: approved testimonials, featured first, and the honest
numbers around them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import func

from core.enums import TestimonialStatus
from core.generation import Memo, site_channels, snapshot
from core.nps import Summary
from core.queries import testimonials_query
from core.sites import NO_SUCH_SITE
from core.stats import site_nps
from extensions import db
from models import Response, Site, Testimonial


@dataclass(frozen=True)
class Wall:
    site: Site
    testimonials: list[Testimonial]
    published: int  # approved testimonials in all (with the tag, if one was asked)
    summary: Summary  # every non-duplicate response, for the NPS
    chosen_from: int  # the responses the testimonials were chosen from (see `chosen_from`)

    @property
    def shown(self) -> bool:
        """Whether the walls show anything: below the owner's minimum of approved testimonials
        they show nothing at all (no counts, no "no testimonials yet"), as no wall is better
        than a near-empty one."""
        return self.published >= max(self.site.wall_minimum or 1, 1)

    def jsonld(self) -> dict:
        """schema.org markup of the shown testimonials (the owner opts in; see the README)."""
        return {
            "@context": "https://schema.org",
            "@type": "Organization",
            "name": self.site.name,
            "review": [
                {
                    "@type": "Review",
                    "reviewBody": t.quote,
                    "author": {"@type": "Person", "name": t.display_name or "Anonymous"},
                    "datePublished": t.approved_at.date().isoformat() if t.approved_at else None,
                    "reviewRating": {
                        "@type": "Rating",
                        "ratingValue": t.response.score,
                        "bestRating": 10,
                        "worstRating": 0,
                    },
                }
                for t in self.testimonials
            ],
        }


@dataclass(frozen=True)
class PublicState:
    """What every public surface of a site depends on: moderation and settings (the public
    version) and the answer counts (core.stats.site_nps). Two small statements, so a
    revalidation stays cheap."""

    site_id: int
    public_version: int
    summary: Summary

    @property
    def etag_parts(self) -> tuple:
        s = self.summary
        return (self.site_id, self.public_version, s.min_sample, s.promoters, s.passives, s.detractors)


_STATE = db.select(Site.id, Site.public_version, Site.min_sample).where(Site.key == db.bindparam("key"))


_states = Memo()
# A site's id never changes and its key is never given to another: learnt once per process, it
# names the site's generation channel before anything is read.
_site_ids = Memo()
_FOREVER = 0


def public_state(key: str) -> PublicState | None:
    """The site's public state; from this process's memory while nothing it shows was written
    since (core.generation: the site's own channel), from the database otherwise."""
    site_id = _site_ids.get(key, _FOREVER)
    # Read before the database: a write in between only costs a re-read.
    seen = snapshot(site_channels(site_id)) if site_id is not None else None
    if seen is not None and (state := _states.get(key, seen)) is not None:
        return state
    # Core, on the session's connection: a plain row, without the ORM's per-statement work.
    row = db.session.connection().execute(_STATE, {"key": key}).first()
    if row is None:
        return None
    site_id, version, min_sample = row
    summary, _ = site_nps(site_id, min_sample)
    state = PublicState(site_id, version, summary)
    _site_ids.put(key, _FOREVER, site_id)
    if seen is not None:
        _states.put(key, seen, state)
    return state


def public_state_or_404(key: str) -> PublicState:
    return public_state(key) or abort(404, description=NO_SUCH_SITE)


def load_wall(site: Site, *, limit: int, tag: str | None = None, summary: Summary | None = None) -> Wall:
    approved = testimonials_query(sites=[site], status=TestimonialStatus.APPROVED, tag=tag)
    rows = (
        db.session.execute(
            approved.order_by(None)
            .order_by(Testimonial.featured.desc(), Testimonial.approved_at.desc(), Testimonial.id.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )
    published = db.session.execute(approved.order_by(None).with_only_columns(func.count())).scalar()
    summary = summary or site_nps(site.id, site.min_sample)[0]
    return Wall(site, rows, published, summary, chosen_from(site, summary))


def chosen_from(site: Site, summary: Summary) -> int:
    """How many responses the testimonials were chosen from: the counted ones, and the repeat
    answers (left out of the NPS) that gave a published testimonial, so that no wall ever says
    "5 testimonials, chosen from 1 response" (a shop's counter tablet is one visitor all day)."""
    from_repeats = (
        db.select(func.count()).select_from(Testimonial).join(Response, Testimonial.response_id == Response.id)
    )
    from_repeats = from_repeats.where(
        Testimonial.site_id == site.id,
        Testimonial.status == TestimonialStatus.APPROVED,
        Response.is_duplicate.is_(True),
    )
    return summary.total + db.session.execute(from_repeats).scalar()
