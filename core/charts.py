"""Geometry for the dashboard's SVG charts (drawn by templates/admin/charts.html): no
JavaScript is needed to read them, and each carries its numbers as text for screen readers."""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.nps import Summary, category

COLORS = {"promoter": "#1a7f37", "passive": "#9a6700", "detractor": "#cf222e"}


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    summary: Summary
    low: float  # y of nps - margin
    high: float  # y of nps + margin


def _y(nps: float, top: float, height: float) -> float:
    """NPS −100…+100 onto a plot `height` high starting at `top`."""
    return round(top + (100 - max(-100.0, min(100.0, nps))) / 200 * height, 1)


def timeline(groups: list[tuple[str, Summary]], width: int = 680, height: int = 200, left: int = 40) -> dict:
    """NPS per period with its margin-of-error band, and the number of answers per period."""
    top, plot_w = 10, width - left - 10
    step = plot_w / max(len(groups), 1)
    points = []
    for i, (label, s) in enumerate(groups):
        if s.nps is None:
            continue
        x = round(left + step * (i + 0.5), 1)
        moe = s.margin_of_error or 0
        points.append(
            Point(x, _y(s.nps, top, height), label, s, _y(s.nps - moe, top, height), _y(s.nps + moe, top, height))
        )
    most = max((s.total for _, s in groups), default=0) or 1
    every = label_every(step, max((len(label) for label, _ in groups), default=0))
    bars = [
        {
            "x": round(left + step * i + step * 0.15, 1),
            "w": round(step * 0.7, 1),
            "h": round(50 * s.total / most, 1),
            "label": label,
            "total": s.total,
            # Counted from the latest period, so that the most recent one is always named.
            "show_label": (len(groups) - 1 - i) % every == 0,
        }
        for i, (label, s) in enumerate(groups)
    ]
    band = " ".join(f"{p.x},{p.high}" for p in points) + " " + " ".join(f"{p.x},{p.low}" for p in reversed(points))
    return {
        "width": width,
        "height": height + 2 * top,
        "left": left,
        "top": top,
        "plot_h": height,
        "line": " ".join(f"{p.x},{p.y}" for p in points),
        "band": band if len(points) > 1 else "",
        "points": points,
        "bars": bars,
        "zero": _y(0, top, height),
        "ticks": [(v, _y(v, top, height)) for v in (100, 50, 0, -50, -100)],
    }


TICK_CHAR_WIDTH = 6.5  # px per character of the charts' 11 px tick labels, with some room


def label_every(step: float, chars: int) -> int:
    """Name every how-many-th period under the bars so that the names never overlap."""
    needed = chars * TICK_CHAR_WIDTH + 8
    return max(1, math.ceil(needed / step)) if step > 0 else 1


def distribution(counts: dict[int, int], width: int = 440, height: int = 140) -> dict:
    """How many answers gave each score 0–10, coloured by category."""
    most = max(counts.values(), default=0) or 1
    step = width / 11
    bars = []
    for score in range(11):
        n = counts.get(score, 0)
        h = round(height * n / most, 1)
        bars.append(
            {
                "score": score,
                "n": n,
                "x": round(step * score + 2, 1),
                "w": round(step - 4, 1),
                "y": round(height - h, 1),
                "h": h,
                "color": COLORS[category(score)],
            }
        )
    return {"width": width, "height": height + 20, "plot_h": height, "bars": bars, "step": step}


def segments(groups: list[tuple[str, Summary]], width: int = 680, row: int = 26, label_w: int = 220) -> dict:
    """Horizontal NPS bars per segment, from the zero line, with margin-of-error whiskers."""
    plot = width - label_w - 140
    zero = label_w + plot / 2
    rows = []
    for i, (label, s) in enumerate(groups):
        nps, moe = s.nps or 0, s.margin_of_error or 0
        end = zero + plot / 2 * nps / 100
        rows.append(
            {
                "label": label,  # the page says "(none)" in its language
                "summary": s,
                "y": i * row + 4,
                "x": round(min(zero, end), 1),
                "w": round(abs(end - zero), 1),
                "lo": round(zero + plot / 2 * max(-100, nps - moe) / 100, 1),
                "hi": round(zero + plot / 2 * min(100, nps + moe) / 100, 1),
                "color": COLORS["promoter"] if nps >= 0 else COLORS["detractor"],
            }
        )
    return {"width": width, "height": len(rows) * row + 8, "zero": zero, "rows": rows, "label_w": label_w, "row": row}
