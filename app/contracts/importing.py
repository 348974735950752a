"""CSV import of contracts awarded elsewhere: every row checked, every error reported by row and
column, and nothing saved unless every row is right. Pure: lookups are passed in."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Callable

COLUMNS = ["reference", "title", "description", "department", "procedure", "cpv_codes", "amount", "currency",
           "vat_included", "date_awarded", "date_signed", "start_date", "end_date", "status", "supplier_name",
           "supplier_company_number", "supplier_charity_number", "supplier_size", "supplier_vcse"]
REQUIRED = ["title", "department", "procedure", "amount", "date_awarded", "start_date", "end_date", "supplier_name",
            "supplier_size"]
PROCEDURES = {"open", "selective", "limited", "direct", "challenge"}
STATUSES = {"active", "ended", "terminated"}
SIZES = {"micro", "small", "medium", "large"}
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}
MAX_ROWS = 5000

EXAMPLE_ROW = ["LIB-2026-01", "Library cleaning", "Cleaning of three branch libraries", "Finance and Procurement",
               "open", "90910000", "48000.00", "GBP", "no", "2026-01-15", "2026-01-20", "2026-02-01", "2027-01-31",
               "active", "Castell Facilities Services Ltd", "87654321", "", "medium", "no"]


@dataclass
class RowError:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    message: str

    def __iter__(self):  # (row, column, message), as the import_problems macro reads it
        return iter((self.row, self.column, self.message))


@dataclass
class ImportedRow:
    row: int
    values: dict = field(default_factory=dict)


def template_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow(EXAMPLE_ROW)
    return out.getvalue()


def parse(text: str, *, department_exists: Callable[[str], bool], messages: dict[str, str]) -> tuple[list[ImportedRow], list[RowError]]:
    """Read and check every row. `messages` holds the translated texts (keys below)."""
    rows: list[ImportedRow] = []
    errors: list[RowError] = []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], [RowError(1, c, messages["missing_column"]) for c in missing]
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            errors.append(RowError(number, "", messages["too_many_rows"]))
            break
        values = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        if not any(values.values()):
            continue
        row_errors: list[RowError] = []

        def fail(column: str, key: str) -> None:
            row_errors.append(RowError(number, column, messages[key]))

        for column in REQUIRED:
            if not values.get(column):
                fail(column, "required")
        parsed: dict = {}
        for column in ("date_awarded", "date_signed", "start_date", "end_date"):
            if values.get(column):
                try:
                    parsed[column] = date.fromisoformat(values[column])
                except ValueError:
                    fail(column, "date")
        if values.get("amount"):
            try:
                amount = Decimal(values["amount"].replace(",", "").replace("£", ""))
                if amount <= 0 or amount.as_tuple().exponent < -2:
                    raise InvalidOperation
                parsed["amount"] = amount
            except InvalidOperation:
                fail("amount", "amount")
        if values.get("procedure") and values["procedure"].lower() not in PROCEDURES:
            fail("procedure", "procedure")
        if values.get("status") and values["status"].lower() not in STATUSES:
            fail("status", "status")
        if values.get("supplier_size") and values["supplier_size"].lower() not in SIZES:
            fail("supplier_size", "size")
        for column in ("vat_included", "supplier_vcse"):
            if values.get(column, "").lower() not in YES | NO:
                fail(column, "yes_no")
        if values.get("currency") and len(values["currency"]) != 3:
            fail("currency", "currency")
        if values.get("department") and not department_exists(values["department"]):
            fail("department", "department")
        codes = [c.strip() for c in values.get("cpv_codes", "").replace(",", ";").split(";") if c.strip()]
        if any(not (c.replace("-", "").isdigit() and 8 <= len(c.replace("-", "")) <= 9) for c in codes):
            fail("cpv_codes", "cpv")
        if "start_date" in parsed and "end_date" in parsed and parsed["end_date"] < parsed["start_date"]:
            fail("end_date", "end_before_start")
        if row_errors:
            errors.extend(row_errors)
            continue
        rows.append(ImportedRow(number, {
            **values, **parsed, "procedure": values["procedure"].lower(), "status": (values.get("status") or "active").lower(),
            "cpv_codes": codes, "currency": (values.get("currency") or "GBP").upper(),
            "vat_included": values.get("vat_included", "").lower() in YES,
            "supplier_vcse": values.get("supplier_vcse", "").lower() in YES,
            "supplier_size": values["supplier_size"].lower()}))
    return rows, errors
