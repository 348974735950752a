"""Ward budget pages for residents: voting with and without JavaScript's running total, refusals
that keep the choices, the receipt, the result with its chart and the open ballot file."""
from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from app.budgeting import pabulib, services
from app.budgeting.models import Ballot, BudgetProcess, Phase
from app.core.models import Role, User
from app.extensions import db
from tests.web.test_budget_ballots import process_id  # noqa: F401  (the fixture: a vote open today)


def project_ids(app, process_id):  # noqa: F811
    with app.app_context():
        return [p.id for p in db.session.get(BudgetProcess, process_id).projects]


def test_a_resident_votes_sees_a_receipt_and_changes_the_vote(app, client, council, make_user, auth, process_id):  # noqa: F811
    ids = project_ids(app, process_id)
    auth.login(make_user(ward=council.wards[0]))
    page = client.get(f"/budgets/{process_id}/vote").get_data(as_text=True)
    assert "Choose the projects you want, up to £100,000 in total." in page
    assert "Moon base" not in page and "Not costed yet" not in page  # only feasible, costed projects
    response = client.submit(f"/budgets/{process_id}/vote", {"projects": [ids[0], ids[2]]})
    assert response.status_code == 303 and response.headers["Location"].endswith("/receipt")
    receipt = client.get(f"/budgets/{process_id}/receipt").get_data(as_text=True)
    assert "Project 1" in receipt and "Project 3" in receipt and "Total: £30,000 of £100,000." in receipt
    reference = re.search(r"Receipt reference: <strong>([0-9A-F]{8})</strong>", receipt).group(1)
    again = client.get(f"/budgets/{process_id}/vote").get_data(as_text=True)
    assert "You have voted." in again and f'value="{ids[0]}" checked' in again
    client.submit(f"/budgets/{process_id}/vote", {"projects": [ids[1]]})
    receipt = client.get(f"/budgets/{process_id}/receipt").get_data(as_text=True)
    assert "Project 2" in receipt and "Project 1" not in receipt and reference not in receipt


def test_over_budget_is_refused_with_the_reason_and_the_choices_kept(app, client, council, make_user, auth,
                                                                    process_id):  # noqa: F811
    ids = project_ids(app, process_id)
    auth.login(make_user(ward=council.wards[0]))
    response = client.submit(f"/budgets/{process_id}/vote", {"projects": [ids[8], ids[9]]})  # £110,000
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page and "more than the £100,000 to spend" in page
    assert f'value="{ids[8]}" checked' in page and f'value="{ids[9]}" checked' in page
    assert "£10,000 too much: take out a project." in page  # the total, without JavaScript
    with app.app_context():
        assert db.session.scalar(select(Ballot.id)) is None
    empty = client.submit(f"/budgets/{process_id}/vote", {})
    assert empty.status_code == 400 and "Choose at least one project." in empty.get_data(as_text=True)


def test_the_running_total_fragment_adds_up_the_ticked_projects(client, council, app, process_id):  # noqa: F811
    ids = project_ids(app, process_id)
    body = client.get(f"/budgets/{process_id}/total?projects={ids[0]}&projects={ids[3]}&projects=x").get_data(
        as_text=True)
    assert body.lstrip().startswith('<p id="ballot-total"') and "£35,000 of the £100,000" in body
    assert "£65,000 left." in body


def test_residents_of_other_wards_are_told_why_they_cannot_vote(app, client, council, make_user, auth, process_id):  # noqa: F811
    ids = project_ids(app, process_id)
    auth.login(make_user(ward=council.wards[1]))
    assert "Only residents of North ward can vote" in client.get(f"/budgets/{process_id}/vote").get_data(as_text=True)
    client.submit(f"/budgets/{process_id}/vote", {"projects": [ids[0]]})
    with app.app_context():
        assert db.session.scalar(select(Ballot.id)) is None


