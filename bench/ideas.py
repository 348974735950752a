#!/usr/bin/env python3
"""The ideas module at 100,000 ideas and 1,000,000 supports: list, top-ideas and search latency,
and the most-supported list's throughput as a ratio to our own trivial route.

For each database (SQLite always; PostgreSQL when BENCH_POSTGRES_URL is set or a server answers on
127.0.0.1:5432, in a database of its own, `cc_bench_ideas`, dropped afterwards): build a fresh
database with the migrations and the demo council (`flask demo`), then, in a child process with the
app loaded, bulk-insert 20,000 residents, ideas up to 100,000 and supports up to 1,000,000 (fixed
seed 2026; executemany on SQLite, COPY on PostgreSQL), recount the 14/30/60-day windows with
`services.refresh_support_windows()`, check every idea's `support_count` against its rows, run
ANALYZE (VACUUM ANALYZE on PostgreSQL) and record, for each page, the SQL it runs (count, time of
each statement, query plan). Then start gunicorn with 2 sync workers and for each page run wrk
(2 threads, 16 connections, 15 s after a 3 s warm-up) and 200 sequential requests reading the
Server-Timing header. `/ping` is measured first and again last. Each measurement also records the
share of the machine's CPU that went to other processes meanwhile (other people's tests disturb
it), and the report records the commit measured and whether the code changed during the run.

Targets (acceptance check): median server time under 50 ms for the most-supported list, the
top-ideas page and search, on both databases; `/ideas/` under wrk at 25 % or more of `/ping`'s
requests per second in the same run. Results go to bench/results/ideas-<date>.json.

    .venv/bin/python bench/ideas.py [--seconds 15] [--requests 200] [--only sqlite|postgresql] [--keep]
                                    [--sqlite-dir DIR] [--prepare-only] [--ideas N --supports N --users N]

--keep keeps the PostgreSQL database, --sqlite-dir keeps the SQLite one, --prepare-only stops
before gunicorn (data, checks and query plans only): for looking into a plan afterwards.
"""
from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
SEED = 2026
N_IDEAS = 100_000
N_SUPPORTS = 1_000_000
N_USERS = 20_000  # residents added to the demo council's 600-odd
SUPPORT_CAP = 8_000  # most supporters of any one idea
PG_DATABASE = "cc_bench_ideas"
SERVER_TARGET_MS = 50
RATIO_TARGET = 0.25

# (key, path, what it is, whether the 50 ms target applies)
SEARCH_WORDS = {"common": "park", "less common": "llyfrgell", "rare": "cennin"}
PAGES = [
    ("ping", "/ping", "trivial route (baseline)", False),
    ("list", "/ideas/", "most supported (default sort)", True),
    ("top", "/ideas/top", "top ideas this month", True),
    ("search_common", f"/ideas/?q={SEARCH_WORDS['common']}", "search, common word", True),
    ("search_less_common", f"/ideas/?q={SEARCH_WORDS['less common']}", "search, less common word", True),
    ("search_rare", f"/ideas/?q={SEARCH_WORDS['rare']}", "search, rare word", True),
]

