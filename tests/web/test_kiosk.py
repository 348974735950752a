"""Kiosks and assisted digital: registering a kiosk, signing in with a one-time code (polling card
letter, staff, email), shared-device safety (no-store, idle timeout, more time, finish and clear),
help at the kiosk and at home, display settings, the accessibility statement and its reports."""
from __future__ import annotations

import csv
import io
import re
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.core.models import AuditEntry, Notification, PollingCard, Role, User
from app.extensions import db
from app.kiosk import services
from app.kiosk.models import AccessibilityReport, HelpAtHomeRequest, KioskDevice, SignInCode
from app.kiosk.session import LAST_ACTIVE
from tests.conftest import FormClient, sign_in

REGISTER_EXTRACT = "name,address,ward\nAnwen Jones,\"1 Heol y Bont, Llan\",North\nBryn Evans,2 Mill Lane,W05000002\n"


def count(app, model, *conditions) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def new_client(app) -> FormClient:
    app.test_client_class = FormClient
    return app.test_client()


def kiosk_client(app, make_user, name="Kiosk by the desk", idle_minutes=10) -> FormClient:
    """A browser on a machine that staff registered as a kiosk (and then signed out of)."""
    client = new_client(app)
    staff = make_user(Role.STAFF)
    sign_in(client, staff)
    response = client.submit("/kiosk/devices", {"name": name, "location": "Central Library", "address": "",
                                                "opening_hours": "Mon-Sat 9:00-17:00", "team": "",
                                                "idle_minutes": str(idle_minutes)})
    assert response.status_code == 303
    client.submit("/sign-out")
    return client


def make_letters(app, make_user, valid_days=90) -> list[dict]:
    staff_client = new_client(app)
    sign_in(staff_client, make_user(Role.STAFF))
    response = staff_client.submit("/kiosk/letters", {"file": (io.BytesIO(REGISTER_EXTRACT.encode()), "extract.csv"),
                                                      "valid_days": str(valid_days), "output": "csv"},
                                   content_type="multipart/form-data")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


# --- Devices ----------------------------------------------------------------------------------

def test_staff_register_a_kiosk_and_its_machine_shows_the_start_screen(app, make_user, council):
    client = kiosk_client(app, make_user)
    cookie = client.get_cookie("cc_kiosk")
    assert cookie is not None and len(cookie.value) >= 40 and cookie.http_only
    with app.app_context():
        device = db.session.scalars(select(KioskDevice)).one()
        assert cookie.value not in device.token_hash  # only a hash is kept
    start = client.get("/kiosk/").get_data(as_text=True)
    assert "What would you like to do today?" in start and "Sign in with a code" in start
    assert "Finish and clear" in start and "Ask for help" in start
    # Any other machine is not a kiosk.
    other = new_client(app).get("/kiosk/").get_data(as_text=True)
    assert "not registered as a kiosk" in other and "Finish and clear" not in other
    assert count(app, AuditEntry, AuditEntry.action == "kiosk.registered") == 1


def test_a_revoked_kiosk_is_an_ordinary_computer_again(app, make_user, council):
    code = make_letters(app, make_user)[0]["code"]
    client = kiosk_client(app, make_user)
    client.submit("/kiosk/sign-in", {"code": code})
    assert client.get("/my-council").status_code == 200
    with app.app_context():
        device_id = db.session.scalars(select(KioskDevice.id)).one()
    staff = new_client(app)
    sign_in(staff, make_user(Role.ADMIN))
    assert staff.submit(f"/kiosk/devices/{device_id}/revoke").status_code == 303
    # Whoever was using it is signed out at once, and the machine forgets the kiosk's key.
    ended = client.get("/my-council")
    assert ended.status_code == 303 and client.get_cookie("cc_kiosk") is None
    assert client.get("/my-council").status_code == 302
    page = client.get("/kiosk/")
    assert "not registered as a kiosk" in page.get_data(as_text=True)
    assert "no-store" not in page.headers.get("Cache-Control", "")


