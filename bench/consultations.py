#!/usr/bin/env python3
"""Exporting a consultation's responses: memory stays flat however many responses there are.

Builds a fresh SQLite database with the migrations, one council and the demo consultation with
every kind of question (`app.consultations.demo.build_every_kind`: 8 questions on 3 pages), then
adds N submitted responses with their answers (fixed seed 2026) by bulk insert. For each size
(5,000 and 50,000 responses by default) and each format (CSV, XLSX) a separate process signs a
staff member in, GETs /consultations/<id>/export.<fmt> with the Flask test client and drains the
body chunk by chunk without keeping it, then reports its peak RSS (ru_maxrss, start-up
included), the peak of Python allocations during the export (tracemalloc), the bytes and the
time. Constant memory means the 50,000 figures stay close to the 5,000 ones, while the data is
ten times larger. The XLSX of the largest size is then opened with openpyxl to check the cell
types (ratings and amounts are numbers, dates are dates, choices are booleans).

Acceptance check: "Export of 50,000 responses streams (constant memory, proven by a benchmark
in bench/ with peak memory recorded) and opens in a spreadsheet with correct types."
Results go to bench/results/consultations-<date>.json.

    .venv/bin/python bench/consultations.py [--sizes 5000 50000]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
SEED = 2026
BATCH = 5000


def _env(db_url: str) -> dict:
    return {**os.environ, "DATABASE_URL": db_url, "CC_ENV": "development", "FLASK_APP": "wsgi",
            "RATELIMIT_ENABLED": "0"}


def build(db_url: str, responses: int) -> dict:
    """A fresh database with one consultation and `responses` submitted responses."""
    subprocess.run([BIN / "flask", "db", "upgrade"], cwd=ROOT, env=_env(db_url), check=True, capture_output=True)
    os.environ.update(_env(db_url))
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import insert

    from app import create_app
    from app.consultations import services
    from app.consultations.demo import build_every_kind
    from app.consultations.models import Answer, Response
    from app.core.models import Council, Role, User, UserRole, Ward, WardPostcode
    from app.extensions import db

    rng = random.Random(SEED)
    app = create_app()
    with app.app_context():
        council = Council(slug="bench", name_en="Bench Council", is_default=True, host_names="localhost")
        db.session.add(council)
        db.session.flush()
        ward = Ward(council_id=council.id, name="Afon", code="W05099901")
        db.session.add(ward)
        db.session.flush()
        db.session.add(WardPostcode(ward_id=ward.id, postcode="CC1 1AA"))
        staff = User(council_id=council.id, email="staff@example.org", display_name="Staff", language="en")
        staff.role_rows = [UserRole(role=Role.STAFF)]
        db.session.add(staff)
        c = build_every_kind(council, title={"en": "Bench", "cy": "Mainc"}, opens=date(2026, 1, 1),
                             closes=date(2026, 12, 31))
        db.session.commit()
        kinds = {q.kind.value: q.id for q in services.questions_of(c)}
        started = time.perf_counter()
        submitted = datetime(2026, 6, 1, tzinfo=timezone.utc)
        comments = ["Keep the library open on Saturdays", "More buses in the evening, please", "Fix the potholes",
                    "Cymraeg yn y llyfrgell", "=cmd|' /C calc'!A0 should stay text"]
        for start in range(0, responses, BATCH):
            rows = [{"id": start + i + 1, "consultation_id": c.id, "reference": f"C{c.id}-{start + i + 1:08d}",
                     "channel": "online", "ward_id": ward.id, "wants_outcome": False,
                     "created_at": submitted, "updated_at": submitted,
                     "submitted_at": submitted + timedelta(seconds=start + i)} for i in range(min(BATCH, responses - start))]
            db.session.execute(insert(Response), rows)
            answers = []
            for row in rows:
                order = ["o1", "o2", "o3", "o4"]
                rng.shuffle(order)
                a = rng.randrange(0, 101)
                b = rng.randrange(0, 101 - a)
                answers += [
                    {"response_id": row["id"], "question_id": kinds["postcode"], "text": "CC1 1AA"},
                    {"response_id": row["id"], "question_id": kinds["single"], "text": rng.choice(["o1", "o2", "o3"])},
                    {"response_id": row["id"], "question_id": kinds["multiple"], "data": rng.sample(order, 2)},
                    {"response_id": row["id"], "question_id": kinds["ranking"], "data": order},
                    {"response_id": row["id"], "question_id": kinds["budget"],
                     "data": {"o1": a, "o2": b, "o3": 100 - a - b, "o4": 0}},
                    {"response_id": row["id"], "question_id": kinds["rating"], "text": str(rng.randint(1, 5))},
                    {"response_id": row["id"], "question_id": kinds["long_text"], "text": rng.choice(comments)},
                ]
            db.session.execute(insert(Answer), answers)
            db.session.commit()
        seconds = time.perf_counter() - started
        return {"consultation_id": c.id, "staff_id": staff.id, "session_version": staff.session_version,
                "kinds": kinds, "seed_seconds": round(seconds, 1)}


def export_in_child(db_url: str, info: dict, fmt: str, trace: bool = True) -> dict:
    """Run in a fresh process: sign the staff member in and drain the export. With `trace`,
    tracemalloc records the peak of Python allocations (and slows the run several times)."""
    code = f"""
