"""The pure tender rules: proportionate pre-qualification, working days, scoring, ranking, CPV."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from app.tenders import rules


def test_prequalification_rule_warns_only_past_the_stated_limits():
    value = Decimal(100_000)
    assert rules.prequalification_warnings(value, Decimal(200_000), 2, Decimal(1_000_000)) == []
    found = rules.prequalification_warnings(value, Decimal(200_001), 3, Decimal(1_000_001))
    assert [(w.field, w.limit) for w in found] == [("min_turnover", Decimal(200_000)), ("years_of_accounts", 2),
                                                    ("insurance_level", Decimal(1_000_000))]
    # Insurance may be five times a large contract's value.
    assert rules.prequalification_warnings(Decimal(400_000), None, None, Decimal(2_000_000)) == []
    assert rules.prequalification_warnings(value, None, None, None) == []


def test_standstill_counts_eight_working_days_skipping_weekends_and_bank_holidays():
    friday = date(2026, 12, 18)
    assert rules.add_working_days(friday, 8) == date(2026, 12, 30)
    holidays = [date(2026, 12, 25), date(2026, 12, 28)]
    assert rules.add_working_days(friday, 8, holidays) == date(2027, 1, 1)


def test_weighted_total_and_ranking_break_ties_on_price_then_share_a_rank():
    weights = {1: 60, 2: 40}
    assert rules.weighted_total({1: 10, 2: 10}, weights) == Decimal("100.00")
    assert rules.weighted_total({1: 5, 2: 10}, weights) == Decimal("70.00")
    ranked = rules.rank([(1, Decimal(70), Decimal(500)), (2, Decimal(80), Decimal(900)),
                         (3, Decimal(70), Decimal(400)), (4, Decimal(70), Decimal(400))])
    assert [(r.bid_id, r.rank) for r in ranked] == [(2, 1), (3, 2), (4, 2), (1, 4)]


def test_late_change_needs_the_deadline_moved_by_the_minimum():
    deadline = datetime(2027, 3, 31, 12, tzinfo=timezone.utc)
    early = deadline - timedelta(days=10)
    late = deadline - timedelta(days=2)
    assert rules.late_change_allowed(early, deadline, deadline, 3, 5)
    assert not rules.late_change_allowed(late, deadline, deadline + timedelta(days=4), 3, 5)
    assert rules.late_change_allowed(late, deadline, deadline + timedelta(days=5), 3, 5)
    # Bringing a deadline forward into its last days is a late change too.
    assert not rules.late_change_allowed(early, deadline, early + timedelta(days=2), 3, 5)
    assert rules.late_change_allowed(early, deadline, early + timedelta(days=4), 3, 5)


def test_cpv_codes_parse_and_match_by_prefix():
    assert rules.parse_cpv("72000000-5") == "72000000"
    assert rules.parse_cpv("7200000") is None
    assert rules.cpv_prefix("72200000") == "722"
    assert rules.cpv_prefix("90000000") == "90"
    assert rules.cpv_matches("72", ["72200000"]) and not rules.cpv_matches("722", ["72500000"])
    assert rules.cpv_matches("", ["03000000"])
    assert rules.value_matches(Decimal(5), None, Decimal(5)) and not rules.value_matches(Decimal(5), Decimal(6), None)


def test_rules_import_no_flask_or_sqlalchemy():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(rules.__file__).read_text())
    names = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
             for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])}
    assert not names & {"flask", "sqlalchemy", "app"}
