"""Counting rules for participatory budgeting, over plain data: project costs, a budget, and
ballots as sets of approved project ids. No Flask here.

Each rule selects exactly what pabutools 1.2.3 (the reference, used in the tests, never in the
app) selects with the same settings; DESIGN.md (`flask pb count`) lists them:

- greedy, utility "cost": most votes first, skipping what no longer fits
  (`greedy_utilitarian_welfare(..., sat_class=Cost_Sat)`);
- greedy, utility "approvals": most votes per unit of cost (`Cardinality_Sat`);
- Method of Equal Shares with either utility (`method_of_equal_shares`), and with "add1"
  completion: raise every voter's share by one unit and count again, until the outcome is
  exhaustive or would cost more than the budget (`voter_budget_increment=1`).

Ties go to the smaller project id in string order, as pabutools breaks them by default.

Equal Shares works on arrays: voters with identical ballots are counted as one group (they
always hold the same budget), and each project's price is found from its supporters' budgets
in a few vectorised steps. pabutools counts in exact fractions; floats are much faster and
give the same outcome except at near-ties, so any decision that falls within a relative 1e-9
(two projects nearly equally affordable, a project nearly exactly affordable) makes the whole
count run again in exact fractions.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from math import inf
from typing import Iterable

import numpy as np

RULES = ("greedy", "equal-shares")
UTILITIES = ("cost", "approvals")
COMPLETIONS = ("none", "add1")
NEAR = 1e-9


@dataclass(frozen=True, eq=False)
class Election:
    """An election as the rules read it. Build it with `Election.of`, which also lays the
    ballots out for counting: voters with identical ballots as one group of that size, and
    for each project the groups that approve it (arrays, so counting need not walk ballots)."""
    budget: Fraction
    costs: dict[str, Fraction]  # project id -> cost
    voters: int
    groups: tuple[frozenset[str], ...]  # the distinct ballots
    group_sizes: np.ndarray  # voters per distinct ballot
    supporters: dict[str, np.ndarray]  # project -> indices of the groups approving it

    @classmethod
    def of(cls, budget, costs: dict, ballots: Iterable[Iterable[str]]) -> Election:
        known = {str(p): Fraction(c) for p, c in costs.items()}
        counted = Counter(frozenset(str(p) for p in ballot if str(p) in known) for ballot in ballots)
        groups = tuple(counted)
        ids = sorted(known)
        position = {p: i for i, p in enumerate(ids)}
        lengths = np.fromiter((len(g) for g in groups), dtype=np.int64, count=len(groups))
        flat = np.fromiter((position[p] for g in groups for p in g), dtype=np.int64, count=int(lengths.sum()))
        owner = np.repeat(np.arange(len(groups), dtype=np.int64), lengths)
        order = np.argsort(flat, kind="stable")
        bounds = np.searchsorted(flat[order], np.arange(len(ids) + 1))
        supporters = {p: owner[order[bounds[i]:bounds[i + 1]]] for i, p in enumerate(ids)}
        sizes = np.fromiter((counted[g] for g in groups), dtype=np.float64, count=len(groups))
        return cls(Fraction(budget), known, sum(counted.values()), groups, sizes, supporters)

    @property
    def ballots(self) -> list[frozenset[str]]:
        return [g for g, size in zip(self.groups, self.group_sizes) for _ in range(int(size))]


def count(election: Election, rule: str = "equal-shares", utility: str = "cost",
          completion: str = "add1") -> list[str]:
    """The selected project ids, in the order the rule chose them."""
    if rule not in RULES or utility not in UTILITIES or completion not in COMPLETIONS:
        raise ValueError(f"unknown rule, utility or completion: {rule}, {utility}, {completion}")
    if rule == "greedy":
        return greedy(election, utility)
    return equal_shares(election, utility, add1=completion == "add1")


# --- Greedy -------------------------------------------------------------------------------------

def greedy(election: Election, utility: str = "cost") -> list[str]:
    approvals = {p: int(election.group_sizes[groups].sum()) for p, groups in election.supporters.items()}
    ids = sorted(election.costs)

    def density(project: str):
        cost, votes = election.costs[project], approvals[project]
        total = cost * votes if utility == "cost" else Fraction(votes)
        if total > 0:
            return total / cost if cost > 0 else inf
        return Fraction(0)

    order = sorted(range(len(ids)), key=lambda i: (-density(ids[i]), i))
    remaining, chosen = election.budget, []
    for i in order:
        cost = election.costs[ids[i]]
        if cost <= remaining:
            chosen.append(ids[i])
            remaining -= cost
    return chosen


# --- Method of Equal Shares ---------------------------------------------------------------------

class _NearTie(Exception):
    """A decision too close to call in floating point: count again exactly."""


@dataclass
class _Setup:
    candidates: list[str]  # projects someone supports, with a cost above zero, in id order
    free: list[str]  # supported projects that cost nothing: pabutools selects them first
    cost: dict[str, Fraction]
    sat: dict[str, Fraction]  # each supporter's utility: the cost, or 1


def _setup(election: Election, utility: str) -> _Setup:
    sat = {p: (c if utility == "cost" else Fraction(1)) for p, c in election.costs.items()}
    supported = [p for p in sorted(election.costs) if len(election.supporters[p]) and sat[p] > 0]
    return _Setup(candidates=[p for p in supported if election.costs[p] > 0],
                  free=[p for p in supported if election.costs[p] == 0], cost=election.costs, sat=sat)


def equal_shares(election: Election, utility: str = "cost", add1: bool = False) -> list[str]:
    if not election.voters:
        return []
    setup = _setup(election, utility)
    try:
        return _equal_shares(election, setup, _FloatCount(election, setup), add1)
    except _NearTie:
        return _equal_shares(election, setup, _ExactCount(election, setup), add1)


def _equal_shares(election: Election, setup: _Setup, counter, add1: bool) -> list[str]:
    share = election.budget / election.voters
    if not add1:
        return setup.free + counter.run(share)
    previous = list(setup.free)
    while True:
        outcome = setup.free + counter.run(share)
        spent = sum(setup.cost[p] for p in outcome)
        if spent > election.budget:
            return previous
        chosen = set(outcome)
        if all(p in chosen or setup.cost[p] + spent > election.budget for p in setup.candidates):
            return outcome  # exhaustive: nothing more fits
        share += 1
        previous = outcome


class _FloatCount:
    def __init__(self, election: Election, setup: _Setup):
        self.setup = setup
        self.sizes = election.group_sizes
        self.index = {p: election.supporters[p] for p in setup.candidates}
        self.cost = {p: float(setup.cost[p]) for p in setup.candidates}
        self.sat = {p: float(setup.sat[p]) for p in setup.candidates}
        self.sizes_of = {p: self.sizes[self.index[p]] for p in setup.candidates}
        self.initial = {p: self.cost[p] / (self.sat[p] * self.sizes_of[p].sum()) for p in setup.candidates}

    def _price(self, project: str, budgets: np.ndarray, sizes: np.ndarray) -> float:
        """The smallest price per unit of utility at which the supporters can pay the cost, each
        paying at most what they have left (those who cannot pay the price pay everything)."""
        cost, sat = self.cost[project], self.sat[project]
        rich = np.ones(len(budgets), dtype=bool)
        paid, rich_size = 0.0, float(sizes.sum())
        price = cost / (sat * rich_size)
        while True:
            poor = rich & (budgets < price * sat)
            if not poor.any():
                return price
            paid += float((budgets[poor] * sizes[poor]).sum())
            rich_size -= float(sizes[poor].sum())
            rich &= ~poor
            if rich_size <= 0:
                raise _NearTie  # only rounding can get here: the project was checked affordable
            price = (cost - paid) / (sat * rich_size)

    def run(self, share: Fraction) -> list[str]:
        budgets = np.full(len(self.sizes), float(share))
        remaining = set(self.setup.candidates)
        bound = dict(self.initial)  # a lower bound on each price: prices only rise as budgets fall
        chosen: list[str] = []
        while remaining:
            best, tied = inf, []
            for project in sorted(remaining, key=lambda p: (bound[p], p)):
                if bound[project] > best * (1 + NEAR):
                    break
                idx, sizes = self.index[project], self.sizes_of[project]
                held = budgets[idx]
                available = float((held * sizes).sum())
                cost = self.cost[project]
                if abs(available - cost) <= NEAR * cost:
                    raise _NearTie
                if available < cost:
                    remaining.discard(project)
                    continue
                price = self._price(project, held, sizes)
                bound[project] = price
                if best != inf and abs(price - best) <= NEAR * best:
                    raise _NearTie
                if price < best:
                    best, tied = price, [project]
            if not tied:
                break
            project = tied[0]
            chosen.append(project)
            remaining.discard(project)
            idx = self.index[project]
            budgets[idx] -= np.minimum(budgets[idx], best * self.sat[project])
        return chosen


class _ExactCount:
    """The same count in exact fractions, as pabutools does it: for near-ties."""

    def __init__(self, election: Election, setup: _Setup):
        self.setup = setup
        self.sizes = [int(n) for n in election.group_sizes]
        self.supporters = {p: election.supporters[p].tolist() for p in setup.candidates}

    def run(self, share: Fraction) -> list[str]:
        setup, sizes = self.setup, self.sizes
        budgets = [share] * len(sizes)
        remaining = list(setup.candidates)
        chosen: list[str] = []
        while remaining:
            best, best_project = None, None
            for project in list(remaining):
                groups, cost, sat = self.supporters[project], setup.cost[project], setup.sat[project]
                if sum(budgets[g] * sizes[g] for g in groups) < cost:
                    remaining.remove(project)
                    continue
                paid, left = Fraction(0), sum(sizes[g] for g in groups) * sat
                for g in sorted(groups, key=lambda g: budgets[g]):
                    price = (cost - paid) / left
                    if price * sat <= budgets[g]:
                        break
                    paid += budgets[g] * sizes[g]
                    left -= sizes[g] * sat
                if best is None or price < best or (price == best and project < best_project):
                    best, best_project = price, project
            if best_project is None:
                break
            chosen.append(best_project)
            remaining.remove(best_project)
            sat = setup.sat[best_project]
            for g in self.supporters[best_project]:
                budgets[g] -= min(budgets[g], best * sat)
        return chosen