import json, resource, sys, time, tracemalloc
sys.path.insert(0, {str(ROOT)!r})
from app import create_app
app = create_app()
client = app.test_client()
with client.session_transaction() as s:
    s["_user_id"] = "{info['staff_id']}:{info['session_version']}"
    s["_fresh"] = True
    s["two_factor"] = True
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
trace = sys.argv[2] == "trace"
if trace:
    tracemalloc.start()
started = time.perf_counter()
response = client.get("/consultations/{info['consultation_id']}/export.{fmt}", buffered=False)
assert response.status_code == 200, response.status_code
size = 0
out = open(sys.argv[1], "wb") if len(sys.argv) > 1 else None
for chunk in response.response:
    size += len(chunk)
    if out:
        out.write(chunk)
response.close()
seconds = time.perf_counter() - started
_current, peak = tracemalloc.get_traced_memory() if trace else (0, 0)
print(json.dumps({{"bytes": size, "seconds": round(seconds, 2), "python_peak_mb": round(peak / 2**20, 1) if trace else None,
                   "rss_before_mb": round(rss_before / 1024, 1),
                   "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}}))
"""
    target = tempfile.NamedTemporaryFile(suffix=f".{fmt}", delete=False)
    target.close()
    result = subprocess.run([BIN / "python", "-c", code, target.name, "trace" if trace else "time"], cwd=ROOT,
                            env=_env(db_url),
                            capture_output=True, text=True, check=True)
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    measured["file"] = target.name
    return measured


def check_types(path: str, kinds: dict) -> dict:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    sheet = book.active
    rows = sheet.iter_rows(values_only=True)
    header = next(rows)
    first = dict(zip(header, next(rows)))
    count = 2 + sum(1 for _ in rows)
    checks = {
        "rows_including_header": count,
        "submitted_at_is_datetime": isinstance(first["submitted_at"], datetime),
        "rating_is_number": isinstance(first[f"q{kinds['rating']}"], int),
        "budget_is_number": isinstance(first[f"q{kinds['budget']}_o1"], int),
        "ranking_place_is_number": isinstance(first[f"q{kinds['ranking']}_o1"], int),
        "choice_is_boolean": isinstance(first[f"q{kinds['multiple']}_o1"], bool),
    }
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 50000])
    args = parser.parse_args()
    results = {"date": date.today().isoformat(), "cores": os.cpu_count(), "load_average_before": os.getloadavg(),
               "seed": SEED, "sizes": {}}
    for size in args.sizes:
        workdir = tempfile.mkdtemp(prefix="cc-bench-consultations-")
        db_url = f"sqlite:///{workdir}/bench.db"
        # Each size builds in its own process so the app and its imports start clean.
        code = (f"import json, sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import consultations; "
                f"print(json.dumps(consultations.build({db_url!r}, {size})))")
        built = subprocess.run([BIN / "python", "-c", code], cwd=ROOT, env=_env(db_url), capture_output=True,
                               text=True, check=True)
        info = json.loads(built.stdout.strip().splitlines()[-1])
        entry = {"responses": size, "seed_seconds": info["seed_seconds"]}
        for fmt in ("csv", "xlsx"):
            entry[fmt] = export_in_child(db_url, info, fmt)
            untraced = export_in_child(db_url, info, fmt, trace=False)
            os.unlink(untraced["file"])
            entry[fmt]["seconds_untraced"] = untraced["seconds"]
            entry[fmt]["peak_rss_mb_untraced"] = untraced["peak_rss_mb"]
            print(f"{size:>7} responses {fmt:>4}: {entry[fmt]['bytes'] / 2**20:7.1f} MB, peak RSS "
                  f"{entry[fmt]['peak_rss_mb']} MB (before the request {entry[fmt]['rss_before_mb']} MB), Python "
                  f"peak {entry[fmt]['python_peak_mb']} MB; {untraced['seconds']:.2f} s without tracing "
                  f"(peak RSS {untraced['peak_rss_mb']} MB)", flush=True)
        entry["xlsx_types"] = check_types(entry["xlsx"]["file"], info["kinds"])
        for fmt in ("csv", "xlsx"):
            os.unlink(entry[fmt].pop("file"))
        results["sizes"][str(size)] = entry
        print(f"        types in the XLSX: {entry['xlsx_types']}", flush=True)
    results["load_average_after"] = os.getloadavg()
    out = ROOT / "bench" / "results" / f"consultations-{date.today().isoformat()}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
