#!/usr/bin/env python3
"""Counting ward budget elections: our rules against pabutools 1.2.3 on the same instances.

1. A generated election (fixed seed 2026): 100,000 approval ballots over 60 projects, each
   ballot approving 3 to 8 projects (uniformly), project costs 10,000 to 200,000 in steps of
   1,000, a budget of 3,000,000. Method of Equal Shares with cost utilities, without completion
   and with add1 completion: our time (median of 5, from the laid-out election) and the time to
   lay the ballots out (`Election.of`, median of 5), then pabutools once on the same instance,
   with the same outcome checked, and the speed ratio.
2. The whole of Warsaw 2026 (../shared/data/pabulib/poland_warszawa_2026_.pb, 61,668 voters):
   parse and count with Method of Equal Shares (cost utilities, no completion) in one process,
   median of 5; pabutools' parse and count once; and the wall time of `flask pb count` on the
   file with the same settings (which includes starting Python and the app).

Targets (ward budgets acceptance check 6): (1) under 50 ms without completion and under 1 s
with add1; (2) parse and count under 1 s. pabutools runs are capped by --pabutools-timeout
(default 600 s): past it the ratio is reported as "more than". Results: bench/results/budgeting-<date>.json.

    .venv/bin/python bench/budgeting.py [--skip-pabutools]

Casting ballots over HTTP (the third part of the check) needs the ballot pages, not built yet.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WARSAW = ROOT.parent / "shared" / "data" / "pabulib" / "poland_warszawa_2026_.pb"


def generated(seed: int = 2026):
    rng = random.Random(seed)
    costs = {str(i): rng.randint(10, 200) * 1000 for i in range(1, 61)}
    ids = sorted(costs)
    ballots = [rng.sample(ids, rng.randint(3, 8)) for _ in range(100_000)]
    return 3_000_000, costs, ballots


def median_time(fn, runs: int = 5):
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _pabutools_generated(queue, completion: str) -> None:
    from tests.unit.test_budget_rules import pabutools_select

    budget, costs, ballots = generated()
    started = time.perf_counter()
    selected = pabutools_select(budget, costs, ballots, "equal-shares", "cost", completion)
    queue.put((time.perf_counter() - started, selected))


def _pabutools_warsaw(queue) -> None:
    from pabutools.election import parse_pabulib
    from pabutools.election.satisfaction import Cost_Sat
    from pabutools.rules import method_of_equal_shares

    started = time.perf_counter()
    instance, profile = parse_pabulib(str(WARSAW))
    parsed = time.perf_counter()
    outcome = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
    queue.put((parsed - started, time.perf_counter() - parsed, sorted(p.name for p in outcome)))


def capped(target, args, timeout: int):
    queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=target, args=(queue, *args))
    started = time.perf_counter()
    process.start()
    process.join(timeout)
    if process.is_alive():
        process.kill()
        return None, time.perf_counter() - started
    return queue.get(), time.perf_counter() - started


def main() -> None:
    from app.budgeting import pabulib, rules

    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-pabutools", action="store_true")
    parser.add_argument("--pabutools-timeout", type=int, default=600)
    args = parser.parse_args()
    report: dict = {"date": date.today().isoformat(), "cpus": os.cpu_count(), "load_average_before": os.getloadavg()}

    budget, costs, ballots = generated()
    layout, election = median_time(lambda: rules.Election.of(budget, costs, ballots))
    generated_report: dict = {"ballots": len(ballots), "projects": len(costs), "layout_seconds_median": round(layout, 4)}
    for completion in ("none", "add1"):
        seconds, selected = median_time(lambda: rules.count(election, "equal-shares", "cost", completion))
        entry = {"ours_seconds_median": round(seconds, 4), "selected": len(selected)}
        if not args.skip_pabutools:
            result, waited = capped(_pabutools_generated, (completion,), args.pabutools_timeout)
            if result is None:
                entry.update(pabutools_seconds=f"more than {round(waited)}",
                             speed_ratio=f"more than {round(waited / seconds)}")
            else:
                entry.update(pabutools_seconds=round(result[0], 2), speed_ratio=round(result[0] / seconds),
                             same_outcome=sorted(selected) == result[1])
        generated_report[completion] = entry
        print(f"100,000 ballots, equal shares, completion {completion}: {entry}", flush=True)
    report["generated"] = generated_report

    def parse_and_count():
        pb = pabulib.read(WARSAW.read_text(encoding="utf-8"))
        return rules.count(rules.Election.of(pb.budget, pb.costs(), pb.approval_ballots()),
                           "equal-shares", "cost", "none")

    seconds, selected = median_time(parse_and_count)
    warsaw: dict = {"voters": 61668, "parse_and_count_seconds_median": round(seconds, 3)}
    env = {**os.environ, "FLASK_APP": "wsgi", "CC_ENV": "development"}
    started = time.perf_counter()
    cli = subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), "pb", "count", str(WARSAW), "--completion", "none"],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    warsaw["flask_pb_count_wall_seconds"] = round(time.perf_counter() - started, 2)
    warsaw["cli_same_as_in_process"] = json.loads(cli.stdout) == selected
    if not args.skip_pabutools:
        result, waited = capped(_pabutools_warsaw, (), args.pabutools_timeout)
        if result is not None:
            warsaw.update(pabutools_parse_seconds=round(result[0], 2), pabutools_count_seconds=round(result[1], 2),
                          same_outcome=sorted(selected) == result[2],
                          speed_ratio=round((result[0] + result[1]) / seconds))
    report["warsaw_2026"] = warsaw
    print(f"Warsaw 2026: {warsaw}", flush=True)
    report["load_average_after"] = os.getloadavg()
    out = ROOT / "bench" / "results" / f"budgeting-{report['date']}.json"
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()
