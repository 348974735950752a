"""Case flags through the test client: access (every route that shows or changes a subject or a
flag is refused to all but the caseworkers assigned to the subject's team, enumerated from the URL
map), the audit row with its reason for every view, the review, match, second-person, request and
appeal workflows, fairness counts and rule versions."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.caseflags import services
from app.caseflags.models import (AccessRequest, Appeal, Flag, FlagCategory, MatchCandidate, Review, ReviewOutcome,
                                  RuleVersion, SensitiveAccess, Severity, Subject, SubjectKind)
from app.core.models import AuditEntry, Council, Role, Team, User
from app.extensions import db
from tests.conftest import sign_in
from tests.helpers import validate_html


@pytest.fixture
def world(app, council, make_user):
    """Housing, Schools and Early Help (the review team); a household known to Housing with one
    low flag and one restricted flag; a request and an appeal about it."""
    people = {
        "housing": make_user(Role.CASEWORKER, email="housing@example.org"),
        "schools": make_user(Role.CASEWORKER, email="schools@example.org"),
        "reviewer": make_user(Role.CASEWORKER, email="reviewer@example.org"),
        "reviewer2": make_user(Role.CASEWORKER, email="reviewer2@example.org"),
        "outsider": make_user(Role.CASEWORKER, email="libraries@example.org"),
        "resident": make_user(Role.RESIDENT, email="resident@example.org"),
        "other_resident": make_user(Role.RESIDENT, email="neighbour@example.org"),
        "staff": make_user(Role.STAFF, email="staff@example.org"),
        "admin": make_user(Role.ADMIN, email="admin@example.org"),
    }
    with app.app_context():
        c = db.session.get(Council, council.id)
        teams = {}
        for name, members in [("Housing", ["housing"]), ("Schools", ["schools"]), ("Early Help", ["reviewer", "reviewer2"]),
                              ("Libraries", ["outsider"])]:
            teams[name] = Team(council_id=c.id, name=name)
            db.session.add(teams[name])
            for key in members:
                teams[name].members.append(db.session.get(User, people[key].id))
        db.session.flush()
        services.settings_for(c.id).review_team_id = teams["Early Help"].id
        low = FlagCategory(council_id=c.id, code="rent_arrears", name="Rent arrears", description="Rent unpaid.")
        secret = FlagCategory(council_id=c.id, code="domestic_abuse", name="Domestic abuse concern",
                              description="Restricted.", sensitive=True)
        attendance = FlagCategory(council_id=c.id, code="school_attendance", name="School attendance", description="Absence.")
        db.session.add_all([low, secret, attendance])
        db.session.commit()
        housing = db.session.get(User, people["housing"].id)
        subject, _ = services.create_subject(c, services.SubjectInput(
            SubjectKind.HOUSEHOLD, "The Fictional family", None, "1 Demo Street", "100000000001", council.wards[0].id),
            teams["Housing"], housing)
        flag, _ = services.add_flag(subject, teams["Housing"], housing, low, Severity.LOW, "Rent two months behind.",
                                    date.today() - timedelta(days=3))
        hidden, _ = services.add_flag(subject, teams["Housing"], housing, secret, Severity.LOW, "A neighbour heard shouting.",
                                      date.today() - timedelta(days=2))
        request = services.create_request(db.session.get(User, people["resident"].id), "Ffion Fictional", date(1980, 1, 1),
                                          "1 Demo Street", "")
        appeal = Appeal(council_id=c.id, flag_id=flag.id, request_id=request.id, user_id=people["resident"].id, grounds="Wrong.")
        db.session.add(appeal)
        access = SensitiveAccess(council_id=c.id, subject_id=subject.id, requester_id=people["reviewer"].id, reason="Visit.")
        db.session.add(access)
        db.session.commit()
        ids = {"subject": subject.id, "flag": flag.id, "hidden": hidden.id, "request": request.id, "appeal": appeal.id,
               "access": access.id, "low": low.id, "attendance": attendance.id,
               **{f"team_{k}": t.id for k, t in teams.items()}}
    return {"people": people, "ids": ids}


def give_reason(client, key: str, next_url: str, reason: str = "Preparing for a home visit"):
    response = client.submit("/caseflags/reason", {"key": key, "next": next_url, "reason": reason})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]


def _rule_url(app, rule, ids) -> str:
    from flask import url_for

    values = {"subject_id": ids["subject"], "flag_id": ids["flag"], "review_id": ids.get("review", 1),
              "match_id": ids.get("match", 1), "request_id": ids["request"], "appeal_id": ids["appeal"],
              "access_id": ids["access"]}
    with app.test_request_context():
        return url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments})


SUBJECT_ARGS = {"subject_id", "flag_id", "review_id", "match_id", "request_id", "appeal_id", "access_id"}


def subject_rules(app):
    """Every case-flags route that shows or changes a subject or a flag (the resident's own pages,
    under /my-data, are checked separately)."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("caseflags.") and rule.arguments & SUBJECT_ARGS and "/my-data" not in rule.rule:
            yield rule


