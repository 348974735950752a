"""Staff sign-in with two factors, and the admin pages: roles, teams, settings, retention."""
from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from app.core.models import AuditEntry, Council, Role, Team, User
from app.extensions import db
from tests.conftest import TEST_PASSWORD, sign_in, totp_code


def _password_step(client, user):
    return client.submit("/sign-in", {"email": user.email, "password": TEST_PASSWORD})


def test_staff_sign_in_asks_for_the_code_and_a_wrong_code_is_refused(client, make_user):
    staff = make_user(Role.STAFF)
    response = _password_step(client, staff)
    assert response.headers["Location"].endswith("/sign-in/two-factor")
    assert client.get("/my-council").status_code == 302  # not signed in yet
    wrong = client.submit("/sign-in/two-factor", {"code": "000000"})
    assert wrong.status_code == 200 and "That code is not right" in wrong.get_data(as_text=True)
    assert client.get("/my-council").status_code == 302
    right = client.submit("/sign-in/two-factor", {"code": totp_code(staff)})
    assert right.status_code == 303
    assert client.get("/my-council").status_code == 200


def test_wrong_codes_are_rate_limited(client, make_user):
    staff = make_user(Role.CASEWORKER)
    _password_step(client, staff)
    for _ in range(5):
        assert client.submit("/sign-in/two-factor", {"code": "123456"}).status_code == 200
    limited = client.submit("/sign-in/two-factor", {"code": totp_code(staff)})
    assert limited.status_code == 429


def test_a_used_code_cannot_be_replayed(client, app, make_user):
    staff = make_user(Role.EVALUATOR)
    sign_in(client, staff)
    code_used = None
    with app.app_context():
        step = db.session.get(User, staff.id).last_totp_step
        code_used = pyotp.TOTP(staff.totp_secret).at(step * 30)
    client.submit("/sign-out")
    _password_step(client, staff)
    assert client.submit("/sign-in/two-factor", {"code": code_used}).status_code == 200


def test_a_recovery_code_works_once(client, app, make_user):
    from app.auth.services import confirm_totp

    staff = make_user(Role.ADMIN)
    with app.app_context(), app.test_request_context("/"):
        user = db.session.get(User, staff.id)
        user.totp_secret, user.totp_confirmed_at = pyotp.random_base32(), None
        codes = confirm_totp(user, pyotp.TOTP(user.totp_secret).now())
    assert len(codes) == 10
    _password_step(client, staff)
    assert client.submit("/sign-in/two-factor", {"code": codes[0].upper()}).status_code == 303
    client.submit("/sign-out")
    _password_step(client, staff)
    again = client.submit("/sign-in/two-factor", {"code": codes[0]})
    assert again.status_code == 200 and "That code is not right" in again.get_data(as_text=True)


def test_first_staff_sign_in_sets_up_an_authenticator_and_shows_recovery_codes(client, app, make_user):
    staff = make_user(Role.STAFF)
    with app.app_context():
        user = db.session.get(User, staff.id)
        user.totp_secret = None
        user.totp_confirmed_at = None
        db.session.commit()
    assert _password_step(client, staff).headers["Location"].endswith("/sign-in/two-factor/setup")
    page = client.get("/sign-in/two-factor/setup").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    secret = re.search(r'<code class="break">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    assert client.submit("/sign-in/two-factor/setup", {"code": "999999"}).status_code == 200
    done = client.submit("/sign-in/two-factor/setup", {"code": pyotp.TOTP(secret).now()})
    codes_page = done.get_data(as_text=True)
    assert done.status_code == 200 and len(re.findall(r"<code>[0-9a-f]{8}-[0-9a-f]{8}</code>", codes_page)) == 10
    assert client.get("/my-council").status_code == 200
    with app.app_context():
        user = db.session.get(User, staff.id)
        assert user.totp_confirmed_at is not None and user.totp_secret == secret
    # The codes were shown in that response only: the session cookie does not carry them.
    assert "recovery" not in str(client.get_cookie("session").decoded_value if hasattr(
        client.get_cookie("session"), "decoded_value") else client.get_cookie("session").value)


def test_the_second_step_must_follow_the_password_within_five_minutes(client, make_user, monkeypatch):
    import time as real_time

    staff = make_user(Role.STAFF)
    _password_step(client, staff)
    later = real_time.time() + 301
    monkeypatch.setattr("app.auth.routes.time.time", lambda: later)
    response = client.submit("/sign-in/two-factor", {"code": totp_code(staff)})
    assert response.status_code == 303 and response.headers["Location"].endswith("/sign-in")
    assert client.get("/my-council").status_code == 302


def test_failed_codes_are_audited(app, client, make_user):
    staff = make_user(Role.STAFF)
    _password_step(client, staff)
    client.submit("/sign-in/two-factor", {"code": "111111"})
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.second_factor_failed",
                                                          AuditEntry.object_id == str(staff.id)))


