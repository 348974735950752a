#!/usr/bin/env python3
"""The contracts register at 50,000 contracts: OCDS package streaming memory and search latency.

Builds a fresh SQLite database with the migrations, one council and 50,000 contracts (fixed seed
2026: a few hundred suppliers of every size band, some VCSEs, twelve departments), each with the
one OCDS release that `services.publish_release` would have written (the body comes from
`services.snapshot` -> `ocds.build_release` -> `ocds.dumps`). Then:

- streams GET /contracts/ocds.json in a separate process with the Flask test client, chunk by
  chunk without keeping it (run 1 goes to a temp file, the others are dropped), and reports that
  process's peak RSS (ru_maxrss, which includes start-up) and its RSS sampled every 500 chunks
  while streaming, the bytes streamed and the time (median of the runs); the file
  is parsed afterwards in this process, so parsing memory does not count against the stream;
- times the register search in-process with the test client: median and p95 over 200 requests
  for each filter combination, both around `client.get` and from the Server-Timing header, plus
  the SQL of each (count and first page, median of 5) to show what dominates;
- times GET /contracts/<id>/ocds.json (the record package of one contract), median of 5.

Targets (acceptance check): peak RSS of the stream under 200 MB, search median under 100 ms.
Results go to bench/results/contracts-<date>.json and are printed as a table.

    .venv/bin/python bench/contracts.py [--contracts 50000] [--requests 200] [--stream-runs 5]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, time as dtime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
SEED = 2026
# Fixed, so the same seed gives the same data whatever day the benchmark runs.
ANCHOR = date(2026, 11, 1)
BATCH = 2000
RSS_TARGET_MB = 200
SEARCH_TARGET_MS = 100

DEPARTMENTS = ["Adult Social Care", "Children's Services", "Digital Services", "Education", "Environmental Health",
               "Finance and Procurement", "Highways and Transport", "Housing", "Leisure and Libraries",
               "Legal and Democratic Services", "Planning and Regeneration", "Waste and Recycling"]
WORK = [  # (title, CPV code, department)
    ("Grass cutting in parks", "77314000", "Leisure and Libraries"),
    ("Library cleaning", "90910000", "Leisure and Libraries"),
    ("Leisure centre maintenance", "50700000", "Leisure and Libraries"),
    ("Pothole repairs", "45233142", "Highways and Transport"),
    ("Street lighting maintenance", "50232100", "Highways and Transport"),
    ("Home to school transport", "60130000", "Highways and Transport"),
    ("Winter gritting", "90620000", "Highways and Transport"),
    ("Recycling collection", "90511000", "Waste and Recycling"),
    ("Bulky waste collection", "90511000", "Waste and Recycling"),
    ("Household waste site operation", "90500000", "Waste and Recycling"),
    ("Domiciliary care", "85312000", "Adult Social Care"),
    ("Day services for older people", "85311100", "Adult Social Care"),
    ("Community transport", "60140000", "Adult Social Care"),
    ("Supported living", "85311000", "Adult Social Care"),
    ("Foster care support", "85311300", "Children's Services"),
    ("Youth work sessions", "85312300", "Children's Services"),
    ("School meals", "55524000", "Education"),
    ("School cleaning", "90919300", "Education"),
    ("Payroll software", "48450000", "Finance and Procurement"),
    ("Internal audit services", "79212200", "Finance and Procurement"),
    ("Insurance brokerage", "66518100", "Finance and Procurement"),
    ("Website accessibility audit", "72000000", "Digital Services"),
    ("Library public computers", "30213000", "Digital Services"),
    ("Network support", "72700000", "Digital Services"),
    ("Housing repairs", "45453000", "Housing"),
    ("Gas safety inspections", "71631000", "Housing"),
    ("Homelessness support", "85311000", "Housing"),
    ("Pest control", "90923000", "Environmental Health"),
    ("Food sampling laboratory", "71900000", "Environmental Health"),
    ("Legal advice", "79110000", "Legal and Democratic Services"),
    ("Election printing", "79810000", "Legal and Democratic Services"),
    ("Town centre regeneration design", "71410000", "Planning and Regeneration"),
    ("Ecology surveys", "90711000", "Planning and Regeneration"),
]
AREAS = ["north", "south", "east", "west", "central", "coastal", "valleys", "upland"]
SEARCH_WORDS = ["cleaning", "transport", "repairs", "care", "software", "maintenance", "collection", "audit"]
SUPPLIER_WORDS = ["Valley", "Cymru", "Green", "Digital", "Care", "Coastal", "Castell", "Bridge"]

PLACES = ["Afon", "Bryn", "Castell", "Dyffryn", "Glan", "Llyn", "Mynydd", "Pen-y-bont", "Porth", "Tref", "Coastal",
          "Valley", "Cymru", "Western", "Northgate", "Riverside", "Hillside", "Green", "Bridge", "Harbour"]
TRADES = ["Digital", "Facilities", "Care", "Transport", "Cleaning", "Roadworks", "Green Spaces", "Print and Post",
          "Software", "Audit", "Building Services", "Waste Solutions", "Catering", "Consulting", "Lighting",
          "Community Services", "Legal", "Surveying", "Security", "Training"]
SUFFIXES = {"company": ["Ltd", "Limited", "plc", "LLP", "Group Ltd", "Services Ltd"],
            "vcse": ["CIC", "Trust", "Co-operative", "Community Interest Company", "Association", "Charity"]}


def rss_mb_from_kb(kb: int) -> float:
    return kb * 1024 / 1e6


# --- Data ----------------------------------------------------------------------------------------

def generate(n_contracts: int) -> dict:
    """Council, departments, suppliers and contracts with one OCDS release each. Runs in an app context."""
    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from app.contracts import ocds, services
    from app.contracts.models import Contract, ContractSettings, ContractStatus, OcdsRelease, Procedure
    from app.core.models import Council, Organisation, SizeBand, Team
    from app.extensions import db

    rng = random.Random(SEED)
    started = time.perf_counter()
    with Session(db.engine, expire_on_commit=False) as session:
        council = Council(slug="benchshire", name_en="Benchshire County Council", name_cy="Cyngor Sir Benchshire",
                          host_names="localhost 127.0.0.1", is_default=True, ocid_prefix="ocds-b5fd17")
        session.add(council)
        session.flush()
        session.add(ContractSettings(council_id=council.id, sme_vcse_target_percent=Decimal("33")))
        teams = {name: Team(council_id=council.id, name=name) for name in DEPARTMENTS}
        session.add_all(teams.values())

        orgs, weights, names = [], [], set()
        bands = [SizeBand.MICRO, SizeBand.SMALL, SizeBand.MEDIUM, SizeBand.LARGE]
        while len(orgs) < 400:
            band = rng.choices(bands, weights=[35, 30, 20, 15])[0]
            vcse = band != SizeBand.LARGE and rng.random() < 0.2
            name = f"{rng.choice(PLACES)} {rng.choice(TRADES)} {rng.choice(SUFFIXES['vcse' if vcse else 'company'])}"
            if name in names:
                continue
            names.add(name)
            charity = f"{rng.randrange(1_000_000, 1_200_000)}" if vcse and rng.random() < 0.7 else None
            company = None if charity and rng.random() < 0.6 else f"{rng.randrange(10**7):08d}"
            orgs.append(Organisation(council_id=council.id, name=name, company_number=company, charity_number=charity,
                                     size_band=band, is_vcse=vcse))
            weights.append({SizeBand.LARGE: 4, SizeBand.MEDIUM: 2, SizeBand.SMALL: 1.5, SizeBand.MICRO: 1}[band])
        session.add_all(orgs)
        session.commit()

        procedures = [Procedure.OPEN, Procedure.OPEN, Procedure.SELECTIVE, Procedure.LIMITED, Procedure.DIRECT,
                      Procedure.CHALLENGE]
        for first in range(0, n_contracts, BATCH):
            contracts = []
            for n in range(first + 1, min(first + BATCH, n_contracts) + 1):
                title, cpv, department = rng.choice(WORK)
                area = rng.choice(AREAS)
                awarded = ANCHOR - timedelta(days=rng.randrange(30, 8 * 365))
                start = awarded + timedelta(days=rng.randrange(5, 40))
                end = start + timedelta(days=rng.choice([180, 365, 730, 1095, 1460]))
                status = ContractStatus.ENDED if end < ANCHOR else ContractStatus.ACTIVE
                if rng.random() < 0.02:
                    status = ContractStatus.TERMINATED
                suppliers = rng.choices(orgs, weights=weights, k=1 if rng.random() < 0.9 else rng.choice([2, 3]))
                cpv_codes = [cpv] + ([rng.choice(WORK)[1]] if rng.random() < 0.2 else [])
                amount = Decimal(f"{10 ** rng.uniform(3, 6.7):.2f}")
                procedure = rng.choice(procedures)
                contracts.append(Contract(
                    council_id=council.id, ocid=f"{council.ocid_prefix}-{council.slug}-{n:06d}",
                    reference=f"BEN-{awarded.year}-{n:05d}", title=f"{title} ({area}, lot {rng.randrange(1, 6)})",
                    description=f"{title} for {council.name_en} in the {area} area.", team=teams[department],
                    procedure=procedure, challenge_id=rng.randrange(1, 500) if procedure == Procedure.CHALLENGE else None,
                    cpv_codes=list(dict.fromkeys(cpv_codes)), amount=amount, vat_included=rng.random() < 0.1,
                    date_awarded=awarded, date_signed=awarded + timedelta(days=rng.randrange(0, 10))
                    if rng.random() < 0.9 else None, start_date=start, end_date=end, status=status,
                    suppliers=list(dict.fromkeys(suppliers)), amendments=[], payments=[], kpis=[]))
            session.add_all(contracts)
            session.flush()
            releases = []
            for c in contracts:  # what services.publish_release writes for a new contract
                when = datetime.combine(c.date_awarded, dtime.min, tzinfo=timezone.utc)
                tags = ["tender", "award", "contract"] + (["contractTermination"]
                                                          if c.status == ContractStatus.TERMINATED else [])
                release_id = f"{c.ocid}-0001"
                body = ocds.dumps(ocds.build_release(services.snapshot(c, council), release_id=release_id,
                                                     release_date=when, tags=tags))
                releases.append({"council_id": council.id, "contract_id": c.id, "ocid": c.ocid,
                                 "release_id": release_id, "date": when, "body": body})
            session.execute(insert(OcdsRelease), releases)
            session.commit()
            for c in contracts:
                session.expunge(c)  # the shared council, teams and suppliers stay loaded
        sample_ids = rng.sample(range(1, n_contracts + 1), 5)
    return {"seconds": time.perf_counter() - started, "contracts": n_contracts, "organisations": len(orgs),
            "departments": len(teams), "record_sample_contract_ids": sample_ids}


# --- Streaming (child process) --------------------------------------------------------------------

def proc_status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def stream_child(out_path: str, runs: int) -> None:
    """Stream the package `runs` times, chunk by chunk; only run 1 is written (to a file, not memory)."""
    sys.path.insert(0, str(ROOT))
    from wsgi import app

    client = app.test_client()
    assert client.get("/ping").status_code == 200  # app, council and connection warmed up
    before = {"rss_mb": rss_mb_from_kb(proc_status_kb("VmRSS")),
              "peak_rss_mb": rss_mb_from_kb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)}
    timings = []
    for run in range(runs):
        sink = open(out_path, "wb") if run == 0 else None
        started = time.perf_counter()
        response = client.get("/contracts/ocds.json", buffered=False)
        assert response.status_code == 200, response.status_code
        streamed = chunks = rss_during = 0
        first_chunk = None
        for chunk in response.response:
            if first_chunk is None:
                first_chunk = time.perf_counter() - started
            streamed += len(chunk)
            chunks += 1
            if chunks % 500 == 0:  # ru_maxrss may date from start-up; this is the stream's own high point
                rss_during = max(rss_during, proc_status_kb("VmRSS"))
            if sink:
                sink.write(chunk)
        response.close()
        timings.append({"seconds": time.perf_counter() - started, "first_chunk_ms": first_chunk * 1000,
                        "bytes": streamed, "chunks": chunks, "rss_during_max_mb": rss_mb_from_kb(rss_during)})
        if sink:
            sink.close()
    print(json.dumps({"before_stream": before, "runs": timings,
                      "peak_rss_mb": rss_mb_from_kb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)}))


def measure_stream(env: dict, runs: int, out_path: Path) -> dict:
    child = subprocess.run([sys.executable, __file__, "--stream-child", str(out_path), "--stream-runs", str(runs)],
                           env=env, cwd=ROOT, capture_output=True, text=True)
    if child.returncode:
        sys.exit(f"streaming process failed:\n{child.stderr[-3000:]}")
    result = json.loads(child.stdout.strip().splitlines()[-1])
    runs_ = result["runs"]
    return {"peak_rss_mb": result["peak_rss_mb"], "rss_before_stream_mb": result["before_stream"]["rss_mb"],
            "peak_rss_before_stream_mb": result["before_stream"]["peak_rss_mb"],
            "rss_during_stream_max_mb": max(r["rss_during_max_mb"] for r in runs_),
            "bytes": runs_[0]["bytes"], "chunks": runs_[0]["chunks"],
            "seconds_median": statistics.median(r["seconds"] for r in runs_),
            "seconds_each": [round(r["seconds"], 3) for r in runs_],
            "first_chunk_ms_median": statistics.median(r["first_chunk_ms"] for r in runs_),
            "runs": len(runs_), "all_runs_same_bytes": len({r["bytes"] for r in runs_}) == 1}


def validate_package(path: Path, n_contracts: int) -> dict:
    started = time.perf_counter()
    with path.open("rb") as f:
        package = json.load(f)
    releases = package["releases"]
    ocids = {r["ocid"] for r in releases}
    ids = {r["id"] for r in releases}
    ok = (len(releases) == n_contracts and len(ocids) == n_contracts and len(ids) == n_contracts
          and package.get("version") == "1.1" and all(r["tag"][:3] == ["tender", "award", "contract"] for r in releases))
    return {"parses": True, "releases": len(releases), "distinct_ocids": len(ocids), "ok": ok,
            "parse_seconds": round(time.perf_counter() - started, 2)}


# --- Search latency (in-process) ------------------------------------------------------------------

def search_cases() -> list[tuple[str, list[str]]]:
    """(label, URLs to cycle through): the issue's query first, then other filter combinations."""
    return [
        ("q=<word>&sort=value", [f"/contracts/?q={w}&sort=value" for w in SEARCH_WORDS]),
        ("supplier=<name>", [f"/contracts/?supplier={w}" for w in SUPPLIER_WORDS]),
        ("sme=y", ["/contracts/?sme=y"]),
        ("min_value=250000&sort=value", ["/contracts/?min_value=250000&sort=value"]),
        ("q=<word>&sme=y&min_value=50000", [f"/contracts/?q={w}&sme=y&min_value=50000" for w in SEARCH_WORDS]),
        ("supplier=<name>&vcse=y&sort=value", [f"/contracts/?supplier={w}&vcse=y&sort=value" for w in SUPPLIER_WORDS]),
        ("(no filters)", ["/contracts/"]),
    ]