@pytest.fixture
def with_review_and_match(app, world):
    """Schools records the same family (a match to check) and a review is open."""
    ids = world["ids"]
    with app.app_context():
        c = db.session.scalar(select(Council))
        schools = db.session.get(User, world["people"]["schools"].id)
        twin, found = services.create_subject(c, services.SubjectInput(
            SubjectKind.HOUSEHOLD, "The Fictional Family", None, "1 Demo St", "100000000001", None),
            db.session.get(Team, ids["team_Schools"]), schools)
        assert found == 1
        subject = db.session.get(Subject, ids["subject"])
        version = services.current_rule(c.id)
        review = Review(council_id=c.id, subject_id=subject.id, rule_version_id=version.id, points=2,
                        services=["Housing"], contributions=[])
        db.session.add(review)
        db.session.commit()
        match = db.session.scalar(select(MatchCandidate))
        # The twin record belongs to Schools (and the review team); put it with Housing too so that
        # the match page is about records the same people can open.
        twin.teams = twin.teams + [db.session.get(Team, ids["team_Housing"])]
        db.session.commit()
        ids.update(review=review.id, match=match.id, twin=twin.id)
    return world


@pytest.mark.parametrize("who", ["anonymous", "resident", "staff", "admin", "schools", "outsider"])
def test_subject_routes_are_refused_to_all_but_assigned_caseworkers(app, client, with_review_and_match, who):
    world = with_review_and_match
    if who != "anonymous":
        sign_in(client, world["people"][who])
    token = client.csrf_token()
    checked = 0
    for rule in subject_rules(app):
        url = _rule_url(app, rule, world["ids"])
        if who == "schools" and rule.arguments & {"match_id"}:
            continue  # the match's second record is Schools' own: checked below without it
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"csrf_token": token})
            if who == "anonymous":
                assert response.status_code in (302, 303) and "/sign-in" in response.headers["Location"], url
            else:
                assert response.status_code == 403, f"{who}: {method} {url} gave {response.status_code}"
            checked += 1
    assert checked >= 10


def test_each_allowed_view_of_a_subject_leaves_an_audit_row_with_its_reason(app, client, with_review_and_match):
    world = with_review_and_match
    ids = world["ids"]
    sign_in(client, world["people"]["reviewer"])
    pages = 0
    for rule in subject_rules(app):
        if "GET" not in rule.methods:
            continue
        url = _rule_url(app, rule, ids)
        with client.session_transaction() as session:
            session.pop("cf_reasons", None)  # each page asks afresh
        first = client.get(url)
        assert first.status_code == 200 and "Why are you opening this record?" in first.get_data(as_text=True), url
        key = next(f"{kind}:{ids[kind]}" for kind in ("match", "request", "appeal") if f"{kind}_id" in rule.arguments) \
            if rule.arguments & {"match_id", "request_id", "appeal_id"} else f"subject:{ids['subject']}"
        reason = f"Reason for {rule.endpoint}"
        give_reason(client, key, url, reason)
        with app.app_context():
            before = db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "caseflags.viewed"))
        assert client.get(url).status_code == 200, url
        with app.app_context():
            rows = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "caseflags.viewed")
                                      .order_by(AuditEntry.seq)).all()
            assert len(rows) > before, url
            assert rows[-1].details["reason"] == reason and rows[-1].actor_id == world["people"]["reviewer"].id
        pages += 1
    assert pages >= 5
    # The assigned Housing caseworker opens the subject too; the reviewer-only pages stay closed to them.
    client.submit("/sign-out")
    sign_in(client, world["people"]["housing"])
    url = f"/caseflags/subjects/{ids['subject']}"
    give_reason(client, f"subject:{ids['subject']}", url, "Checking before a visit")
    page = client.get(url).get_data(as_text=True)
    assert "Rent two months behind." in page and "A neighbour heard shouting." not in page  # restricted
    assert client.get(f"/caseflags/reviews/{ids['review']}").status_code == 403


def test_a_reason_is_required_and_search_is_audited(app, client, world):
    sign_in(client, world["people"]["housing"])
    url = f"/caseflags/subjects/{world['ids']['subject']}"
    response = client.submit("/caseflags/reason", {"key": f"subject:{world['ids']['subject']}", "next": url, "reason": ""})
    assert "Give your reason" in response.get_data(as_text=True)
    assert client.submit("/caseflags/reason", {"key": "subject:1", "next": "https://evil.example/", "reason": "x" * 10}).status_code == 400
    assert "Give your reason" in client.submit("/caseflags/search", {"q": "Fictional", "reason": ""}).get_data(as_text=True)
    assert client.submit("/caseflags/search", {"q": "Fictional", "reason": "Duty desk call"}).status_code == 303
    assert "The Fictional family" in client.get("/caseflags/search").get_data(as_text=True)
    give_reason(client, f"subject:{world['ids']['subject']}", url, "Visiting the family at home")
    cookie = client.get_cookie("session").value
    stored = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert "Visiting" not in str(stored) and "Fictional" not in str(stored)  # ids of audit rows only
    with app.app_context():
        row = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "caseflags.searched"))
        assert row.details == {"reason": "Duty desk call", "query": "Fictional", "found": 1}
    client.submit("/sign-out")
    sign_in(client, world["people"]["outsider"])
    client.submit("/caseflags/search", {"q": "Fictional", "reason": "Curious about it"})
    assert "0 records found" in client.get("/caseflags/search").get_data(as_text=True)


