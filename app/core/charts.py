"""Horizontal bar charts drawn on the server as SVG (`_macros/charts.html`): no script, and every
page that shows one also gives the same figures in a table for screen readers."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class HBar:
    y: float
    width: float
    label: str
    value_label: str
    highlight: bool = False


@dataclass
class HBarChart:
    width: int
    height: int
    label_width: int
    bar_height: float
    bars: list[HBar]


def hbar_chart(rows: list[tuple[str, float, str]], highlight: set[int] | None = None,
               width: int = 560, label_width: int = 200) -> HBarChart | None:
    """rows: (label, value, value as shown); `highlight`: the rows to draw marked (e.g. selected)."""
    if not rows:
        return None
    bar_height, gap = 22, 8
    top = max(float(value) for _label, value, _shown in rows) or 1.0
    bars = [HBar(y=i * (bar_height + gap), width=(width - label_width - 60) * float(value) / top,
                 label=label[:32] + ("…" if len(label) > 32 else ""), value_label=shown,
                 highlight=i in (highlight or set()))
            for i, (label, value, shown) in enumerate(rows)]
    return HBarChart(width, int(len(rows) * (bar_height + gap)), label_width, bar_height, bars)
