"""Slice 3: conflicts, independent scoring, moderation, ranking, award with standstill, feedback to
bidders, and the contract in the open register (acceptance check 4)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.core.models import Role, SizeBand
from app.extensions import db
from tests.web.test_tenders_support import (criterion_ids, make_challenge, make_org, pass_deadline, stage_ids,
                                            start_and_submit)


@pytest.fixture
def opened(app, client, council, make_user, auth):
    """A challenge whose first stage received two bids and has been opened."""
    staff = make_user(Role.STAFF)
    challenge_id = make_challenge(app, council, staff)
    stage = stage_ids(app, challenge_id)[0]
    criteria = criterion_ids(app, challenge_id)
    bidders = []
    for name, size, price in (("Bright Bins Ltd", SizeBand.MICRO, "15000"), ("Big Waste plc", SizeBand.LARGE, "9000")):
        user = make_user(Role.SUPPLIER, email=f"{name.split()[0].lower()}@example.org")
        org = make_org(app, user, name, size)
        auth.login(user)
        bid_id, response = start_and_submit(client, app, stage, org, criteria, price=price,
                                            consortium=name.startswith("Bright"))
        assert response.status_code == 303
        auth.logout()
        bidders.append({"user": user, "org": org, "bid": bid_id})
    pass_deadline(app, stage)
    client.get("/tenders/")  # any request opens the stage (the backstop)
    return {"challenge": challenge_id, "stage": stage, "criteria": criteria, "bidders": bidders, "staff": staff}


def _scores(criteria, values, reason="Clear plan"):
    data = {}
    for c, v in zip(criteria, values):
        data[f"score_{c}"] = str(v)
        data[f"reason_{c}"] = f"{reason} ({v})"
    return data


def test_an_evaluator_with_a_declared_conflict_cannot_score(app, client, make_user, auth, opened):
    evaluator = make_user(Role.EVALUATOR)
    auth.login(evaluator)
    bid = opened["bidders"][0]["bid"]
    assert client.get(f"/tenders/bids/{bid}/score").status_code == 403  # no declaration yet
    response = client.submit(f"/tenders/stages/{opened['stage']}/conflict", {"has_conflict": "yes", "details": ""})
    assert response.status_code == 400 and "Say which bidder and why" in response.get_data(as_text=True)
    client.submit(f"/tenders/stages/{opened['stage']}/conflict",
                  {"has_conflict": "yes", "details": "My brother runs Bright Bins"})
    assert client.get(f"/tenders/bids/{bid}/score").status_code == 403
    assert client.submit(f"/tenders/bids/{bid}/score",
                         {**_scores(opened["criteria"], [9, 9]), "action": "submit"}).status_code == 403
    # A declaration cannot be taken back to score after all.
    client.submit(f"/tenders/stages/{opened['stage']}/conflict", {"has_conflict": "no"})
    assert client.get(f"/tenders/bids/{bid}/score").status_code == 403
    from app.tenders.models import ScoreSheet

    with app.app_context():
        assert db.session.scalar(select(ScoreSheet.id)) is None


def test_scores_stay_hidden_from_other_evaluators_until_they_submit_their_own(app, client, make_user, auth, opened):
    bid = opened["bidders"][0]["bid"]
    first, second = make_user(Role.EVALUATOR), make_user(Role.EVALUATOR)
    first.display_name = "Person first"
    for evaluator in (first, second):
        auth.login(evaluator)
        client.submit(f"/tenders/stages/{opened['stage']}/conflict", {"has_conflict": "no"})
        auth.logout()
    auth.login(first)
    response = client.submit(f"/tenders/bids/{bid}/score",
                             {**_scores(opened["criteria"], [8, 6], "FIRST-REASON"), "action": "submit"})
    assert response.status_code == 303
    auth.logout()
    auth.login(second)
    page = client.get(f"/tenders/bids/{bid}/score").get_data(as_text=True)
    assert "FIRST-REASON" not in page and "once you have submitted yours" in page
    missing = client.submit(f"/tenders/bids/{bid}/score", {f"score_{opened['criteria'][0]}": "7", "action": "save"})
    assert missing.status_code == 400 and "Give the reason for this score" in missing.get_data(as_text=True)
    client.submit(f"/tenders/bids/{bid}/score", {**_scores(opened["criteria"], [7, 7], "SECOND-REASON"),
                                                 "action": "save"})
    page = client.get(f"/tenders/bids/{bid}/score").get_data(as_text=True)
    assert "FIRST-REASON" not in page  # saved is not submitted
    client.submit(f"/tenders/bids/{bid}/score", {**_scores(opened["criteria"], [7, 7], "SECOND-REASON"),
                                                 "action": "submit"})
    page = client.get(f"/tenders/bids/{bid}/score").get_data(as_text=True)
    assert "FIRST-REASON (8)" in page
    # Submitted scores are final for the evaluator.
    client.submit(f"/tenders/bids/{bid}/score", {**_scores(opened["criteria"], [1, 1], "CHANGED"), "action": "submit"})
    from app.tenders.models import Score

    with app.app_context():
        assert "CHANGED (1)" not in set(db.session.scalars(select(Score.reason)))


def _score_and_moderate(client, auth, make_user, opened, finals):
    evaluator = make_user(Role.EVALUATOR)
    auth.login(evaluator)
    client.submit(f"/tenders/stages/{opened['stage']}/conflict", {"has_conflict": "no"})
    for bidder, values in zip(opened["bidders"], finals):
        client.submit(f"/tenders/bids/{bidder['bid']}/score", {**_scores(opened["criteria"], values), "action": "submit"})
    auth.logout()
    auth.login(opened["staff"])
    for bidder, values in zip(opened["bidders"], finals):
        response = client.submit(f"/tenders/bids/{bidder['bid']}/moderate",
                                 _scores(opened["criteria"], values, "Agreed: the plan is specific"))
        assert response.status_code == 303


def test_moderation_ranking_award_standstill_feedback_and_contract(app, client, make_user, auth, opened, council):
    from app.tenders import services
    from app.tenders.models import Award

    with app.app_context():
        services.update_settings(council.id, standstill_working_days=8, bank_holidays=[date.today() + timedelta(days=1)],
                                 clarification_days=5, late_change_days=3, late_change_min_extension_days=5)
    _score_and_moderate(client, auth, make_user, opened, [[9, 8], [5, 6]])
    opening = client.get(f"/tenders/stages/{opened['stage']}/opening").get_data(as_text=True)
    assert "86.00" in opening and "54.00" in opening  # 60% × 9 + 40% × 8 = 8.6 of 10
    bright, big = opened["bidders"]
    import io

    assert client.submit(f"/tenders/{opened['challenge']}/documents",
                         {"title": "Challenge brief", "file": (io.BytesIO(b"%PDF-1.4 brief"), "brief.pdf")},
                         content_type="multipart/form-data").status_code == 303
    response = client.submit(f"/tenders/stages/{opened['stage']}/award", {"bids": [str(bright["bid"])]})
    assert response.status_code == 303
    with app.app_context():
        award = db.session.scalars(select(Award)).one()
        from app.tenders import rules

        assert award.standstill_ends_on == rules.add_working_days(date.today(), 8, [date.today() + timedelta(days=1)])
        award_id = award.id
    losing = [m for m in app.extensions["mail_outbox"] if m.to == "big@example.org" and "Outcome" in m.subject]
    assert len(losing) == 1 and "not chosen" in losing[0].body
    assert "Agreed: the plan is specific (5)" in losing[0].body and "54.00" in losing[0].body
    winning = [m for m in app.extensions["mail_outbox"] if m.to == "bright@example.org" and "Outcome" in m.subject]
    assert "has been chosen" in winning[0].body and "You can now bid for stage 2" in winning[0].body
    auth.logout()
    auth.login(big["user"])
    feedback = client.get(f"/tenders/bids/{big['bid']}").get_data(as_text=True)
    assert "Your scores and the reasons" in feedback and "Agreed: the plan is specific (6)" in feedback
    # The next stage is open to the stage's winners only.
    next_stage = stage_ids(app, opened["challenge"])[1]
    refused = client.submit(f"/tenders/stages/{next_stage}/bid", {"org": str(big["org"])})
    assert refused.headers["Location"].endswith(f"/tenders/{opened['challenge']}")
    auth.logout()
    auth.login(bright["user"])
    allowed = client.submit(f"/tenders/stages/{next_stage}/bid", {"org": str(bright["org"])})
    assert "/tenders/bids/" in allowed.headers["Location"]
    auth.logout()
    auth.login(opened["staff"])
    # Not before the standstill has run.
    client.submit(f"/tenders/awards/{award_id}/contract")
    with app.app_context():
        assert db.session.get(Award, award_id).contract_id is None
        made = services.make_due_contracts(today=db.session.get(Award, award_id).standstill_ends_on + timedelta(days=1))
        assert made == 1
        from app.contracts.models import Contract

        contract = db.session.scalars(select(Contract)).one()
        assert contract.challenge_id == opened["challenge"] and contract.procedure.value == "challenge"
        assert [s.name for s in contract.suppliers] == ["Bright Bins Ltd"] and str(contract.amount) == "15000.00"
        assert contract.suppliers[0].size_band == SizeBand.MICRO
        start = contract.start_date  # the stage's contract runs 12 months (the default)
        assert contract.end_date == start.replace(year=start.year + 1) - timedelta(days=1) or start.month == 2
        assert [(d.title, d.document_type) for d in contract.documents] == [("Challenge brief", "contractNotice")]
        assert contract.documents[0].url.endswith(f"/tenders/{opened['challenge']}/documents/1") or \
            "/documents/" in contract.documents[0].url
        contract_id = contract.id
    register = client.get("/contracts/").get_data(as_text=True)
    assert "Fewer missed bin collections" in register
    assert client.get(f"/contracts/{contract_id}").status_code == 200


def test_an_award_needs_agreed_scores_for_every_bid_and_respects_the_count(app, client, make_user, auth, opened):
    from app.tenders import services
    from app.tenders.models import Stage

    auth.login(opened["staff"])
    response = client.submit(f"/tenders/stages/{opened['stage']}/award", {"bids": [str(opened["bidders"][0]["bid"])]})
    assert response.status_code == 400 and "Agree the final scores" in response.get_data(as_text=True)
    auth.logout()
    _score_and_moderate(client, auth, make_user, opened, [[9, 8], [5, 6]])
    with app.app_context():
        db.session.get(Stage, opened["stage"]).award_count = 1
        db.session.commit()
    response = client.submit(f"/tenders/stages/{opened['stage']}/award",
                             {"bids": [str(b["bid"]) for b in opened["bidders"]]})
    assert response.status_code == 400 and "at most 1" in response.get_data(as_text=True)
    with app.app_context():
        assert services.awards_of(db.session.get(Stage, opened["stage"])) == []


def test_evaluation_pages_are_valid_html(app, client, make_user, auth, opened, tmp_path):
    from tests.helpers import validate_html

    evaluator = make_user(Role.EVALUATOR)
    auth.login(evaluator)
    pages = {"conflict": client.get(f"/tenders/stages/{opened['stage']}/conflict").get_data(as_text=True)}
    client.submit(f"/tenders/stages/{opened['stage']}/conflict", {"has_conflict": "no"})
    pages["evaluate"] = client.get("/tenders/evaluate").get_data(as_text=True)
    pages["opening-evaluator"] = client.get(f"/tenders/stages/{opened['stage']}/opening").get_data(as_text=True)
    pages["score"] = client.get(f"/tenders/bids/{opened['bidders'][0]['bid']}/score").get_data(as_text=True)
    auth.logout()
    auth.login(opened["staff"])
    pages["opening"] = client.get(f"/tenders/stages/{opened['stage']}/opening").get_data(as_text=True)
    pages["moderate"] = client.get(f"/tenders/bids/{opened['bidders'][0]['bid']}/moderate").get_data(as_text=True)
    pages["award"] = client.get(f"/tenders/stages/{opened['stage']}/award").get_data(as_text=True)
    pages["bid-after-opening"] = client.get(f"/tenders/bids/{opened['bidders'][0]['bid']}").get_data(as_text=True)
    assert validate_html(pages, tmp_path) == []


def test_criteria_cannot_change_while_bids_are_scored(app, client, auth, opened):
    from datetime import datetime

    from tests.web.test_tenders_support import challenge_form

    auth.login(opened["staff"])
    past = (datetime.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.submit(f"/tenders/{opened['challenge']}/edit", challenge_form(
        stage1_deadline=past, **{"criterion1_name-en": "Quality", "criterion2_name-en": "Value"},
        criterion1_weight="50", criterion2_weight="50", change_reason="Reweighting"))
    assert response.status_code == 400
    assert "cannot change while bids are being scored" in response.get_data(as_text=True)
    from app.tenders.models import Criterion

    with app.app_context():
        assert [c.weight for c in db.session.scalars(select(Criterion).order_by(Criterion.position))] == [60, 40]