def test_two_services_flags_bring_a_review_that_a_reviewer_decides(app, client, world):
    ids, people = world["ids"], world["people"]
    with app.app_context():
        subject = db.session.get(Subject, ids["subject"])
        subject.teams = subject.teams + [db.session.get(Team, ids["team_Schools"])]
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Review)) == 0  # one service: no review
    sign_in(client, people["schools"])
    url = f"/caseflags/subjects/{ids['subject']}/flags/new"
    give_reason(client, f"subject:{ids['subject']}", url)
    response = client.submit(url, {"team": str(ids["team_Schools"]), "category": str(ids["attendance"]), "severity": "low",
                                   "observed": "Attendance down to 85%.", "observed_on": date.today().isoformat()})
    assert response.status_code == 303
    with app.app_context():
        review = db.session.scalar(select(Review))
        assert review.points == 3 and review.services == ["Housing", "Schools"]  # 1 + 1 (restricted) + 1
        assert review.rule_version.number == 1
        added = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "caseflags.flag_added")
                                  .order_by(AuditEntry.seq.desc()).limit(1))
        assert added.details["reason"] == "Preparing for a home visit" and added.actor_id == people["schools"].id
        from app.core.models import Notification
        told = db.session.scalars(select(Notification.user_id).where(Notification.kind == "caseflags.review_opened")).all()
        assert sorted(told) == sorted([people["reviewer"].id, people["reviewer2"].id])
    client.submit("/sign-out")
    sign_in(client, people["reviewer"])
    url = f"/caseflags/reviews/{review.id}"
    give_reason(client, f"subject:{ids['subject']}", url)
    page = client.get(url).get_data(as_text=True)
    assert "Rule version 1 brought this case to review" in page and "Housing, Schools" in page
    assert f"#{ids['flag']}" in page and "would not reach review" in page
    assert "Choose your decision" in client.submit(url, {"reason": "Family needs help."}).get_data(as_text=True)
    assert client.submit(url, {"outcome": "early_support", "reason": "Offer a family support worker."}).status_code == 303
    with app.app_context():
        review = db.session.get(Review, review.id)
        assert review.outcome.value == "early_support" and review.decided_by_id == people["reviewer"].id
    page = client.get(f"/caseflags/subjects/{ids['subject']}").get_data(as_text=True)
    assert "Earlier reviews" in page and "Offer early support" in page


def test_a_match_is_never_merged_without_a_reviewer(app, client, with_review_and_match):
    world = with_review_and_match
    ids = world["ids"]
    with app.app_context():
        assert db.session.get(Subject, ids["twin"]).merged_into_id is None
    sign_in(client, world["people"]["reviewer"])
    url = f"/caseflags/matches/{ids['match']}"
    give_reason(client, f"match:{ids['match']}", url)
    assert "Same UPRN" in client.get(url).get_data(as_text=True)
    assert client.submit(url, {"same": "yes", "note": "Same address and UPRN; school confirmed."}).status_code == 303
    with app.app_context():
        twin = db.session.get(Subject, ids["twin"])
        assert twin.merged_into_id == ids["subject"] and twin.teams == []
        kept = db.session.get(Subject, ids["subject"])
        assert {t.name for t in kept.teams} >= {"Housing", "Schools", "Early Help"}


def test_restricted_categories_need_a_second_person(app, client, world):
    ids, people = world["ids"], world["people"]
    sign_in(client, people["reviewer"])
    response = client.submit(f"/caseflags/restricted/{ids['access']}", {"decision": "approve"}, follow_redirects=True)
    assert "You cannot approve your own request" in response.get_data(as_text=True)
    client.submit("/sign-out")
    sign_in(client, people["reviewer2"])
    client.submit(f"/caseflags/restricted/{ids['access']}", {"decision": "approve"})
    client.submit("/sign-out")
    sign_in(client, people["reviewer"])
    url = f"/caseflags/subjects/{ids['subject']}"
    give_reason(client, f"subject:{ids['subject']}", url)
    assert "A neighbour heard shouting." in client.get(url).get_data(as_text=True)


