"""Net Promoter Score maths: pure functions, no database, no Flask."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from fractions import Fraction

from core.enums import Category, values

CATEGORIES = values(Category)


def category(score: int) -> Category:
    """Promoters 9–10, passives 7–8, detractors 0–6."""
    if not 0 <= score <= 10:
        raise ValueError(f"score out of range: {score}")
    if score >= 9:
        return Category.PROMOTER
    if score >= 7:
        return Category.PASSIVE
    return Category.DETRACTOR


def nps(promoters: int, passives: int, detractors: int) -> int | None:
    """% promoters − % detractors, rounded half away from zero; None when nobody answered."""
    total = promoters + passives + detractors
    if total == 0:
        return None
    exact = Fraction(100 * (promoters - detractors), total)
    magnitude = math.floor(abs(exact) + Fraction(1, 2))
    return magnitude if exact >= 0 else -magnitude


def margin_of_error(promoters: int, passives: int, detractors: int) -> float | None:
    """Half-width of the 95 % confidence interval of the NPS, in points.

    NPS is a difference of two shares of one multinomial sample, so its variance is
    (p⁺ + p⁻ − (p⁺ − p⁻)²) / n.
    """
    variance = _variance(promoters, passives, detractors)
    return None if variance is None else round(1.96 * math.sqrt(variance) * 100, 1)


def _variance(promoters: int, passives: int, detractors: int) -> float | None:
    total = promoters + passives + detractors
    if total == 0:
        return None
    p_plus, p_minus = promoters / total, detractors / total
    return (p_plus + p_minus - (p_plus - p_minus) ** 2) / total


@dataclass(frozen=True)
class Change:
    points: float  # the NPS after minus the NPS before, unrounded, in points
    margin: float  # half-width of the difference's 95 % confidence interval, in points
    meaningful: bool  # the interval leaves out zero: more than chance between two samples


def change(before: Summary, after: Summary) -> Change | None:
    """How the NPS moved between two periods, and whether the move is statistically meaningful.

    Two periods are two independent samples, so the variance of the difference of their NPS is
    the sum of their variances (each the one margin_of_error uses); the change is meaningful at
    95 % when it exceeds 1.96 standard deviations of that difference (a two-sample z-test).
    None when either period has no answer."""
    v_before = _variance(before.promoters, before.passives, before.detractors)
    v_after = _variance(after.promoters, after.passives, after.detractors)
    if v_before is None or v_after is None:
        return None
    points = 100 * (
        (after.promoters - after.detractors) / after.total - (before.promoters - before.detractors) / before.total
    )
    margin = 1.96 * math.sqrt(v_before + v_after) * 100
    return Change(round(points, 1), round(margin, 1), abs(points) > margin)


@dataclass(frozen=True)
class Summary:
    nps: int | None
    total: int
    promoters: int
    passives: int
    detractors: int
    margin_of_error: float | None
    enough_data: bool
    min_sample: int

    def public(self) -> dict:
        """What public surfaces may show: no number below the minimum sample."""
        data = asdict(self)
        if not self.enough_data:
            data["nps"] = None
            data["margin_of_error"] = None
        return data


def summarise(counts: dict[str, int], min_sample: int) -> Summary:
    """Counts per category (missing ones are zero) → the numbers every surface shows."""
    p, a, d = (int(counts.get(c, 0)) for c in CATEGORIES)
    total = p + a + d
    return Summary(
        nps=nps(p, a, d),
        total=total,
        promoters=p,
        passives=a,
        detractors=d,
        margin_of_error=margin_of_error(p, a, d),
        enough_data=total >= max(min_sample, 1),
        min_sample=min_sample,
    )
