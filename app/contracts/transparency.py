"""England's Local Government Transparency Code 2015: the quarterly list of contracts over £5,000."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.contracts.models import Contract
from app.core.models import Council, SizeBand
from app.extensions import db

THRESHOLD = Decimal("5000")
# The Code's fields, in its order.
TRANSPARENCY_FIELDS = [
    "reference_number", "title", "department", "description", "supplier_name", "supplier_company_number",
    "supplier_charity_number", "value", "vat_included", "start_date", "end_date", "review_date",
    "procurement_route", "supplier_is_sme", "supplier_is_vcse",
]
ROUTES = {"open": "Published invitation to tender", "selective": "Published invitation to tender",
          "challenge": "Published invitation to tender", "limited": "Invitation to quote", "direct": "Direct award"}


def quarter_bounds(label: str) -> tuple[date, date, str]:
    """'2026-Q3' -> (1 July 2026, 30 September 2026, '2026-Q3')."""
    match = re.fullmatch(r"(\d{4})-?Q([1-4])", label.strip().upper())
    if not match:
        raise ValueError("quarter must look like 2026-Q3")
    year, quarter = int(match.group(1)), int(match.group(2))
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1), f"{year}-Q{quarter}"


def transparency_rows(council: Council, start: date, end: date):
    """Contracts over £5,000 in force at any time in the quarter, one row per supplier."""
    contracts = db.session.scalars(select(Contract).where(
        Contract.council_id == council.id, Contract.amount > THRESHOLD, Contract.start_date <= end,
        Contract.end_date >= start).order_by(Contract.reference))
    for c in contracts:
        for s in c.suppliers:
            yield {
                "reference_number": c.reference, "title": c.title, "department": c.team.name if c.team else "",
                "description": c.description, "supplier_name": s.name,
                "supplier_company_number": s.company_number or "", "supplier_charity_number": s.charity_number or "",
                "value": c.amount, "vat_included": "yes" if c.vat_included else "no", "start_date": c.start_date,
                "end_date": c.end_date, "review_date": "", "procurement_route": ROUTES[c.procedure.value],
                "supplier_is_sme": "yes" if s.size_band in (SizeBand.MICRO, SizeBand.SMALL, SizeBand.MEDIUM) else "no",
                "supplier_is_vcse": "yes" if s.is_vcse else "no",
            }