def test_access_request_workflow_and_appeal_decided_by_someone_else(app, client, world, tmp_path):
    ids, people = world["ids"], world["people"]
    sign_in(client, people["reviewer"])
    url = f"/caseflags/requests/{ids['request']}"
    give_reason(client, f"request:{ids['request']}", url, "Answering the request")
    # Identity first: linking before it is refused.
    page = client.submit(url, {"step": "link", "subject": str(ids["subject"])}).get_data(as_text=True)
    assert "Check the person&#39;s identity first" in page or "Check the person's identity first" in page
    assert client.submit(url, {"step": "verify", "note": "Passport seen at the Civic Centre"}).status_code == 303
    assert client.submit(url, {"step": "link", "subject": str(ids["subject"])}).status_code == 303
    # The record has a restricted flag: no release until a second person approves access to it.
    assert "Ask a second person to approve your access" in client.get(url).get_data(as_text=True)
    client.submit(url, {"step": "release", "checked": "y"})
    with app.app_context():
        assert db.session.get(AccessRequest, ids["request"]).status.value == "linked"
        for who, by in (("reviewer", "reviewer2"), ("reviewer2", "reviewer")):
            grant = SensitiveAccess(council_id=db.session.get(Subject, ids["subject"]).council_id, subject_id=ids["subject"],
                                    requester_id=people[who].id, reason="Answering the request", approver_id=people[by].id)
            db.session.add(grant)
            db.session.flush()
            services.decide_sensitive(grant, db.session.get(User, people[by].id), True)
    page = client.submit(url, {"step": "release", f"flag-{ids['flag']}": "Rent behind.", f"flag-{ids['hidden']}": "[removed]"},
                         follow_redirects=True).get_data(as_text=True)
    assert "Confirm that you have taken other people" in page
    client.submit(url, {"step": "release", "checked": "y", f"flag-{ids['flag']}": "Rent two months behind.",
                        f"flag-{ids['hidden']}": "Concern reported by [a neighbour]."})
    with app.app_context():
        item = db.session.get(AccessRequest, ids["request"])
        assert item.status.value == "released" and item.due_on > item.received_on
        assert [f["observed"] for f in item.released_data["flags"]] == ["Rent two months behind.", "Concern reported by [a neighbour]."]
    client.submit("/sign-out")

    sign_in(client, people["resident"])
    mine = client.get(f"/caseflags/my-data/{ids['request']}").get_data(as_text=True)
    assert "Concern reported by [a neighbour]." in mine and "A neighbour heard shouting." not in mine
    response = client.submit(f"/caseflags/my-data/{ids['request']}/flags/{ids['hidden']}/appeal",
                             {"grounds": "This never happened."})
    assert response.status_code == 303
    again = client.get(f"/caseflags/my-data/{ids['request']}/flags/{ids['hidden']}/appeal")
    assert again.status_code == 303  # one appeal per flag and request
    asked = client.submit(f"/caseflags/my-data/{ids['request']}/opt-out", {"note": "Please keep it with Housing."},
                          follow_redirects=True).get_data(as_text=True)
    assert "Someone will decide, where the law allows" in asked
    assert client.submit(f"/caseflags/my-data/{ids['request']}/opt-out", {"note": ""}).status_code == 409
    with app.app_context():
        from app.core.models import Notification
        told = db.session.scalars(select(Notification.user_id).where(Notification.kind == "caseflags.opt_out_asked")).all()
        assert sorted(told) == sorted([people["reviewer"].id, people["reviewer2"].id])
    client.submit("/sign-out")
    sign_in(client, people["other_resident"])
    assert client.get(f"/caseflags/my-data/{ids['request']}").status_code == 403
    assert client.get(f"/caseflags/my-data/{ids['request']}/flags/{ids['flag']}/appeal").status_code == 403
    assert client.submit(f"/caseflags/my-data/{ids['request']}/opt-out", {"note": ""}).status_code == 403
    assert "Your requests" not in client.get("/caseflags/my-data").get_data(as_text=True)
    client.submit("/sign-out")

    with app.app_context():
        appeal_id = db.session.scalar(select(Appeal.id).where(Appeal.flag_id == ids["hidden"]))
        # The flag's author is made a reviewer: they still cannot decide the appeal.
        review_team = db.session.get(Team, ids["team_Early Help"])
        review_team.members.append(db.session.get(User, people["housing"].id))
        db.session.commit()
    sign_in(client, people["housing"])
    url = f"/caseflags/appeals/{appeal_id}"
    give_reason(client, f"appeal:{appeal_id}", url, "Deciding the appeal")
    assert "another reviewer must decide" in client.get(url).get_data(as_text=True)
    client.submit(url, {"status": "upheld", "reason": "I am the author"})
    with app.app_context():
        assert db.session.get(Appeal, appeal_id).status.value == "open"
    client.submit("/sign-out")
    sign_in(client, people["reviewer2"])
    give_reason(client, f"appeal:{appeal_id}", url, "Deciding the appeal")
    assert client.submit(url, {"status": "upheld", "reason": "No evidence for it."}).status_code == 303
    with app.app_context():
        flag = db.session.get(Flag, ids["hidden"])
        assert flag.withdrawn_at is not None and "No evidence" in flag.withdrawn_reason
        from app.core.models import Notification
        kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == people["resident"].id)).all()
        assert sorted(kinds) == ["caseflags.appeal_decided", "caseflags.request_answered"]
    client.submit("/sign-out")
    sign_in(client, people["resident"])
    answered = client.get(f"/caseflags/my-data/{ids['request']}").get_data(as_text=True)
    assert "Upheld: the flag is withdrawn" in answered
    assert validate_html({"answered": answered}, tmp_path) == []


