"""What the public surfaces show of a site: approved testimonials, featured first, and the honest
numbers around them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func

from core.nps import Summary
from core.queries import testimonials_query
from core.survey import site_summary
from extensions import db
from models import Site, Testimonial


@dataclass(frozen=True)
class Wall:
    site: Site
    testimonials: list[Testimonial]
    published: int  # approved testimonials in all (with the tag, if one was asked)
    summary: Summary  # every non-duplicate response: the "chosen from M"

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


def public_state(site: Site, summary: Summary) -> tuple:
    """What every public surface of a site depends on, for its ETag: moderation and settings
    (the public version) and the answer counts."""
    return (site.public_version, summary.promoters, summary.passives, summary.detractors)


def load_wall(site: Site, *, limit: int, tag: str | None = None, summary: Summary | None = None) -> Wall:
    approved = testimonials_query(sites=[site], status="approved", tag=tag)
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
    return Wall(site, rows, published, summary or site_summary(site))
