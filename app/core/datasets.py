"""The dataset registry and the one export helper (CSV, streaming XLSX, JSON).

Modules register datasets; `/open-data` lists them and serves each in every format. No
personal data goes into a dataset: residents appear pseudonymously or not at all.
"""
from __future__ import annotations

import csv
import io
import json
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Callable, Iterable, Iterator

from flask import Response, stream_with_context
from flask_babel import lazy_gettext as _l

from app.core.registry import Catalogue

OGL = "OGL-UK-3.0"
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
# Spreadsheet programs run cells that start with these as formulas (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class DatasetField:
    name: str
    type: str  # string, integer, number, boolean, date, datetime
    meaning: Any  # lazy string


@dataclass
class Dataset:
    """One published dataset. `rows(council_id)` yields dicts keyed by field name, in ascending
    order of `key` (the fields that identify a row: the API pages by them, so each dataset's
    order is checked by a test). `rows_after(council_id, key)`, when given, yields only the rows
    after that key, so that a page deep in a large dataset does not read every row before it.

    `ward_field`, `status_field` and `date_field` name the fields the API can filter on:
    a ward code (or codes separated by "; "), a status, and a date or time."""
    name: str  # URL slug
    title: Any
    description: Any
    fields: list[DatasetField]
    rows: Callable[..., Iterable[dict[str, Any]]]  # council_id -> rows, fields by name
    licence: str = OGL
    update_frequency: Any = field(default_factory=lambda: _l("daily"))
    key: tuple[str, ...] = ("id",)
    rows_after: Callable[[int, tuple], Iterable[dict[str, Any]]] | None = None
    ward_field: str | None = None
    status_field: str | None = None
    date_field: str | None = None
    # How often it changes, as DCAT's accrualPeriodicity (Dublin Core frequency vocabulary).
    frequency_uri: str = "http://purl.org/cld/freq/continuous"

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def filters(self) -> list[str]:
        """The API's filters this dataset takes."""
        return [name for name, field_name in (("ward", self.ward_field), ("status", self.status_field),
                                              ("since", self.date_field), ("until", self.date_field)) if field_name]


datasets = Catalogue("dataset")


def register_dataset(dataset: Dataset) -> None:
    datasets.add(dataset.name, dataset)


def streamed(result) -> Iterator[Any]:
    """Rows of a streamed (yield_per) result, closed even when the reader stops early (an API
    page): on PostgreSQL the result holds a server-side cursor until it is closed."""
    try:
        yield from result
    finally:
        result.close()


def csv_cell(value: Any) -> str:
    """A cell as text, with a leading apostrophe where a spreadsheet would see a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if not isinstance(value, str):
        return str(value)  # numbers such as -5 are data, not formulas
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def json_value(value: Any) -> Any:
    """A value as JSON for downloads and the API alike: times in UTC with their zone (stored
    in UTC; SQLite hands them back without one), dates as ISO dates, decimals as numbers, as
    the data dictionaries say."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return aware.astimezone(timezone.utc).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _xlsx_value(value: Any) -> Any:
    """Spreadsheet cells keep their types: numbers, dates and times stay what they are. Excel has
    no time zones, so an aware time is written as UTC."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("", value)  # one stray control character must not fail the file
    return value


def iter_csv(fields: list[str], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(fields)
    for row in rows:
        writer.writerow([csv_cell(row.get(name)) for name in fields])
        if buffer.tell() > 65536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(fields: list[str], rows: Iterable[dict[str, Any]], target) -> None:
    """Write-only openpyxl: rows go to disk as they come, so memory stays flat."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")
    sheet.append(fields)
    for row in rows:
        cells = []
        for name in fields:
            value = _xlsx_value(row.get(name))
            if isinstance(value, str) and value.startswith(FORMULA_STARTS):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"  # text, never a formula
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    book.save(target)


def export_response(fmt: str, filename: str, fields: list[str], rows: Iterable[dict[str, Any]]) -> Response:
    """The one way to send a download: CSV and JSON stream; XLSX is spooled to a temporary file.

    Pass rows from a generator function, so the query runs while the response streams (inside
    the request's context) rather than before the view returns."""
    disposition = {"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'}
    if fmt == "csv":
        return Response(stream_with_context(iter_csv(fields, rows)), mimetype="text/csv", headers=disposition)
    if fmt == "json":
        def generate() -> Iterator[str]:
            yield "["
            for i, row in enumerate(rows):
                yield ("," if i else "") + json.dumps({k: json_value(row.get(k)) for k in fields}, ensure_ascii=False)
            yield "]\n"
        return Response(stream_with_context(generate()), mimetype="application/json", headers=disposition)
    if fmt == "xlsx":
        spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
        write_xlsx(fields, rows, spool)
        spool.seek(0)

        def chunks() -> Iterator[bytes]:
            with spool:
                while block := spool.read(65536):
                    yield block
        return Response(chunks(), headers=disposition,
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    raise ValueError(f"unknown format {fmt}")
