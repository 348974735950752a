"""Channel-shift arithmetic, the figures CSV check and the Open Referral UK mapping: pure functions."""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import jsonschema
from hypothesis import given, strategies as st

from app.services import channels, importing, oruk

ORUK = Path(__file__).resolve().parents[3] / "shared" / "data" / "oruk-3.0" / "schema" / "compiled"


def test_defaults_are_socitm_figures():
    assert channels.DEFAULT_UNIT_COSTS["online"] == Decimal("0.15")
    assert channels.DEFAULT_UNIT_COSTS["phone"] == Decimal("2.83")
    assert channels.DEFAULT_UNIT_COSTS["face_to_face"] == Decimal("8.62")


def test_projection_moves_transactions_in_proportion_and_costs_follow():
    p = channels.project({"online": 1000, "phone": 800, "face_to_face": 200}, channels.DEFAULT_UNIT_COSTS, Decimal(75))
    assert p.cost_now == Decimal("4138.00") and p.share_now == 50.0
    assert p.moved == 500 and [line.transactions for line in p.at_target] == [1500, 400, 100]
    assert p.cost_at_target == Decimal("2219.00") and p.saving == Decimal("1919.00")


def test_a_target_below_today_moves_nothing():
    p = channels.project({"online": 900, "phone": 100}, channels.DEFAULT_UNIT_COSTS, Decimal(50))
    assert p.moved == 0 and p.saving == 0


@given(st.dictionaries(st.sampled_from(channels.CHANNEL_ORDER), st.integers(0, 10**6), min_size=1),
       st.integers(0, 100))
def test_projection_keeps_every_transaction_and_never_costs_more(volumes, target):
    p = channels.project(volumes, channels.DEFAULT_UNIT_COSTS, Decimal(target))
    assert sum(line.transactions for line in p.at_target) == sum(volumes.values())
    assert all(line.transactions >= 0 for line in p.at_target)
    assert p.cost_at_target <= p.cost_now


def test_monthly_shares_and_last_months():
    volumes = {date(2025, m, 1): {"online": m * 10, "phone": 100} for m in range(1, 13)}
    volumes[date(2024, 12, 1)] = {"phone": 10}
    shares = channels.monthly_shares(volumes)
    assert shares[0].month == date(2024, 12, 1) and shares[0].share == 0.0
    assert round(shares[-1].share, 1) == round(120 / 220 * 100, 1)
    assert channels.last_months(volumes, 12)[0] == date(2025, 1, 1)


MESSAGES = {k: k for k in ["missing_column", "no_figures", "too_many_rows", "required", "unknown_service", "month",
                           "future_month", "whole_number", "number", "unknown_measure", "duplicate", "empty_row"]}


def parse(text):
    return importing.parse(text, service_exists=lambda s: s.lower() == "council tax",
                           measure_exists=lambda s, m: m == "Days", messages=MESSAGES, today=date(2026, 6, 1))


def test_every_problem_is_reported_by_row_and_column():
    rows, errors = parse("service,month,online,phone,Days,Other\n"
                         "Council tax,2026-01,10,5,2.5,\n"
                         "Nope,2026-99,x,5,,\n"
                         "Council tax,2027-01,1,1,,3\n"
                         "Council tax,2026-01,1,,,\n"
                         "Council tax,2026-02,,,,\n")
    assert [(e.row, e.column, e.message) for e in errors] == [
        (3, "service", "unknown_service"), (3, "month", "month"), (3, "online", "whole_number"),
        (4, "month", "future_month"), (4, "Other", "unknown_measure"), (5, "month", "duplicate"), (6, "", "empty_row")]
    assert len(rows) == 1 and rows[0].volumes == {"online": 10, "phone": 5} and rows[0].measures == {"Days": Decimal("2.5")}


def test_a_missing_column_stops_at_the_header():
    assert [(e.row, e.column) for e in parse("service,online\nCouncil tax,1\n")[1]] == [(1, "month")]


def test_the_template_parses_cleanly():
    rows, errors = parse(importing.template_csv())
    assert errors == [] and rows[0].volumes["online"] == 5200


def test_oruk_mapping_validates():
    org = oruk.council_organization(str(uuid.uuid4()), "Testshire Council", "The council.", "a@example.org", "https://x.example")
    record = oruk.service_record({"uuid": str(uuid.uuid4()), "name": "Bins", "description": "Collections.", "url": None,
                                  "email": None, "status": "active", "eligibility": "Everyone", "how_to_access": "",
                                  "phone": "01632 960000", "channels": ["online", "post"], "opening_hours": "Always",
                                  "wards": [("W05000001", "North")], "updated_at": datetime(2026, 1, 2, tzinfo=timezone.utc)},
                                 org)
    checker = jsonschema.FormatChecker()
    jsonschema.validate(record, json.loads((ORUK / "service.json").read_text()), format_checker=checker)
    listing = oruk.service_list([record], 1, 1, 50)
    jsonschema.validate(listing["contents"][0], json.loads((ORUK / "service_list.json").read_text()), format_checker=checker)
    assert listing["total_pages"] == 1 and listing["last_page"] and record["last_modified"] == "2026-01-02T00:00:00.000Z"
    assert "Phone: 01632 960000" in record["description"]