def test_changing_the_rule_makes_a_new_version_and_old_reviews_keep_theirs(app, client, world):
    ids, people = world["ids"], world["people"]
    with app.app_context():
        c = db.session.scalar(select(Council))
        version = services.current_rule(c.id)
        review = Review(council_id=c.id, subject_id=ids["subject"], rule_version_id=version.id, points=2,
                        services=["Housing"], contributions=[])
        db.session.add(review)
        db.session.commit()
        review_id = review.id
    sign_in(client, people["admin"])
    assert client.get("/caseflags/rule/edit").status_code == 200
    response = client.submit("/caseflags/rule/edit", {"window_days": "90", "threshold": "3", "min_services": "2",
                                                      "points_low": "1", "points_medium": "2", "points_high": "4",
                                                      "cat_" + str(ids["low"]) + "_high": "5", "note": "Fewer referrals."})
    assert response.status_code == 303
    with app.app_context():
        versions = db.session.scalars(select(RuleVersion).order_by(RuleVersion.number)).all()
        assert [v.number for v in versions] == [1, 2]
        assert versions[0].config["threshold"] == 2 and versions[1].config["threshold"] == 3
        assert versions[1].config["category_points"] == {"rent_arrears": {"high": 5}}
        assert db.session.get(Review, review_id).rule_version.number == 1
    client.submit("/sign-out")
    page = client.get("/caseflags/rule").get_data(as_text=True)  # public
    assert "at least 3 points" in page and "Version 1" in page and "Fewer referrals." in page
    assert "at least 2 points" in client.get("/caseflags/rule/versions/1").get_data(as_text=True)


def test_fairness_is_for_staff_and_hides_small_counts(app, client, world, login_as):
    with app.app_context():
        c = db.session.scalar(select(Council))
        version = services.current_rule(c.id)
        for _ in range(6):
            db.session.add(Review(council_id=c.id, subject_id=world["ids"]["subject"], rule_version_id=version.id,
                                  points=2, services=["Housing"], outcome=ReviewOutcome.NO_FURTHER_ACTION,
                                  contributions=[{"flag_id": 1, "category": "rent_arrears", "status": "counted"}]))
        db.session.commit()
    assert client.get("/caseflags/fairness").status_code in (302, 303)
    sign_in(client, world["people"]["resident"])
    assert client.get("/caseflags/fairness").status_code == 403
    client.submit("/sign-out")
    sign_in(client, world["people"]["staff"])
    page = client.get("/caseflags/fairness").get_data(as_text=True)
    assert "North" in page and "Rent arrears" in page and "<td>6</td>" in page
    assert "fewer than 5" not in page.split("By age band")[0].split("By ward")[1]


def test_access_report_lists_who_looked(app, client, world):
    sign_in(client, world["people"]["housing"])
    url = f"/caseflags/subjects/{world['ids']['subject']}"
    give_reason(client, f"subject:{world['ids']['subject']}", url, "Home visit tomorrow")
    client.get(url)
    assert client.get("/caseflags/access-report").status_code == 403  # not a reviewer
    client.submit("/sign-out")
    sign_in(client, world["people"]["reviewer"])
    page = client.get(f"/caseflags/access-report?subject={world['ids']['subject']}").get_data(as_text=True)
    assert "Home visit tomorrow" in page and "Person 1" in page


def test_caseflags_pages_are_valid_html(app, client, with_review_and_match, tmp_path):
    world = with_review_and_match
    ids = world["ids"]
    pages = {"rule": client.get("/caseflags/rule").get_data(as_text=True)}
    sign_in(client, world["people"]["reviewer"])
    for key, url in [("subject", f"/caseflags/subjects/{ids['subject']}"), ("review", f"/caseflags/reviews/{ids['review']}"),
                     ("match", f"/caseflags/matches/{ids['match']}"), ("request", f"/caseflags/requests/{ids['request']}"),
                     ("appeal", f"/caseflags/appeals/{ids['appeal']}")]:
        pages[f"gate-{key}"] = client.get(url).get_data(as_text=True)
        kind = key if key in ("match", "request", "appeal") else "subject"
        give_reason(client, f"{kind}:{ids[kind]}", url)
        pages[key] = client.get(url).get_data(as_text=True)
    pages["flag-form"] = client.get(f"/caseflags/subjects/{ids['subject']}/flags/new").get_data(as_text=True)
    pages["edit-subject"] = client.get(f"/caseflags/subjects/{ids['subject']}/edit").get_data(as_text=True)
    pages["edit-errors"] = client.submit(f"/caseflags/subjects/{ids['subject']}/edit", {"name": "", "uprn": "x"}).get_data(as_text=True)
    pages["flag-errors"] = client.submit(f"/caseflags/subjects/{ids['subject']}/flags/new", {"observed": ""}).get_data(as_text=True)
    for name in ["", "search", "subjects/new", "reviews", "matches", "requests", "appeals", "restricted", "access-report", "fairness"]:
        pages["index-" + (name.replace("/", "-") or "home")] = client.get(f"/caseflags/{name}").get_data(as_text=True)
    client.submit("/sign-out")
    sign_in(client, world["people"]["admin"])
    for name in ["rule/edit", "categories", "settings"]:
        pages[name.replace("/", "-")] = client.get(f"/caseflags/{name}").get_data(as_text=True)
    client.submit("/sign-out")
    sign_in(client, world["people"]["resident"])
    pages["my-data"] = client.get("/caseflags/my-data").get_data(as_text=True)
    pages["my-request"] = client.get(f"/caseflags/my-data/{ids['request']}").get_data(as_text=True)
    pages["my-request-form"] = client.submit("/caseflags/my-data/new", {"name": ""}).get_data(as_text=True)
    for name, html in pages.items():
        assert html.count("<h1") == 1, name
    assert validate_html(pages, tmp_path) == []


