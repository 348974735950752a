"""Sharing a council's participatory budget between wards: plain arithmetic, no Flask.

The formulas are published beside every process, so anyone can check a ward's share:

- equal: every ward the same;
- population: in proportion to residents;
- deprivation: in proportion to residents × (1 + deprivation index), the index running from
  0 (least deprived ward) to 1 (most deprived), so a most-deprived ward gets up to twice the
  share of a least-deprived ward of the same size (Paris gave more to poorer districts).

Amounts are whole pounds; the pounds left by rounding down go one each to the wards with the
largest remainders (ties to the ward listed first), so the shares always add up to the total."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

FORMULAS = ("equal", "population", "deprivation")


@dataclass(frozen=True)
class WardFigures:
    ward_id: int
    population: int | None = None
    deprivation: Fraction | float | None = None  # 0 to 1


class AllocationError(ValueError):
    """The figures the formula needs are missing or out of range; the message says which."""


def weights(wards: list[WardFigures], formula: str) -> list[Fraction]:
    if formula not in FORMULAS:
        raise AllocationError(f"unknown formula {formula!r}")
    if formula == "equal":
        return [Fraction(1)] * len(wards)
    found = []
    for ward in wards:
        if not ward.population or ward.population < 0:
            raise AllocationError(f"ward {ward.ward_id} has no population figure")
        weight = Fraction(ward.population)
        if formula == "deprivation":
            if ward.deprivation is None or not 0 <= Fraction(ward.deprivation) <= 1:
                raise AllocationError(f"ward {ward.ward_id} needs a deprivation index from 0 to 1")
            weight *= 1 + Fraction(ward.deprivation)
        found.append(weight)
    return found


def share(total: int, wards: list[WardFigures], formula: str) -> dict[int, int]:
    """{ward id: whole pounds}, adding up to `total`."""
    if total < 0:
        raise AllocationError("the total cannot be negative")
    if not wards:
        return {}
    found = weights(wards, formula)
    whole = sum(found)
    exact = [Fraction(total) * w / whole for w in found]
    amounts = [int(x) for x in exact]  # rounded down
    left = total - sum(amounts)
    by_remainder = sorted(range(len(wards)), key=lambda i: (-(exact[i] - amounts[i]), i))
    for i in by_remainder[:left]:
        amounts[i] += 1
    return {ward.ward_id: amount for ward, amount in zip(wards, amounts)}
