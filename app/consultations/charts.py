"""Horizontal bar charts of a question's results, drawn on the server as SVG: no script, and the
same figures in a table beside each chart for screen readers."""
from __future__ import annotations

from dataclasses import dataclass

from app.core.bilingual import pick_for_reader


@dataclass
class HBar:
    y: float
    width: float
    label: str
    value_label: str


@dataclass
class HBarChart:
    width: int
    height: int
    label_width: int
    bar_height: float
    bars: list[HBar]


def summary_chart(summary: dict) -> HBarChart | None:
    """summary: one entry of services.snapshot(): {"kind", "rows": [[label, value], ...]}."""
    rows = summary.get("rows") or []
    if not rows or summary.get("kind") in ("short_text", "long_text", "ranking"):
        return None  # a ranking is a table of average places: bars would make first place the shortest
    width, label_width, bar_height, gap = 560, 200, 22, 8
    values = [float(value) for _label, value in rows]
    top = max(values) or 1.0
    bars = []
    for i, (label, value) in enumerate(rows):
        text = pick_for_reader(label)["text"]
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        if summary.get("kind") == "budget":
            shown = f"£{float(value):,.0f}"
        bars.append(HBar(y=i * (bar_height + gap), width=(width - label_width - 60) * float(value) / top,
                         label=text[:32] + ("…" if len(text) > 32 else ""), value_label=shown))
    return HBarChart(width, int(len(rows) * (bar_height + gap)), label_width, bar_height, bars)
