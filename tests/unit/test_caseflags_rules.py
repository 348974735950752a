"""The combining rule as a pure function, with the worked examples from its own documentation
(app/caseflags/rules.py and docs/caseflags-rule.md). No app, no database."""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, strategies as st

from app.caseflags import rules
from app.caseflags.rules import FlagFact, RuleConfig, evaluate

TODAY = date(2026, 11, 28)
DEFAULT = RuleConfig()


def flag(id, service, severity="low", days_ago=5, category="any", withdrawn=False, recorded_days_ago=None, lapse_days=365):
    observed = TODAY - timedelta(days=days_ago)
    recorded = TODAY - timedelta(days=days_ago if recorded_days_ago is None else recorded_days_ago)
    return FlagFact(id, service, category, severity, observed, observed + timedelta(days=lapse_days), recorded, withdrawn)


def test_the_default_rule_is_the_documented_one():
    assert (DEFAULT.window_days, DEFAULT.threshold, DEFAULT.min_services) == (180, 2, 2)
    assert DEFAULT.default_points == {"low": 1, "medium": 2, "high": 3}


def test_example_a_two_low_flags_from_two_services_reach_review():
    outcome = evaluate([flag(1, "Housing"), flag(2, "Schools")], DEFAULT, TODAY)
    assert outcome.reaches_review and outcome.points == 2 and outcome.services == ("Housing", "Schools")
    # Either flag withdrawn would end it: the explanation says so.
    assert {c.flag_id for c in outcome.changes if c.kind == "without_flag"} == {1, 2}


def test_example_b_one_service_alone_does_not_reach_review():
    outcome = evaluate([flag(1, "Housing", "medium"), flag(2, "Housing", "medium", 20)], DEFAULT, TODAY)
    assert not outcome.reaches_review and outcome.points == 4
    assert [(c.kind, c.amount) for c in outcome.changes] == [("services_needed", 1)]


def test_example_c_a_flag_outside_the_window_does_not_count():
    outcome = evaluate([flag(1, "Housing", "high"), flag(2, "Schools", "low", 200)], DEFAULT, TODAY)
    assert not outcome.reaches_review and outcome.points == 3
    assert outcome.contributions[0].status == rules.OUTSIDE_WINDOW and outcome.contributions[0].points == 0


def test_example_d_a_withdrawn_flag_does_not_count():
    outcome = evaluate([flag(1, "Housing"), flag(2, "Schools", withdrawn=True)], DEFAULT, TODAY)
    assert not outcome.reaches_review and outcome.points == 1
    assert {c.kind for c in outcome.changes} == {"points_needed", "services_needed"}


def test_example_e_flags_recorded_after_an_opt_out_are_not_combined():
    flags = [flag(1, "Housing", days_ago=30), flag(2, "Schools", days_ago=10)]
    outcome = evaluate(flags, DEFAULT, TODAY, opted_out_on=TODAY - timedelta(days=20))
    assert not outcome.reaches_review
    assert [c.status for c in outcome.contributions] == [rules.COUNTED, rules.AFTER_OPT_OUT]
    assert evaluate(flags, DEFAULT, TODAY).reaches_review  # without the opt-out it would


def test_flags_lapse_and_the_explanation_gives_the_date():
    flags = [flag(1, "Housing", days_ago=100, lapse_days=120), flag(2, "Schools", days_ago=5)]
    outcome = evaluate(flags, DEFAULT, TODAY)
    assert outcome.reaches_review
    lapse = [c for c in outcome.changes if c.kind == "lapses_on"]
    assert lapse and lapse[0].on == TODAY - timedelta(days=100) + timedelta(days=120)
    assert not evaluate(flags, DEFAULT, lapse[0].on).reaches_review
    assert evaluate(flags, DEFAULT, lapse[0].on).contributions[0].status == rules.LAPSED


def test_category_points_override_the_default():
    rule = RuleConfig(threshold=4, category_points={"rent": {"low": 3}})
    assert evaluate([flag(1, "Housing", category="rent"), flag(2, "Schools")], rule, TODAY).points == 4
    assert rule.points_for("rent", "medium") == 2  # not overridden for that severity


def test_the_rule_round_trips_through_its_stored_form():
    rule = RuleConfig(window_days=90, threshold=5, min_services=3, default_points={"low": 1, "medium": 3, "high": 5},
                      category_points={"x": {"high": 9}})
    assert RuleConfig.from_dict(rule.to_dict()) == rule


@given(st.lists(st.tuples(st.sampled_from(["Housing", "Schools", "Health"]), st.sampled_from(rules.SEVERITIES),
                          st.integers(0, 400), st.booleans()), max_size=8))
def test_reaching_review_is_exactly_points_and_services(items):
    flags = [flag(i, service, severity, days, withdrawn=w) for i, (service, severity, days, w) in enumerate(items)]
    outcome = evaluate(flags, DEFAULT, TODAY)
    counted = [c for c in outcome.contributions if c.status == rules.COUNTED]
    assert outcome.points == sum(DEFAULT.default_points[c.severity] for c in counted)
    assert outcome.reaches_review == (outcome.points >= 2 and len({c.service for c in counted}) >= 2)
    # Adding a flag never takes a case out of review (the rule is monotone).
    more = evaluate(flags + [flag(99, "Housing")], DEFAULT, TODAY)
    assert more.reaches_review or not outcome.reaches_review


def test_age_bands_and_small_counts():
    assert rules.age_band(date(2010, 11, 29), TODAY) == "0-17"
    assert rules.age_band(date(2008, 11, 28), TODAY) == "18-24"
    assert rules.age_band(None, TODAY) == "unknown"
    assert rules.age_band(date(1950, 1, 1), TODAY) == "65+"
    assert [rules.suppress(n) for n in (0, 4, 5, 12)] == [None, None, 5, 12]


def test_the_rule_page_examples_are_the_documented_ones():
    """The public page runs the same examples through the current rule."""
    outcomes = rules.worked_examples(DEFAULT, TODAY)
    assert [label for label, _flags, _o in outcomes] == ["A", "B", "C", "D", "E"]
    assert [o.reaches_review for _label, _flags, o in outcomes] == [True, False, False, False, False]
    assert [o.points for _label, _flags, o in outcomes] == [2, 4, 3, 1, 1]


def test_the_rule_and_the_channel_arithmetic_import_neither_flask_nor_sqlalchemy():
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "app"
    for path in (root / "caseflags" / "rules.py", root / "services" / "channels.py", root / "services" / "oruk.py"):
        modules = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules.add(node.module.split(".")[0])
        assert not modules & {"flask", "flask_babel", "sqlalchemy", "app"}, (path.name, modules)