def test_residents_do_not_need_a_second_factor(client, make_user):
    resident = make_user(Role.RESIDENT, Role.COUNCILLOR)
    assert _password_step(client, resident).headers["Location"].endswith("/my-council")


def test_an_admin_grants_a_role_and_the_audit_log_records_it(app, client, login_as, make_user):
    admin = login_as(Role.ADMIN)
    person = make_user(Role.RESIDENT, email="new.moderator@example.org")
    with app.app_context():
        team = Team(council_id=person.council_id, name="Planning")
        db.session.add(team)
        db.session.commit()
        team_id = team.id
    listing = client.get("/admin/people?q=new.moderator").get_data(as_text=True)
    assert "new.moderator@example.org" in listing and "1 person found" in listing
    response = client.submit(f"/admin/people/{person.id}", {"roles": ["resident", "moderator"], "teams": [str(team_id)]})
    assert response.status_code == 303
    with app.app_context():
        updated = db.session.get(User, person.id)
        assert updated.roles == {Role.RESIDENT, Role.MODERATOR} and [t.name for t in updated.teams] == ["Planning"]
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.object_id == str(person.id),
                                                              AuditEntry.action.in_(["role.granted", "team.joined"]))).all()
        assert [(e.action, e.actor_id, e.details) for e in entries] == [
            ("role.granted", admin.id, {"role": "moderator"}), ("team.joined", admin.id, {"team": "Planning"})]
    assert "role.granted" in client.get("/admin/audit").get_data(as_text=True)
    # Revoking is audited too, and the person's sessions end so new rights apply at once.
    client.submit(f"/admin/people/{person.id}", {"roles": ["resident"]})
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "role.revoked")).details == \
            {"role": "moderator"}


def test_teams_are_created_renamed_and_deleted_by_admins(app, client, login_as):
    login_as(Role.ADMIN)
    assert client.submit("/admin/teams", {"name": "Housing"}).status_code == 303
    duplicate = client.submit("/admin/teams", {"name": "Housing"})
    assert "already exists" in duplicate.get_data(as_text=True)
    assert "Enter the team" in client.submit("/admin/teams", {"name": ""}).get_data(as_text=True)
    with app.app_context():
        team_id = db.session.scalar(select(Team.id).where(Team.name == "Housing"))
    assert client.submit(f"/admin/teams/{team_id}", {"name": "Housing and Homes"}).status_code == 303
    assert client.submit(f"/admin/teams/{team_id}", {"action": "delete"}).status_code == 303
    with app.app_context():
        assert db.session.get(Team, team_id) is None
        actions = [e.action for e in db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "Team"))]
        assert actions == ["team.created", "team.renamed", "team.deleted"]


