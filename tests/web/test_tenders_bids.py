"""Slice 2: supplier profiles and sealed bids (acceptance checks 2 and 3)."""
from __future__ import annotations

import base64
import io
import secrets
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from app.core.models import Role
from app.extensions import db
from tests.web.test_tenders_support import (bid_id_for, criterion_ids, make_challenge, make_org, pass_deadline,
                                            stage_ids, start_and_submit)

PDF = b"%PDF-1.4\n% a plan\n"


@pytest.fixture
def open_challenge(app, council, make_user):
    staff = make_user(Role.STAFF)
    challenge_id = make_challenge(app, council, staff)
    return {"id": challenge_id, "stages": stage_ids(app, challenge_id), "criteria": criterion_ids(app, challenge_id),
            "staff": staff}


@pytest.fixture
def supplier(make_user, auth, app):
    user = make_user(Role.SUPPLIER, email="bids@brightbins.example")
    org_id = make_org(app, user)
    auth.login(user)
    return user, org_id


def test_a_profile_is_kept_once_and_every_bid_starts_from_it(app, client, login_as, open_challenge):
    resident = login_as(Role.RESIDENT)
    response = client.submit("/tenders/profile", {"name": "Green Streets CIC", "size_band": "micro", "is_vcse": "y",
                                                   "about": "We run street-level recycling pilots."})
    assert response.status_code == 303
    from app.core.models import Organisation, User

    with app.app_context():
        org = db.session.scalars(select(Organisation)).one()
        assert org.is_vcse and Role.SUPPLIER in db.session.get(User, resident.id).roles
        org_id = org.id
    client.submit(f"/tenders/profile/{org_id}/certificates", {"cert-name": "ISO 14001", "cert-issuer": "BSI",
                                                              "cert-expires_on": "2030-01-31"})
    client.submit(f"/tenders/profile/{org_id}/certificates", {"cert-name": "Old Mark", "cert-expires_on": "2020-01-31"})
    client.submit(f"/tenders/profile/{org_id}/case-studies", {"case-title": "Bin pilot in Ely", "case-client": "Ely Council",
                                                              "case-summary": "Missed bins fell by a third."})
    profile = client.get(f"/tenders/profile?org={org_id}").get_data(as_text=True)
    assert "expired" in profile and "ISO 14001" in profile
    client.submit(f"/tenders/stages/{open_challenge['stages'][0]}/bid", {"org": str(org_id)})
    bid_page = client.get(f"/tenders/bids/{bid_id_for(app, open_challenge['stages'][0], org_id)}").get_data(as_text=True)
    assert "We run street-level recycling pilots." in bid_page and "ISO 14001 (BSI)" in bid_page
    assert "Bin pilot in Ely – Ely Council: Missed bins fell by a third." in bid_page
    assert "Old Mark" not in bid_page  # an expired certificate is not offered


def test_submit_emails_a_receipt_then_withdraw_and_resubmit_before_the_deadline(app, client, supplier, open_challenge):
    from app.core.mail import outbox

    stage = open_challenge["stages"][0]
    bid_id, response = start_and_submit(client, app, stage, supplier[1], open_challenge["criteria"])
    assert response.status_code == 303
    with app.app_context():
        from app.tenders.models import Bid

        bid = db.session.get(Bid, bid_id)
        assert bid.status.value == "submitted" and len(bid.receipt_sha256) == 64
        digest = bid.receipt_sha256
        mails = [m for m in outbox() if m.to == "bids@brightbins.example"]
    assert len(mails) == 1 and digest in mails[0].body and "UTC" in mails[0].body
    assert "Our answer" not in mails[0].body  # the receipt carries a hash, never the content
    assert client.submit(f"/tenders/bids/{bid_id}", {"action": "withdraw"}).status_code == 303
    data = {f"answer_{c}": "Better answer" for c in open_challenge["criteria"]}
    assert client.submit(f"/tenders/bids/{bid_id}", {**data, "price": "12000", "action": "submit"}).status_code == 303
    with app.app_context():
        bid = db.session.get(Bid, bid_id)
        assert bid.status.value == "submitted" and bid.receipt_sha256 != digest


