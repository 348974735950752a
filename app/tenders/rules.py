"""Pure rules for challenges: proportionate pre-qualification, standstill working days, weighted
scoring and ranking, the clarification deadline and the late-change rule. No Flask, no SQLAlchemy."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Iterable, Sequence

# The stated rule for proportionate pre-qualification (after the UK's PPN 03/23 and CITIE's
# "pre-qualification that new firms can meet"):
#  - a minimum annual turnover no more than twice the contract value;
#  - no more than two years of accounts (a new firm may have fewer, and may show other evidence);
#  - insurance cover no more than £1 million, or five times the contract value if that is more.
TURNOVER_MULTIPLE = Decimal(2)
MAX_YEARS_OF_ACCOUNTS = 2
INSURANCE_FLOOR = Decimal(1_000_000)
INSURANCE_MULTIPLE = Decimal(5)


@dataclass(frozen=True)
class Warning:
    field: str
    code: str
    limit: Decimal | int


def prequalification_warnings(contract_value: Decimal, min_turnover: Decimal | None, years_of_accounts: int | None,
                              insurance_level: Decimal | None) -> list[Warning]:
    """What in a pre-qualification asks more than the stated rule allows for this contract value."""
    warnings = []
    turnover_limit = contract_value * TURNOVER_MULTIPLE
    if min_turnover is not None and min_turnover > turnover_limit:
        warnings.append(Warning("min_turnover", "turnover", turnover_limit))
    if years_of_accounts is not None and years_of_accounts > MAX_YEARS_OF_ACCOUNTS:
        warnings.append(Warning("years_of_accounts", "accounts", MAX_YEARS_OF_ACCOUNTS))
    insurance_limit = max(INSURANCE_FLOOR, contract_value * INSURANCE_MULTIPLE)
    if insurance_level is not None and insurance_level > insurance_limit:
        warnings.append(Warning("insurance_level", "insurance", insurance_limit))
    return warnings


def add_working_days(start: date, days: int, holidays: Iterable[date] = ()) -> date:
    """The day `days` working days after `start` (Monday to Friday, not a bank holiday)."""
    off = set(holidays)
    current = start
    counted = 0
    while counted < days:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in off:
            counted += 1
    return current


def clarification_deadline(bid_deadline: datetime, days: int) -> datetime:
    return bid_deadline - timedelta(days=days)


def late_change_allowed(now: datetime, old_deadline: datetime, new_deadline: datetime, late_days: int,
                        min_extension_days: int) -> bool:
    """A change inside the last `late_days` before the deadline is refused unless the deadline
    moves at least `min_extension_days` later; and no change may bring a deadline forward into
    those last days."""
    if new_deadline < old_deadline and new_deadline - now < timedelta(days=late_days):
        return False
    if now < old_deadline - timedelta(days=late_days):
        return True
    return new_deadline - old_deadline >= timedelta(days=min_extension_days)


MAX_SCORE = 10


def weighted_total(scores: dict[int, int], weights: dict[int, int]) -> Decimal:
    """Weighted score out of 100: sum(weight × score) / (10 × sum of weights) × 100, two places."""
    total_weight = sum(weights.values())
    if not total_weight:
        return Decimal(0)
    points = sum(Decimal(weights[c]) * Decimal(scores.get(c, 0)) for c in weights)
    return (points * 100 / (MAX_SCORE * total_weight)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Ranked:
    bid_id: int
    total: Decimal
    rank: int


def rank(totals: Sequence[tuple[int, Decimal, Decimal]]) -> list[Ranked]:
    """(bid id, weighted total, price) -> ranked, highest total first; ties go to the lower price,
    then the earlier bid. Equal total and price share a rank."""
    ordered = sorted(totals, key=lambda t: (-t[1], t[2], t[0]))
    ranked: list[Ranked] = []
    for position, (bid_id, total, price) in enumerate(ordered, start=1):
        if ranked and ordered[position - 2][1] == total and ordered[position - 2][2] == price:
            ranked.append(Ranked(bid_id, total, ranked[-1].rank))
        else:
            ranked.append(Ranked(bid_id, total, position))
    return ranked


_CPV = re.compile(r"^(\d{8})(?:-\d)?$")


def parse_cpv(text: str) -> str | None:
    """'72000000-5' or '72000000' -> '72000000'; anything else -> None."""
    match = _CPV.match(text.strip())
    return match.group(1) if match else None


def cpv_prefix(code: str) -> str:
    """The significant digits of a code: '72200000' -> '722' (so it matches its sub-codes)."""
    stripped = code.rstrip("0")
    return stripped if len(stripped) >= 2 else code[:2]


def cpv_matches(alert_prefix: str, codes: Iterable[str]) -> bool:
    return not alert_prefix or any(c.startswith(alert_prefix) for c in codes)


def value_matches(value: Decimal, min_value: Decimal | None, max_value: Decimal | None) -> bool:
    return (min_value is None or value >= min_value) and (max_value is None or value <= max_value)
