"""What ward budgets plug into the platform so far: personal data (download and deletion)."""
from __future__ import annotations

import secrets

from sqlalchemy import select, update

from app.budgeting.models import Ballot, BudgetProcess
from app.budgeting.services import voter_key
from app.core.registry import account_erasers, personal_data_exporters
from app.extensions import db


def _export(user):
    """That the person voted, when and how, never what they chose: a download that showed the
    choices could be demanded of them, and a ballot is secret."""
    rows = db.session.execute(select(Ballot, BudgetProcess).join(BudgetProcess, BudgetProcess.id == Ballot.process_id)
                              .where(Ballot.voter_key == voter_key(user)).order_by(Ballot.id)).all()
    return "ward_budgets", [{"process": process.id, "cast_at": ballot.cast_at.isoformat(),
                             "channel": ballot.channel.value, "counted": ballot.is_current}
                            for ballot, process in rows]


def _erase(user):
    """A deleted account's vote still counts, but nothing links it to them any more."""
    db.session.execute(update(Ballot).where(Ballot.voter_key == voter_key(user))
                       .values(voter_key=f"anon:{secrets.token_hex(8)}"))


personal_data_exporters.register("ward_budgets", _export)
account_erasers.register("ward_budgets", _erase)
