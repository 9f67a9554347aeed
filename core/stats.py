"""The numbers owners read: NPS per period and per segment, the score distribution, response rate.

Answers are counted per score and folded into categories here, so one recipe serves every
breakdown. When the filters allow it (dates and touchpoint) the counts come from the daily rollup
and cost the number of days; a page, channel or attribute filter or breakdown reads the raw
answers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func

from core.enums import Category
from core.nps import Summary, category, summarise
from core.rollups import flush_views
from extensions import db
from models import DailyCount, DailyView, Response, Site

PERIODS = ("day", "week", "month")
# Breakdowns the daily rollup cannot give (it keeps days, touchpoints and scores only).
RAW_SEGMENTS = ("page", "channel")


@dataclass(frozen=True)
class Filters:
    start: date | None = None
    end: date | None = None  # inclusive
    touchpoint: str | None = None
    page: str | None = None
    attribute: tuple[str, str] | None = None  # (name, value)
    channel: str | None = None  # core.enums.Channel

    @property
    def needs_raw(self) -> bool:
        return self.page is not None or self.attribute is not None or self.channel is not None


@dataclass
class Group:
    key: str
    scores: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def summary(self, min_sample: int = 1) -> Summary:
        counts: dict[str, int] = defaultdict(int)
        for score, count in self.scores.items():
            counts[category(score)] += count
        return summarise(counts, min_sample)


def period_of(day: date, period: str) -> str:
    if period == "month":
        return day.strftime("%Y-%m")
    if period == "week":
        monday = day - timedelta(days=day.weekday())
        return monday.isoformat()  # the week is named by its Monday
    return day.isoformat()


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _per_day(query, table, site: Site, filters: Filters):
    """Filters on a per-day table (DailyCount, DailyView): site, dates, touchpoint."""
    query = query.where(table.site_id == site.id)
    if filters.start:
        query = query.where(table.day >= filters.start)
    if filters.end:
        query = query.where(table.day <= filters.end)
    if filters.touchpoint is not None:
        query = query.where(table.touchpoint == filters.touchpoint)
    return query


def _rollup_rows(site: Site, by: str, filters: Filters):
    key = DailyCount.touchpoint if by == "touchpoint" else DailyCount.day
    query = _per_day(db.select(key, DailyCount.score, func.sum(DailyCount.count)), DailyCount, site, filters)
    # An erasure leaves a day's count at 0 rather than deleting the row: such a group has no answer.
    return db.session.execute(query.group_by(key, DailyCount.score).having(func.sum(DailyCount.count) > 0))


def raw_answers(site: Site, filters: Filters, *columns, duplicates: bool = False):
    """A query over the site's answers that match the filters; duplicates only when asked."""
    query = db.select(*columns).where(Response.site_id == site.id)
    if not duplicates:
        query = query.where(Response.is_duplicate.is_(False))
    if filters.start:
        query = query.where(Response.created_at >= datetime.combine(filters.start, time.min))
    if filters.end:
        query = query.where(Response.created_at < datetime.combine(filters.end + timedelta(days=1), time.min))
    if filters.touchpoint is not None:
        query = query.where(func.coalesce(Response.touchpoint, "") == filters.touchpoint)
    if filters.page is not None:
        query = query.where(Response.page_url == filters.page)
    if filters.channel is not None:
        query = query.where(Response.channel == filters.channel)
    if filters.attribute is not None:
        name, value = filters.attribute
        query = query.where(Response.attributes[name].as_string() == value)
    return query


def _raw_key(by: str):
    if by == "touchpoint":
        return func.coalesce(Response.touchpoint, "")
    if by == "page":
        return func.coalesce(Response.page_url, "")
    if by == "channel":
        return Response.channel
    if by.startswith("attr:"):
        return func.coalesce(Response.attributes[by[5:]].as_string(), "")
    return func.date(Response.created_at)


def breakdown(site: Site, by: str, filters: Filters = Filters(), daily=None) -> list[tuple[str, Summary]]:
    """NPS per group, groups in order: periods in time order, segments by size. `daily`: the
    per-day rollup rows when the caller has them already (periods only)."""
    if daily is not None and by in PERIODS:
        rows = daily
    elif by.startswith("attr:") or by in RAW_SEGMENTS or filters.needs_raw:
        key = _raw_key(by)
        rows = db.session.execute(
            raw_answers(site, filters, key, Response.score, func.count()).group_by(key, Response.score)
        )
    else:
        rows = _rollup_rows(site, by, filters)
    groups: dict[str, Group] = {}
    for key, score, count in rows:
        label = period_of(_as_date(key), by) if by in PERIODS else (key or "")
        groups.setdefault(label, Group(label)).scores[score] += int(count)
    result = [(label, group.summary()) for label, group in groups.items()]
    if by in PERIODS:
        return sorted(result)
    return sorted(result, key=lambda item: (-item[1].total, item[0]))


