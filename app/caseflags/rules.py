"""The combining rule for case flags: a pure function over plain data (no Flask, no database).

In plain words (the public rule page says the same, with the council's current numbers):

1. Each flag scores points for its severity: by default low 1, medium 2, high 3. A category can
   score differently (the council sets this, per category and severity).
2. Only flags still in force count: not withdrawn, not past their expiry date (flags lapse; 12
   months by default), and observed within the window (by default the last 180 days).
3. Flags recorded after the person opted out of data sharing are not combined.
4. A person or family reaches review when the counted flags add up to at least the threshold
   (by default 2 points) AND come from at least the minimum number of different services (by
   default 2). One service on its own already has its own ways to act; this rule is for
   concerns that only add up across services.
5. Reaching review does nothing by itself: a reviewer looks, decides (no further action, offer
   early support, or refer) and writes why.

Worked examples with the default rule, used as tests (tests/unit/test_caseflags_rules.py):

A. Housing records a low flag and Schools records a low flag, both this month: 1 + 1 = 2 points
   from 2 services. The family reaches review.
B. Housing records two medium flags: 4 points, but from 1 service. No review: Housing acts on
   its own concerns in its own way.
C. Housing records a high flag and Schools a low flag observed 200 days ago: the Schools flag
   is outside the 180-day window, so 3 points from 1 service. No review.
D. As in A, but the Schools flag was withdrawn after an appeal: 1 point from 1 service. No review.
E. As in A, but the person opted out of data sharing before Schools recorded its flag: the
   Schools flag is not combined. No review.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

SEVERITIES = ("low", "medium", "high")
DEFAULT_POINTS = {"low": 1, "medium": 2, "high": 3}


@dataclass(frozen=True)
class RuleConfig:
    window_days: int = 180
    threshold: int = 2
    min_services: int = 2
    default_points: dict = field(default_factory=lambda: dict(DEFAULT_POINTS))
    # {category code: {severity: points}}; a category not listed scores the default points.
    category_points: dict = field(default_factory=dict)

    def points_for(self, category: str, severity: str) -> int:
        return int(self.category_points.get(category, {}).get(severity, self.default_points.get(severity, 0)))

    def to_dict(self) -> dict:
        return {"window_days": self.window_days, "threshold": self.threshold, "min_services": self.min_services,
                "default_points": dict(self.default_points),
                "category_points": {k: dict(v) for k, v in self.category_points.items()}}

    @classmethod
    def from_dict(cls, data: dict) -> RuleConfig:
        return cls(window_days=int(data.get("window_days", 180)), threshold=int(data.get("threshold", 2)),
                   min_services=int(data.get("min_services", 2)),
                   default_points={**DEFAULT_POINTS, **(data.get("default_points") or {})},
                   category_points={k: dict(v) for k, v in (data.get("category_points") or {}).items()})


@dataclass(frozen=True)
class FlagFact:
    id: int
    service: str  # the team that recorded it
    category: str  # category code
    severity: str
    observed_on: date
    expires_on: date
    recorded_on: date
    withdrawn: bool = False


# Why a flag counted or not: stable codes the pages translate.
COUNTED, WITHDRAWN, LAPSED, OUTSIDE_WINDOW, AFTER_OPT_OUT, NOT_YET = (
    "counted", "withdrawn", "lapsed", "outside_window", "after_opt_out", "not_yet_observed")


@dataclass(frozen=True)
class Contribution:
    flag_id: int
    service: str
    category: str
    severity: str
    points: int  # what it adds (0 when it does not count)
    status: str  # one of the codes above


@dataclass(frozen=True)
class Change:
    """Something that would change the outcome.

    kind "points_needed": `amount` more points would be needed (with the services condition);
    "services_needed": flags from `amount` more services would be needed;
    "without_flag": without flag `flag_id` (withdrawn on appeal, say), the subject would no longer reach review;
    "lapses_on": on date `on`, as flags lapse or leave the window, the subject would no longer reach review."""
    kind: str
    amount: int | None = None
    flag_id: int | None = None
    on: date | None = None


@dataclass(frozen=True)
class Outcome:
    reaches_review: bool
    points: int
    services: tuple[str, ...]
    threshold: int
    min_services: int
    contributions: tuple[Contribution, ...]
    changes: tuple[Change, ...] = ()


def _status(flag: FlagFact, rule: RuleConfig, today: date, opted_out_on: date | None) -> str:
    if flag.withdrawn:
        return WITHDRAWN
    if flag.expires_on <= today:
        return LAPSED
    if flag.observed_on > today:
        return NOT_YET
    if flag.observed_on <= today - timedelta(days=rule.window_days):
        return OUTSIDE_WINDOW
    if opted_out_on is not None and flag.recorded_on >= opted_out_on:
        return AFTER_OPT_OUT
    return COUNTED


def _score(flags: list[FlagFact], rule: RuleConfig, today: date, opted_out_on: date | None):
    contributions = []
    for flag in sorted(flags, key=lambda f: (f.observed_on, f.id)):
        status = _status(flag, rule, today, opted_out_on)
        points = rule.points_for(flag.category, flag.severity) if status == COUNTED else 0
        contributions.append(Contribution(flag.id, flag.service, flag.category, flag.severity, points, status))
    points = sum(c.points for c in contributions)
    services = tuple(sorted({c.service for c in contributions if c.status == COUNTED}))
    reaches = points >= rule.threshold and len(services) >= rule.min_services
    return reaches, points, services, tuple(contributions)


def evaluate(flags: list[FlagFact], rule: RuleConfig, today: date, opted_out_on: date | None = None) -> Outcome:
    """Whether a subject reaches review on `today`, which flags contributed how much, and what
    would change the outcome."""
    reaches, points, services, contributions = _score(flags, rule, today, opted_out_on)
    changes: list[Change] = []
    if not reaches:
        if points < rule.threshold:
            changes.append(Change("points_needed", amount=rule.threshold - points))
        if len(services) < rule.min_services:
            changes.append(Change("services_needed", amount=rule.min_services - len(services)))
    else:
        for c in contributions:
            if c.status == COUNTED:
                rest = [f for f in flags if f.id != c.flag_id]
                if not _score(rest, rule, today, opted_out_on)[0]:
                    changes.append(Change("without_flag", flag_id=c.flag_id))
        counted = [f for f in flags if _status(f, rule, today, opted_out_on) == COUNTED]
        moments = sorted({d for f in counted for d in (f.expires_on, f.observed_on + timedelta(days=rule.window_days))})
        for moment in moments:
            if not _score(flags, rule, moment, opted_out_on)[0]:
                changes.append(Change("lapses_on", on=moment))
                break
    return Outcome(reaches, points, services, rule.threshold, rule.min_services, contributions, tuple(changes))


def age_band(date_of_birth: date | None, on: date) -> str:
    """The age band a fairness report counts a subject in."""
    if date_of_birth is None:
        return "unknown"
    age = on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    for upper, band in ((17, "0-17"), (24, "18-24"), (44, "25-44"), (64, "45-64")):
        if age <= upper:
            return band
    return "65+"


# The worked examples above as data: (label, [(service, severity, days ago, withdrawn)], opted out
# days ago or None). The public rule page runs them through the rule in force.
WORKED_EXAMPLES = [
    ("A", [("Housing", "low", 5, False), ("Schools", "low", 10, False)], None),
    ("B", [("Housing", "medium", 5, False), ("Housing", "medium", 20, False)], None),
    ("C", [("Housing", "high", 5, False), ("Schools", "low", 200, False)], None),
    ("D", [("Housing", "low", 5, False), ("Schools", "low", 10, True)], None),
    ("E", [("Housing", "low", 30, False), ("Schools", "low", 10, False)], 20),
]


def worked_examples(rule: RuleConfig, today: date) -> list[tuple[str, list, Outcome]]:
    """Each worked example with its outcome under `rule` (flags lapse a year after they were seen)."""
    results = []
    for label, flags, opted_days_ago in WORKED_EXAMPLES:
        facts = [FlagFact(i + 1, service, "example", severity, today - timedelta(days=ago),
                          today - timedelta(days=ago) + timedelta(days=365), today - timedelta(days=ago), withdrawn)
                 for i, (service, severity, ago, withdrawn) in enumerate(flags)]
        opted = today - timedelta(days=opted_days_ago) if opted_days_ago is not None else None
        results.append((label, flags, evaluate(facts, rule, today, opted)))
    return results


SMALL_COUNT = 5


def suppress(count: int) -> int | None:
    """A count as a fairness report may show it: None (shown as "fewer than 5") below 5, so that
    no one can be picked out of a small group."""
    return None if count < SMALL_COUNT else count
