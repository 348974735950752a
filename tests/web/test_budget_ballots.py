"""Ward budget ballots at the service level (the pages come next): who may vote, what a ballot
may hold, changing a vote, fifty simultaneous votes from one person, and a published result
whose ballot file hashes to its published SHA-256 and names nobody."""
from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.budgeting import pabulib, rules, services
from app.budgeting.models import (Ballot, BallotKind, BudgetProcess, BudgetProject, Channel, Phase,
                                  ProjectStatus)
from app.core.models import AuditEntry, Role, User
from app.extensions import db

TODAY = date.today()


@pytest.fixture
def process_id(app, council):
    """A knapsack vote open today in the first ward: £100,000 and ten feasible projects, one
    infeasible and one not yet costed."""
    with app.app_context():
        process = BudgetProcess(
            council_id=council.id, ward_id=council.wards[0].id, title={"en": "North budget 2027", "cy": ""},
            budget=Decimal(100_000), ballot_kind=BallotKind.KNAPSACK, proposals_from=TODAY - timedelta(days=60),
            costing_from=TODAY - timedelta(days=30), voting_from=TODAY - timedelta(days=1),
            voting_until=TODAY + timedelta(days=13))
        costs = [10_000, 15_000, 20_000, 25_000, 30_000, 35_000, 40_000, 45_000, 50_000, 60_000]
        for n, cost in enumerate(costs, start=1):
            process.projects.append(BudgetProject(title={"en": f"Project {n}"}, cost=Decimal(cost),
                                                  status=ProjectStatus.FEASIBLE))
        process.projects.append(BudgetProject(title={"en": "Moon base"}, cost=Decimal(5_000),
                                              status=ProjectStatus.INFEASIBLE, infeasible_reason="Not ours to build"))
        process.projects.append(BudgetProject(title={"en": "Not costed yet"}))
        db.session.add(process)
        db.session.commit()
        return process.id


def with_process(app, process_id, fn):
    with app.app_context():
        process = db.session.get(BudgetProcess, process_id)
        return fn(process, [p.id for p in process.projects])


def cast(app, process_id, user, picks, **kwargs):
    def run(process, ids):
        return services.cast(process, db.session.get(User, user.id), [ids[i] for i in picks], **kwargs).id
    return with_process(app, process_id, run)


def current_ballots(app, process_id):
    with app.app_context():
        return db.session.scalars(select(Ballot).where(Ballot.process_id == process_id,
                                                       Ballot.is_current.is_(True))).all()


def test_a_resident_votes_and_changes_the_vote_keeping_the_history(app, council, make_user, process_id):
    voter = make_user(ward=council.wards[0])
    first = cast(app, process_id, voter, [0, 1, 2])
    second = cast(app, process_id, voter, [3, 4])
    assert first != second
    ballots = current_ballots(app, process_id)
    assert [b.id for b in ballots] == [second]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ballot)) == 2  # the history is kept
        assert services.has_voted(db.session.get(BudgetProcess, process_id),
                                  db.session.get(User, voter.id)) == Channel.ONLINE


@pytest.mark.parametrize("picks, message", [
    ([9, 8], "more than the £100,000 to spend"),  # £110,000
    ([], "at least one project"),
    ([10], "only projects on this ballot"),  # infeasible
    ([11], "only projects on this ballot"),  # not costed
])
def test_a_ballot_the_rules_do_not_allow_is_refused_and_nothing_is_saved(app, council, make_user, process_id,
                                                                          picks, message):
    voter = make_user(ward=council.wards[0])
    kept = cast(app, process_id, voter, [0])
    with pytest.raises(services.BallotRefused, match=message):
        cast(app, process_id, voter, picks)
    assert [b.id for b in current_ballots(app, process_id)] == [kept]


def test_approval_ballots_take_at_most_k_projects(app, council, make_user, process_id):
    with app.app_context():
        process = db.session.get(BudgetProcess, process_id)
        process.ballot_kind, process.max_choices = BallotKind.APPROVAL, 3
        db.session.commit()
    voter = make_user(ward=council.wards[0])
    with pytest.raises(services.BallotRefused, match="at most 3 projects"):
        cast(app, process_id, voter, [0, 1, 2, 3])
    assert cast(app, process_id, voter, [7, 8, 9])  # over the budget is fine on an approval ballot


