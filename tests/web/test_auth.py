"""Accounts as a resident meets them: sign up, sign in, reset, ward, data, deletion."""
from __future__ import annotations

import json
import re

from sqlalchemy import select

from app.core.mail import outbox
from app.core.models import AuditEntry, Role, User, VerificationMethod
from app.extensions import db
from tests.conftest import TEST_PASSWORD

SIGN_UP = {"display_name": "Ann Jones", "email": "Ann@Example.org", "password": "a long enough secret",
           "confirm": "a long enough secret", "language": "cy", "share_with_councillors": "y"}


def _user(app, email):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            user.roles, user.ward
            db.session.expunge(user)
        return user


def test_sign_up_creates_a_resident_signs_them_in_and_asks_for_a_ward(app, client, council):
    response = client.submit("/sign-up", SIGN_UP)
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/ward")
    user = _user(app, "ann@example.org")
    assert user.display_name == "Ann Jones" and user.language == "cy"
    assert user.roles == {Role.RESIDENT}
    assert user.share_with_councillors is True and user.contact_for_research is False
    assert user.password_hash.startswith("$argon2")
    assert client.get("/my-council").status_code == 200


def test_sign_up_errors_are_shown_beside_fields_and_in_a_summary(client, council):
    response = client.submit("/sign-up", {**SIGN_UP, "email": "not-an-email", "confirm": "different words"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error:" in page or "<title>Gwall:" in page
    assert 'class="error-summary"' in page
    assert 'href="#email"' in page and 'href="#confirm"' in page
    assert 'id="email-error"' in page and 'aria-describedby="email-error"' in page
    # What the person typed is kept, except passwords.
    assert 'value="Ann Jones"' in page and "a long enough secret" not in page


def test_sign_up_with_an_email_already_in_use_is_refused_and_the_first_account_is_untouched(app, client, make_user):
    existing = make_user(email="ann@example.org")
    response = client.submit("/sign-up", SIGN_UP)
    assert response.status_code == 200
    assert "already exists" in response.get_data(as_text=True)
    user = _user(app, "ann@example.org")
    assert user.id == existing.id and user.display_name == existing.display_name


def test_confirming_email_marks_the_account_verified_by_email(app, client, council):
    client.submit("/sign-up", {**SIGN_UP, "language": "en"})
    mail = outbox_of(app)[-1]
    assert mail.to == "ann@example.org" and "Confirm" in mail.subject
    link = re.search(r"http://localhost(/confirm-email/\S+)", mail.body).group(1)
    assert client.get(link).status_code == 303
    user = _user(app, "ann@example.org")
    assert user.email_confirmed_at is not None
    assert user.verification_method == VerificationMethod.EMAIL
    assert client.get("/confirm-email/forged-token").status_code == 400


def outbox_of(app):
    with app.app_context():
        return list(outbox())


def test_sign_in_with_the_right_password_and_out_again(client, make_user):
    user = make_user()
    response = client.submit("/sign-in", {"email": user.email.upper(), "password": TEST_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"].endswith("/my-council")
    assert client.get("/my-council").status_code == 200
    assert client.submit("/sign-out").status_code == 303
    assert client.get("/my-council").status_code == 302


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, make_user):
    user = make_user()
    response = client.submit("/sign-in", {"email": user.email, "password": "wrong"})
    assert response.status_code == 200
    assert "The email address or password is not right" in response.get_data(as_text=True)
    unknown = client.submit("/sign-in", {"email": "nobody@example.org", "password": "wrong"})
    assert "The email address or password is not right" in unknown.get_data(as_text=True)


def test_sign_in_does_not_redirect_to_another_site(client, make_user):
    user = make_user()
    response = client.submit("/sign-in", {"email": user.email, "password": TEST_PASSWORD,
                                          "next": "//evil.example/steal"})
    assert response.headers["Location"].endswith("/my-council")


def test_the_eleventh_wrong_password_for_one_account_within_a_minute_gets_429(client, make_user):
    user = make_user()
    for attempt in range(10):
        response = client.submit("/sign-in", {"email": user.email, "password": f"wrong {attempt}"})
        assert response.status_code == 200, f"attempt {attempt + 1}"
    response = client.submit("/sign-in", {"email": user.email, "password": "wrong again"})
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    # Even the right password waits: the account is being guessed at.
    assert client.submit("/sign-in", {"email": user.email, "password": TEST_PASSWORD}).status_code == 429
    # Another account from elsewhere is not affected by this account's limit.
    other = make_user()
    assert client.submit("/sign-in", {"email": other.email, "password": TEST_PASSWORD}).status_code == 303


def test_thirty_failures_from_one_address_across_accounts_get_429(client, council):
    for attempt in range(30):
        response = client.submit("/sign-in", {"email": f"guess{attempt}@example.org", "password": "x"})
        assert response.status_code == 200
    assert client.submit("/sign-in", {"email": "another@example.org", "password": "x"}).status_code == 429


def test_a_form_posted_without_its_csrf_token_gets_a_friendly_400(client, make_user):
    user = make_user()
    response = client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This form has expired" in page and "<h1>" in page and 'class="skip-link"' in page


def test_password_reset_by_emailed_link_works_once(app, client, make_user):
    user = make_user()
    response = client.submit("/reset-password", {"email": user.email})
    assert response.status_code == 303
    mail = outbox_of(app)[-1]
    link = re.search(r"http://localhost(/reset-password/\S+)", mail.body).group(1)
    assert client.get(link).status_code == 200
    bad = client.submit(link, {"password": "short", "confirm": "short"})
    assert "at least 10 characters" in bad.get_data(as_text=True)
    assert client.submit(link, {"password": "a brand new secret", "confirm": "a brand new secret"}).status_code == 303
    assert client.submit("/sign-in", {"email": user.email, "password": "a brand new secret"}).status_code == 303
    assert client.get(link).status_code == 400  # spent


def test_reset_request_for_an_unknown_address_looks_the_same_and_sends_nothing(app, client, council):
    response = client.submit("/reset-password", {"email": "nobody@example.org"})
    assert response.status_code == 303
    assert outbox_of(app) == []


def test_ward_from_a_postcode_in_one_ward(app, client, auth, make_user, council):
    user = make_user()
    auth.login(user)
    response = client.submit("/account/ward", {"step": "postcode", "pc-postcode": "cc11aa"})
    assert response.status_code == 303
    assert _user(app, user.email).ward.name == "North"


def test_a_postcode_that_straddles_two_wards_lets_the_person_pick(app, client, auth, make_user, council):
    user = make_user()
    auth.login(user)
    page = client.submit("/account/ward", {"step": "postcode", "pc-postcode": "CC1 9ZZ"}).get_data(as_text=True)
    assert "more than one ward" in page and ">North<" in page and ">South<" in page
    south = next(w for w in council.wards if w.name == "South")
    assert client.submit("/account/ward", {"step": "ward", "w-ward": str(south.id)}).status_code == 303
    assert _user(app, user.email).ward.name == "South"


def test_an_unknown_postcode_explains_and_offers_every_ward_by_name(app, client, auth, make_user, council):
    user = make_user()
    auth.login(user)
    page = client.submit("/account/ward", {"step": "postcode", "pc-postcode": "ZZ9 9ZZ"}).get_data(as_text=True)
    assert "could not find that postcode" in page and ">North<" in page and ">South<" in page
    not_a_postcode = client.submit("/account/ward", {"step": "postcode", "pc-postcode": "hello"})
    assert "Enter a real postcode" in not_a_postcode.get_data(as_text=True)
    assert _user(app, user.email).ward is None
    # Choosing nothing is an error, not a crash.
    assert "Choose your ward" in client.submit("/account/ward", {"step": "ward"}).get_data(as_text=True)


def test_account_changes_are_saved_and_a_bad_date_loses_nothing(app, client, auth, make_user):
    user = make_user()
    auth.login(user)
    ok = client.submit("/account", {"display_name": "New Name", "language": "cy", "date_of_birth": "1950-04-01",
                                    "contact_for_research": "y"})
    assert ok.status_code == 303
    saved = _user(app, user.email)
    assert (saved.display_name, saved.language, str(saved.date_of_birth), saved.contact_for_research) == \
        ("New Name", "cy", "1950-04-01", True)
    bad = client.submit("/account", {"display_name": "Other", "language": "en", "date_of_birth": "2999-01-01"})
    assert bad.status_code == 200 and 'href="#date_of_birth"' in bad.get_data(as_text=True)
    assert _user(app, user.email).display_name == "New Name"


def test_download_my_data_gives_everything_held_as_json(client, auth, make_user, council):
    user = make_user(ward=council.wards[0])
    auth.login(user)
    response = client.get("/account/my-data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["account"]["email"] == user.email
    assert data["account"]["ward"]["name"] == council.wards[0].name
    assert data["account"]["roles"] == ["resident"]


def test_delete_account_tombstones_the_row_and_keeps_its_id(app, client, auth, make_user):
    user = make_user(email="leaving@example.org")
    auth.login(user)
    refused = client.submit("/account/delete", {})
    assert "Tick the box" in refused.get_data(as_text=True)
    assert client.submit("/account/delete", {"confirm": "y"}).status_code == 303
    with app.app_context():
        row = db.session.get(User, user.id)
        assert row is not None and row.deleted_at is not None
        assert "leaving" not in row.email and row.password_hash is None and row.roles == set()
        actions = [a.action for a in db.session.scalars(select(AuditEntry).where(AuditEntry.actor_id == user.id))]
        assert "account.deleted" in actions
    assert client.get("/my-council").status_code == 302
    assert client.submit("/sign-in", {"email": "leaving@example.org", "password": TEST_PASSWORD}).status_code == 200
    # The address can be used again for a new account.
    assert client.submit("/sign-up", {**SIGN_UP, "email": "leaving@example.org"}).status_code == 303


def test_emailed_links_use_the_councils_address_not_the_request_host(app, client, make_user):
    user = make_user()
    response = client.submit("/reset-password", {"email": user.email}, headers={"Host": "evil.example"})
    assert response.status_code == 303
    mails = outbox_of(app)
    assert mails and "http://localhost/reset-password/" in mails[-1].body and "evil.example" not in mails[-1].body


def test_redirects_after_sign_in_or_language_stay_on_this_site(client, make_user):
    for target in ["/%09/evil.example", "/\\evil.example", "//evil.example", "https://evil.example/",
                   "/\t/evil.example"]:
        location = client.get(f"/language/en?next={target}").headers["Location"]
        assert location == "/", target