def test_a_bid_must_answer_everything_and_stay_within_budget(app, client, supplier, open_challenge):
    stage = open_challenge["stages"][0]
    _bid_id, response = start_and_submit(client, app, stage, supplier[1], open_challenge["criteria"], price="25000")
    assert response.status_code == 400 and "more than this stage" in response.get_data(as_text=True)
    _bid_id, response = start_and_submit(client, app, stage, supplier[1], open_challenge["criteria"], price="")
    assert response.status_code == 400 and "Enter your price" in response.get_data(as_text=True)


def test_a_bid_after_the_deadline_is_refused(app, client, supplier, open_challenge):
    stage = open_challenge["stages"][0]
    bid_id, response = start_and_submit(client, app, stage, supplier[1], open_challenge["criteria"], submit=False)
    assert response.status_code == 303
    pass_deadline(app, stage)
    data = {f"answer_{c}": "Late answer" for c in open_challenge["criteria"]}
    response = client.submit(f"/tenders/bids/{bid_id}", {**data, "price": "1000", "action": "submit"})
    # The deadline passed: the backstop opened the stage on this very request, and the draft is gone.
    assert response.status_code in (404, 409)
    with app.app_context():
        from app.tenders.models import Bid, Stage

        assert db.session.get(Bid, bid_id) is None
        assert db.session.get(Stage, stage).opened_at is not None


@pytest.mark.parametrize("name,content,message", [
    ("plan.exe", b"MZ\x90\x00", "must be a PDF, Word, OpenDocument, Excel, PNG or JPG"),
    ("plan.pdf", b"MZ not really a pdf", "must be a PDF, Word, OpenDocument, Excel, PNG or JPG"),
    ("big.pdf", PDF + b"x" * 2048, "must be smaller than"),
])
def test_a_wrong_or_oversized_file_is_refused_and_the_answers_are_kept(app, client, supplier, open_challenge,
                                                                        name, content, message):
    app.config["TENDER_MAX_DOCUMENT_BYTES"] = 1024
    try:
        stage = open_challenge["stages"][0]
        bid_id, response = start_and_submit(client, app, stage, supplier[1], open_challenge["criteria"],
                                            text="Kept answer", files=(io.BytesIO(content), name))
    finally:
        app.config.pop("TENDER_MAX_DOCUMENT_BYTES")
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and message in body
    assert "Kept answer" in body and 'value="15000"' in body
    with app.app_context():
        from app.tenders.models import Bid

        bid = db.session.get(Bid, bid_id)
        assert bid.status.value == "draft" and bid.documents == []
    # Saved too: the answers are still there when the page is opened again.
    assert "Kept answer" in client.get(f"/tenders/bids/{bid_id}").get_data(as_text=True)


def _forbidden_before_the_deadline(client, bid_id, document_id, stage):
    for path in (f"/tenders/bids/{bid_id}", f"/tenders/bids/{bid_id}/documents/{document_id}",
                 f"/tenders/stages/{stage}/bids.csv", f"/tenders/stages/{stage}/opening"):
        assert client.get(path).status_code == 403, path


def _add_document(client, app, bid_id, criteria, marker=b"", name="plan.pdf"):
    data = {f"answer_{c}": "Answer" for c in criteria}
    data.update({"price": "15000", "action": "save", "document": (io.BytesIO(PDF + marker), name)})
    assert client.submit(f"/tenders/bids/{bid_id}", data, content_type="multipart/form-data").status_code == 303
    from app.tenders.models import BidDocument

    with app.app_context():
        return db.session.scalars(select(BidDocument.id).where(BidDocument.bid_id == bid_id)).all()[-1]


