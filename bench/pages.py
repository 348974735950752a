#!/usr/bin/env python3
"""Page throughput and latency, as ratios against our own trivial route.

For each database (SQLite always; PostgreSQL when BENCH_POSTGRES_URL is set or a server answers
on 127.0.0.1:5432): build a fresh database with the migrations and the demo council (fixed seed),
start gunicorn with 2 sync workers, warm up, then for each page run wrk (16 connections, 15 s)
and 200 sequential requests reading the Server-Timing header for server time.
Results go to bench/results/pages-<date>.json and are printed as a table.

    .venv/bin/python bench/pages.py [--seconds 15] [--requests 200]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PAGES = [("/ping", False), ("/", False), ("/sign-in", False), ("/my-council", True)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_url() -> str | None:
    if os.environ.get("BENCH_POSTGRES_URL"):
        return os.environ["BENCH_POSTGRES_URL"]
    try:
        socket.create_connection(("127.0.0.1", 5432), 1).close()
    except OSError:
        return None
    return "postgresql://postgres@127.0.0.1:5432/test"


def fresh_postgres(base: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base).set(drivername="postgresql+psycopg")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "cc_bench" WITH (FORCE)'))
        conn.execute(text('CREATE DATABASE "cc_bench"'))
    engine.dispose()
    return url.set(database="cc_bench").render_as_string(hide_password=False)


def sign_in_cookie(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/sign-in")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": "resident@example.org",
                                   "password": "council-demo-2026"})
    conn.request("POST", "/sign-in", body, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    response = conn.getresponse()
    response.read()
    assert response.status == 303, f"sign-in failed: {response.status}"
    return response.getheader("Set-Cookie").split(";", 1)[0]


def wrk(port: int, path: str, seconds: int, cookie: str | None) -> float:
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", f"http://127.0.0.1:{port}{path}"]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise SystemExit(f"{path}: {non_2xx.group(1)} error responses under load")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def server_times(port: int, path: str, count: int, cookie: str | None) -> tuple[float, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    times = []
    for _ in range(count):
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        response.read()
        assert response.status == 200, f"{path}: {response.status}"
        times.append(float(re.search(r"dur=([\d.]+)", response.getheader("Server-Timing")).group(1)))
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def run_database(label: str, database_url: str, seconds: int, count: int) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_APP": "wsgi", "RATELIMIT_ENABLED": "0", "CC_ENV": "development",
           "MAIL_BACKEND": "log"}
    subprocess.run([BIN / "flask", "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([BIN / "flask", "demo"], env=env, cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([BIN / "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                               "wsgi:app"], env=env, cwd=ROOT)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        cookie = sign_in_cookie(port)
        results = {}
        for path, signed_in in PAGES:
            page_cookie = cookie if signed_in else None
            wrk(port, path, 3, page_cookie)  # warm-up
            rps = wrk(port, path, seconds, page_cookie)
            median, p95 = server_times(port, path, count, page_cookie)
            results[path] = {"requests_per_second": rps, "server_ms_median": median, "server_ms_p95": p95,
                             "signed_in": signed_in}
        baseline = results["/ping"]["requests_per_second"]
        for values in results.values():
            values["ratio_to_ping"] = round(values["requests_per_second"] / baseline, 3)
        return results
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    report = {"date": date.today().isoformat(), "cores": os.cpu_count(),
              "load_average_before": os.getloadavg(), "databases": {}}
    with tempfile.TemporaryDirectory() as tmp:
        report["databases"]["sqlite"] = run_database("sqlite", f"sqlite:///{tmp}/bench.db", args.seconds, args.requests)
    pg = postgres_url()
    if pg:
        report["databases"]["postgresql"] = run_database("postgresql", fresh_postgres(pg), args.seconds, args.requests)
    out = ROOT / "bench" / "results" / f"pages-{report['date']}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{'database':11} {'page':14} {'req/s':>8} {'ratio':>6} {'median ms':>10} {'p95 ms':>8}")
    for database, pages in report["databases"].items():
        for path, v in pages.items():
            print(f"{database:11} {path:14} {v['requests_per_second']:8.0f} {v['ratio_to_ping']:6.2f} "
                  f"{v['server_ms_median']:10.2f} {v['server_ms_p95']:8.2f}")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