def test_a_kiosk_form_that_is_wrong_says_why_and_registers_nothing(app, make_user, council):
    client = new_client(app)
    sign_in(client, make_user(Role.STAFF))
    response = client.submit("/kiosk/devices", {"name": "", "location": "Library", "idle_minutes": "0"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter a name for the kiosk" in page and "Enter a number from 2 to 60" in page
    assert client.get_cookie("cc_kiosk") is None and count(app, KioskDevice) == 0


# --- Codes: polling card letters, staff codes, emailed codes -----------------------------------

def test_letters_make_a_code_per_resident_keeping_only_its_hash(app, make_user, council):
    letters = make_letters(app, make_user)
    assert [row["name"] for row in letters] == ["Anwen Jones", "Bryn Evans"]
    assert all(re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", row["code"]) for row in letters)
    with app.app_context():
        cards = db.session.scalars(select(PollingCard).order_by(PollingCard.id)).all()
        assert [c.name for c in cards] == ["Anwen Jones", "Bryn Evans"]
        assert all(c.expires_at is not None and letters[0]["code"] not in c.code_hash for c in cards)
    staff = new_client(app)
    sign_in(staff, make_user(Role.STAFF))
    printed = staff.submit("/kiosk/letters", {"file": (io.BytesIO(b"name,address,ward\nCeri Hughes,3 Stryd,South\n"),
                                                       "x.csv"), "valid_days": "30", "output": "letters"},
                           content_type="multipart/form-data")
    page = printed.get_data(as_text=True)
    assert printed.status_code == 200 and "Ceri Hughes" in page and "class=\"letter\"" in page
    assert "no-store" in printed.headers["Cache-Control"]


def test_a_wrong_register_extract_makes_no_codes_and_lists_every_problem(app, make_user, council):
    make_letters(app, make_user)
    staff = new_client(app)
    sign_in(staff, make_user(Role.STAFF))
    bad = "name,address,ward\nDai,1 Road,Nowhere\n,2 Road,North\n"
    response = staff.submit("/kiosk/letters", {"file": (io.BytesIO(bad.encode()), "bad.csv"), "valid_days": "90",
                                               "output": "csv"}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "No codes were made" in page
    assert "No ward has this code or name" in page and "This is empty" in page
    assert count(app, PollingCard) == 2  # the earlier import is untouched


def test_a_polling_card_code_signs_in_once_at_a_kiosk(app, make_user, council):
    code = make_letters(app, make_user)[0]["code"]
    client = kiosk_client(app, make_user)
    response = client.submit("/kiosk/sign-in", {"code": code.lower().replace("-", " ")})
    assert response.status_code == 303
    start = client.get("/kiosk/").get_data(as_text=True)
    assert "You are signed in as Anwen Jones" in start and "Your session ends at" in start
    with app.app_context():
        person = db.session.scalars(select(User).where(User.display_name == "Anwen Jones")).one()
        assert person.email is None and person.ward.name == "North" and person.verified_at is not None
        assert person.password_hash is None
    client.submit("/kiosk/finish")
    again = client.submit("/kiosk/sign-in", {"code": code})
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)


def test_expired_and_wrong_codes_are_refused_with_a_clear_message(app, make_user, council):
    code = make_letters(app, make_user)[1]["code"]
    with app.app_context():
        for card in db.session.scalars(select(PollingCard)):
            card.expires_at = datetime.now(timezone.utc) - timedelta(minutes=1)
        db.session.commit()
    client = kiosk_client(app, make_user)
    expired = client.submit("/kiosk/sign-in", {"code": code})
    assert expired.status_code == 400 and "This code has expired" in expired.get_data(as_text=True)
    wrong = client.submit("/kiosk/sign-in", {"code": "ZZZZ-ZZZZ"})
    assert wrong.status_code == 400 and "This code is not right" in wrong.get_data(as_text=True)
    empty = client.submit("/kiosk/sign-in", {"code": ""})
    assert empty.status_code == 400 and "Enter the code" in empty.get_data(as_text=True)
    assert client.get("/my-council").status_code == 302  # nobody signed in


def test_ten_wrong_codes_lock_one_kiosk_for_a_minute_but_not_the_others(app, make_user, council):
    code = make_letters(app, make_user)[0]["code"]
    guessing = kiosk_client(app, make_user, name="Kiosk 1")
    other = kiosk_client(app, make_user, name="Kiosk 2")
    for attempt in range(10):
        assert guessing.submit("/kiosk/sign-in", {"code": f"WRNG-{attempt:04d}"}).status_code == 400
    limited = guessing.submit("/kiosk/sign-in", {"code": code})
    assert limited.status_code == 429
    assert other.submit("/kiosk/sign-in", {"code": code}).status_code == 303


def test_staff_make_an_account_without_email_and_print_a_code(app, make_user, council):
    staff = new_client(app)
    sign_in(staff, make_user(Role.STAFF))
    north = council.wards[0]
    refused = staff.submit("/kiosk/residents/new", {"name": "", "ward": "", "checked": ""})
    assert refused.status_code == 400 and "Choose the ward they live in" in refused.get_data(as_text=True)
    slip = staff.submit("/kiosk/residents/new", {"name": "Gwen Price", "ward": str(north.id), "email": "",
                                                 "checked": "document"})
    page = slip.get_data(as_text=True)
    assert slip.status_code == 200 and "no-store" in slip.headers["Cache-Control"]
    code = re.search(r'class="code-slip__code">([A-Z2-9-]+)<', page).group(1)
    kiosk = kiosk_client(app, make_user)
    assert kiosk.submit("/kiosk/sign-in", {"code": code}).status_code == 303
    assert "Gwen Price" in kiosk.get("/kiosk/").get_data(as_text=True)
    with app.app_context():
        assert count(app, AuditEntry, AuditEntry.action == "account.created_by_staff") == 1
        assert count(app, AuditEntry, AuditEntry.action == "kiosk.code_issued") == 1


def test_a_new_code_from_staff_stops_the_earlier_one(app, make_user, council):
    resident = make_user()
    staff = new_client(app)
    sign_in(staff, make_user(Role.STAFF))
    codes = []
    for _ in range(2):
        page = staff.submit(f"/kiosk/residents/{resident.id}/code", {"checked": "known"}).get_data(as_text=True)
        codes.append(re.search(r'class="code-slip__code">([A-Z2-9-]+)<', page).group(1))
    kiosk = kiosk_client(app, make_user)
    assert kiosk.submit("/kiosk/sign-in", {"code": codes[0]}).status_code == 400
    assert kiosk.submit("/kiosk/sign-in", {"code": codes[1]}).status_code == 303


def test_no_code_for_staff_accounts(app, make_user, council):
    caseworker = make_user(Role.CASEWORKER)
    staff = new_client(app)
    sign_in(staff, make_user(Role.STAFF))
    assert staff.submit(f"/kiosk/residents/{caseworker.id}/code", {"checked": "known"}).status_code == 404
    with app.app_context():
        code = services.issue_code(db.session.get(User, caseworker.id), actor=None)
    assert kiosk_client(app, make_user).submit("/kiosk/sign-in", {"code": code}).status_code == 400


def test_an_emailed_code_signs_in_and_says_nothing_about_unknown_addresses(app, make_user, council):
    resident = make_user()
    kiosk = kiosk_client(app, make_user)
    unknown = kiosk.submit("/kiosk/sign-in/email", {"email": "nobody@example.org"}, follow_redirects=True)
    known = kiosk.submit("/kiosk/sign-in/email", {"email": resident.email}, follow_redirects=True)
    assert "If that address has an account here" in unknown.get_data(as_text=True)
    assert "If that address has an account here" in known.get_data(as_text=True)
    outbox = app.extensions["mail_outbox"]
    assert [m.to for m in outbox] == [resident.email]
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", outbox[0].body).group(0)
    assert kiosk.submit("/kiosk/sign-in", {"code": code}).status_code == 303
    assert resident.display_name in kiosk.get("/kiosk/").get_data(as_text=True)


# --- Shared-device safety ---------------------------------------------------------------------

def test_every_answer_on_a_kiosk_is_no_store_whatever_module_serves_it(app, make_user, council):
    code = make_letters(app, make_user)[0]["code"]
    kiosk = kiosk_client(app, make_user)
    kiosk.submit("/kiosk/sign-in", {"code": code})
    for path in ["/kiosk/", "/ideas/", "/my-council", "/consultations/", "/budgets/", "/account"]:
        response = kiosk.get(path)
        assert "no-store" in response.headers.get("Cache-Control", "").split(", "), path
    ordinary = new_client(app).get("/ideas/")
    assert "no-store" not in ordinary.headers.get("Cache-Control", "")


def test_kiosk_fields_are_not_autocompleted(app, make_user, council):
    kiosk = kiosk_client(app, make_user)
    page = kiosk.get("/help-at-home").get_data(as_text=True)
    assert 'autocomplete="name"' not in page and 'id="name"' in page
    assert re.search(r'<input[^>]*id="name"[^>]*autocomplete="off"', page)
    ordinary = new_client(app).get("/help-at-home").get_data(as_text=True)
    assert 'autocomplete="name"' in ordinary


def test_the_session_ends_after_the_kiosks_idle_time(app, make_user, council):
    code = make_letters(app, make_user)[0]["code"]
    kiosk = kiosk_client(app, make_user, idle_minutes=5)
    kiosk.submit("/kiosk/sign-in", {"code": code})
    with kiosk.session_transaction() as state:
        state[LAST_ACTIVE] = time.time() - 4 * 60  # four minutes without anything: still on
    assert kiosk.get("/my-council").status_code == 200
    with kiosk.session_transaction() as state:
        state[LAST_ACTIVE] = time.time() - 5 * 60  # exactly the idle time: over
    ended = kiosk.get("/my-council")
    assert ended.status_code == 303 and ended.headers["Location"].endswith("/kiosk/")
    start = kiosk.get("/kiosk/").get_data(as_text=True)
    assert "Your session ended because nothing happened for 5 minutes" in start
    assert kiosk.get("/my-council").status_code == 302  # signed out: sent to sign in


def test_more_time_moves_the_end_on(app, make_user, council):
    code = make_letters(app, make_user)[0]["code"]
    kiosk = kiosk_client(app, make_user)
    kiosk.submit("/kiosk/sign-in", {"code": code})
    with kiosk.session_transaction() as state:
        state[LAST_ACTIVE] = time.time() - 9 * 60
    answer = kiosk.submit("/kiosk/more-time", {"next": "/ideas/"}, headers={"Accept": "application/json"})
    assert answer.status_code == 200 and answer.json["seconds_left"] > 9 * 60
    assert re.fullmatch(r"\d\d:\d\d", answer.json["ends_at"])
    plain = kiosk.submit("/kiosk/more-time", {"next": "/ideas/"})
    assert plain.status_code == 303 and plain.headers["Location"] == "/ideas/"
    offsite = kiosk.submit("/kiosk/more-time", {"next": "https://evil.example/"})
    assert offsite.headers["Location"].endswith("/kiosk/")


def test_finish_and_clear_signs_out_and_forgets_the_session(app, make_user, council):
    code = make_letters(app, make_user)[0]["code"]
    kiosk = kiosk_client(app, make_user)
    kiosk.submit("/kiosk/sign-in", {"code": code})
    finished = kiosk.submit("/kiosk/finish")
    assert finished.status_code == 303 and finished.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert kiosk.get("/my-council").status_code == 302
    assert "Anwen Jones" not in kiosk.get("/kiosk/").get_data(as_text=True)
    assert kiosk.get_cookie("cc_kiosk") is not None  # the machine is still a kiosk


# --- Help -------------------------------------------------------------------------------------

def test_asking_for_help_tells_the_staff_once_and_they_mark_it_done(app, make_user, council):
    staff_member = make_user(Role.STAFF)
    kiosk = kiosk_client(app, make_user)
    for _ in range(2):
        assert kiosk.submit("/kiosk/help", {"next": "/ideas/"}).headers["Location"] == "/ideas/"
    with app.app_context():
        notes = db.session.scalars(select(Notification).where(Notification.kind == "kiosk.help",
                                                              Notification.user_id == staff_member.id)).all()
        assert len(notes) == 1
        device_id = db.session.scalars(select(KioskDevice.id)).one()
    staff = new_client(app)
    sign_in(staff, staff_member)
    listed = staff.get("/kiosk/help-wanted").get_data(as_text=True)
    assert "Central Library: Kiosk by the desk" in listed
    fragment = staff.get("/kiosk/help-wanted", headers={"HX-Request": "true", "HX-Target": "help-wanted"})
    assert "<html" not in fragment.get_data(as_text=True) and "Central Library" in fragment.get_data(as_text=True)
    staff.submit(f"/kiosk/devices/{device_id}/helped")
    assert "No kiosk is asking for help" in staff.get("/kiosk/help-wanted").get_data(as_text=True)
    assert new_client(app).submit("/kiosk/help").status_code == 404  # not from an ordinary computer


def test_help_at_home_needs_a_way_to_reach_the_person_and_reaches_the_staff_queue(app, make_user, council):
    client = new_client(app)
    missing = client.submit("/help-at-home", {"name": "Iolo", "address": "4 Bryn Road", "needs": "Voting online"})
    assert missing.status_code == 400 and "Give a phone number or an email address" in missing.get_data(as_text=True)
    assert count(app, HelpAtHomeRequest) == 0
    sent = client.submit("/help-at-home", {"name": "Iolo", "phone": "01234 567890", "address": "4 Bryn Road",
                                           "needs": "Voting <script>alert(1)</script>", "ward": ""})
    assert sent.status_code == 200 and "We have your request" in sent.get_data(as_text=True)
    staff_member = make_user(Role.STAFF)
    staff = new_client(app)
    sign_in(staff, staff_member)
    with app.app_context():
        req_id = db.session.scalars(select(HelpAtHomeRequest.id)).one()
    page = staff.get(f"/kiosk/help-at-home/{req_id}").get_data(as_text=True)
    assert "01234 567890" in page and "&lt;script&gt;" in page and "<script>alert" not in page
    staff.submit(f"/kiosk/help-at-home/{req_id}", {"status": "arranged", "note": "Visit on Tuesday"})
    assert "Visit arranged" in staff.get("/kiosk/help-at-home").get_data(as_text=True)
    assert count(app, AuditEntry, AuditEntry.action == "help_at_home.updated") == 1


def test_an_accessibility_report_reaches_staff_who_say_what_was_done(app, make_user, council):
    make_user(Role.STAFF)
    client = new_client(app)
    statement = client.get("/accessibility").get_data(as_text=True)
    for heading in ["How accessible this website is", "Feedback and contact information", "Enforcement procedure",
                    "Compliance status", "Preparation of this accessibility statement"]:
        assert heading in statement
    assert client.submit("/accessibility/report", {"problem": ""}).status_code == 400
    client.submit("/accessibility/report", {"page": "/ideas/", "problem": "The map cannot be used with a keyboard"})
    assert count(app, Notification, Notification.kind == "kiosk.accessibility") == 1
    admin = new_client(app)
    sign_in(admin, make_user(Role.ADMIN))
    assert "The map cannot be used with a keyboard" in admin.get("/kiosk/accessibility-reports").get_data(as_text=True)
    with app.app_context():
        report_id = db.session.scalars(select(AccessibilityReport.id)).one()
    admin.submit(f"/kiosk/accessibility-reports/{report_id}/resolve", {"note": "Keyboard controls added"})
    with app.app_context():
        assert db.session.get(AccessibilityReport, report_id).resolved_at is not None


# --- Display settings and triage --------------------------------------------------------------

def test_display_settings_apply_to_every_page_and_stay_with_the_account(app, make_user, council):
    client = new_client(app)
    client.submit("/display", {"text": "large", "contrast": "high", "motion": "reduce", "next": "/ideas/"})
    page = client.get("/ideas/").get_data(as_text=True)
    assert '<html lang="en" dir="ltr" class="text-large contrast-high motion-reduce">' in page
    resident = make_user()
    sign_in(client, resident)  # a fresh session: the account's own choice (none yet) applies
    client.submit("/display", {"text": "larger", "contrast": "normal", "motion": "normal"})
    other = new_client(app)
    sign_in(other, resident)
    assert 'class="text-larger"' in other.get("/").get_data(as_text=True)
    bad = client.submit("/display", {"text": "huge", "contrast": "normal", "motion": "normal"})
    assert bad.status_code == 400
    assert 'class="text-larger"' in client.get("/").get_data(as_text=True)  # unchanged


def test_ways_to_take_part_list_kiosks_with_their_hours(app, make_user, council):
    kiosk_client(app, make_user)
    page = new_client(app).get("/ways/budget-vote").get_data(as_text=True)
    assert "How would you like to do this?" in page and "Central Library" in page and "Mon-Sat 9:00-17:00" in page
    assert new_client(app).get("/ways/unknown").status_code == 404


def test_a_resident_without_email_gets_notifications_on_the_site_only(app, make_user, council):
    from app.core.notifications import notify

    code = make_letters(app, make_user)[0]["code"]
    kiosk_client(app, make_user).submit("/kiosk/sign-in", {"code": code})
    app.extensions["mail_outbox"] = []
    with app.app_context():
        person = db.session.scalars(select(User).where(User.display_name == "Anwen Jones")).one()
        notify("kiosk.help_at_home", council_id=person.council_id, recipients=[person], params={})
        assert db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == person.id)) == 1
    assert app.extensions["mail_outbox"] == []


def test_help_at_home_requests_are_in_the_persons_data_and_closed_ones_are_purged(app, make_user, council):
    from app.core.retention import run_retention

    resident = make_user()
    client = new_client(app)
    sign_in(client, resident)
    client.submit("/help-at-home", {"name": "Rhys", "email": resident.email, "address": "5 Heol Fawr",
                                    "needs": "Setting up email", "ward": ""})
    export = client.get("/account/my-data.json").get_data(as_text=True)
    assert "Setting up email" in export and "5 Heol Fawr" in export
    with app.app_context():
        req = db.session.scalars(select(HelpAtHomeRequest)).one()
        req.status = services.HelpStatus.DONE
        req.updated_at = datetime.now(timezone.utc) - timedelta(days=91)
        db.session.commit()
        run_retention()
    assert count(app, HelpAtHomeRequest) == 0


def test_staff_change_a_kiosks_details_and_its_idle_time(app, make_user, council):
    kiosk_client(app, make_user)
    with app.app_context():
        device_id = db.session.scalars(select(KioskDevice.id)).one()
    staff = new_client(app)
    sign_in(staff, make_user(Role.STAFF))
    form = staff.get(f"/kiosk/devices/{device_id}").get_data(as_text=True)
    assert 'value="Kiosk by the desk"' in form and 'value="10"' in form
    refused = staff.submit(f"/kiosk/devices/{device_id}", {"name": "Kiosk by the desk", "location": "",
                                                           "idle_minutes": "15"})
    assert refused.status_code == 400 and "Enter where the kiosk is" in refused.get_data(as_text=True)
    staff.submit(f"/kiosk/devices/{device_id}", {"name": "Kiosk 2", "location": "Town Hall", "idle_minutes": "15",
                                                 "team": ""})
    with app.app_context():
        device = db.session.get(KioskDevice, device_id)
        assert (device.name, device.location, device.idle_minutes) == ("Kiosk 2", "Town Hall", 15)


def test_codes_work_only_on_a_registered_kiosk(app, make_user, council):
    code = make_letters(app, make_user)[0]["code"]
    home = new_client(app)
    page = home.get("/kiosk/sign-in").get_data(as_text=True)
    assert "work at council kiosks" in page and 'name="code"' not in page
    assert home.submit("/kiosk/sign-in", {"code": code}).status_code == 400
    assert home.get("/my-council").status_code == 302
    assert kiosk_client(app, make_user).submit("/kiosk/sign-in", {"code": code}).status_code == 303  # still unused


def test_asking_for_an_email_code_does_not_cancel_a_printed_one(app, make_user, council):
    resident = make_user()
    staff = new_client(app)
    sign_in(staff, make_user(Role.STAFF))
    page = staff.submit(f"/kiosk/residents/{resident.id}/code", {"checked": "document"}).get_data(as_text=True)
    printed = re.search(r'class="code-slip__code">([A-Z2-9-]+)<', page).group(1)
    kiosk = kiosk_client(app, make_user)
    kiosk.submit("/kiosk/sign-in/email", {"email": resident.email})
    assert kiosk.submit("/kiosk/sign-in", {"code": printed}).status_code == 303
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "kiosk.code_issued")).one()
        assert entry.details["identity_checked_by"] == "document"


