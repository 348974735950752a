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

3. Casting ballots over HTTP (--http, SQLite and, when a server answers, PostgreSQL): a fresh
   database with the migrations and the demo council, 64 residents of the ward whose vote is
   open, each signed in once beforehand; gunicorn with 2 sync workers (rate limits off); wrk at
   16 connections for 15 s after a 3 s warm-up posts ballots in turn for the 64 (each a real
   form post with its CSRF token: every one saves a ballot, a changed vote keeping the
   history), and GET /ping the same way, first and last. A Lua script counts the answers that
   acknowledge a saved ballot (303 to the receipt); afterwards every acknowledged ballot must be
   in the database (ballots stored >= acknowledged; the difference is requests still in
   flight when wrk stopped).

    .venv/bin/python bench/budgeting.py --http-only    # just part 3, about 2 minutes
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
sys.path.insert(0, str(ROOT / "bench"))
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


LUA = r"""
local sessions = {SESSIONS}
local threads = {}
local counter = 0
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0; other = 0; counter = math.random(1, #sessions) end
function request()
  counter = counter + 1
  local s = sessions[(counter % #sessions) + 1]
  return wrk.format("POST", "{PATH}", {["Cookie"] = s[1], ["Content-Type"] = "application/x-www-form-urlencoded"},
                    "csrf_token=" .. s[2] .. "&projects={A}&projects={B}")
end
function response(status, headers, body)
  local where = headers["Location"] or ""
  if status == 303 and string.find(where, "/receipt") then ok = ok + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local o, x = 0, 0
  for _, t in ipairs(threads) do o = o + t:get("ok"); x = x + t:get("other") end
  io.write(string.format("ACKNOWLEDGED %d OTHER %d\n", o, x))
end
"""