# Words for titles and descriptions, English and Welsh, drawn with Zipf-like weights so that a few
# are in most ideas and most are in a few per cent; the search words are placed at chosen ranks.
ENGLISH = """park bench tree trees bus route school road crossing path cycle lane library pool playground garden
meadow market community youth club older people children families parking street lighting bins recycling
litter dog toilets cafe centre hall sports pitch football rugby tennis court skate allotment river beach
harbour station train car charging bike shelter timetable pavement pothole repair speed bumps traffic
noise flooding drain hedge wildflower pollinator bees orchard fruit food bank warm space volunteers
dementia carers health surgery pharmacy housing empty homes tenants rent heating insulation solar panels
energy water refill fountain shade signs map heritage museum theatre cinema music festival art mural choir
language lessons classes computer wifi broadband phone help digital online shops shopfronts business jobs
apprenticeships training skills startup makers craft fair farmers safety police watch cameras lights alley
underpass graffiti vandalism hospital clinic swimming leisure gym walking trail footpath stile gate bridge
ferry tide coast cliff dunes woodland forest nature reserve birds wildlife ponds lake canal towpath sandpit
splash picnic tables barbecue events summer winter christmas holidays evenings weekends mornings free cheap
safe quiet clean green better more new local small bigger longer later earlier accessible wheelchair ramp
pram buggy seating rest drinking outdoor indoor covered lit open weekly monthly daily""".split()
WELSH = """parc coed ysgol ffordd llwybr pwll chwarae gardd marchnad cymuned ieuenctid plant teuluoedd pobl hŷn
stryd golau biniau ailgylchu sbwriel caffi canolfan neuadd chwaraeon afon traeth harbwr gorsaf trên bws beic
cysgod amserlen palmant atgyweirio cyflymder traffig llifogydd gwrych blodau gwyllt gwenyn perllan
ffrwythau bwyd gwirfoddolwyr gofalwyr iechyd meddygfa tai cartrefi gwag tenantiaid rhent gwres ynni dŵr
treftadaeth amgueddfa theatr sinema cerddoriaeth gŵyl celf côr eisteddfod iaith gwersi cyfrifiadur siopau
busnes swyddi hyfforddiant sgiliau crefftau ffair ffermwyr diogelwch heddlu ysbyty nofio hamdden cerdded
pont arfordir clogwyn twyni coetir natur adar bywyd llyn camlas picnic digwyddiadau haf gaeaf nadolig
gwyliau nosweithiau penwythnos rhad diogel tawel glân gwyrdd gwell mwy newydd lleol bach mawr hygyrch
cadair olwyn meinciau seddi awyr agored wythnosol llyfrgell""".split()
OPENINGS = ["Plant", "Create", "Add", "Start", "Set up", "Build", "Run", "Open", "Make", "Try", "Fix", "Improve",
            "Bring back", "Protect", "Extend", "Keep"]
PLACES = ["Afon", "Bryn Glas", "Castell", "Dyffryn", "Glan-y-môr", "Pen-y-bont", "Stryd Fawr", "Heol y Bont",
          "Maes yr Haf", "Cwm Glas", "Tan-y-bryn", "Llys Newydd", "Parc Gwyn", "the town centre", "the seafront",
          "the old quarry", "Station Road", "Victoria Park", "the industrial estate", "Ffordd yr Eglwys"]
FIRST = ["Aled", "Bethan", "Ceri", "Dafydd", "Eleri", "Ffion", "Gethin", "Hannah", "Iwan", "Jess", "Kai", "Lowri",
         "Mohammed", "Nerys", "Oliver", "Poppy", "Rhian", "Sion", "Tegan", "Zara"]
LAST = ["Jones", "Williams", "Davies", "Evans", "Thomas", "Roberts", "Hughes", "Lewis", "Morgan", "Griffiths",
        "Khan", "Patel", "Smith", "Brown", "Walker", "Price"]
CATEGORIES = ["parks", "transport", "housing", "safety", "culture", "environment", "young-people", "care",
              "business", "digital"]
DECISIONS = ["accepted", "declined", "under_review", "budget", "done"]
MILESTONES = (10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)  # as app.ideas.services


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    words = list(dict.fromkeys(ENGLISH + WELSH))
    words.remove(SEARCH_WORDS["common"])
    words.remove(SEARCH_WORDS["less common"])
    rng.shuffle(words)
    words.insert(40, SEARCH_WORDS["common"])  # in about one idea in seven
    words.append(SEARCH_WORDS["less common"])  # the last rank: about one in seventy
    weights = list(itertools.accumulate(1 / (rank + 3) ** 1.2 for rank in range(len(words))))
    return words, weights


# --- Data (child process, app loaded) --------------------------------------------------------------