def test_lapsed_flags_are_purged_by_retention_unless_appealed(app, world):
    from datetime import datetime, timezone

    from app.caseflags.platform import _purge_lapsed

    with app.app_context():
        flag = db.session.get(Flag, world["ids"]["flag"])  # appealed in the fixture: kept
        hidden = db.session.get(Flag, world["ids"]["hidden"])
        flag.expires_on = hidden.expires_on = date(2020, 1, 1)
        db.session.commit()
        assert _purge_lapsed(world["ids"]["subject"] and flag.council_id, datetime(2025, 1, 1, tzinfo=timezone.utc)) == 1
        db.session.commit()
        assert db.session.get(Flag, world["ids"]["flag"]) is not None
        assert db.session.get(Flag, world["ids"]["hidden"]) is None


def test_a_residents_requests_are_in_their_data_download_and_detached_on_deletion(app, world):
    from app.caseflags.platform import _erase, _export

    with app.app_context():
        resident = db.session.get(User, world["people"]["resident"].id)
        key, data = _export(resident)
        assert key == "caseflags" and data["access_requests"][0]["status"] == "received"
        assert data["appeals"][0]["grounds"] == "Wrong."
        _erase(resident)
        db.session.commit()
        assert db.session.get(AccessRequest, world["ids"]["request"]).user_id is None
        assert _export(resident) is None


def test_demo_has_40_services_two_years_of_volumes_and_fictional_subjects_one_in_review(app):
    from app.core.demo import load_demo
    from app.services.models import ChannelVolume, Service

    with app.app_context():
        assert load_demo() is True
        assert db.session.scalar(select(func.count()).select_from(Service)) == 40
        assert db.session.scalar(select(func.count(func.distinct(ChannelVolume.month)))) == 24
        names = db.session.scalars(select(Subject.name)).all()
        assert len(names) >= 4 and all("DEMO" in n for n in names)
        assert all(db.session.scalars(select(Subject.is_demo)))
        assert db.session.scalar(select(func.count()).select_from(Review).where(Review.outcome.is_(None))) == 1


def test_posts_need_csrf_and_other_councils_records_are_not_found(app, client, world, make_user):

    sign_in(client, world["people"]["housing"])
    url = f"/caseflags/subjects/{world['ids']['subject']}/opt-out"
    assert client.post(url, data={"opted_out": "y", "note": "Asked to opt out"}).status_code == 400
    with app.app_context():
        other = Council(slug="elsewhere", name_en="Elsewhere", host_names="elsewhere.example")
        db.session.add(other)
        db.session.commit()
        team = Team(council_id=other.id, name="Housing")
        db.session.add(team)
        db.session.flush()
        stranger = db.session.get(User, world["people"]["housing"].id)
        subject = Subject(council_id=other.id, kind=SubjectKind.PERSON, name="Someone Elsewhere", address="")
        subject.teams = [team]
        db.session.add(subject)
        db.session.commit()
        foreign_id = subject.id
        assert stranger.council_id != other.id
    assert client.get(f"/caseflags/subjects/{foreign_id}").status_code == 404


def test_a_match_judged_different_keeps_both_records(app, client, with_review_and_match):
    world = with_review_and_match
    ids = world["ids"]
    sign_in(client, world["people"]["reviewer"])
    url = f"/caseflags/matches/{ids['match']}"
    give_reason(client, f"match:{ids['match']}", url)
    assert "Choose yes or no" in client.submit(url, {"note": "Not sure yet at all"}).get_data(as_text=True)
    assert client.submit(url, {"same": "no", "note": "Different families at the same address."}).status_code == 303
    with app.app_context():
        assert db.session.get(Subject, ids["twin"]).merged_into_id is None
        assert db.session.get(MatchCandidate, ids["match"]).status.value == "different"
    # Decided once: a second decision changes nothing.
    client.submit(url, {"same": "yes", "note": "Changed my mind later"})
    with app.app_context():
        assert db.session.get(Subject, ids["twin"]).merged_into_id is None


def test_reviewers_are_reminded_of_requests_nearly_due(app, world):
    from app.caseflags.notices import remind_requests_due
    from app.core.models import Notification

    with app.app_context():
        assert remind_requests_due(date.today()) == "0 councils reminded"  # due in a month
        assert remind_requests_due(date.today() + timedelta(days=25)) == "1 councils reminded"
        told = db.session.scalars(select(Notification.user_id).where(Notification.kind == "caseflags.requests_due")).all()
        assert sorted(told) == sorted([world["people"]["reviewer"].id, world["people"]["reviewer2"].id])
        from app.core.notifications import render_text

        note = db.session.scalar(select(Notification).where(Notification.kind == "caseflags.requests_due"))
        with app.test_request_context():
            subject, body = render_text(note, "en")
        assert subject == "Requests for data due within 7 days: 1"
        assert "1 request from a resident for their data is due within 7 days or overdue." in body


