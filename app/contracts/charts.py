"""Server-rendered SVG charts: no JavaScript, readable by screen readers through a title and a
table beside each chart with the same numbers."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value_label: str


@dataclass
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    target_y: float | None
    target_label: str
    title: str


def spend_chart(years, target: float) -> BarChart:
    """Share of contract value with small firms and VCSEs per year, with the target as a line."""
    width, height, left, bottom, top = 480, 220, 40, 30, 10
    plot_h = height - bottom - top
    n = max(1, len(years))
    slot = (width - left - 10) / n
    bars = []
    for i, row in enumerate(years):
        share = max(0.0, min(100.0, row.share))
        h = plot_h * share / 100
        bars.append(Bar(x=left + i * slot + slot * 0.2, y=top + plot_h - h, width=slot * 0.6, height=h,
                        label=str(row.year), value_label=f"{share:.0f}%"))
    target_y = top + plot_h - plot_h * target / 100
    target_text = f"{target:g}"
    return BarChart(width, height, bars, target_y, _("Target %(target)s%%", target=target_text),
                    _("Share of contract value with small firms and VCSEs, by year"))


@dataclass
class LineChart:
    width: int
    height: int
    points: str
    dots: list[tuple[float, float, str]]
    target_y: float | None
    title: str


def kpi_chart(kpi) -> LineChart | None:
    reports = kpi.reports
    if not reports:
        return None
    width, height, pad = 320, 120, 12
    values = [float(r.value) for r in reports] + [float(kpi.target)]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = (width - 2 * pad) / max(1, len(reports) - 1)

    def y(value: float) -> float:
        return height - pad - (value - low) / span * (height - 2 * pad)

    dots = [(pad + i * step, y(float(r.value)), f"{r.period_end.isoformat()}: {r.value}") for i, r in enumerate(reports)]
    points = " ".join(f"{x:.1f},{yv:.1f}" for x, yv, _label in dots)
    target_text = f"{Decimal(kpi.target):g}"
    return LineChart(width, height, points, dots, y(float(kpi.target)),
                     _("Reported values over time against the target of %(target)s", target=target_text))
