"""The audit chain: `flask audit verify` catches edits, deletions, reordering, truncation and
re-chaining without the key."""
from __future__ import annotations

import hashlib
import hmac

import pytest
from sqlalchemy import select, update

from app.core import audit
from app.core.models import AuditEntry, AuditHead
from app.extensions import db


@pytest.fixture
def chain(app, make_user):
    user = make_user()
    with app.app_context():
        for n in range(6):
            audit.record("role.granted", object_type="User", object_id=user.id, details={"n": n},
                         council_id=user.council_id)
        db.session.commit()
        audit.publish_head()
    return user


def _verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_an_untouched_chain_verifies(app, chain):
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert "6 entries verified" in result.output


def test_an_edited_row_fails_verification(app, chain):
    with app.app_context():
        db.session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(action="role.revoked"))
        db.session.commit()
    result = _verify(app)
    assert result.exit_code == 1 and "seq 3" in result.output


def test_a_deleted_row_fails_verification(app, chain):
    with app.app_context():
        db.session.delete(db.session.scalar(select(AuditEntry).where(AuditEntry.seq == 2)))
        db.session.commit()
    assert _verify(app).exit_code == 1


def test_reordered_rows_fail_verification(app, chain):
    with app.app_context():
        second, fourth = (db.session.scalar(select(AuditEntry).where(AuditEntry.seq == s)) for s in (2, 4))
        a, b = second.id, fourth.id
        # Swap their positions in the log (ids decide the order rows are read in).
        db.session.execute(update(AuditEntry).where(AuditEntry.id == a).values(id=-1))
        db.session.execute(update(AuditEntry).where(AuditEntry.id == b).values(id=a))
        db.session.execute(update(AuditEntry).where(AuditEntry.id == -1).values(id=b))
        db.session.commit()
    assert _verify(app).exit_code == 1


def test_a_truncated_tail_fails_against_the_published_head(app, chain):
    with app.app_context():
        db.session.delete(db.session.scalar(select(AuditEntry).where(AuditEntry.seq == 6)))
        db.session.commit()
    result = _verify(app)
    assert result.exit_code == 1 and "truncated" in result.output


def test_rechaining_without_the_key_fails(app, chain):
    """Someone with database access edits a row and recomputes every mac with a key they chose."""
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        rows[0].details = {"n": "forged"}
        prev = audit.GENESIS
        for row in rows:
            row.prev_mac = prev
            row.mac = hmac.new(b"guessed-key", prev.encode() + b"|" + audit._canonical(row), hashlib.sha256).hexdigest()
            prev = row.mac
        head = db.session.scalar(select(AuditHead))
        head.mac = prev
        db.session.commit()
    assert _verify(app).exit_code == 1


def test_publishing_the_head_is_idempotent_and_shown_publicly(app, client, chain):
    with app.app_context():
        first = audit.publish_head()
        again = audit.publish_head()
        assert first.id == again.id
        assert db.session.query(AuditHead).count() == 1
        mac = first.mac
    page = client.get("/audit").get_data(as_text=True)
    assert mac in page