def test_staff_admins_and_evaluators_are_refused_until_the_opening_which_is_audited(app, client, make_user, auth,
                                                                                      supplier, open_challenge):
    stage = open_challenge["stages"][0]
    bid_id, _ = start_and_submit(client, app, stage, supplier[1], open_challenge["criteria"])
    client.submit(f"/tenders/bids/{bid_id}", {"action": "withdraw"})
    document_id = _add_document(client, app, bid_id, open_challenge["criteria"])
    client.submit(f"/tenders/bids/{bid_id}", {f"answer_{c}": "A" for c in open_challenge["criteria"]} |
                  {"price": "15000", "action": "submit"})
    for role in (Role.STAFF, Role.ADMIN, Role.EVALUATOR):
        auth.logout()
        auth.login(make_user(role))
        _forbidden_before_the_deadline(client, bid_id, document_id, stage)
    # A second bidder cannot read it either.
    other = make_user(Role.SUPPLIER)
    make_org(app, other, "Other Ltd")
    auth.logout()
    auth.login(other)
    assert client.get(f"/tenders/bids/{bid_id}").status_code == 403
    # The deadline passes; the scheduled job opens the stage, once, with every bid listed at once.
    pass_deadline(app, stage)
    from app.core.jobs import run_due
    from app.core.models import AuditEntry

    with app.app_context():
        ran = run_due()
        assert any("tenders" in line for line in ran)
        opened = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "tenders.stage_opened")).all()
        assert len(opened) == 1 and opened[0].details["bids"] == [bid_id]
    auth.logout()
    auth.login(open_challenge["staff"])
    assert client.get(f"/tenders/stages/{stage}/opening").status_code == 200
    assert client.get(f"/tenders/bids/{bid_id}").status_code == 200
    download = client.get(f"/tenders/bids/{bid_id}/documents/{document_id}")
    assert download.status_code == 200 and download.data == PDF
    assert client.get(f"/tenders/stages/{stage}/bids.csv").status_code == 200
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"tenders.bid_viewed", "tenders.bid_document_viewed", "tenders.bids_exported"} <= actions


def _encodings(marker: str) -> list[bytes]:
    raw = marker.encode()
    found = [raw, raw.hex().encode(), raw.hex().upper().encode(), marker.encode("utf-16-le"),
             marker.encode("utf-16-be")]
    for shift in range(3):  # base64 of the marker wherever it sits in a longer text
        encoded = base64.b64encode(b"\x00" * shift + raw)[4 if shift else 0:]
        found.append(encoded[:-4])
        found.append(base64.urlsafe_b64encode(b"\x00" * shift + raw)[4 if shift else 0:][:-4])
    return found


def _data_files(app) -> list[Path]:
    files = [p for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file()]
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        base = Path(url.database)
        files += [p for p in base.parent.iterdir() if p.name.startswith(base.name)]  # the file, -wal, -shm
    return files


def _postgres_dump(app) -> bytes:
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        return b""
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return subprocess.run(["pg_dump", "--no-owner", plain], check=True, capture_output=True, timeout=120).stdout


def test_acceptance_2_the_bid_is_sealed_at_rest_and_needs_the_kek(app, client, supplier, open_challenge):
    from app.tenders import sealing
    from app.tenders.models import Bid, BidDocument, Challenge

    text_marker = "SEALED-TEXT-" + secrets.token_hex(8)
    file_marker = "SEALED-FILE-" + secrets.token_hex(8)
    stage = open_challenge["stages"][0]
    bid_id, _ = start_and_submit(client, app, stage, supplier[1], open_challenge["criteria"], text=text_marker,
                                 submit=False)
    _add_document(client, app, bid_id, open_challenge["criteria"], marker=file_marker.encode(),
                  name=f"{file_marker}.pdf")
    data = {f"answer_{c}": f"{text_marker} final" for c in open_challenge["criteria"]}
    response = client.submit(f"/tenders/bids/{bid_id}", {**data, "price": "15000", "action": "submit"})
    assert response.status_code == 303
    # What the database and upload store hold, on disk, in every encoding we can think of.
    blobs = [(str(p), p.read_bytes()) for p in _data_files(app)]
    blobs.append(("pg_dump", _postgres_dump(app)))
    for marker in (text_marker, file_marker):
        for encoded in _encodings(marker):
            for where, blob in blobs:
                assert encoded not in blob, f"{marker} found as {encoded!r} in {where}"
    assert len(blobs) >= 3
    # The scan sees what is stored in the clear (the bidder's name), so it would see the bid too.
    assert any(b"Bright Bins Ltd" in blob for _where, blob in blobs)
    # Without the key-encryption key, nothing opens; with it, the bidder's words are there.
    with app.app_context():
        bid = db.session.get(Bid, bid_id)
        challenge = db.session.get(Challenge, bid.stage.challenge_id)
        wrong = secrets.token_bytes(32)
        with pytest.raises(sealing.SealingError):
            sealing.unwrap(challenge.wrapped_key, challenge.id, wrong)
        key = sealing.unwrap(challenge.wrapped_key, challenge.id)
        assert text_marker in sealing.unseal(key, bid.ciphertext, sealing.bid_context(bid.id)).decode()
        document = db.session.scalars(select(BidDocument).where(BidDocument.bid_id == bid_id)).one()
        stored = (Path(app.config["UPLOAD_FOLDER"]) / document.storage_key).read_bytes()
        assert file_marker.encode() in sealing.unseal(key, stored, sealing.document_context(bid.id, f"{document.id}:file"))
        with pytest.raises(sealing.SealingError):  # a wrapped key cannot be moved to another challenge
            sealing.unwrap(challenge.wrapped_key, challenge.id + 1)


