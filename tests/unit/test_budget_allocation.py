"""Sharing a total between wards by the published formulas."""
from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.budgeting.allocation import AllocationError, WardFigures, share


def test_equal_shares_split_the_pounds_left_by_rounding_to_the_first_wards():
    assert share(100, [WardFigures(1), WardFigures(2), WardFigures(3)], "equal") == {1: 34, 2: 33, 3: 33}


def test_population_shares_follow_residents():
    wards = [WardFigures(1, population=6000), WardFigures(2, population=3000), WardFigures(3, population=1000)]
    assert share(100_000, wards, "population") == {1: 60_000, 2: 30_000, 3: 10_000}


def test_deprivation_gives_a_most_deprived_ward_twice_a_least_deprived_one_of_its_size():
    wards = [WardFigures(1, population=5000, deprivation=1), WardFigures(2, population=5000, deprivation=0)]
    assert share(90_000, wards, "deprivation") == {1: 60_000, 2: 30_000}


@pytest.mark.parametrize("wards, formula, message", [
    ([WardFigures(1, population=None)], "population", "no population"),
    ([WardFigures(1, population=10, deprivation=None)], "deprivation", "deprivation index"),
    ([WardFigures(1, population=10, deprivation=Fraction(3, 2))], "deprivation", "deprivation index"),
    ([WardFigures(1)], "lottery", "unknown formula"),
])
def test_missing_figures_are_refused_with_the_reason(wards, formula, message):
    with pytest.raises(AllocationError, match=message):
        share(1000, wards, formula)


@given(total=st.integers(min_value=0, max_value=10**9),
       figures=st.lists(st.tuples(st.integers(min_value=1, max_value=10**6), st.fractions(min_value=0, max_value=1)),
                        min_size=1, max_size=30),
       formula=st.sampled_from(["equal", "population", "deprivation"]))
def test_shares_always_add_up_to_the_total_and_differ_from_exact_by_under_a_pound(total, figures, formula):
    wards = [WardFigures(i, population=p, deprivation=d) for i, (p, d) in enumerate(figures)]
    amounts = share(total, wards, formula)
    assert sum(amounts.values()) == total and all(a >= 0 for a in amounts.values())
    from app.budgeting.allocation import weights

    w = weights(wards, formula)
    for ward, weight in zip(wards, w):
        assert abs(amounts[ward.ward_id] - Fraction(total) * weight / sum(w)) < 1
