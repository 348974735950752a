"""The demo has an open two-stage challenge with questions and draft bids, and an awarded one."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db


def test_demo_challenges(app):
    from app.contracts.models import Contract
    from app.core.demo import load_demo
    from app.tenders import services
    from app.tenders.models import Bid, BidStatus, Challenge, Clarification

    with app.app_context():
        assert load_demo()
        challenges = db.session.scalars(select(Challenge).order_by(Challenge.id)).all()
        assert len(challenges) == 2
        open_one, closed = challenges
        assert len(open_one.stages) == 2 and services.stage_state(open_one.stages[0]) == "open"
        assert {c.published_at is not None for c in db.session.scalars(select(Clarification))} == {True, False}
        drafts = db.session.scalars(select(Bid).where(Bid.stage_id == open_one.stages[0].id)).all()
        assert {b.status for b in drafts} == {BidStatus.DRAFT}
        assert services.stage_state(closed.stages[0]) == "awarded"
        contract = db.session.scalar(select(Contract).where(Contract.challenge_id == closed.id))
        assert contract is not None and contract.suppliers[0].name == "Afon Digital Ltd"