def test_the_dashboard_leads_each_person_to_their_case_flag_pages(client, world):
    sign_in(client, world["people"]["admin"])
    page = client.get("/my-council").get_data(as_text=True)
    assert "/caseflags/settings" in page and "/caseflags/rule/edit" in page and "/caseflags/fairness" in page
    client.submit("/sign-out")
    sign_in(client, world["people"]["housing"])
    page = client.get("/my-council").get_data(as_text=True)
    assert 'href="/caseflags/"' in page and "/caseflags/settings" not in page
    client.submit("/sign-out")
    sign_in(client, world["people"]["resident"])
    page = client.get("/my-council").get_data(as_text=True)
    assert "/caseflags/my-data" in page and "/caseflags/fairness" not in page and 'href="/caseflags/"' not in page


def test_only_one_review_is_open_per_subject_even_if_two_try_at_once(app, world):
    with app.app_context():
        subject = db.session.get(Subject, world["ids"]["subject"])
        version = services.current_rule(subject.council_id)
        db.session.add(Review(council_id=subject.council_id, subject_id=subject.id, rule_version_id=version.id,
                              points=2, services=["Housing"], contributions=[]))
        db.session.commit()
        # As if the check ran before the other request's review was committed:
        from unittest import mock

        subject.teams = subject.teams + [db.session.get(Team, world["ids"]["team_Schools"])]
        attendance = db.session.get(FlagCategory, world["ids"]["attendance"])
        with mock.patch.object(services, "open_review", return_value=None):
            _flag, review = services.add_flag(subject, db.session.get(Team, world["ids"]["team_Schools"]),
                                              db.session.get(User, world["people"]["schools"].id), attendance,
                                              Severity.LOW, "Late every day.", date.today())
        assert review is None
        assert db.session.scalar(select(func.count()).select_from(Review).where(Review.outcome.is_(None))) == 1
        assert db.session.scalar(select(func.count()).select_from(Flag)) == 3  # the flag itself is kept


def test_a_resident_can_send_a_few_requests_a_day_not_a_flood(client, world):
    sign_in(client, world["people"]["other_resident"])
    form = {"name": "Nia Neighbour", "date_of_birth": "1975-02-03", "address": "3 Demo Street"}
    for _ in range(5):
        assert client.submit("/caseflags/my-data/new", form).status_code == 303
    assert client.submit("/caseflags/my-data/new", form).status_code == 429


def test_a_new_review_team_gets_every_record_and_the_old_one_keeps_only_its_own(app, client, world):
    ids, people = world["ids"], world["people"]
    with app.app_context():
        c = db.session.scalar(select(Council))
        panel = Team(council_id=c.id, name="Safeguarding panel")
        db.session.add(panel)
        db.session.commit()
        panel_id = panel.id
    sign_in(client, people["admin"])
    response = client.submit("/caseflags/settings", {"review_team": str(panel_id), "default_expiry_months": "6"},
                             follow_redirects=True)
    assert "The review team was given 1 records and the previous one lost 1." in response.get_data(as_text=True)
    with app.app_context():
        subject = db.session.get(Subject, ids["subject"])
        assert {t.name for t in subject.teams} == {"Housing", "Safeguarding panel"}
        assert services.settings_for(subject.council_id).default_expiry_months == 6
    client.submit("/sign-out")
    sign_in(client, people["reviewer"])  # Early Help is no longer the review team
    assert client.get(f"/caseflags/subjects/{ids['subject']}").status_code == 403
    assert client.get("/caseflags/reviews").status_code == 403


def test_a_caseworker_corrects_a_records_details_and_the_audit_names_the_fields(app, client, world):
    ids = world["ids"]
    sign_in(client, world["people"]["housing"])
    url = f"/caseflags/subjects/{ids['subject']}/edit"
    give_reason(client, f"subject:{ids['subject']}", url, "The family told us their new address")
    assert "Enter the name" in client.submit(url, {"kind": "household", "name": ""}).get_data(as_text=True)
    response = client.submit(url, {"kind": "household", "name": "The Fictional family", "address": "9 New Road",
                                   "uprn": "100000000001", "ward": ""})
    assert response.status_code == 303
    with app.app_context():
        subject = db.session.get(Subject, ids["subject"])
        assert subject.address == "9 New Road" and subject.ward_id is None
        row = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "caseflags.subject_updated"))
        assert row.details == {"fields": ["address", "ward_id"], "reason": "The family told us their new address"}


def test_recording_a_person_does_not_say_whether_another_service_knows_them(app, client, world):
    """The match goes to a reviewer; the creator's page is the same whether or not one was found,
    so creating records cannot be used to learn who is known to other services."""
    sign_in(client, world["people"]["outsider"])
    pages = []
    for name, uprn in (("The Fictional family", "100000000001"), ("Nobody Known", "100000000999")):
        response = client.submit("/caseflags/subjects/new", {
            "kind": "household", "name": name, "address": "1 Demo Street", "uprn": uprn,
            "team": str(world["ids"]["team_Libraries"])}, follow_redirects=True)
        assert response.status_code == 200
        pages.append(response.get_data(as_text=True))
    assert all("Saved." in page and "Another service may hold" not in page for page in pages)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MatchCandidate)) == 1  # still sent for review


