"""Two app servers behind nginx, on PostgreSQL and Redis, lose nothing when one dies (`make
test-cluster`; needs nginx, PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379).

nginx (TLS, a self-signed certificate, deploy/nginx/connected-council.conf as rendered by
deploy/render_nginx.py) sits in front of two gunicorns (deploy/gunicorn.conf.py) sharing one
PostgreSQL database, Redis for rate limits, and signed-cookie sessions. First, ten failed
sign-ins spread over both servers are limited as one. Then a second process (tests/cluster/
load.py) sends votes, supports and consultation responses for a while; midway, one gunicorn is
killed with SIGKILL, master and workers at once. Afterwards: writes were acknowledged both before
and after the kill; every acknowledged write is in the database exactly once; no retry acted
twice; everything else failed cleanly (a defined 4xx answer, or no answer at all)."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

pytestmark = pytest.mark.cluster
ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
PG = os.environ.get("CLUSTER_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("CLUSTER_REDIS_URL", "redis://127.0.0.1:6379/13")
DATABASE = "cc_cluster"
LOAD_SECONDS = float(os.environ.get("CLUSTER_LOAD_SECONDS", 16))
VOTERS = 12


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, seconds: float = 20) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing answers on port {port}")


def answers(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), 1).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if not answers("127.0.0.1", 5432) or not answers("127.0.0.1", 6379):
        pytest.fail("the cluster test needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379")
    folder = tmp_path_factory.mktemp("cluster")
    base = make_url(PG).set(drivername="postgresql+psycopg")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    url = base.set(database=DATABASE).render_as_string(hide_password=False)
    subprocess.run([str(BIN / "python"), "-c", f"import redis; redis.Redis.from_url('{REDIS}').flushdb()"], check=True)
    env = {**os.environ, "DATABASE_URL": url.replace("postgresql+psycopg://", "postgresql://"), "REDIS_URL": REDIS,
           "CC_ENV": "production", "SECRET_KEY": "cluster-test-secret-" + "x" * 40,
           "AUDIT_HMAC_KEY": "cluster-test-audit-" + "y" * 40, "PROXY_COUNT": "1", "SESSION_COOKIE_SECURE": "1",
           "SUPPORT_LIMIT": "10000 per minute", "CONSULTATION_LIMIT": "10000 per hour",
           "AUTH_LIMIT_PER_IP": "1000 per minute", "MAIL_BACKEND": "log", "FLASK_APP": "wsgi",
           "UPLOAD_FOLDER": str(folder / "uploads"), "GUNICORN_WORKERS": "2", "GUNICORN_ACCESSLOG": "/dev/null",
           "GUNICORN_LOGLEVEL": "warning"}
    setup_env = {**env, "CC_ENV": "development"}  # `flask demo` runs only in development
    subprocess.run([str(BIN / "flask"), "db", "upgrade"], env=setup_env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([str(BIN / "flask"), "demo"], env=setup_env, cwd=ROOT, check=True, capture_output=True)
    setup = json.loads(subprocess.run([str(BIN / "python"), "tests/cluster/setup_data.py", str(VOTERS)], env=env,
                                      cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    (folder / "setup.json").write_text(json.dumps(setup))

    ports = [free_port(), free_port()]
    servers = [subprocess.Popen([str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "wsgi:app"],
                                env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}, cwd=ROOT, start_new_session=True)
               for port in ports]
    https = free_port()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")], check=True, capture_output=True)
    rendered = subprocess.run([sys.executable, "deploy/render_nginx.py", "--server-name", "127.0.0.1",
                               *[a for port in ports for a in ("--upstream", f"127.0.0.1:{port}")],
                               "--cert", str(folder / "cert.pem"), "--key", str(folder / "key.pem"),
                               "--static", str(ROOT / "app" / "static"), "--https-port", str(https),
                               "--http-port", str(free_port()), "--no-ipv6", "--standalone", str(folder)],
                              cwd=ROOT, check=True, capture_output=True, text=True).stdout
    (folder / "nginx.conf").write_text(rendered)
    nginx = subprocess.Popen(["nginx", "-c", str(folder / "nginx.conf"), "-g", "daemon off;"], start_new_session=True)
    engine = create_engine(url)
    try:
        for port in (*ports, https):
            wait_for_port(port)
        yield {"folder": folder, "setup": setup, "ports": ports, "servers": servers, "base": f"https://127.0.0.1:{https}",
               "engine": engine}
    finally:
        engine.dispose()
        admin.dispose()
        for process in (nginx, *servers):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(15)


def test_two_servers_limit_failed_sign_ins_as_one(cluster):
    """AUTH_LIMIT_PER_ACCOUNT is 10 a minute: ten failures spread over both servers use it up."""
    email = cluster["setup"]["users"][0]["email"].replace("cluster-0", "cluster-limit")
    statuses = []
    for n in range(11):
        port = cluster["ports"][n % 2]
        # Plain HTTP straight to each server: the session cookie is sent by hand (it is marked Secure).
        page = requests.get(f"http://127.0.0.1:{port}/sign-in")
        token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page.text).group(1)
        statuses.append(requests.post(f"http://127.0.0.1:{port}/sign-in", data={
            "csrf_token": token, "email": email, "password": "wrong password"}, allow_redirects=False,
            headers={"Cookie": f"session={page.cookies['session']}"}).status_code)
    assert statuses[:10] == [200] * 10 and statuses[10] == 429, statuses


def test_killing_a_server_mid_load_loses_and_doubles_nothing(cluster):
    folder, setup = cluster["folder"], cluster["setup"]
    outcomes_file = folder / "outcomes.jsonl"
    load = subprocess.Popen([sys.executable, str(ROOT / "tests" / "cluster" / "load.py"), cluster["base"],
                             str(folder / "setup.json"), str(LOAD_SECONDS), str(outcomes_file)])
    time.sleep(LOAD_SECONDS / 2)
    victim = cluster["servers"][0]
    os.killpg(victim.pid, signal.SIGKILL)  # master and workers: as if the machine had died
    killed_at = time.time()
    victim.wait(10)
    assert load.wait(LOAD_SECONDS * 4) == 0
    outcomes = [json.loads(line) for line in outcomes_file.read_text().splitlines()]

    acknowledged = [o for o in outcomes if o["status"] in (200, 303)]
    before = [o for o in acknowledged if o["at"] < killed_at]
    after = [o for o in acknowledged if o["at"] > killed_at + 0.5]
    assert before and after, "writes must succeed both before and after the kill"
    statuses = Counter(o["status"] for o in outcomes)
    # Anything that was not a success failed cleanly: a defined conflict, or no answer in the end.
    assert set(statuses) <= {200, 303, 409, None}, statuses

    with cluster["engine"].connect() as conn:
        keys = dict(conn.execute(text("SELECT key, status FROM idempotency_keys")).all())
        ballots = dict(conn.execute(text(
            "SELECT voter_key, count(*) FROM budget_ballots WHERE process_id = :p GROUP BY voter_key"),
            {"p": setup["process"]}).all())
        current = dict(conn.execute(text(
            "SELECT voter_key, count(*) FROM budget_ballots WHERE process_id = :p AND is_current GROUP BY voter_key"),
            {"p": setup["process"]}).all())
        supports = set(conn.execute(text("SELECT user_id, idea_id FROM idea_supports")).all())
        miscounted = conn.execute(text(
            "SELECT count(*) FROM ideas i WHERE i.support_count <> "
            "(SELECT count(*) FROM idea_supports s WHERE s.idea_id = i.id)")).scalar_one()
        responses = conn.execute(text("SELECT count(*) FROM consultation_responses WHERE consultation_id = :c "
                                      "AND submitted_at IS NOT NULL"), {"c": setup["consultation"]}).scalar_one()

    for o in acknowledged:  # every acknowledged write's key is stored with its answer
        assert keys.get(o["key"]) == o["status"], o
    by_user = defaultdict(list)
    for o in outcomes:
        if o["op"] == "vote":
            by_user[o["user"]].append(o)
    for user, sent in by_user.items():
        acked = sum(o["status"] == 303 for o in sent)
        unsure = sum(o["status"] in (409, None) for o in sent)
        stored = ballots.get(f"user:{user}", 0)
        # Each acknowledged vote is in the history once; a vote never acknowledged may or may not be.
        assert acked <= stored <= acked + unsure, (user, acked, unsure, stored)
        assert current.get(f"user:{user}", 0) == (1 if stored else 0)
    for o in acknowledged:
        if o["op"] == "support":
            idea = int(o["location"].rstrip("/").split("/")[-1]) if o["location"] else None
            assert (o["user"], idea) in supports, o
    assert miscounted == 0
    sent_responses = [o for o in outcomes if o["op"] == "response"]
    acked_responses = sum(o["status"] == 303 for o in sent_responses)
    unsure_responses = sum(o["status"] in (409, None) for o in sent_responses)
    assert acked_responses <= responses <= acked_responses + unsure_responses
    report = {"writes": len(outcomes), "acknowledged": len(acknowledged), "before_kill": len(before),
              "after_kill": len(after), "statuses": {str(k): v for k, v in statuses.items()},
              "retried": sum(o["attempts"] > 1 for o in outcomes)}
    print("cluster:", json.dumps(report))
    (folder / "report.json").write_text(json.dumps(report))