def format_ms(values: dict | None, key: str) -> str:
    return f"{values[key]:.2f} ms" if values else ""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * p) - 1)]


def measure_search(app, count: int) -> dict:
    client = app.test_client()
    results = {}
    for label, urls in [("/ping (reference)", ["/ping"])] + search_cases():
        for url in urls:  # warm-up: every URL once
            assert client.get(url).status_code == 200, url
        wall, server, found = [], [], {}
        for i in range(count):
            url = urls[i % len(urls)]
            started = time.perf_counter()
            response = client.get(url)
            wall.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            server.append(float(re.search(r"dur=([\d.]+)", response.headers["Server-Timing"]).group(1)))
            if url not in found:
                match = re.search(rb"([\d,]+) contracts? found", response.data)
                found[url] = int(match.group(1).replace(b",", b"")) if match else None
        results[label] = {"requests": count, "urls": len(urls), "wall_ms_median": statistics.median(wall),
                          "wall_ms_p95": percentile(wall, 0.95), "server_ms_median": statistics.median(server),
                          "server_ms_p95": percentile(server, 0.95), "results_found": found}
    return results


def sql_breakdown(app) -> dict:
    """The register's two queries (count, first page of 25) per filter combination, median of 5 each."""
    from sqlalchemy import func, select

    from app.contracts import routes
    from app.core.tenancy import current_council
    from app.extensions import db

    out = {}
    for label, urls in search_cases():
        with app.test_request_context(urls[0], base_url="http://localhost"):
            _form, search = routes._search_from_args()
            query = routes.services.search_query(current_council().id, search)
            count_times, page_times = [], []
            for _ in range(5):
                started = time.perf_counter()
                db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
                count_times.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                db.session.scalars(query.limit(25)).all()
                page_times.append((time.perf_counter() - started) * 1000)
            out[label] = {"url": urls[0], "count_ms_median": statistics.median(count_times),
                          "first_page_ms_median": statistics.median(page_times)}
            db.session.remove()
    return out


