"""The open data API and catalogue: the OpenAPI description holds for every answer, pages
by cursor cover a dataset exactly once, ETags, CORS, the per-address limit, and no personal
data in any dataset or answer."""
from __future__ import annotations

import csv
import io
import json
import threading
from datetime import date

import pytest
from sqlalchemy import select, update
from werkzeug.serving import WSGIRequestHandler, make_server

from app.core.datasets import datasets
from app.extensions import db


@pytest.fixture
def demo(app):
    from app.core.demo import load_demo

    with app.app_context():
        assert load_demo()


@pytest.fixture
def live_server(app):
    class Quiet(WSGIRequestHandler):
        def log_request(self, *args) -> None:
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def generous_limit(app):
    """The test server's limit is raised, so schemathesis is not throttled."""
    before = app.config["API_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    yield
    app.config["API_RATE_LIMIT"] = before


def test_every_answer_matches_the_openapi_description(demo, live_server, generous_limit):
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    schema = schemathesis.openapi.from_url(f"{live_server}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/", "/ideas", "/contracts", "/wards", "/consultations"}
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            # Every check schemathesis has: no 5xx, status codes and headers the description
            # lists, bodies that match their schemas, content types, valid input accepted.
            # Except one case: a cursor is only valid if a page before gave it out, which no
            # schema can say, so a made-up one gets the documented 400 rather than a page.
            made_up_cursor = bool((case.query or {}).get("cursor"))
            case.call_and_validate(excluded_checks=[positive_data_acceptance] if made_up_cursor else None)

        check()


def _get_json(client, url, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:200])
    return response.get_json()


def test_pages_by_cursor_cover_each_dataset_once_in_key_order(client, demo, generous_limit):
    for name, dataset in datasets.items():
        whole = json.loads(client.get(f"/open-data/{name}.json").get_data(as_text=True))
        paged, url = [], f"/api/v1/{name}?limit=7"
        while url:
            body = _get_json(client, url)
            assert len(body["data"]) <= 7
            paged.extend(body["data"])
            url = body["next"] and body["next"].replace("http://localhost", "")
        keys = [tuple(row[k] for k in dataset.key) for row in paged]
        assert keys == sorted(keys) and len(set(keys)) == len(keys), name
        assert len(paged) == len(whole), name
        if dataset.rows_after is not None:  # read from the database in key order: the download is too
            assert [tuple(r[k] for k in dataset.key) for r in whole] == keys, name