def totals(site: Site, filters: Filters = Filters(), daily=None) -> tuple[Summary, dict[int, int]]:
    """The whole filtered set: its NPS, and how many answers gave each score 0–10. `daily`: the
    per-day rollup rows when the caller has them already."""
    distribution = dict.fromkeys(range(11), 0)
    if daily is not None:
        pairs = [(score, count) for _, score, count in daily]
    elif filters.needs_raw:
        rows = db.session.execute(raw_answers(site, filters, Response.score, func.count()).group_by(Response.score))
        pairs = [(score, count) for score, count in rows]
    else:
        pairs = [(score, count) for _, score, count in _rollup_rows(site, "day", filters)]
    for score, count in pairs:
        distribution[score] += int(count)
    group = Group("all", defaultdict(int, distribution))
    return group.summary(site.min_sample), distribution


def views(site: Site, filters: Filters = Filters()) -> int:
    """How many times the widget was shown (views are counted per day and touchpoint only),
    the views still pending in memory or Redis included."""
    flush_views()
    query = _per_day(db.select(func.coalesce(func.sum(DailyView.count), 0)), DailyView, site, filters)
    return int(db.session.execute(query).scalar())


def matrix(groups: list[tuple[str, Summary]]) -> list[tuple[str, dict[str, int], int]]:
    """Category × segment, from a breakdown: per segment, how many promoters, passives and
    detractors (drawn from the breakdown the page already has, not queried again)."""
    return [
        (label, {"promoter": s.promoters, "passive": s.passives, "detractor": s.detractors}, s.total)
        for label, s in groups
    ]


def known_attributes(site: Site) -> list[str]:
    """Attribute names seen in the latest answers (JSON keys cannot be listed portably in SQL)."""
    rows = db.session.execute(
        db.select(Response.attributes).where(Response.site_id == site.id).order_by(Response.id.desc()).limit(500)
    ).scalars()
    return sorted({name for attributes in rows for name in (attributes or {})})


def recent_whys(site: Site, filters: Filters, per_category: int = 2000) -> dict[str, list[str]]:
    """The latest "why" answers of each category, for the themes: detractors first, as in the
    follow-ups."""
    whys: dict[str, list[str]] = {}
    for cat in reversed(list(Category)):
        query = raw_answers(site, filters, Response.why).where(Response.category == cat, Response.why.is_not(None))
        whys[cat] = list(db.session.execute(query.order_by(Response.id.desc()).limit(per_category)).scalars())
    return whys


@dataclass(frozen=True)
class Dashboard:
    """Every figure of the owner's dashboard for one selection, each queried once."""

    total: Summary
    distribution: dict[int, int]
    views: int
    timeline: list[tuple[str, Summary]]
    by_touchpoint: list[tuple[str, Summary]]
    by_page: list[tuple[str, Summary]]
    by_channel: list[tuple[str, Summary]]
    attributes: list[str]
    segment: str | None
    by_segment: list[tuple[str, Summary]]
    whys: dict[str, list[str]]


def dashboard(site: Site, filters: Filters, period: str, segment: str | None = None) -> Dashboard:
    attributes = known_attributes(site)
    segment = segment or (attributes or [None])[0]
    # The totals and the timeline both sum the per-day rollup: read it once for both.
    daily = None if filters.needs_raw else list(_rollup_rows(site, "day", filters))
    total, distribution = totals(site, filters, daily)
    return Dashboard(
        total=total,
        distribution=distribution,
        views=views(site, filters),
        timeline=breakdown(site, period, filters, daily),
        by_touchpoint=breakdown(site, "touchpoint", filters),
        by_page=breakdown(site, "page", filters)[:15],
        by_channel=breakdown(site, "channel", filters),
        attributes=attributes,
        segment=segment,
        by_segment=breakdown(site, f"attr:{segment}", filters) if segment else [],
        whys=recent_whys(site, filters),
    )
