#!/usr/bin/env python3
"""The cluster test's load: run as a process of its own, through nginx over TLS. One thread per
voter, each signed in once, sends in turn a ward budget vote, an idea support and an anonymous
consultation response, until the deadline. Every write carries an idempotency key; a write whose
connection fails (or that nginx answers 502/503/504 because its server died) is sent again with
the same key, up to four times, as a careful client would. Each write's outcome is one JSON line:

    {"op", "user", "key", "status" (final HTTP status, or null), "location", "attempts", "at"}

    load.py BASE_URL SETUP_JSON SECONDS OUTPUT_FILE
"""
from __future__ import annotations

import json
import re
import sys
import threading
import time
import warnings

import requests

warnings.filterwarnings("ignore")  # the certificate is self-signed: verification is off on purpose
CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
RETRY_STATUSES = {502, 503, 504}


class Voter:
    def __init__(self, base: str, setup: dict, user: dict, index: int, out, lock) -> None:
        self.base, self.setup, self.user, self.index, self.out, self.lock = base, setup, user, index, out, lock
        self.http = requests.Session()
        self.http.verify = False
        self.http.trust_env = False  # else a CA bundle named in the environment overrides verify=False
        self.http.headers["Referer"] = base + "/"  # Flask-WTF checks it on HTTPS posts
        ideas = setup["ideas"]
        self.ideas = iter(ideas[index::len(setup["users"])])  # each voter supports ideas nobody else does

    def get(self, path: str) -> requests.Response:
        for _ in range(6):
            try:
                response = self.http.get(self.base + path, timeout=10)
                if response.status_code not in RETRY_STATUSES:
                    return response
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"GET {path} kept failing")

    def post(self, op: str, path: str, data: dict, page: str) -> None:
        key = KEY.search(page).group(1)
        data = {**data, "csrf_token": CSRF.search(page).group(1), "idempotency_key": key}
        status = location = None
        attempts = 0
        for attempts in range(1, 5):
            try:
                response = self.http.post(self.base + path, data=data, allow_redirects=False, timeout=10)
            except requests.RequestException:
                time.sleep(0.2)
                continue
            if response.status_code in RETRY_STATUSES:
                time.sleep(0.2)
                continue
            status, location = response.status_code, response.headers.get("Location")
            break
        line = {"op": op, "user": self.user["id"], "key": key, "status": status, "location": location,
                "attempts": attempts, "at": time.time()}
        with self.lock:
            self.out.write(json.dumps(line) + "\n")
            self.out.flush()

    def sign_in(self) -> None:
        page = self.get("/sign-in").text
        response = self.http.post(self.base + "/sign-in", data={
            "csrf_token": CSRF.search(page).group(1), "email": self.user["email"],
            "password": self.setup["password"]}, allow_redirects=False, timeout=10)
        assert response.status_code == 303, f"sign-in: {response.status_code}"

    def vote(self, n: int) -> None:
        process = self.setup["process"]
        page = self.get(f"/budgets/{process}/vote").text
        self.post("vote", f"/budgets/{process}/vote", {"projects": [self.setup["projects"][n % 2]]}, page)

    def support(self) -> None:
        idea = next(self.ideas, None)
        if idea is None:
            return
        page = self.get(f"/ideas/{idea}").text
        self.post("support", f"/ideas/{idea}/support", {"action": "support", "idea": str(idea)}, page)

    def respond(self) -> None:
        consultation = self.setup["consultation"]
        page = self.get(f"/consultations/{consultation}").text
        started = self.http.post(f"{self.base}/consultations/{consultation}/start",
                                 data={"csrf_token": CSRF.search(page).group(1)}, allow_redirects=False, timeout=10)
        if started.status_code != 303:
            return  # the start is not the write measured; a failed one is simply tried again next round
        page = self.get(f"/consultations/{consultation}/check").text
        self.post("response", f"/consultations/{consultation}/check", {}, page)

    def run(self, deadline: float) -> None:
        self.sign_in()
        n = 0
        while time.time() < deadline:
            try:
                (self.vote, lambda _n: self.support(), lambda _n: self.respond())[n % 3](n)
            except (RuntimeError, requests.RequestException, AttributeError):
                time.sleep(0.2)  # a page that could not be read: nothing was sent, try the next write
            n += 1


def main() -> None:
    base, setup_file, seconds, output = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    setup = json.loads(open(setup_file).read())
    deadline = time.time() + seconds
    lock = threading.Lock()
    with open(output, "w") as out:
        voters = [Voter(base, setup, user, i, out, lock) for i, user in enumerate(setup["users"])]
        threads = [threading.Thread(target=v.run, args=(deadline,)) for v in voters]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


if __name__ == "__main__":
    main()
