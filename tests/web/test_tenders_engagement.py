"""Slice 4: clarifications, alerts, the consortium finder and changes to live challenges."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select, update

from app.core.models import Role
from app.extensions import db
from tests.web.test_tenders_support import (challenge_form, criterion_ids, make_challenge, make_org, stage_ids,
                                            start_and_submit)


def _mails(app, to):
    return [m for m in app.extensions["mail_outbox"] if m.to == to]


def test_alerts_by_category_and_value_email_when_a_matching_challenge_opens(app, client, make_user, auth, council):
    matching = make_user(Role.SUPPLIER, email="match@example.org")
    too_small = make_user(Role.SUPPLIER, email="small@example.org")
    other_field = make_user(Role.SUPPLIER, email="other@example.org")
    for user, data in ((matching, {"cpv": "90000000", "min_value": "50000"}),
                       (too_small, {"cpv": "90000000", "max_value": "50000"}),
                       (other_field, {"cpv": "45000000"})):
        auth.login(user)
        assert client.submit("/tenders/alerts", data).status_code == 303
        auth.logout()
    auth.login(matching)
    bad = client.submit("/tenders/alerts", {"min_value": "10", "max_value": "5"})
    assert bad.status_code == 400 and "The most must be at least the least" in bad.get_data(as_text=True)
    auth.logout()
    staff = make_user(Role.STAFF)
    make_challenge(app, council, staff, cpv=("90500000",))  # refuse collection, a group in division 90
    assert [m.subject for m in _mails(app, "match@example.org")] == ["New challenge: Fewer missed bin collections"]
    assert _mails(app, "small@example.org") == [] and _mails(app, "other@example.org") == []


def test_questions_are_private_until_answered_anonymously_for_everyone(app, client, make_user, auth, council):
    staff = make_user(Role.STAFF)
    challenge_id = make_challenge(app, council, staff)
    asker = make_user(Role.SUPPLIER, email="asker@example.org")
    watcher = make_user(Role.SUPPLIER, email="watcher@example.org")
    auth.login(watcher)
    client.submit(f"/tenders/{challenge_id}/interest")
    auth.logout()
    auth.login(asker)
    response = client.submit(f"/tenders/{challenge_id}/questions",
                             {"question": "Can Bright Bins Ltd use its Ely depot for the pilot?"})
    assert response.status_code == 303
    assert "Can Bright Bins Ltd use" in client.get(f"/tenders/{challenge_id}").get_data(as_text=True)  # their own
    auth.logout()
    assert "Can Bright Bins Ltd use" not in client.get(f"/tenders/{challenge_id}").get_data(as_text=True)
    auth.login(watcher)
    assert "Can Bright Bins Ltd use" not in client.get(f"/tenders/{challenge_id}").get_data(as_text=True)
    auth.logout()
    auth.login(staff)
    assert "Can Bright Bins Ltd use" in client.get(f"/tenders/{challenge_id}/questions").get_data(as_text=True)
    from app.tenders.models import Clarification

    with app.app_context():
        clarification_id = db.session.scalar(select(Clarification.id))
    response = client.submit(f"/tenders/questions/{clarification_id}/answer",
                             {"public_question": "Can a bidder use its own depot for the pilot?",
                              "answer": "Yes, if it is within the council area."})
    assert response.status_code == 303
    auth.logout()
    page = client.get(f"/tenders/{challenge_id}").get_data(as_text=True)
    assert "Can a bidder use its own depot" in page and "within the council area" in page
    assert "Bright Bins" not in page
    for person in ("asker@example.org", "watcher@example.org"):
        assert [m.subject for m in _mails(app, person)] == ["New answer about Fewer missed bin collections"], person


def test_questions_close_at_the_clarification_deadline(app, client, make_user, auth, council):
    from app.tenders.models import StageKind

    staff = make_user(Role.STAFF)
    soon = datetime.now(timezone.utc) + timedelta(days=3)  # questions close 5 days before the deadline
    challenge_id = make_challenge(app, council, staff, stages=[(StageKind.PILOT, soon, 1, Decimal(5000))])
    auth.login(make_user(Role.SUPPLIER))
    response = client.submit(f"/tenders/{challenge_id}/questions", {"question": "Too late?"})
    assert response.status_code == 400 and "Questions about this challenge have closed" in response.get_data(as_text=True)


def test_consortium_finder_lists_partners_and_passes_messages(app, client, make_user, auth, council):
    staff = make_user(Role.STAFF)
    challenge_id = make_challenge(app, council, staff)
    seeker = make_user(Role.SUPPLIER, email="seeker@example.org")
    make_org(app, seeker, "Green Streets CIC")
    offerer = make_user(Role.SUPPLIER, email="offerer@example.org")
    make_org(app, offerer, "Route Data Ltd")
    auth.login(seeker)
    response = client.submit(f"/tenders/{challenge_id}/partners",
                             {"listing-offers": "Crews on the ground", "listing-needs": "Route planning software",
                              "action": "list"})
    assert response.status_code == 303
    auth.logout()
    auth.login(offerer)
    page = client.get(f"/tenders/{challenge_id}/partners").get_data(as_text=True)
    assert "Green Streets CIC" in page and "Route planning software" in page
    from app.tenders.models import PartnerListing

    with app.app_context():
        listing_id = db.session.scalar(select(PartnerListing.id))
    response = client.submit(f"/tenders/{challenge_id}/partners",
                             {"contact-listing_id": str(listing_id), "contact-message": "We plan routes: shall we talk?",
                              "action": "contact"})
    assert response.status_code == 303
    mails = _mails(app, "seeker@example.org")
    assert len(mails) == 1 and "We plan routes" in mails[0].body and "offerer@example.org" in mails[0].body
    assert "Route Data Ltd" in mails[0].body


def test_changing_a_live_challenge_marks_bids_for_reconfirmation(app, client, make_user, auth, council):
    staff = make_user(Role.STAFF)
    challenge_id = make_challenge(app, council, staff)
    stage = stage_ids(app, challenge_id)[0]
    supplier = make_user(Role.SUPPLIER, email="bidder@example.org")
    org = make_org(app, supplier)
    auth.login(supplier)
    bid_id, _ = start_and_submit(client, app, stage, org, criterion_ids(app, challenge_id))
    auth.logout()
    auth.login(staff)
    assert client.get(f"/tenders/{challenge_id}/edit").status_code == 200
    form = challenge_form(**{"criterion1_name-en": "Quality", "criterion2_name-en": "Value",
                             "outcomes-en": "Two thirds fewer missed collections."})
    missing_reason = client.submit(f"/tenders/{challenge_id}/edit", form)
    assert missing_reason.status_code == 400 and "Say what changed and why" in missing_reason.get_data(as_text=True)
    response = client.submit(f"/tenders/{challenge_id}/edit", {**form, "change_reason": "Outcome target raised"})
    assert response.status_code == 303
    from app.tenders.models import Bid

    with app.app_context():
        assert db.session.get(Bid, bid_id).needs_reconfirmation
    assert "Outcome target raised" in client.get(f"/tenders/{challenge_id}").get_data(as_text=True)
    assert any("Challenge changed" in m.subject for m in _mails(app, "bidder@example.org"))
    auth.logout()
    auth.login(supplier)
    assert "confirm again" in client.get(f"/tenders/{challenge_id}").get_data(as_text=True)
    client.submit(f"/tenders/bids/{bid_id}", {"action": "withdraw"})
    data = {f"answer_{c}": "Reconfirmed" for c in criterion_ids(app, challenge_id)}
    client.submit(f"/tenders/bids/{bid_id}", {**data, "price": "15000", "action": "submit"})
    with app.app_context():
        assert not db.session.get(Bid, bid_id).needs_reconfirmation


def test_a_late_change_is_refused_unless_the_deadline_moves_by_the_minimum(app, client, make_user, auth, council):
    from app.tenders.models import Stage

    staff = make_user(Role.STAFF)
    challenge_id = make_challenge(app, council, staff)
    stage = stage_ids(app, challenge_id)[0]
    two_days = datetime.now(timezone.utc).replace(second=0, microsecond=0) + timedelta(days=2)
    with app.app_context():
        db.session.execute(update(Stage).where(Stage.id == stage).values(deadline=two_days))
        db.session.commit()
    auth.login(staff)
    local = two_days.astimezone().replace(tzinfo=None)
    base = {"criterion1_name-en": "Quality", "criterion2_name-en": "Value", "change_reason": "Clearer outcome"}
    same = client.submit(f"/tenders/{challenge_id}/edit",
                         challenge_form(stage1_deadline=_local(app, two_days), **base))
    assert same.status_code == 400 and "must move it at least 5 days later" in same.get_data(as_text=True)
    moved = client.submit(f"/tenders/{challenge_id}/edit",
                          challenge_form(stage1_deadline=_local(app, two_days + timedelta(days=5)), **base))
    assert moved.status_code == 303, local
    with app.app_context():
        from app.core.models import as_utc

        assert as_utc(db.session.get(Stage, stage).deadline) == two_days + timedelta(days=5)


def _local(app, moment):
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])).strftime("%Y-%m-%dT%H:%M")


def test_supplier_pages_are_valid_html(app, client, make_user, auth, council, tmp_path):
    from tests.helpers import validate_html

    staff = make_user(Role.STAFF)
    challenge_id = make_challenge(app, council, staff)
    supplier = make_user(Role.SUPPLIER)
    org = make_org(app, supplier)
    auth.login(supplier)
    client.submit("/tenders/alerts", {"cpv": "90000000"})
    client.submit(f"/tenders/{challenge_id}/partners", {"listing-offers": "x", "listing-needs": "y", "action": "list"})
    bid_id, _ = start_and_submit(client, app, stage_ids(app, challenge_id)[0], org, criterion_ids(app, challenge_id),
                                 submit=False)
    pages = {name: client.get(path).get_data(as_text=True) for name, path in {
        "alerts": "/tenders/alerts", "profile": f"/tenders/profile?org={org}", "partners": f"/tenders/{challenge_id}/partners",
        "bid": f"/tenders/bids/{bid_id}", "mine": "/tenders/mine", "detail": f"/tenders/{challenge_id}",
        "dashboard": "/my-council"}.items()}
    assert "Challenges that match your alerts" in pages["dashboard"] and "draft" in pages["dashboard"]
    auth.logout()
    auth.login(staff)
    pages.update({name: client.get(path).get_data(as_text=True) for name, path in {
        "new": "/tenders/new", "edit": f"/tenders/{challenge_id}/edit", "manage": "/tenders/manage",
        "settings": "/tenders/settings", "questions": f"/tenders/{challenge_id}/questions",
        "document": f"/tenders/{challenge_id}/documents"}.items()})
    assert validate_html(pages, tmp_path) == []


def test_error_pages_are_valid_html_and_keep_what_was_typed(app, client, make_user, auth, council, tmp_path):
    from tests.helpers import validate_html

    staff = make_user(Role.STAFF)
    challenge_id = make_challenge(app, council, staff)
    supplier = make_user(Role.SUPPLIER)
    org = make_org(app, supplier)
    auth.login(supplier)
    pages = {
        "ask": client.submit(f"/tenders/{challenge_id}/questions", {"question": ""}),
        "certificate": client.submit(f"/tenders/profile/{org}/certificates", {"cert-name": "",
                                                                              "cert-issuer": "Kept issuer"}),
        "case": client.submit(f"/tenders/profile/{org}/case-studies", {"case-title": "", "case-client": "Kept client"}),
        "partners": client.submit(f"/tenders/{challenge_id}/partners", {"listing-offers": "Kept offer",
                                                                        "listing-needs": "", "action": "list"}),
        "contact": client.submit(f"/tenders/{challenge_id}/partners", {"contact-listing_id": "0",
                                                                       "contact-message": "", "action": "contact"}),
        "alerts": client.submit("/tenders/alerts", {"min_value": "many"}),
        "profile": client.submit(f"/tenders/profile?org={org}", {"name": "", "about": "Kept about"}),
    }
    for name, response in pages.items():
        assert response.status_code == 400, name
    bodies = {name: r.get_data(as_text=True) for name, r in pages.items()}
    assert "Kept issuer" in bodies["certificate"] and "Kept client" in bodies["case"]
    assert "Kept offer" in bodies["partners"] and "Kept about" in bodies["profile"]
    assert all("There is a problem" in body for body in bodies.values())
    assert validate_html(bodies, tmp_path) == []


def test_questions_and_messages_are_rate_limited_per_person(app, client, make_user, auth, council):
    staff = make_user(Role.STAFF)
    challenge_id = make_challenge(app, council, staff)
    auth.login(make_user(Role.SUPPLIER))
    app.config["TENDER_MESSAGE_LIMIT"] = "2 per hour"
    try:
        codes = [client.submit(f"/tenders/{challenge_id}/questions", {"question": f"Question {n}"}).status_code
                 for n in range(3)]
    finally:
        app.config.pop("TENDER_MESSAGE_LIMIT")
    assert codes == [303, 303, 429]