def test_searching_for_a_very_long_number_finds_nothing_rather_than_failing(client, world):
    sign_in(client, world["people"]["housing"])
    response = client.submit("/caseflags/search", {"q": "9" * 25, "reason": "Duty desk call"})
    assert response.status_code == 303
    page = client.get("/caseflags/search")
    assert page.status_code == 200 and "0 records found" in page.get_data(as_text=True)


def test_a_withdrawn_restricted_flag_does_not_show_why_without_a_second_person(app, client, world):
    ids = world["ids"]
    with app.app_context():
        services.withdraw_flag(db.session.get(Flag, ids["hidden"]), db.session.get(User, world["people"]["reviewer2"].id),
                               "Appeal upheld: the shouting came from the flat next door.")
    sign_in(client, world["people"]["housing"])
    url = f"/caseflags/subjects/{ids['subject']}"
    give_reason(client, f"subject:{ids['subject']}", url, "Checking before a visit")
    page = client.get(url).get_data(as_text=True)
    assert "Withdrawn:" in page and "the flat next door" not in page


def test_checking_identity_twice_is_not_an_error_and_is_recorded_once(app, client, world):
    ids = world["ids"]
    sign_in(client, world["people"]["reviewer"])
    url = f"/caseflags/requests/{ids['request']}"
    give_reason(client, f"request:{ids['request']}", url, "Answering the request")
    for _ in range(2):  # a second click, or the back button
        assert client.submit(url, {"step": "verify", "note": "Passport seen at the Civic Centre"}).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "caseflags.request_verified")) == 1


def test_saving_the_opt_out_again_keeps_the_date_the_person_opted_out(app, client, world):
    ids = world["ids"]
    opted = date.today() - timedelta(days=30)
    with app.app_context():
        db.session.get(Subject, ids["subject"]).opted_out_on = opted
        db.session.commit()
    sign_in(client, world["people"]["housing"])
    url = f"/caseflags/subjects/{ids['subject']}/opt-out"
    assert client.submit(url, {"opted_out": "y", "note": "Adding the legal basis to the note"}).status_code == 303
    with app.app_context():
        assert db.session.get(Subject, ids["subject"]).opted_out_on == opted  # later flags stay uncombined
    client.submit(url, {"note": "The person withdrew the opt-out in writing"})
    with app.app_context():
        assert db.session.get(Subject, ids["subject"]).opted_out_on is None


def test_an_appeal_about_a_restricted_flag_is_not_readable_without_a_second_person(app, client, world):
    """The category, the person's grounds and the decision say what the flag is about."""
    ids, people = world["ids"], world["people"]
    with app.app_context():
        item = Appeal(council_id=db.session.get(Flag, ids["hidden"]).council_id, flag_id=ids["hidden"],
                      request_id=ids["request"], user_id=people["resident"].id, grounds="There was no shouting at our home.")
        db.session.add(item)
        db.session.commit()
        appeal_id = item.id
    sign_in(client, people["reviewer2"])  # a reviewer with no approved access to restricted flags
    url = f"/caseflags/appeals/{appeal_id}"
    give_reason(client, f"appeal:{appeal_id}", url, "Deciding the appeal")
    page = client.get(url).get_data(as_text=True)
    assert "Restricted category" in page
    assert "Domestic abuse concern" not in page and "no shouting" not in page and "A neighbour heard" not in page
    with app.app_context():
        grant = SensitiveAccess(council_id=db.session.get(Subject, ids["subject"]).council_id, subject_id=ids["subject"],
                                requester_id=people["reviewer2"].id, reason="Deciding the appeal")
        db.session.add(grant)
        db.session.flush()
        services.decide_sensitive(grant, db.session.get(User, people["reviewer"].id), True)
    page = client.get(url).get_data(as_text=True)
    assert "Domestic abuse concern" in page and "no shouting" in page


def test_after_a_merge_other_checks_on_the_merged_record_move_to_the_one_it_joined(app, client, with_review_and_match):
    world = with_review_and_match
    ids, people = world["ids"], world["people"]
    with app.app_context():
        c = db.session.scalar(select(Council))
        third, found = services.create_subject(c, services.SubjectInput(
            SubjectKind.HOUSEHOLD, "The Fictional family", None, "1 Demo Street", "100000000001", None),
            db.session.get(Team, ids["team_Libraries"]), db.session.get(User, people["outsider"].id))
        assert found == 2  # with the first record and with its twin
        other = db.session.scalar(select(MatchCandidate).where(MatchCandidate.subject_a_id == ids["twin"],
                                                               MatchCandidate.subject_b_id == third.id))
        other_id, third_id = other.id, third.id
    sign_in(client, people["reviewer"])
    url = f"/caseflags/matches/{ids['match']}"
    give_reason(client, f"match:{ids['match']}", url, "Checking a possible match")
    assert client.submit(url, {"same": "yes", "note": "Same UPRN and family name."}).status_code == 303
    with app.app_context():
        moved = db.session.get(MatchCandidate, other_id)
        assert (moved.subject_a_id, moved.subject_b_id, moved.status.value) == (ids["subject"], third_id, "open")
    url = f"/caseflags/matches/{other_id}"
    give_reason(client, f"match:{other_id}", url, "Checking a possible match")
    assert client.get(url).status_code == 200  # a reviewer can still open and decide it