def test_filters_by_ward_status_and_dates(client, demo):
    ward = _get_json(client, "/api/v1/wards?limit=1")["data"][0]["code"]
    in_ward = _get_json(client, f"/api/v1/ideas?ward={ward}&limit=100")["data"]
    assert in_ward and all(row["ward_code"] == ward for row in in_ward)
    accepted = _get_json(client, "/api/v1/ideas?status=accepted&limit=100")["data"]
    assert accepted and all(row["status"] == "accepted" for row in accepted)
    everything = json.loads(client.get("/open-data/ideas.json").get_data(as_text=True))
    days = sorted(row["created_at"][:10] for row in everything)
    since, until = days[len(days) // 3], days[len(days) // 2]
    between = _get_json(client, f"/api/v1/ideas?since={since}&until={until}&limit=100")["data"]
    assert between and len(between) < len(everything)
    assert sorted(r["id"] for r in between) == sorted(r["id"] for r in everything if since <= r["created_at"][:10] <= until)
    # An empty parameter is no filter.
    assert _get_json(client, "/api/v1/ideas?limit=100&ward=&since=")["data"] == everything[:100]


@pytest.mark.parametrize("query, message", [
    ("limit=0", "limit"), ("limit=101", "limit"), ("limit=ten", "limit"),
    ("since=yesterday", "since"), ("until=2026-13-01", "until"),
    ("cursor=not-a-cursor", "cursor"), ("cursor=WyJhIiwiYiJd", "cursor"),  # a list of the wrong length
    ("cursor=WyJ4Il0", "cursor"),  # ["x"]: text where the key is a number
    ("cursor=WzEwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDBd", "cursor"),  # a number no database holds
    ("limit=%C2%B2", "limit"),  # "²" is a digit to Python, but not a number
    ("status=open&colour=red", "colour"),  # a filter no dataset has
])
def test_bad_parameters_get_a_clear_400(client, council, query, message):
    response = client.get(f"/api/v1/ideas?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "bad_request" and body["message"].startswith(message)


def test_a_filter_the_dataset_does_not_take_is_refused(client, council):
    response = client.get("/api/v1/idea-arguments?status=open")
    assert response.status_code == 400 and response.get_json()["message"].startswith("status")
    assert client.get("/api/v1/wards?cursor=WzFd").status_code == 400  # [1] where a ward code is text


def test_unknown_dataset_and_other_paths_are_json_errors(client, council):
    for response, status in ((client.get("/api/v1/no-such-thing"), 404), (client.get("/api/v1/ideas/extra"), 404),
                             (client.post("/api/v1/ideas"), 405)):
        assert response.status_code == status and response.is_json and response.get_json()["error"], response
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_current_etag_gets_304_and_a_change_gets_new_data(client, app, demo):
    first = client.get("/api/v1/ideas?limit=5")
    etag = first.headers["ETag"]
    again = client.get("/api/v1/ideas?limit=5", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    with app.app_context():
        from app.ideas.models import Idea

        first_id = first.get_json()["data"][0]["id"]
        db.session.execute(update(Idea).where(Idea.id == first_id).values(support_count=Idea.support_count + 1))
        db.session.commit()
    changed = client.get("/api/v1/ideas?limit=5", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_any_site_may_read_it_with_get(client, council):
    response = client.get("/api/v1/", headers={"Origin": "https://civic-hackers.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options("/api/v1/ideas", headers={"Origin": "https://civic-hackers.example",
                                                         "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200 and "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "POST" not in preflight.headers["Allow"]


def test_the_101st_request_in_a_minute_gets_429(client, council, app):
    assert app.config["API_RATE_LIMIT"] == "100 per minute"
    statuses = [client.get("/api/v1/wards").status_code for _ in range(100)]
    assert statuses == [200] * 100
    refused = client.get("/api/v1/wards")
    assert refused.status_code == 429
    assert refused.get_json()["error"] == "too_many_requests" and int(refused.headers["Retry-After"]) > 0
    # Another address is counted on its own.
    assert client.get("/api/v1/wards", environ_base={"REMOTE_ADDR": "192.0.2.9"}).status_code == 200


def test_catalogue_lists_every_dataset_with_its_dictionary_and_as_dcat(client, demo):
    page = client.get("/open-data").get_data(as_text=True)
    dcat = client.get("/open-data/catalogue.jsonld")
    assert dcat.mimetype == "application/ld+json"
    described = {d["dct:identifier"]: d for d in dcat.get_json()["dcat:dataset"]}
    assert set(described) == set(datasets)
    for name, dataset in datasets.items():
        assert f"/open-data/{name}.csv" in page and f"/open-data/{name}.json" in page
        for field in dataset.fields:
            assert f"<code>{field.name}</code>" in page
        formats = {d.get("dct:format") for d in described[name]["dcat:distribution"]}
        assert {"CSV", "JSON"} <= formats
        assert described[name]["dct:license"]["@id"].startswith("https://www.nationalarchives.gov.uk/")


def test_every_dataset_downloads_with_the_fields_its_dictionary_lists(client, demo):
    for name, dataset in datasets.items():
        names = dataset.field_names()
        rows = list(csv.reader(io.StringIO(client.get(f"/open-data/{name}.csv").get_data(as_text=True))))
        assert rows[0] == names, name
        assert len(rows) > 1, f"{name}: the demo council should publish something"
        records = json.loads(client.get(f"/open-data/{name}.json").get_data(as_text=True))
        assert records and all(list(r) == names for r in records), name
        api_rows = _get_json(client, f"/api/v1/{name}?limit=3")["data"]
        assert api_rows and all(sorted(r) == sorted(names) for r in api_rows), name


MARKERS = {"name": "Zqxname", "email": "zqxmail", "dob": "1911-11-11", "postcode": "ZQ9 9QX",
           "answer": "Zqxanswer", "appeal": "Zqxappeal"}


def _seed_markers(app) -> None:
    """A unique marker in every personal field the platform stores."""
    from app.consultations.models import Answer
    from app.core.models import Role, User, UserRole
    from app.ideas.models import ModerationAppeal

    with app.app_context():
        councillors = select(UserRole.user_id).where(UserRole.role == Role.COUNCILLOR)
        # Councillors are named on purpose (they are public office holders); residents never are.
        db.session.execute(update(User).where(User.id.not_in(councillors))
                           .values(display_name=MARKERS["name"] + " " + User.id.cast(db.String)))
        db.session.execute(update(User).values(email=MARKERS["email"] + User.id.cast(db.String) + "@example.org",
                                               date_of_birth=date(1911, 11, 11)))
        for i, answer in enumerate(db.session.scalars(select(Answer))):
            answer.text = MARKERS["postcode"] if i % 2 else MARKERS["answer"] + " my own circumstances"
        from app.ideas.models import Idea

        # An appeal against a hiding, with the author's own words (the demo has none).
        idea = db.session.scalars(select(Idea).where(Idea.author_id.isnot(None))).first()
        db.session.add(ModerationAppeal(council_id=idea.council_id, object_type="idea", object_id=idea.id,
                                        author_id=idea.author_id, statement=MARKERS["appeal"]))
        db.session.commit()
        assert db.session.scalar(select(db.func.count()).select_from(Answer)) > 0


def test_no_personal_data_in_any_dataset_or_api_answer(client, app, demo, generous_limit):
    _seed_markers(app)
    bodies = {"catalogue": client.get("/open-data").get_data(as_text=True),
              "dcat": client.get("/open-data/catalogue.jsonld").get_data(as_text=True),
              "api index": client.get("/api/v1/").get_data(as_text=True),
              "openapi": client.get("/api/v1/openapi.json").get_data(as_text=True)}
    for name in datasets:
        for fmt in ("csv", "json"):
            bodies[f"{name}.{fmt}"] = client.get(f"/open-data/{name}.{fmt}").get_data(as_text=True)
        url, n = f"/api/v1/{name}?limit=100", 0
        while url:
            response = client.get(url)
            bodies[f"api {name} {n}"] = response.get_data(as_text=True)
            url, n = (response.get_json()["next"] or "").replace("http://localhost", ""), n + 1
    assert sum(len(b) for b in bodies.values()) > 100_000  # the demo council's data is really there
    for where, body in bodies.items():
        for what, marker in MARKERS.items():
            assert marker.lower() not in body.lower(), f"{what} found in {where}"


def test_answers_are_the_same_for_everyone_so_shared_caches_may_keep_them(client, login_as):
    login_as()
    response = client.get("/api/v1/wards")
    assert response.status_code == 200
    assert "Cookie" not in response.headers.get("Vary", "")
    assert response.cache_control.public and not response.cache_control.private
    assert not response.cache_control.no_store
    # Pages for a signed-in person stay private.
    assert client.get("/my-council").cache_control.no_store
