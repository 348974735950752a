"""Ballots cast in person (at a library kiosk, or by staff on a resident's behalf) with the
resident's one-time confirmation code; the staff identity check a process can require; and
sealing the ballots at close, which publishes the hash before the result and freezes the count."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from app.budgeting import services
from app.budgeting.models import Ballot, BudgetProcess, Channel, InPersonCode, Phase
from app.core.mail import outbox
from app.core.models import AuditEntry, Role, User, VerificationMethod
from app.extensions import db
from tests.web.test_budget_ballots import cast, current_ballots, process_id  # noqa: F401  (the fixture)
from tests.web.test_ideas import signed_in_client


def project_ids(app, process_id):  # noqa: F811
    with app.app_context():
        return [p.id for p in db.session.get(BudgetProcess, process_id).projects]


def sent_code(app, email: str) -> str:
    with app.app_context():
        mail = [m for m in outbox() if m.to == email][-1]
    return re.search(r"\b(\d{6})\b", mail.body).group(1)


def test_staff_cast_an_assisted_ballot_with_the_residents_code_and_never_see_the_earlier_vote(
        app, council, make_user, process_id):  # noqa: F811
    ids = project_ids(app, process_id)
    resident = make_user(ward=council.wards[0], email="ffion@example.org")
    cast(app, process_id, resident, [9])  # voted online first: Project 10
    staff = signed_in_client(app, make_user(Role.STAFF))

    found = staff.submit(f"/budgets/{process_id}/in-person", {"email": "FFION@example.org "})
    assert found.status_code == 303 and found.headers["Location"].endswith(f"/in-person/{resident.id}")
    page = staff.get(found.headers["Location"]).get_data(as_text=True)
    assert "Yes, online" in page and "replaces their earlier vote" in page
    assert not re.search(rf'value="{ids[9]}"[^>]*checked', page)  # what they chose is not shown

    sent = staff.submit(f"/budgets/{process_id}/in-person/{resident.id}/code")
    assert sent.status_code == 303
    code = sent_code(app, "ffion@example.org")
    wrong = "000000" if code != "000000" else "111111"
    ballot = {"channel": "assisted", "projects": [ids[0], ids[1]]}
    refused = staff.submit(f"/budgets/{process_id}/in-person/{resident.id}", {**ballot, "code": wrong})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "That confirmation code is not right" in body
    assert re.search(rf'value="{ids[1]}"[^>]*checked', body)  # the choices are kept on the page
    assert [b.channel for b in current_ballots(app, process_id)] == [Channel.ONLINE]

    done = staff.submit(f"/budgets/{process_id}/in-person/{resident.id}", {**ballot, "code": code})
    assert done.status_code == 303
    receipt = staff.get(done.headers["Location"]).get_data(as_text=True)
    assert "Project 1" in receipt and "Project 2" in receipt and "ffion" not in receipt
    current = current_ballots(app, process_id)
    assert [b.channel for b in current] == [Channel.ASSISTED]
    assert sorted(c.project_id for c in current[0].choices) == [ids[0], ids[1]]
    assert current[0].reference in receipt

    again = staff.submit(f"/budgets/{process_id}/in-person/{resident.id}", {**ballot, "code": code})
    assert again.status_code == 400 and "been used" in again.get_data(as_text=True)
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("budget.in_person%"))).all()
        assert {e.action for e in entries} == {"budget.in_person_code_sent", "budget.in_person_ballot"}
        assert all(e.object_id == str(resident.id) for e in entries)
        assert all(str(ids[0]) not in str(e.details.get("projects", "")) for e in entries)
        assert len(db.session.scalars(select(Ballot).where(Ballot.process_id == process_id)).all()) == 2
    # The receipt link works only for a short while, and a forged one not at all.
    assert staff.get(done.headers["Location"] + "x").status_code == 404


def test_a_kiosk_ballot_counts_once_and_bad_choices_or_codes_never_use_up_the_vote(app, council, make_user,
                                                                                   process_id):  # noqa: F811
    ids = project_ids(app, process_id)
    resident = make_user(ward=council.wards[0])
    staff = make_user(Role.STAFF)

    def run(fn):
        with app.app_context():
            return fn(db.session.get(BudgetProcess, process_id), db.session.get(User, resident.id),
                      db.session.get(User, staff.id))

    code = run(lambda p, r, s: services.issue_in_person_code(p, r, s))
    over = run(lambda p, r, s: _refusal(services.cast_in_person, p, r, s, code, ids[6:9], Channel.KIOSK))
    assert "more than the £100,000" in over
    run(lambda p, r, s: services.cast_in_person(p, r, s, code, [ids[2]], Channel.KIOSK))  # the code still works
    assert [b.channel for b in current_ballots(app, process_id)] == [Channel.KIOSK]

    # Five wrong tries kill a code; an expired code is refused too.
    code = run(lambda p, r, s: services.issue_in_person_code(p, r, s))
    for _ in range(services.IN_PERSON_CODE_TRIES):
        run(lambda p, r, s: _refusal(services.cast_in_person, p, r, s, "999999" if code != "999999" else "000000",
                                     [ids[0]], Channel.KIOSK))
    assert "not right" in run(lambda p, r, s: _refusal(services.cast_in_person, p, r, s, code, [ids[0]],
                                                         Channel.KIOSK))
    code = run(lambda p, r, s: services.issue_in_person_code(p, r, s))
    with app.app_context():
        db.session.execute(update(InPersonCode).values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))
        db.session.commit()
    assert "expired" in run(lambda p, r, s: _refusal(services.cast_in_person, p, r, s, code, [ids[0]], Channel.KIOSK))
    current = current_ballots(app, process_id)
    assert len(current) == 1 and [c.project_id for c in current[0].choices] == [ids[2]]


def _refusal(fn, *args) -> str:
    try:
        fn(*args)
    except services.BallotRefused as refused:
        return str(refused)
    raise AssertionError("not refused")


def test_a_vote_that_needs_a_staff_check_opens_once_staff_record_it(app, council, make_user, process_id):  # noqa: F811
    with app.app_context():
        db.session.get(BudgetProcess, process_id).verification = VerificationMethod.STAFF
        db.session.commit()
    resident = make_user(ward=council.wards[0])
    outsider = make_user(ward=council.wards[1])
    staff = signed_in_client(app, make_user(Role.STAFF))
    page = staff.get(f"/budgets/{process_id}/in-person/{resident.id}").get_data(as_text=True)
    assert "I have checked who they are" in page and "Send a confirmation code" not in page
    assert staff.submit(f"/budgets/{process_id}/in-person/{resident.id}/verify").status_code == 303
    page = staff.get(f"/budgets/{process_id}/in-person/{resident.id}").get_data(as_text=True)
    assert "Send a confirmation code" in page
    with app.app_context():
        person = db.session.get(User, resident.id)
        assert person.verification_method == VerificationMethod.STAFF
        assert services.why_not_eligible(db.session.get(BudgetProcess, process_id), person) is None
        assert db.session.scalar(select(AuditEntry.object_id).where(AuditEntry.action == "account.verified_by_staff")) \
            == str(resident.id)
    # Someone from another ward is told why, and gets no code.
    staff.submit(f"/budgets/{process_id}/in-person/{outsider.id}/verify")
    elsewhere = staff.get(f"/budgets/{process_id}/in-person/{outsider.id}").get_data(as_text=True)
    assert "Only residents of North ward" in elsewhere
    staff.submit(f"/budgets/{process_id}/in-person/{outsider.id}/code")
    with app.app_context():
        assert not [m for m in outbox() if m.to == outsider.email]
    assert staff.submit(f"/budgets/{process_id}/in-person", {"email": "nobody@example.org"}).status_code == 400


def test_residents_cannot_reach_in_person_pages_and_staff_cannot_reach_other_councils_people(
        app, client, council, make_user, login_as, process_id):  # noqa: F811
    resident = make_user(ward=council.wards[0])
    login_as(Role.RESIDENT)
    assert client.get(f"/budgets/{process_id}/in-person").status_code == 403
    assert client.get(f"/budgets/{process_id}/in-person/{resident.id}").status_code == 403
    for action in ("code", "verify"):
        assert client.submit(f"/budgets/{process_id}/in-person/{resident.id}/{action}").status_code == 403
    assert client.submit(f"/budgets/{process_id}/seal").status_code == 403
    from tests.web.test_tenancy import _other_council

    other = make_user(council_obj=_other_council(app), email="away@example.org")
    staff = signed_in_client(app, make_user(Role.STAFF))
    assert staff.get(f"/budgets/{process_id}/in-person/{other.id}").status_code == 404
    assert staff.submit(f"/budgets/{process_id}/in-person", {"email": "away@example.org"}).status_code == 400


def test_sealing_publishes_the_hash_at_close_and_nothing_changes_after_it(app, client, council, make_user,
                                                                         process_id):  # noqa: F811
    ids = project_ids(app, process_id)
    voters = [make_user(ward=council.wards[0]) for _ in range(3)]
    for voter, picks in zip(voters, ([0, 1], [2], [0, 3])):
        cast(app, process_id, voter, picks)
    cast(app, process_id, voters[0], [1, 4])  # changed: history kept
    staff_user = make_user(Role.STAFF)
    staff = signed_in_client(app, staff_user)
    assert "can be sealed only after voting has closed" in \
        staff.submit(f"/budgets/{process_id}/seal", follow_redirects=True).get_data(as_text=True)
    staff.submit(f"/budgets/{process_id}/phase", {"phase": "counting"})
    staff.submit(f"/budgets/{process_id}/paper", {"paper": "P-1", "email": "", "projects": [ids[0]]})
    assert staff.submit(f"/budgets/{process_id}/seal").status_code == 303

    with app.app_context():
        process = db.session.get(BudgetProcess, process_id)
        digest, text = process.ballot_file_sha256, process.ballot_file
        rows = db.session.scalars(select(Ballot).where(Ballot.process_id == process_id)).all()
        assert services.phase(process) == Phase.COUNTING and process.published_at is None
    assert hashlib.sha256(text.encode()).hexdigest() == digest
    assert all(b.voter_key.startswith("anon:") for b in rows)
    assert len({(b.cast_at, b.replaced_at or b.cast_at) for b in rows}) == 1  # cast times blurred to the close
    public = client.get(f"/budgets/{process_id}").get_data(as_text=True)
    assert digest in public and "the ballots are sealed" in public
    assert client.get(f"/budgets/{process_id}/ballots.pb").status_code == 404  # served with the result

    late_paper = staff.submit(f"/budgets/{process_id}/paper", {"paper": "P-1", "email": "", "projects": [ids[0]]})
    assert late_paper.status_code == 400 and "until the ballots are sealed" in late_paper.get_data(as_text=True)
    reopened = staff.submit(f"/budgets/{process_id}/phase", {"phase": "voting"}, follow_redirects=True)
    assert "the phase can no longer change" in reopened.get_data(as_text=True)
    assert staff.submit(f"/budgets/{process_id}/publish").status_code == 303
    with app.app_context():
        process = db.session.get(BudgetProcess, process_id)
        assert process.ballot_file_sha256 == digest and process.result["ballots"] == 3
    download = client.get(f"/budgets/{process_id}/ballots.pb")
    assert hashlib.sha256(download.data).hexdigest() == digest