def http_ballots(label: str, database_url: str, seconds: int) -> dict:
    """Part 3: ballots cast over HTTP against /ping, on one database."""
    import re
    import socket
    import tempfile

    import requests
    from sqlalchemy import create_engine, func, select, text

    from pages import free_port

    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_APP": "wsgi", "RATELIMIT_ENABLED": "0",
           "CC_ENV": "development", "MAIL_BACKEND": "log"}
    flask = str(ROOT / ".venv" / "bin" / "flask")
    subprocess.run([flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([flask, "demo"], env=env, cwd=ROOT, check=True, capture_output=True)
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    from argon2 import PasswordHasher

    password = "bench ballots password"
    with engine.begin() as conn:
        process_id, ward_id = conn.execute(text(
            "SELECT id, ward_id FROM budget_processes WHERE published_at IS NULL ORDER BY id LIMIT 1")).one()
        council_id = conn.execute(text("SELECT council_id FROM wards WHERE id = :w"), {"w": ward_id}).scalar_one()
        projects = conn.execute(text("SELECT id FROM budget_projects WHERE process_id = :p AND status = 'feasible' "
                                     "ORDER BY cost LIMIT 2"), {"p": process_id}).scalars().all()
        hashed = PasswordHasher().hash(password)  # the app verifies any argon2 hash
        for n in range(64):
            user_id = conn.execute(text(
                "INSERT INTO users (council_id, email, display_name, password_hash, language, ward_id, "
                "share_with_councillors, contact_for_research, created_at, session_version, "
                "second_factor_failures, email_confirmed_at) VALUES (:c, :e, :d, :h, 'en', :w, false, false, "
                "CURRENT_TIMESTAMP, 1, 0, CURRENT_TIMESTAMP) RETURNING id"),
                {"c": council_id, "e": f"bench-voter-{n}@example.org", "d": f"Bench voter {n}", "h": hashed,
                 "w": ward_id}).scalar_one()
            conn.execute(text("INSERT INTO user_roles (user_id, role) VALUES (:u, 'resident')"), {"u": user_id})
    port = free_port()
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning", "wsgi:app"], env=env, cwd=ROOT)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        base = f"http://127.0.0.1:{port}"
        sessions = []
        for n in range(64):
            browser = requests.Session()
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                              browser.get(f"{base}/sign-in").text).group(1)
            signed = browser.post(f"{base}/sign-in", data={"csrf_token": token, "email": f"bench-voter-{n}@example.org",
                                                           "password": password}, allow_redirects=False)
            assert signed.status_code == 303, signed.status_code
            page = browser.get(f"{base}/budgets/{process_id}/vote").text
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            sessions.append((f"session={browser.cookies['session']}", token))
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(LUA.replace("{SESSIONS}", "{" + ",".join(f'{{"{c}","{t}"}}' for c, t in sessions) + "}")
                         .replace("{PATH}", f"/budgets/{process_id}/vote")
                         .replace("{A}", str(projects[0])).replace("{B}", str(projects[1])))

        def run_wrk(path: str, lua: str | None, duration: int) -> str:
            command = ["wrk", "-t2", "-c16", f"-d{duration}s", f"{base}{path}"]
            if lua:
                command[1:1] = ["-s", lua]
            return subprocess.run(command, capture_output=True, text=True, check=True).stdout

        def rate(output: str) -> float:
            return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))

        run_wrk("/ping", None, 3)
        ping = rate(run_wrk("/ping", None, seconds))
        with engine.connect() as conn:
            before = conn.execute(text("SELECT count(*) FROM budget_ballots WHERE process_id = :p"),
                                  {"p": process_id}).scalar_one()
        run_wrk(f"/budgets/{process_id}/vote", script.name, 3)  # warm-up: ballots counted too
        with engine.connect() as conn:
            before = conn.execute(text("SELECT count(*) FROM budget_ballots WHERE process_id = :p"),
                                  {"p": process_id}).scalar_one()
        output = run_wrk(f"/budgets/{process_id}/vote", script.name, seconds)
        time.sleep(1)  # requests in flight when wrk stopped
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM budget_ballots WHERE process_id = :p"),
                                  {"p": process_id}).scalar_one() - before
            current = conn.execute(text("SELECT count(*) FROM budget_ballots WHERE process_id = :p AND is_current"),
                                   {"p": process_id}).scalar_one()
        ping_again = rate(run_wrk("/ping", None, seconds))
        acknowledged, other = map(int, re.search(r"ACKNOWLEDGED (\d+) OTHER (\d+)", output).groups())
        ballots = rate(output)
        os.unlink(script.name)
    finally:
        server.terminate()
        server.wait(10)
        engine.dispose()
    result = {"ping_per_second": round(ping, 1), "ballots_per_second": round(ballots, 1),
              "ping_again_per_second": round(ping_again, 1), "ratio_to_ping": round(ballots / ping, 3),
              "ratio_to_ping_again": round(ballots / ping_again, 3), "acknowledged": acknowledged,
              "not_acknowledged": other, "ballots_stored": stored,
              "every_acknowledged_ballot_stored": stored >= acknowledged,
              "current_ballots_after": current}
    print(f"{label}: ballots over HTTP {result}", flush=True)
    return result


def run_http(seconds: int) -> dict:
    import tempfile

    from pages import fresh_postgres, postgres_url

    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["sqlite"] = http_ballots("sqlite", f"sqlite:///{folder}/bench-ballots.db", seconds)
    base = postgres_url()
    if base:
        results["postgresql"] = http_ballots("postgresql", fresh_postgres(base), seconds)
    return results


def main() -> None:
    from app.budgeting import pabulib, rules

    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-pabutools", action="store_true")
    parser.add_argument("--pabutools-timeout", type=int, default=600)
    parser.add_argument("--http-only", action="store_true")
    parser.add_argument("--seconds", type=int, default=15)
    args = parser.parse_args()
    report: dict = {"date": date.today().isoformat(), "cpus": os.cpu_count(), "load_average_before": os.getloadavg()}
    if args.http_only:
        report["http"] = run_http(args.seconds)
        out = ROOT / "bench" / "results" / f"budgeting-http-{report['date']}.json"
        out.write_text(json.dumps(report, indent=1) + "\n")
        print(f"written {out}")
        return

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
    report["http"] = run_http(args.seconds)
    report["load_average_after"] = os.getloadavg()
    out = ROOT / "bench" / "results" / f"budgeting-{report['date']}.json"
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()
