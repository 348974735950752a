"""What ward budgets plug into the platform: the dashboard card, demo data, personal data."""
from __future__ import annotations

import secrets

from sqlalchemy import select, update

from app.budgeting.models import Ballot, BudgetProcess
from app.budgeting.services import voter_key
from app.core.registry import Section, account_erasers, dashboard_sections, demo_loaders, personal_data_exporters
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


def _dashboard(user):
    """Votes in the person's ward: open ones, whether they have voted, and published results."""
    from flask_babel import lazy_gettext as _l

    from app.budgeting import services
    from app.budgeting.models import Phase

    if not user.ward_id:
        return None
    processes = db.session.scalars(select(BudgetProcess).where(BudgetProcess.ward_id == user.ward_id)
                                   .order_by(BudgetProcess.voting_until.desc()).limit(3)).all()
    shown = [(p, services.phase(p), services.has_voted(p, user)) for p in processes]
    shown = [(p, phase, voted) for p, phase, voted in shown if phase in (Phase.VOTING, Phase.RESULTS)]
    if not shown:
        return None
    return Section(str(_l("Your ward's budget")), "budgeting/_dashboard.html", {"processes": shown})


def _load_demo(council):
    from app.budgeting.demo import load

    load(council)


dashboard_sections.register("budgeting", _dashboard, order=5)
demo_loaders.register("budgeting", _load_demo, order=60)
