"""Bar charts of a question's results (app.core.charts), with the figures in a table beside each."""
from __future__ import annotations

from app.core.bilingual import pick_for_reader
from app.core.charts import HBarChart, hbar_chart


def summary_chart(summary: dict) -> HBarChart | None:
    """summary: one entry of services.snapshot(): {"kind", "rows": [[label, value], ...]}."""
    rows = summary.get("rows") or []
    if not rows or summary.get("kind") in ("short_text", "long_text", "ranking"):
        return None  # a ranking is a table of average places: bars would make first place the shortest
    shown_rows = []
    for label, value in rows:
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        if summary.get("kind") == "budget":
            shown = f"£{float(value):,.0f}"
        shown_rows.append((pick_for_reader(label)["text"], float(value), shown))
    return hbar_chart(shown_rows)