def test_the_result_page_and_its_ballot_file_match_the_published_hash(app, client, council, make_user, process_id):  # noqa: F811
    ids = project_ids(app, process_id)
    voters = [make_user(ward=council.wards[0]) for _ in range(4)]
    with app.app_context():
        process = db.session.get(BudgetProcess, process_id)
        for voter, picks in zip(voters, [[0, 1], [0, 2], [9], [0, 9]]):
            services.cast(process, db.session.get(User, voter.id), [ids[i] for i in picks])
        staff = db.session.get(User, make_user(Role.STAFF).id)
        services.move_phase(process, Phase.COUNTING, staff)
        services.publish_result(process, staff)
        digest = process.ballot_file_sha256
    page = client.get(f"/budgets/{process_id}").get_data(as_text=True)
    assert "4 ballots were counted." in page and digest in page and "<svg" in page
    assert "Counted by the Method of Equal Shares" in page
    downloads = [client.get(f"/budgets/{process_id}/ballots.pb") for _ in range(2)]
    for download in downloads:
        assert hashlib.sha256(download.data).hexdigest() == digest
        assert download.headers["ETag"].strip('"') == digest
    assert client.get(f"/budgets/{process_id}/ballots.pb", headers={"If-None-Match": f'"{digest}"'}).status_code == 304
    assert len(pabulib.read(downloads[0].get_data(as_text=True)).votes) == 4
    for voter in voters:
        assert f"user:{voter.id}" not in downloads[0].get_data(as_text=True)


def test_no_ballot_file_before_the_result(client, council, process_id):  # noqa: F811
    assert client.get(f"/budgets/{process_id}/ballots.pb").status_code == 404
    assert client.get("/budgets/999999").status_code == 404


def test_budget_pages_are_valid_html_light_and_have_one_h1(app, client, council, make_user, auth, tmp_path,
                                                          process_id):  # noqa: F811
    from tests.helpers import PAGE_BUDGET_BYTES, page_weight, validate_html

    ids = project_ids(app, process_id)
    pages = {"index": client.get("/budgets/"), "detail": client.get(f"/budgets/{process_id}")}
    auth.login(make_user(ward=council.wards[0]))
    pages["vote"] = client.get(f"/budgets/{process_id}/vote")
    pages["vote-errors"] = client.submit(f"/budgets/{process_id}/vote", {"projects": [ids[8], ids[9]]})
    client.submit(f"/budgets/{process_id}/vote", {"projects": [ids[0]]})
    pages["receipt"] = client.get(f"/budgets/{process_id}/receipt")
    pages["dashboard"] = client.get("/my-council")
    with app.app_context():
        process = db.session.get(BudgetProcess, process_id)
        staff = db.session.get(User, make_user(Role.STAFF).id)
        services.move_phase(process, Phase.COUNTING, staff)
        services.publish_result(process, staff)
    pages["result"] = client.get(f"/budgets/{process_id}")
    html = {}
    for name, response in pages.items():
        page = response.get_data(as_text=True)
        assert page.count("<h1") == 1, name
        html[name] = page
    assert "Your ward&#39;s budget" in html["dashboard"] and "you have voted" in html["dashboard"]
    assert validate_html(html, tmp_path) == []
    for path in ("/budgets/", f"/budgets/{process_id}"):
        assert page_weight(client, path) < PAGE_BUDGET_BYTES


def test_fifty_simultaneous_vote_requests_from_one_person_leave_one_current_ballot(app, council, make_user,
                                                                                  process_id):  # noqa: F811
    """Over HTTP, outside any per-test transaction: every answer is the receipt (saved) or the
    vote page again with the conflict explained, never a 500."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.web.test_ideas import signed_in_client

    ids = project_ids(app, process_id)
    first = signed_in_client(app, make_user(ward=council.wards[0]))
    token = first.csrf_token()
    cookie = first.get_cookie("session")
    clients = []
    for _ in range(50):
        c = app.test_client()
        c.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
        clients.append(c)

    def vote(pair):
        n, c = pair
        response = c.post(f"/budgets/{process_id}/vote", data={"csrf_token": token, "projects": [ids[n % 10]]})
        return response.status_code, response.headers.get("Location", "")

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(vote, enumerate(clients)))
    assert all(status == 303 and (where.endswith("/receipt") or where.endswith("/vote")) for status, where in answers), answers
    saved = sum(1 for _s, where in answers if where.endswith("/receipt"))
    with app.app_context():
        ballots = db.session.scalars(select(Ballot).where(Ballot.process_id == process_id)).all()
    assert sum(b.is_current for b in ballots) == 1 and len(ballots) == saved