def test_open_data_exports_never_carry_bids(app, client, supplier, open_challenge):
    marker = "EXPORT-" + secrets.token_hex(6)
    start_and_submit(client, app, open_challenge["stages"][0], supplier[1], open_challenge["criteria"], text=marker)
    catalogue = client.get("/open-data").get_data(as_text=True)
    assert "challenges" in catalogue
    from app.core.datasets import datasets

    for name in datasets:
        for fmt in ("csv", "json"):
            body = client.get(f"/open-data/{name}.{fmt}").get_data(as_text=True)
            assert marker not in body, name


def test_production_refuses_the_development_kek(app):
    from app.tenders import sealing

    with app.app_context():
        app.testing, env = False, app.config["ENVIRONMENT"]
        app.config["ENVIRONMENT"] = "production"
        try:
            with pytest.raises(sealing.SealingError):
                sealing.kek()
            app.config["TENDER_KEK"] = sealing.DEVELOPMENT_KEK
            with pytest.raises(sealing.SealingError):
                sealing.kek()
            app.config["TENDER_KEK"] = base64.b64encode(b"k" * 32).decode()
            assert sealing.kek() == b"k" * 32
        finally:
            app.testing, app.config["ENVIRONMENT"] = True, env
            app.config.pop("TENDER_KEK", None)


def test_sqlite_runs_with_secure_delete(app):
    from sqlalchemy import text

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        assert db.session.execute(text("PRAGMA secure_delete")).scalar() == 1


def test_rotating_the_kek_rewraps_every_data_key_and_bids_still_open(app, client, supplier, open_challenge, tmp_path):
    from app.tenders import sealing, services
    from app.tenders.models import Bid, Challenge

    bid_id, _ = start_and_submit(client, app, open_challenge["stages"][0], supplier[1], open_challenge["criteria"],
                                 text="Rotated")
    new_kek = base64.b64encode(secrets.token_bytes(32)).decode()
    key_file = tmp_path / "kek"
    key_file.write_text(new_kek)
    with app.app_context():
        before = db.session.get(Challenge, open_challenge["id"]).wrapped_key
    result = app.test_cli_runner().invoke(args=["tenders", "rotate-kek", str(key_file)])
    assert "Re-wrapped the data keys of 1 challenges" in result.output
    app.config["TENDER_KEK_FILE"] = str(key_file)
    try:
        with app.app_context():
            challenge = db.session.get(Challenge, open_challenge["id"])
            assert challenge.wrapped_key != before
            with pytest.raises(sealing.SealingError):  # the old (development) KEK no longer opens it
                sealing.unwrap(challenge.wrapped_key, challenge.id, base64.b64decode(sealing.DEVELOPMENT_KEK))
            assert "Rotated" in services.read_own(db.session.get(Bid, bid_id))["answers"][str(open_challenge["criteria"][0])]
    finally:
        app.config.pop("TENDER_KEK_FILE")