def test_a_second_letter_for_the_same_person_is_refused(app, make_user, council):
    make_letters(app, make_user)
    staff = new_client(app)
    sign_in(staff, make_user(Role.STAFF))
    again = "name,address,ward\nanwen jones,\"1 Heol y Bont, Llan\",North\n"
    response = staff.submit("/kiosk/letters", {"file": (io.BytesIO(again.encode()), "again.csv"), "valid_days": "90",
                                               "output": "csv"}, content_type="multipart/form-data")
    assert response.status_code == 400 and "already has a polling card" in response.get_data(as_text=True)
    assert count(app, PollingCard) == 2


def test_the_countdown_ending_finishes_the_session_at_once(app, make_user, council):
    code = make_letters(app, make_user)[0]["code"]
    kiosk = kiosk_client(app, make_user)
    kiosk.submit("/kiosk/sign-in", {"code": code})
    ended = kiosk.submit("/kiosk/finish", {"timed_out": "1"}, follow_redirects=True)
    assert "Your session ended because nothing happened for 10 minutes" in ended.get_data(as_text=True)
    assert kiosk.get("/my-council").status_code == 302


def test_an_account_without_email_is_told_how_it_signs_in_and_never_mailed(app, make_user, council):
    code = make_letters(app, make_user)[0]["code"]
    kiosk = kiosk_client(app, make_user)
    kiosk.submit("/kiosk/sign-in", {"code": code})
    dashboard = kiosk.get("/my-council").get_data(as_text=True)
    assert "None" not in dashboard and "Confirm your email address" not in dashboard
    assert "you sign in with a code at a council kiosk" in kiosk.get("/account").get_data(as_text=True)
    app.extensions["mail_outbox"] = []
    kiosk.submit("/confirm-email")
    assert app.extensions["mail_outbox"] == []


def test_ways_to_take_part_offer_phone_and_face_to_face_help_from_the_services_register(app, make_user, council):
    from app.services.models import Service

    with app.app_context():
        db.session.add_all([
            Service(council_id=council.id, name="Library computer help", channels=["phone", "face_to_face"],
                    needs="computers, internet", phone="01632 960555", opening_hours="Mon-Fri 9-5",
                    search_text="library computer help computers internet"),
            Service(council_id=council.id, name="Online-only computer course", channels=["online"],
                    needs="computers", search_text="online-only computer course computers"),
            Service(council_id=council.id, name="Bins", channels=["phone"], needs="waste", search_text="bins waste")])
        db.session.commit()
    page = new_client(app).get("/ways/consultation").get_data(as_text=True)
    assert "Library computer help" in page and "01632 960555" in page
    assert "Online-only computer course" not in page and "Bins" not in page