class Writer:
    """Bulk inserts on the app's own connection: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, raw, dialect: str):
        self.raw, self.dialect = raw, dialect
        self.conn = raw.driver_connection
        if dialect == "sqlite":
            self.conn.execute("PRAGMA synchronous=OFF")  # this connection only, while seeding
            self.conn.execute("PRAGMA cache_size=-262144")

    @staticmethod
    def _sqlite(value):
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")  # what SQLAlchemy's SQLite DateTime stores
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, bool):
            return int(value)
        return value

    @staticmethod
    def _pg(value):
        return value.replace(tzinfo=timezone.utc) if isinstance(value, datetime) else value

    def rows(self, table: str, columns: list[str], rows) -> int:
        n = 0
        if self.dialect == "sqlite":
            def converted():
                nonlocal n
                for row in rows:
                    n += 1
                    yield tuple(self._sqlite(v) for v in row)
            self.conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                                  f"({', '.join('?' * len(columns))})", converted())
        else:
            with self.conn.cursor() as cur:
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(tuple(self._pg(v) for v in row))
                        n += 1
        return n

    def commit(self) -> None:
        self.conn.commit()


def support_counts(rng: random.Random, n: int, total: int, zero: set[int], cap: int) -> list[int]:
    """Supports per idea: Lomax (Pareto II, alpha 1.3) so a few ideas have thousands and a third none."""
    raw = [0.0 if i in zero else rng.paretovariate(1.3) - 1 for i in range(n)]
    scale = total / sum(raw)
    counts = [min(cap, int(r * scale)) for r in raw]
    short = total - sum(counts)
    while short > 0:  # hand out what rounding and the cap left, in proportion to the draw
        for i in rng.choices(range(n), weights=raw, k=short):
            if counts[i] < cap and short > 0:
                counts[i] += 1
                short -= 1
    return counts


def seed(n_ideas: int, n_supports: int, n_users: int) -> dict:
    """Residents, ideas and supports on top of the demo council. Runs in an app context."""
    from sqlalchemy import inspect, text

    from app.core.richtext import render_markdown
    from app.extensions import db

    rng = random.Random(SEED)
    started = time.perf_counter()
    now = datetime.now(timezone.utc).replace(tzinfo=None)  # naive UTC, converted per database
    dialect = db.engine.dialect.name
    s = db.session
    council_id = s.execute(text("SELECT id FROM councils WHERE is_default")).scalar_one()
    wards = [w for (w,) in s.execute(text("SELECT id FROM wards WHERE council_id = :c ORDER BY id"), {"c": council_id})]
    moderator_id = s.execute(text("SELECT user_id FROM user_roles WHERE role = 'moderator' ORDER BY user_id")).scalar()
    demo_residents = s.execute(text("SELECT u.id, u.ward_id FROM users u JOIN user_roles r ON r.user_id = u.id "
                                    "WHERE r.role = 'resident' AND u.council_id = :c ORDER BY u.id"),
                               {"c": council_id}).all()
    max_user = s.execute(text("SELECT max(id) FROM users")).scalar_one()
    existing_ideas, max_idea = s.execute(text("SELECT count(*), coalesce(max(id), 0) FROM ideas")).one()
    existing_supports, max_support = s.execute(text("SELECT count(*), coalesce(max(id), 0) FROM idea_supports")).one()
    s.commit()
    # Milestones already announced (0005 and later): the highest one each idea has passed.
    has_milestone = "last_milestone" in {c["name"] for c in inspect(db.engine).get_columns("ideas")}

    raw = db.engine.raw_connection()
    writer = Writer(raw, dialect)
    try:
        # Residents: verified by email, no password (they cannot sign in), each in a ward.
        user_rows = []
        for i in range(n_users):
            ward = rng.choice(wards)
            user_rows.append((max_user + 1 + i, council_id, f"bench{i + 1:05d}@generated.invalid",
                              f"{rng.choice(FIRST)} {rng.choice(LAST)}", None, "cy" if rng.random() < 0.2 else "en",
                              ward, False, False, now, now, "email", now - timedelta(days=rng.randrange(400)), 1, 0))
        writer.rows("users", ["id", "council_id", "email", "display_name", "password_hash", "language", "ward_id",
                              "share_with_councillors", "contact_for_research", "email_confirmed_at", "verified_at",
                              "verification_method", "created_at", "session_version", "second_factor_failures"],
                    user_rows)
        writer.rows("user_roles", ["user_id", "role"], ((r[0], "resident") for r in user_rows))
        writer.commit()
        people = [(uid, ward) for uid, ward in demo_residents] + [(r[0], r[6]) for r in user_rows]
        by_ward = {w: [uid for uid, ward in people if ward == w] for w in wards}
        user_ward = dict(people)
        all_people = [uid for uid, _w in people]
        print(f"  {n_users:,} residents in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)

        # Ideas: created evenly over the last year, ids in creation order.
        n_new = n_ideas - existing_ideas
        first_id = max_idea + 1
        created = sorted(now - timedelta(seconds=rng.uniform(600, 365 * 86400)) for _ in range(n_new))
        merged = set(rng.sample(range(n_new), n_new // 200))  # 0.5 %: joined into another idea, no supports
        hidden = set(rng.sample([i for i in range(n_new) if i not in merged], n_new // 300))  # 0.3 %, moderated
        counts = support_counts(rng, n_new, n_supports - existing_supports, merged,
                                min(SUPPORT_CAP, len(all_people)))
        words, weights = vocabulary(rng)
        expected = {w: 0 for w in SEARCH_WORDS.values()}
        idea_rows, idea_meta = [], []
        for i in range(n_new):
            idea_id, when, k = first_id + i, created[i], counts[i]
            ward = rng.choice(wards) if rng.random() < 0.8 else None
            place = rng.choice(PLACES)
            title = f"{rng.choice(OPENINGS)} {' '.join(rng.choices(words, cum_weights=weights, k=rng.randrange(3, 7)))} in {place}"
            sentences = [" ".join(rng.choices(words, cum_weights=weights, k=rng.randrange(7, 15))).capitalize() + "."
                         for _ in range(rng.randrange(3, 5))]
            if rng.random() < 0.0005:
                sentences.append("Cennin pedr along the verges every spring.")
            body = " ".join(sentences[:2]) + "\n\n" + " ".join(sentences[2:])
            status, listed, merged_into, threshold, due, responded = "open", True, None, None, None, None
            hidden_at = hidden_reason = hidden_by = None
            if i in merged:
                status, listed, merged_into = "merged", False, first_id + rng.randrange(i) if i else max_idea or None
            if i in hidden:
                listed, hidden_at = False, when + timedelta(hours=rng.randrange(1, 72))
                hidden_reason, hidden_by = "Personal information about a neighbour", moderator_id
            if k >= 100:  # past the response threshold (100 supports by default)
                threshold = min(now - timedelta(minutes=5), when + timedelta(days=rng.randrange(2, 30)))
                due = (threshold + timedelta(days=28)).date()
                if threshold < now - timedelta(days=40) and rng.random() < 0.8 and status != "merged":
                    status = rng.choices(DECISIONS, weights=[30, 25, 15, 10, 20])[0]
                    responded = threshold + timedelta(days=rng.randrange(3, 35))
            elif status == "open" and rng.random() < 0.025:
                status = rng.choice(["accepted", "declined"])
                responded = min(now, when + timedelta(days=rng.randrange(10, 90)))
            if listed:
                tokens = set(re.findall(r"\w+", f"{title} {body}".lower()))
                for w in expected:
                    expected[w] += w in tokens
            author = rng.choice(all_people)
            idea_rows.append((idea_id, council_id, author, title[:150], body, render_markdown(body),
                              rng.choice(CATEGORIES), ward, f"{place} playing fields" if rng.random() < 0.1 else None,
                              status, merged_into, listed, k, threshold, due, responded, when, responded or when,
                              hidden_at, hidden_reason, hidden_by)
                             + ((max((m for m in MILESTONES if m <= k), default=0),) if has_milestone else ()))
            idea_meta.append((idea_id, ward, when, k))
        writer.rows("ideas", ["id", "council_id", "author_id", "title", "body", "body_html", "category", "ward_id",
                              "place_name", "status", "merged_into_id", "listed", "support_count",
                              "threshold_reached_at", "response_due", "responded_at", "created_at", "updated_at",
                              "hidden_at", "hidden_reason", "hidden_by_id"]
                    + (["last_milestone"] if has_milestone else []), idea_rows)
        writer.commit()
        del idea_rows
        print(f"  {n_new:,} ideas in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)

        # Supports: 60 % from the idea's own ward where it has one, the rest from anywhere; most
        # arrive soon after the idea is posted (u squared), none in the future.
        others = {w: [uid for uid in all_people if user_ward[uid] != w] for w in wards}

        def support_rows():
            next_id = max_support + 1
            for idea_id, ward, when, k in idea_meta:
                if not k:
                    continue
                if ward:
                    k_in = min(len(by_ward[ward]), round(k * 0.6))
                    k_out = min(len(others[ward]), k - k_in)
                    k_in = k - k_out
                    chosen = rng.sample(by_ward[ward], k_in) + rng.sample(others[ward], k_out)
                else:
                    chosen = rng.sample(all_people, k)
                span = (now - when).total_seconds()
                for uid in chosen:
                    yield (next_id, idea_id, uid, council_id, user_ward[uid],
                           when + timedelta(seconds=span * rng.random() ** 2))
                    next_id += 1
        inserted = writer.rows("idea_supports", ["id", "idea_id", "user_id", "council_id", "ward_id", "created_at"],
                               support_rows())
        writer.commit()
        print(f"  {inserted:,} supports in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
        if dialect == "postgresql":
            with writer.conn.cursor() as cur:
                for table in ("users", "ideas", "idea_supports"):
                    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            writer.commit()
        elif dialect == "sqlite":
            writer.conn.execute("PRAGMA synchronous=FULL")
    finally:
        raw.close()
    top = sorted(counts, reverse=True)
    return {"seconds": round(time.perf_counter() - started, 1), "now_utc": now.isoformat(timespec="seconds"),
            "residents_added": n_users, "residents_total": len(all_people), "wards": len(wards),
            "ideas_added": n_new, "ideas_from_demo": existing_ideas, "supports_added": inserted,
            "supports_from_demo": existing_supports, "ideas_merged": len(merged), "ideas_hidden": len(hidden),
            "supports_per_idea_added": {"max": top[0], "top_10": top[:10], "100th": top[99], "1000th": top[999],
                                        "median": statistics.median(counts),
                                        "with_none": sum(1 for c in counts if c == 0),
                                        "with_100_or_more": sum(1 for c in counts if c >= 100),
                                        "with_1000_or_more": sum(1 for c in counts if c >= 1000)},
            "expected_matches_listed_new_ideas": expected}


def verify(search_expected: dict) -> dict:
    from sqlalchemy import func, select, table, text

    from app.extensions import db

    s = db.session
    out = {
        "ideas": s.execute(text("SELECT count(*) FROM ideas")).scalar_one(),
        "listed_ideas": s.execute(text("SELECT count(*) FROM ideas WHERE listed")).scalar_one(),
        "supports": s.execute(text("SELECT count(*) FROM idea_supports")).scalar_one(),
        "users": s.execute(text("SELECT count(*) FROM users")).scalar_one(),
        # support_count must equal the rows, idea by idea
        "ideas_with_wrong_support_count": s.execute(text(
            "SELECT count(*) FROM ideas i LEFT JOIN (SELECT idea_id, count(*) AS n FROM idea_supports GROUP BY idea_id)"
            " c ON c.idea_id = i.id WHERE i.support_count != coalesce(c.n, 0)")).scalar_one(),
        "sum_support_count": s.execute(text("SELECT sum(support_count) FROM ideas")).scalar_one(),
        "ideas_with_recent_support": s.execute(text("SELECT count(*) FROM ideas WHERE recent_support_count > 0")).scalar_one(),
        "ideas_with_month_support": s.execute(text("SELECT count(*) FROM ideas WHERE month_support_count > 0")).scalar_one(),
        "supports_in_last_14_days": s.execute(text("SELECT sum(recent_support_count) FROM ideas")).scalar_one(),
        "supports_in_last_30_days": s.execute(text("SELECT sum(month_support_count) FROM ideas")).scalar_one(),
        "supports_30_to_60_days_ago": s.execute(text("SELECT sum(previous_month_support_count) FROM ideas")).scalar_one(),
    }
    # Full-text matches (listed ideas) against the words counted while generating: the triggers /
    # generated column indexed every insert. Demo ideas can add a few.
    from app.core import fulltext

    matches = {}
    for word in SEARCH_WORDS.values():
        n = s.execute(select(func.count()).select_from(table("ideas")).where(text("ideas.listed"))
                      .where(fulltext.match_condition("ideas", word))).scalar_one()
        matches[word] = {"full_text_matches_listed": n, "expected_from_new_ideas": search_expected[word]}
    out["search_words"] = matches
    s.commit()
    return out


def analyze() -> None:
    from sqlalchemy import text

    from app.extensions import db

    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    else:
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")


def capture_statements(app, path: str) -> tuple[list[tuple[str, object]], dict]:
    """The SQL one anonymous request runs (statement, parameters), and the response.

    Called with no app context pushed, so each request gets its own (fresh `g` and session), as
    under gunicorn."""
    from sqlalchemy import event

    from app.extensions import db

    with app.app_context():
        engine = db.engine
    client = app.test_client()
    assert client.get(path).status_code == 200, path  # warm: templates compiled, connection open
    seen: list[tuple[str, object]] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    found = re.search(rb"(?i)(more than |mwy na )?([\d,]+) ideas?\b", response.data) if path != "/ideas/top" else None
    return seen, {"status": response.status_code, "bytes": len(response.data),
                  "ideas_found": int(found.group(2).replace(b",", b"")) if found else None,
                  "ideas_found_text": found.group(0).decode() if found else None}


def plan(app, statement: str, parameters, analyze_it: bool) -> list[str]:
    from app.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            depth = {0: -1}
            lines = []
            for node, parent, _unused, detail in rows:
                depth[node] = depth.get(parent, -1) + 1
                lines.append("  " * depth[node] + detail)
            return lines
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if analyze_it else "EXPLAIN "
        return [r[0] for r in conn.exec_driver_sql(prefix + statement, parameters).all()]


def time_statement(app, statement: str, parameters, runs: int = 5) -> float:
    from app.extensions import db

    times = []
    with app.app_context(), db.engine.connect() as conn:
        for _ in range(runs):
            started = time.perf_counter()
            conn.exec_driver_sql(statement, parameters).all()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def diagnose(app, requests: int = 30) -> dict:
    """Per page: the SQL one request runs, each statement's time (median of 5) and plan, and the
    in-process server time (Server-Timing through the test client, median of `requests`)."""
    out = {}
    client = app.test_client()
    for key, path, _label, _target in PAGES:
        statements, response = capture_statements(app, path)
        server = []
        for _ in range(requests):
            r = client.get(path)
            server.append(float(re.search(r"dur=([\d.]+)", r.headers["Server-Timing"]).group(1)))
        queries = []
        for statement, parameters in statements:
            queries.append({"sql": " ".join(statement.split()), "parameters": repr(parameters)[:300],
                            "ms_median": round(time_statement(app, statement, parameters), 3),
                            "plan": plan(app, statement, parameters, analyze_it=True)})
        out[key] = {"path": path, **response, "queries": len(statements),
                    "sql_ms_total": round(sum(q["ms_median"] for q in queries), 2),
                    "server_ms_median_in_process": statistics.median(server), "statements": queries}
    return out


def child(n_ideas: int, n_supports: int, n_users: int) -> None:
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from app.extensions import db
    from app.ideas import services

    app = create_app()
    with app.app_context():
        report = {"seeding": seed(n_ideas, n_supports, n_users)}
        started = time.perf_counter()
        report["refresh_support_windows"] = {"result": services.refresh_support_windows()}
        report["refresh_support_windows"]["seconds"] = round(time.perf_counter() - started, 1)
        print(f"  support windows recounted in {report['refresh_support_windows']['seconds']} s",
              file=sys.stderr, flush=True)
        report["verification"] = verify(report["seeding"]["expected_matches_listed_new_ideas"])
        db.session.remove()
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        # The app never runs ANALYZE itself: keep the plans it would get without statistics.
        report["plans_without_analyze"] = {
            key: [plan(app, st, params, analyze_it=False) for st, params in capture_statements(app, path)[0]]
            for key, path, _l, target in PAGES if target}
    with app.app_context():
        started = time.perf_counter()
        analyze()
        report["analyze_seconds"] = round(time.perf_counter() - started, 1)
        db.session.remove()
    report["diagnostics"] = diagnose(app)
    with app.app_context():
        db.engine.dispose()
    print(json.dumps(report, default=str))


# --- Measuring (parent process) --------------------------------------------------------------------

# The same helpers as the page benchmark (run as a script, bench/ is on sys.path).
from pages import free_port, postgres_url  # noqa: E402


def _admin_engine(base: str):
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(base).set(drivername="postgresql+psycopg")
    return url, create_engine(url, isolation_level="AUTOCOMMIT")


def fresh_postgres(base: str) -> str:
    from sqlalchemy import text

    url, engine = _admin_engine(base)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    engine.dispose()
    return url.set(database=PG_DATABASE).render_as_string(hide_password=False)


def drop_postgres(base: str) -> None:
    from sqlalchemy import text

    _url, engine = _admin_engine(base)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
    engine.dispose()


CLK_TCK = os.sysconf("SC_CLK_TCK")


def _busy_ticks() -> int:
    """CPU time of the whole machine since boot, in ticks, idle and iowait left out."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4]