def test_council_settings_switch_on_the_pre_election_period(app, client, login_as, council):
    login_as(Role.ADMIN)
    form = {"name_en": "Testshire Council", "name_cy": "Cyngor Swydd Prawf", "contact_email": "",
            "contact_phone": "", "pre_election": "y", "pre_election_notice-en": "Election on 7 May.",
            "pre_election_notice-cy": "Etholiad ar 7 Mai."}
    assert client.submit("/admin/council", form).status_code == 303
    home = client.get("/").get_data(as_text=True)
    assert "Election on 7 May." in home
    with app.app_context():
        c = db.session.get(Council, council.id)
        assert c.pre_election and c.pre_election_notice == {"en": "Election on 7 May.", "cy": "Etholiad ar 7 Mai."}
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "council.settings_changed"))
    bad = client.submit("/admin/council", {**form, "name_en": ""})
    assert "Enter the council" in bad.get_data(as_text=True)


def test_retention_periods_are_edited_validated_and_shown_in_the_privacy_notice(app, client, login_as):
    login_as(Role.ADMIN)
    page = client.get("/admin/retention").get_data(as_text=True)
    fields = re.findall(r'name="(f_\w+)"', page)
    assert len(fields) >= 2
    bad = client.submit("/admin/retention", {name: "0" for name in fields})
    assert "between 1 and 3650" in bad.get_data(as_text=True)
    assert client.submit("/admin/retention", {name: "90" for name in fields}).status_code == 303
    assert "90 days" in client.get("/privacy").get_data(as_text=True)


def test_create_admin_command_makes_the_first_administrator(app, council):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "boss@example.org", "--name", "Boss", "--password", "a long secret pw"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "boss@example.org"))
        assert Role.ADMIN in user.roles and Role.STAFF in user.roles
    short = runner.invoke(args=["create-admin", "x@example.org", "--password", "short"])
    assert short.exit_code != 0 and "at least 10" in short.output


def test_an_admin_cannot_remove_their_own_admin_role(app, client, login_as):
    admin = login_as(Role.ADMIN)
    page = client.submit(f"/admin/people/{admin.id}", {"roles": ["staff"]}).get_data(as_text=True)
    assert "cannot remove your own administrator role" in page
    with app.app_context():
        assert Role.ADMIN in db.session.get(User, admin.id).roles


def test_an_admin_sets_the_ward_a_councillor_represents(app, client, login_as, make_user, council):
    login_as(Role.ADMIN)
    councillor = make_user(Role.COUNCILLOR)
    south = council.wards[1]
    assert client.submit(f"/admin/people/{councillor.id}", {"roles": ["councillor"], "represents": str(south.id)}) \
        .status_code == 303
    assert councillor.display_name in client.get(f"/wards/{south.id}").get_data(as_text=True)
    assert councillor.display_name not in client.get(f"/wards/{council.wards[0].id}").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "councillor.ward_set")).details == \
            {"from_ward": None, "to_ward": south.id}


def test_pagination_links_ignore_odd_query_parameters(client, login_as):
    login_as(Role.ADMIN)
    response = client.get("/admin/people?endpoint=x&_external=1&page=1")
    assert response.status_code == 200


def test_ten_wrong_codes_in_a_row_lock_the_second_step_for_a_while(app, client, make_user, monkeypatch):
    staff = make_user(Role.STAFF)
    app.config["TWO_FACTOR_LIMIT"] = "100 per minute"  # the lock, not the rate limit, is under test
    try:
        _password_step(client, staff)
        for _ in range(10):
            assert "That code is not right" in client.submit("/sign-in/two-factor", {"code": "000000"}).get_data(as_text=True)
        locked = client.submit("/sign-in/two-factor", {"code": totp_code(staff)})
        assert locked.status_code == 200 and "Too many wrong codes" in locked.get_data(as_text=True)
        with app.app_context():
            assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.second_factor_locked"))
            user = db.session.get(User, staff.id)
            user.second_factor_locked_until = None  # as if 15 minutes had passed
            db.session.commit()
        assert client.submit("/sign-in/two-factor", {"code": totp_code(staff, 1)}).status_code == 303
    finally:
        app.config["TWO_FACTOR_LIMIT"] = "5 per minute"
