"""Polling cards: admins import an extract of the electoral register, all or nothing; a resident
confirms with the code on their card that they live in their ward, which a ward budget vote can
require; a card confirms one account, of its own ward only."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from app.budgeting.models import BudgetProcess
from app.core.models import AuditEntry, PollingCard, Role, User, VerificationMethod
from app.extensions import db
from tests.web.test_budget_ballots import process_id  # noqa: F401  (the fixture: a vote open today)
from tests.web.test_ideas import signed_in_client


def register_csv(council, *rows) -> dict:
    lines = ["name,address,ward,code", *rows]
    return {"file": (io.BytesIO("\n".join(lines).encode()), "register.csv")}


def cards(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(PollingCard))


def test_an_import_with_any_bad_row_saves_nothing_and_names_each_problem(app, council, make_user):
    admin = signed_in_client(app, make_user(Role.ADMIN))
    north = council.wards[0]
    good = admin.submit("/admin/polling-cards", register_csv(
        council, f"Ann Jones,1 Pond Lane,{north.code},AB12-CD34", f"Huw Price,2 Pond Lane,{north.name},ZX98YW76"),
        content_type="multipart/form-data")
    assert good.status_code == 303 and cards(app) == 2
    bad = admin.submit("/admin/polling-cards", register_csv(
        council, f"Bea Lloyd,3 Pond Lane,{north.code},QQ11RR22", "Cai Evans,4 Hill Road,Nowhere,PP33SS44",
        f"Dai Hughes,5 Hill Road,{north.code},ab12cd34", f",6 Hill Road,{north.code},123"),
        content_type="multipart/form-data")
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Nothing was imported" in page
    for problem in ("No ward has this code or name", "already held, or is in the file twice", "This is empty",
                    "6 to 20 letters or numbers"):
        assert problem in page
    assert cards(app) == 2  # what was imported before is untouched, and nothing of the bad file is saved
    assert "2 cards held" in admin.get("/admin/polling-cards").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.details).where(AuditEntry.action == "polling_cards.imported")) \
            == {"cards": 2}
        assert "AB12" not in str(db.session.scalars(select(PollingCard.code_hash)).all())


def test_a_resident_confirms_with_their_card_and_can_then_vote(app, client, council, make_user, auth,
                                                              process_id):  # noqa: F811
    north, south = council.wards
    admin = signed_in_client(app, make_user(Role.ADMIN))
    admin.submit("/admin/polling-cards", register_csv(council, f"Ann Jones,1 Pond Lane,{north.code},AB12-CD34",
                                                      f"Sam Hill,9 South St,{south.code},SOUTH12345"),
                 content_type="multipart/form-data")
    with app.app_context():
        db.session.get(BudgetProcess, process_id).verification = VerificationMethod.POLLING_CARD
        db.session.commit()
    resident = make_user(ward=north)
    auth.login(resident)
    vote_page = client.get(f"/budgets/{process_id}/vote").get_data(as_text=True)
    assert "the code on your polling card" in vote_page and "Enter the code from your polling card" in vote_page

    wrong = client.submit(f"/account/polling-card?next=/budgets/{process_id}/vote", {"code": "SOUTH12345"})
    assert wrong.status_code == 400 and "does not match an unused polling card for North ward" in \
        wrong.get_data(as_text=True)  # another ward's card does not do
    done = client.submit(f"/account/polling-card?next=/budgets/{process_id}/vote", {"code": "ab12 cd34"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/budgets/{process_id}/vote")
    with app.app_context():
        person = db.session.get(User, resident.id)
        assert person.verification_method == VerificationMethod.POLLING_CARD
        card = db.session.scalar(select(PollingCard).where(PollingCard.used_by_id == resident.id))
        assert card is not None and card.name == "Ann Jones"
    assert "Send my vote" in client.get(f"/budgets/{process_id}/vote").get_data(as_text=True)

    # The same card cannot confirm a second account.
    auth.logout()
    other = make_user(ward=north)
    auth.login(other)
    again = client.submit("/account/polling-card", {"code": "AB12CD34"})
    assert again.status_code == 400
    with app.app_context():
        assert db.session.get(User, other.id).verified_at is None


def test_moving_ward_needs_a_new_check_and_residents_cannot_import(app, client, council, make_user, auth):
    north, south = council.wards
    resident = make_user(ward=north)
    with app.app_context():
        from app.auth import services as accounts
        from datetime import datetime, timezone

        person = db.session.get(User, resident.id)
        person.verified_at, person.verification_method = datetime.now(timezone.utc), VerificationMethod.POLLING_CARD
        db.session.commit()
        accounts.set_ward(person, db.session.get(type(south), south.id))
        assert person.verified_at is None and person.verification_method is None
    auth.login(resident)
    assert client.get("/admin/polling-cards").status_code == 403
    assert client.submit("/admin/polling-cards", register_csv(council, f"A,1 Lane,{north.code},AB12CD34"),
                         content_type="multipart/form-data").status_code == 403
    assert cards(app) == 0


def test_an_expired_card_no_longer_confirms_a_resident(app, client, council, make_user, auth):
    from datetime import datetime, timedelta, timezone

    north, _south = council.wards
    admin = signed_in_client(app, make_user(Role.ADMIN))
    admin.submit("/admin/polling-cards", register_csv(council, f"Ann Jones,1 Pond Lane,{north.code},AB12-CD34"),
                 content_type="multipart/form-data")
    with app.app_context():
        db.session.scalars(select(PollingCard)).one().expires_at = datetime.now(timezone.utc) - timedelta(days=1)
        db.session.commit()
    resident = make_user(ward=north)
    auth.login(resident)
    assert client.submit("/account/polling-card", {"code": "AB12-CD34"}).status_code == 400
    with app.app_context():
        assert db.session.get(User, resident.id).verified_at is None