def test_other_wards_late_votes_and_unverified_or_young_voters_are_refused(app, council, make_user, process_id):
    outsider = make_user(ward=council.wards[1])
    with pytest.raises(services.BallotRefused, match="Only residents of North"):
        cast(app, process_id, outsider, [0])
    voter = make_user(ward=council.wards[0])
    with pytest.raises(services.BallotRefused, match="Voting is not open"):
        cast(app, process_id, voter, [0], today=TODAY + timedelta(days=14))
    with app.app_context():
        process = db.session.get(BudgetProcess, process_id)
        process.minimum_age = 16
        from app.core.models import VerificationMethod

        process.verification = VerificationMethod.POLLING_CARD
        db.session.commit()
    with pytest.raises(services.BallotRefused, match="the code on your polling card"):
        cast(app, process_id, voter, [0])
    with app.app_context():
        from datetime import datetime, timezone

        from app.core.models import VerificationMethod

        person = db.session.get(User, voter.id)
        person.verified_at, person.verification_method = datetime.now(timezone.utc), VerificationMethod.POLLING_CARD
        db.session.commit()
    with pytest.raises(services.BallotRefused, match="date of birth"):
        cast(app, process_id, voter, [0])
    with app.app_context():
        db.session.get(User, voter.id).date_of_birth = TODAY.replace(year=TODAY.year - 15)
        db.session.commit()
    with pytest.raises(services.BallotRefused, match="aged 16 or over"):
        cast(app, process_id, voter, [0])
    with app.app_context():
        db.session.get(User, voter.id).date_of_birth = TODAY.replace(year=TODAY.year - 16)
        db.session.commit()
    assert cast(app, process_id, voter, [0])
    assert len(current_ballots(app, process_id)) == 1


def test_fifty_simultaneous_votes_from_one_person_leave_one_current_ballot(app, council, make_user, process_id):
    """Outside any per-test transaction: real commits from 50 threads on one database."""
    voter = make_user(ward=council.wards[0])

    def vote(n):
        try:
            cast(app, process_id, voter, [n % 10])
            return "ok"
        except services.BallotConflict:
            return "conflict"

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = list(pool.map(vote, range(50)))
    assert set(outcomes) <= {"ok", "conflict"} and "ok" in outcomes
    ballots = current_ballots(app, process_id)
    assert len(ballots) == 1
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(Ballot))
    assert stored == outcomes.count("ok")  # every acknowledged vote is in the history; no refused one is


def test_the_published_file_hashes_to_its_published_sha256_recounts_and_names_nobody(app, council, make_user,
                                                                                     process_id):
    voters = [make_user(ward=council.wards[0], email=f"voter{n}@example.org") for n in range(6)]
    with app.app_context():
        for n, voter in enumerate(voters):
            person = db.session.get(User, voter.id)
            person.display_name = f"Zqxvoter {n}"
            person.date_of_birth = date(1911, 11, 11)
        db.session.commit()
    picks = [[0, 1, 2], [0, 1], [2, 3, 4], [9], [5, 6], [0, 9]]
    for voter, chosen in zip(voters, picks):
        cast(app, process_id, voter, chosen)
    cast(app, process_id, voters[0], [0, 1, 3])  # a changed vote: only the last counts
    staff = make_user(Role.STAFF)
    with app.app_context():
        process = db.session.get(BudgetProcess, process_id)
        with pytest.raises(services.BallotRefused, match="after voting has closed"):
            services.publish_result(process, db.session.get(User, staff.id))
        services.move_phase(process, Phase.COUNTING, db.session.get(User, staff.id))
        services.publish_result(process, db.session.get(User, staff.id))
        process = db.session.get(BudgetProcess, process_id)
        text, digest, result = process.ballot_file, process.ballot_file_sha256, process.result
        keys = db.session.scalars(select(Ballot.voter_key).where(Ballot.process_id == process_id)).all()
        actions = db.session.scalars(select(AuditEntry.action)).all()
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == digest
    assert all(k.startswith("anon:") for k in keys) and len(set(keys)) == 6  # the links are cut
    assert {"budget.phase_moved", "budget.result_published"} <= set(actions)
    for voter in voters:
        for marker in (f"user:{voter.id}", voter.email, "Zqxvoter", "1911"):
            assert marker not in text
    pb = pabulib.read(text)
    assert len(pb.votes) == 6 and pb.meta["budget"] == "100000"
    recount = rules.count(rules.Election.of(pb.budget, pb.costs(), pb.approval_ballots()), "equal-shares", "cost", "add1")
    assert recount == result["selected"]

    from pabutools.election import parse_pabulib

    path = app.instance_path + "/test-ballots.pb"
    import os

    os.makedirs(app.instance_path, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    instance, profile = parse_pabulib(path)
    assert len(instance) == 10 and len(profile) == 6
    os.remove(path)
    with app.app_context():
        with pytest.raises(services.BallotRefused, match="already published"):
            services.publish_result(db.session.get(BudgetProcess, process_id), db.session.get(User, staff.id))


def test_download_says_that_someone_voted_not_how_and_deletion_cuts_the_link(app, client, council, make_user,
                                                                             process_id, auth):
    import json

    voter = make_user(ward=council.wards[0])
    cast(app, process_id, voter, [0, 4])
    auth.login(voter)
    data = json.loads(client.get("/account/my-data.json").get_data(as_text=True))
    assert [(v["channel"], v["counted"]) for v in data["ward_budgets"]] == [("online", True)]
    assert "project" not in json.dumps(data["ward_budgets"])
    with app.app_context():
        from app.auth import services as accounts

        accounts.delete_account(db.session.get(User, voter.id))
        ballots = db.session.scalars(select(Ballot)).all()
    assert len(ballots) == 1 and ballots[0].is_current and ballots[0].voter_key.startswith("anon:")