def measure_record(app, contract_ids: list[int]) -> dict:
    client = app.test_client()
    contract_id = contract_ids[0]
    url = f"/contracts/{contract_id}/ocds.json"
    assert client.get(url).status_code == 200
    times = []
    for _ in range(5):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        package = response.get_json()
        assert response.status_code == 200 and package["records"][0]["compiledRelease"]["tag"] == ["compiled"]
    return {"url": url, "ms_median": statistics.median(times), "ms_each": [round(t, 2) for t in times]}


# --- Main -------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contracts", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--stream-runs", type=int, default=5)
    parser.add_argument("--stream-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stream_child:
        stream_child(args.stream_child, args.stream_runs)
        return

    report = {"date": date.today().isoformat(), "cores": os.cpu_count(), "load_average_before": os.getloadavg(),
              "database": "sqlite", "seed": SEED, "targets": {"stream_peak_rss_mb": RSS_TARGET_MB,
                                                              "search_median_ms": SEARCH_TARGET_MS}}
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/bench.db", "FLASK_APP": "wsgi", "CC_ENV": "development",
               "RATELIMIT_ENABLED": "0", "MAIL_BACKEND": "log"}
        subprocess.run([BIN / "flask", "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        from app import create_app

        app = create_app()
        with app.app_context():
            print(f"generating {args.contracts:,} contracts ...", flush=True)
            report["generation"] = generate(args.contracts)
        report["database_mb"] = round(Path(tmp, "bench.db").stat().st_size / 1e6, 1)
        print(f"  {report['generation']['seconds']:.1f} s, database {report['database_mb']} MB", flush=True)

        print(f"streaming /contracts/ocds.json {args.stream_runs} times in a separate process ...", flush=True)
        package_path = Path(tmp, "package.json")
        report["stream"] = measure_stream(env, args.stream_runs, package_path)
        report["stream"]["validation"] = validate_package(package_path, args.contracts)
        package_path.unlink()

        print(f"register search: {args.requests} requests per filter combination ...", flush=True)
        report["search"] = measure_search(app, args.requests)
        report["search_sql"] = sql_breakdown(app)
        report["record_package"] = measure_record(app, report["generation"]["record_sample_contract_ids"])
    report["load_average_after"] = os.getloadavg()

    searches = {k: v for k, v in report["search"].items() if not k.startswith("/ping")}
    worst = max(searches, key=lambda k: searches[k]["server_ms_median"])
    report["verdict"] = {
        "stream_peak_rss_ok": report["stream"]["peak_rss_mb"] < RSS_TARGET_MB,
        "stream_valid": report["stream"]["validation"]["ok"],
        "search_median_ok_issue_query": searches["q=<word>&sort=value"]["server_ms_median"] < SEARCH_TARGET_MS,
        "search_median_ok_all": all(v["server_ms_median"] < SEARCH_TARGET_MS for v in searches.values()),
        "slowest_search": worst,
    }
    out = ROOT / "bench" / "results" / f"contracts-{report['date']}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")

    s, g = report["stream"], report["generation"]
    print()
    print(f"data: {g['contracts']:,} contracts, {g['organisations']} suppliers, {g['departments']} departments, "
          f"generated in {g['seconds']:.1f} s; database {report['database_mb']} MB")
    print(f"OCDS package stream: peak RSS {s['peak_rss_mb']:.1f} MB (target < {RSS_TARGET_MB}; "
          f"{s['rss_before_stream_mb']:.1f} MB before the request, {s['rss_during_stream_max_mb']:.1f} MB at most "
          f"while streaming), {s['bytes'] / 1e6:.1f} MB in {s['chunks']:,} chunks, "
          f"{s['seconds_median']:.2f} s median of {s['runs']}, first chunk {s['first_chunk_ms_median']:.0f} ms; "
          f"valid JSON with {s['validation']['releases']:,} releases: {s['validation']['ok']}")
    print(f"record package {report['record_package']['url']}: {report['record_package']['ms_median']:.2f} ms median of 5")
    print()
    print(f"{'register search (found: first URL)':36} {'found':>7} {'server median':>14} {'p95':>8} {'wall median':>12} "
          f"{'SQL count':>10} {'SQL page':>9}")
    for label, v in report["search"].items():
        sql = report["search_sql"].get(label)
        found = next(iter(v["results_found"].values()))
        print(f"{label:36} {found if found is not None else '':>7} {v['server_ms_median']:11.2f} ms "
              f"{v['server_ms_p95']:8.2f} {v['wall_ms_median']:9.2f} ms "
              f"{format_ms(sql, 'count_ms_median'):>10} {format_ms(sql, 'first_page_ms_median'):>9}")
    verdict = {k: ("met" if v else "MISSED") if isinstance(v, bool) else v for k, v in report["verdict"].items()}
    print()
    print(f"stream peak RSS < {RSS_TARGET_MB} MB: {verdict['stream_peak_rss_ok']}; "
          f"search median < {SEARCH_TARGET_MS} ms: issue query {verdict['search_median_ok_issue_query']}, "
          f"every combination {verdict['search_median_ok_all']} (slowest: {worst})")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