def _process_ticks(pids) -> int:
    total = 0
    for pid in pids:
        try:
            parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(parts[11]) + int(parts[12])  # utime + stime
        except (OSError, IndexError):
            pass
    return total


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            pass
    return out


class OtherLoad:
    """How much of the machine's CPU went to processes that are not this benchmark's (gunicorn,
    its PostgreSQL backends, wrk) while a measurement ran: other people's tests disturb ours."""

    def __init__(self, server_pid: int, pg_url: str | None):
        self.server_pid, self.pg_url = server_pid, pg_url

    def _ours(self) -> list[int]:
        pids = [os.getpid(), self.server_pid] + _children(self.server_pid)  # this process: the sequential client
        if self.pg_url:
            from sqlalchemy import create_engine, text

            engine = create_engine(self.pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
            with engine.connect() as conn:
                pids += [p for (p,) in conn.execute(text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid != pg_backend_pid()"))]
            engine.dispose()
        return pids

    def __enter__(self):
        self.pids = self._ours()
        self.started = time.perf_counter()
        self.busy, self.mine = _busy_ticks(), _process_ticks(self.pids)
        self.children = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has exited
        return self

    def __exit__(self, *exc):
        elapsed = time.perf_counter() - self.started
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        wrk_ticks = ((children.ru_utime + children.ru_stime) - (self.children.ru_utime + self.children.ru_stime)) * CLK_TCK
        ours = _process_ticks(self.pids) - self.mine + wrk_ticks
        other = max(0.0, _busy_ticks() - self.busy - ours)
        capacity = elapsed * CLK_TCK * (os.cpu_count() or 1)
        self.result = {"other_cpu_share": round(other / capacity, 3), "our_cpu_share": round(ours / capacity, 3)}
        return False


def wrk(port: int, path: str, seconds: int) -> dict:
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--timeout", "10s", f"http://127.0.0.1:{port}{path}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = {"requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}
    latency = re.search(r"Latency\s+([\d.]+)(us|ms|s)", output)
    if latency:
        result["latency_mean_ms"] = float(latency.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[latency.group(2)]
    for label, pattern in (("non_2xx", r"Non-2xx or 3xx responses: (\d+)"), ("socket_errors", r"Socket errors: (.+)")):
        match = re.search(pattern, output)
        if match:
            result[label] = match.group(1).strip()
    return result


def server_times(port: int, path: str, count: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times = []
    for _ in range(count):
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        assert response.status == 200, f"{path}: {response.status}"
        times.append(float(re.search(r"dur=([\d.]+)", response.getheader("Server-Timing")).group(1)))
    times.sort()
    return {"server_ms_median": statistics.median(times), "server_ms_p95": times[int(len(times) * 0.95) - 1],
            "server_ms_min": times[0], "server_ms_max": times[-1]}


def run_database(label: str, database_url: str, args) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_APP": "wsgi", "RATELIMIT_ENABLED": "0",
           "CC_ENV": "development", "MAIL_BACKEND": "log"}
    print(f"{label}: migrations and demo council ...", flush=True)
    subprocess.run([BIN / "flask", "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([BIN / "flask", "demo"], env=env, cwd=ROOT, check=True, capture_output=True)
    print(f"{label}: seeding {args.ideas:,} ideas and {args.supports:,} supports ...", flush=True)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, __file__, "--child", "--ideas", str(args.ideas), "--supports",
                             str(args.supports), "--users", str(args.users)],
                            env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    if result.returncode:
        sys.exit(f"{label}: the seeding/diagnostics process failed")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    report["prepare_seconds"] = round(time.perf_counter() - started, 1)
    if label == "sqlite":
        path = database_url.removeprefix("sqlite:///")
        report["database_mb"] = round(sum(Path(p).stat().st_size for p in (path, path + "-wal")
                                          if Path(p).exists()) / 1e6, 1)
    else:
        from sqlalchemy import create_engine, text

        engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as conn:
            report["database_mb"] = round(conn.execute(text("SELECT pg_database_size(current_database())"))
                                          .scalar_one() / 1e6, 1)
        engine.dispose()
    print(f"{label}: prepared in {report['prepare_seconds']} s; database {report['database_mb']} MB", flush=True)
    if args.prepare_only:
        return report

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
        report["load_average_before_measuring"] = os.getloadavg()
        pages = {}
        for key, path, what, target in PAGES + [("ping_again", "/ping", "trivial route, measured again last", False)]:
            wrk(port, path, 3)  # warm-up: both workers, connections, templates, caches
            load_before = os.getloadavg()[0]
            with OtherLoad(server.pid, None if label == "sqlite" else database_url) as cpu:
                load = wrk(port, path, args.seconds)
            load.update(cpu.result, load_average_1min_before=round(load_before, 2))
            with OtherLoad(server.pid, None if label == "sqlite" else database_url) as cpu:
                times = server_times(port, path, args.requests)
            times["other_cpu_share_sequential"] = cpu.result["other_cpu_share"]
            pages[key] = {"path": path, "what": what, "target_applies": target, **load, **times}
            print(f"{label}: {path:24} {load['requests_per_second']:8.1f} req/s  server median "
                  f"{times['server_ms_median']:7.2f} ms  p95 {times['server_ms_p95']:7.2f} ms  (CPU: ours "
                  f"{load['our_cpu_share']:.0%}, others {load['other_cpu_share']:.0%})", flush=True)
        for values in pages.values():
            values["ratio_to_ping"] = round(values["requests_per_second"] / pages["ping"]["requests_per_second"], 3)
            values["ratio_to_ping_again"] = round(values["requests_per_second"]
                                                  / pages["ping_again"]["requests_per_second"], 3)
        report["pages"] = pages
    finally:
        server.terminate()
        server.wait(10)
    report["verdict"] = {
        "server_median_under_50ms": {key: pages[key]["server_ms_median"] < SERVER_TARGET_MS
                                     for key, _p, _w, target in PAGES if target},
        "list_ratio_at_least_25_percent": pages["list"]["ratio_to_ping"] >= RATIO_TARGET,
    }
    return report


def code_version() -> dict:
    """The commit, and whether the app, its templates or migrations differ from it (another person
    may be editing them while this runs)."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {"commit": git("rev-parse", "--short", "HEAD"),
            "changed_since_commit": git("status", "--porcelain", "--", "app", "migrations", "wsgi.py").splitlines()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--ideas", type=int, default=N_IDEAS)
    parser.add_argument("--supports", type=int, default=N_SUPPORTS)
    parser.add_argument("--users", type=int, default=N_USERS)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database afterwards")
    parser.add_argument("--sqlite-dir", help="build the SQLite database in this directory and keep it")
    parser.add_argument("--prepare-only", action="store_true", help="build and diagnose, no gunicorn/wrk")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.ideas, args.supports, args.users)
        return
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    report = {"date": date.today().isoformat(), "cores": os.cpu_count(), "load_average_before": os.getloadavg(),
              "seed": SEED, "targets": {"server_ms_median": SERVER_TARGET_MS, "list_ratio_to_ping": RATIO_TARGET},
              "wrk": f"-t2 -c16 -d{args.seconds}s after -d3s warm-up", "sequential_requests": args.requests,
              "code_before": code_version(), "databases": {}}
    if args.only != "postgresql" and args.sqlite_dir:
        path = Path(args.sqlite_dir).resolve() / "bench-ideas.db"
        for old in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            old.unlink(missing_ok=True)
        report["databases"]["sqlite"] = run_database("sqlite", f"sqlite:///{path}", args)
    elif args.only != "postgresql":
        with tempfile.TemporaryDirectory() as tmp:
            report["databases"]["sqlite"] = run_database("sqlite", f"sqlite:///{tmp}/bench.db", args)
    pg = postgres_url() if args.only != "sqlite" else None
    if pg:
        try:
            report["databases"]["postgresql"] = run_database("postgresql", fresh_postgres(pg), args)
        finally:
            if not args.keep:
                drop_postgres(pg)
    report["load_average_after"] = os.getloadavg()
    report["code_after"] = code_version()
    if report["code_after"] != report["code_before"]:
        print(f"warning: the code changed during the run: {report['code_before']} -> {report['code_after']}")
    if args.prepare_only:
        print(json.dumps({db_: {k: v for k, v in r.items() if k != "diagnostics"} for db_, r in
                          report["databases"].items()}, indent=1, default=str))
        return
    name = f"ideas-{report['date']}" + (f"-{args.only}" if args.only else "")
    out = ROOT / "bench" / "results" / f"{name}.json"
    out.write_text(json.dumps(report, indent=2, default=str) + "\n")

    print()
    print(f"{'database':11} {'page':22} {'req/s':>8} {'ratio':>6} {'median ms':>10} {'p95 ms':>8} {'queries':>8} "
          f"{'SQL ms':>7}")
    for database, r in report["databases"].items():
        for key, v in r["pages"].items():
            d = r["diagnostics"].get(key, {})
            print(f"{database:11} {v['path']:22} {v['requests_per_second']:8.1f} {v['ratio_to_ping']:6.2f} "
                  f"{v['server_ms_median']:10.2f} {v['server_ms_p95']:8.2f} {d.get('queries', ''):>8} "
                  f"{d.get('sql_ms_total', ''):>7}")
        print(f"{database}: {r['verdict']}")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
