"""CSV upload of monthly figures: transactions per channel and the values of published measures.

Every row is checked, every error reported by row and column, and nothing is saved unless every
row is right. Pure: the lookups are passed in.

Columns: service, month (YYYY-MM), online, phone, face_to_face, kiosk, post; any further column
is the name of a measure the service publishes (for example "Days to resolve").
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Callable

from app.contracts.importing import RowError
from app.services.models import CHANNELS

REQUIRED = ["service", "month"]
COLUMNS = REQUIRED + CHANNELS
MAX_ROWS = 5000
MAX_DIGITS = 9  # transactions a month in one channel: an Integer column
MAX_MEASURE = Decimal("1e10")  # a measure's value: Numeric(12, 2)
EXAMPLE_ROWS = [["Council tax", "2026-01", "5200", "2100", "310", "95", "40"]]


@dataclass
class FigureRow:
    row: int
    service: str
    month: date
    volumes: dict[str, int] = field(default_factory=dict)
    measures: dict[str, Decimal] = field(default_factory=dict)


def template_csv(measure_names: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS + list(measure_names or []))
    for row in EXAMPLE_ROWS:
        writer.writerow(row + [""] * len(measure_names or []))
    return out.getvalue()


def _month(text: str) -> date | None:
    try:
        year, month = text.split("-")[:2]
        if len(year) != 4:
            return None
        return date(int(year), int(month), 1)
    except ValueError:
        return None


def parse(text: str, *, service_exists: Callable[[str], bool], measure_exists: Callable[[str, str], bool],
          messages: dict[str, str], today: date | None = None) -> tuple[list[FigureRow], list[RowError]]:
    """Read and check every row. `messages` holds the translated texts (keys used below)."""
    today = today or date.today()
    rows: list[FigureRow] = []
    errors: list[RowError] = []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [(h or "").strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], [RowError(1, c, messages["missing_column"]) for c in missing]
    if not any(c in header for c in CHANNELS) and len(header) == len(REQUIRED):
        return [], [RowError(1, "", messages["no_figures"])]
    measure_columns = [h for h in header if h and h not in COLUMNS]
    seen: dict[tuple[str, date], int] = {}
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            errors.append(RowError(number, "", messages["too_many_rows"]))
            break
        values = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k}
        if not any(values.values()):
            continue
        row_errors: list[RowError] = []

        def fail(column: str, key: str) -> None:
            row_errors.append(RowError(number, column, messages[key]))

        service = values.get("service", "")
        if not service:
            fail("service", "required")
        elif not service_exists(service):
            fail("service", "unknown_service")
        month = _month(values.get("month", ""))
        if not values.get("month"):
            fail("month", "required")
        elif month is None:
            fail("month", "month")
        elif month > today:
            fail("month", "future_month")
        volumes: dict[str, int] = {}
        for channel in CHANNELS:
            cell = values.get(channel, "").replace(",", "")
            if not cell:
                continue
            # ASCII digits only ("²".isdigit() is true, int() refuses it), and no more than a
            # column holds: a cell the database cannot store is an error on the row, not a crash.
            if not (cell.isascii() and cell.isdigit()) or len(cell) > MAX_DIGITS:
                fail(channel, "whole_number")
            else:
                volumes[channel] = int(cell)
        measures: dict[str, Decimal] = {}
        for name in measure_columns:
            cell = values.get(name, "").replace(",", "")
            if not cell:
                continue
            try:
                measures[name] = Decimal(cell)
                if not measures[name].is_finite() or abs(measures[name]) >= MAX_MEASURE:
                    raise InvalidOperation
            except InvalidOperation:
                fail(name, "number")
                continue
            if service and service_exists(service) and not measure_exists(service, name):
                fail(name, "unknown_measure")
        if month is not None and service:
            key = (service.lower(), month)
            if key in seen:
                fail("month", "duplicate")
            seen.setdefault(key, number)
        if not volumes and not measures and not row_errors:
            fail("", "empty_row")
        if row_errors:
            errors.extend(row_errors)
            continue
        assert month is not None
        rows.append(FigureRow(number, service, month, volumes, measures))
    return rows, errors
