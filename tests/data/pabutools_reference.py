"""Record what pabutools 1.2.3 selects on the large real elections, for tests/unit/test_budget_rules.py.

pabutools needs minutes to hours on these files, too long for every test run, so its outputs
are recorded here once and committed; the small files and hypothesis instances are checked
against pabutools live. Run (pabutools pinned):

    .venv/bin/pip install pabutools==1.2.3
    .venv/bin/python tests/data/pabutools_reference.py [FILE.pb ...] [--timeout SECONDS]

Each rule combination runs in its own process with a time limit; one that does not finish is
left out of tests/data/pabutools_reference.json (and says so), never guessed. Ballots are read
with our reader and given to pabutools as approval ballots (points count as approval), which
is what `flask pb count` documents.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = Path(__file__).with_name("pabutools_reference.json")
DATA = ROOT.parent / "shared" / "data" / "pabulib"
LARGE = ["poland_warszawa_2021_ochota.pb", "poland_warszawa_2023_mokotow.pb", "poland_warszawa_2026_.pb",
         "poland_wroclaw_2015_from-500.pb", "poland_wroclaw_2020_.pb"]
COMBINATIONS = [("greedy", "cost", "none"), ("greedy", "approvals", "none"), ("equal-shares", "cost", "none"),
                ("equal-shares", "approvals", "none"), ("equal-shares", "cost", "add1"),
                ("equal-shares", "approvals", "add1")]


def pabutools_select(path: str, rule: str, utility: str, completion: str) -> list[str]:
    from pabutools.election import ApprovalBallot, ApprovalProfile, Cardinality_Sat, Cost_Sat, Instance, Project
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

    from app.budgeting import pabulib

    pb = pabulib.read(Path(path).read_text(encoding="utf-8"))
    instance = Instance(budget_limit=pb.budget)
    projects = {pid: Project(pid, cost) for pid, cost in pb.costs().items()}
    for project in projects.values():
        instance.add(project)
    profile = ApprovalProfile([ApprovalBallot({projects[p] for p in ballot if p in projects})
                               for ballot in pb.approval_ballots()])
    sat = Cost_Sat if utility == "cost" else Cardinality_Sat
    if rule == "greedy":
        outcome = greedy_utilitarian_welfare(instance, profile, sat_class=sat)
    else:
        outcome = method_of_equal_shares(instance, profile, sat_class=sat,
                                         voter_budget_increment=1 if completion == "add1" else None)
    return sorted(p.name for p in outcome)


def _worker(queue, *args):
    queue.put(pabutools_select(*args))


def main() -> None:
    import pabutools

    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="*", default=LARGE)
    parser.add_argument("--timeout", type=int, default=1800)
    parser.add_argument("--only", choices=["none", "add1"], help="only the combinations with this completion")
    args = parser.parse_args()
    version = getattr(pabutools, "__version__", None) or __import__("importlib.metadata").metadata.version("pabutools")
    assert version == "1.2.3", f"pabutools {version}: the reference is pabutools 1.2.3"
    recorded = json.loads(OUT.read_text()) if OUT.exists() else {"pabutools": version, "elections": {}}
    for name in args.files:
        name = Path(name).name
        for rule, utility, completion in COMBINATIONS:
            if args.only and completion != args.only:
                continue
            key = f"{rule}/{utility}/{completion}"
            if key in recorded["elections"].get(name, {}):
                continue
            queue = multiprocessing.Queue()
            started = time.perf_counter()
            process = multiprocessing.Process(target=_worker, args=(queue, str(DATA / name), rule, utility, completion))
            process.start()
            process.join(args.timeout)
            if process.is_alive():
                process.kill()
                print(f"{name} {key}: not finished in {args.timeout} s, left out", flush=True)
                continue
            if process.exitcode != 0:  # e.g. killed for memory: pabutools needs >15 GB on Warsaw 2026 with add1
                print(f"{name} {key}: pabutools died (exit code {process.exitcode}), left out", flush=True)
                continue
            selected = queue.get()
            seconds = round(time.perf_counter() - started, 1)
            # Read the file again before writing: another run may have recorded other files meanwhile.
            recorded = json.loads(OUT.read_text()) if OUT.exists() else recorded
            recorded["elections"].setdefault(name, {})[key] = {"selected": selected, "pabutools_seconds": seconds}
            OUT.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
            print(f"{name} {key}: {len(selected)} projects in {seconds} s", flush=True)


if __name__ == "__main__":
    main()
