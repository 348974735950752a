"""Shared set-up for the tenders tests (no tests here): challenges, organisations and bids made
through the module's own services, and the form a member of staff would post."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select, update

from app.core.models import Organisation, SizeBand, User, organisation_members
from app.extensions import db


def challenge_form(**overrides) -> dict:
    soon = (datetime.now() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    later = (datetime.now() + timedelta(days=90)).strftime("%Y-%m-%dT%H:%M")
    data = {
        "title-en": "Fewer missed bin collections", "title-cy": "Llai o gasgliadau biniau a gollwyd",
        "problem-en": "Residents on narrow streets miss collections.", "problem-cy": "",
        "outcomes-en": "Half as many missed collections.", "outcomes-cy": "",
        "eligibility-en": "Any organisation, including new firms.", "eligibility-cy": "",
        "cpv_codes": ["90000000"],
        "stage1_kind": "feasibility", "stage1_deadline": soon, "stage1_awards": "3", "stage1_budget": "20000",
        "stage2_kind": "pilot", "stage2_deadline": later, "stage2_awards": "1", "stage2_budget": "80000",
        "stage3_kind": "",
        "criterion1_name-en": "Quality of the idea", "criterion1_name-cy": "", "criterion1_weight": "60",
        "criterion2_name-en": "Social value", "criterion2_name-cy": "", "criterion2_weight": "40",
    }
    data.update(overrides)
    return data


def make_challenge(app, council, staff: User, *, publish: bool = True, stages=None, cpv=("90000000",),
                   criteria=(({"en": "Quality", "cy": ""}, 60), ({"en": "Value", "cy": ""}, 40))) -> int:
    from app.tenders import services
    from app.tenders.models import StageKind

    now = datetime.now(timezone.utc)
    stages = stages or [(StageKind.FEASIBILITY, now + timedelta(days=30), 2, Decimal(20000)),
                        (StageKind.PILOT, now + timedelta(days=90), 1, Decimal(80000))]
    with app.app_context():
        staff_row = db.session.get(User, staff.id)
        from app.core.models import Council

        council_row = db.session.get(Council, council.id)
        challenge = services.create_challenge(council_row, services.ChallengeInput(
            title={"en": "Fewer missed bin collections", "cy": "Llai o gasgliadau a gollwyd"},
            problem={"en": "Residents on narrow streets miss collections.", "cy": ""},
            outcomes={"en": "Half as many missed collections.", "cy": ""}, eligibility={"en": "", "cy": ""},
            cpv_codes=list(cpv), stages=[services.StageInput(k, d, n, b) for k, d, n, b in stages],
            criteria=list(criteria)), staff_row)
        if publish:
            services.publish_challenge(challenge, staff_row)
        return challenge.id


def make_org(app, user: User, name: str = "Bright Bins Ltd", size=SizeBand.MICRO, vcse: bool = False) -> int:
    with app.app_context():
        org = Organisation(council_id=user.council_id, name=name, size_band=size, is_vcse=vcse)
        db.session.add(org)
        db.session.flush()
        db.session.execute(organisation_members.insert().values(organisation_id=org.id, user_id=user.id))
        db.session.commit()
        return org.id


def stage_ids(app, challenge_id: int) -> list[int]:
    from app.tenders.models import Stage

    with app.app_context():
        return list(db.session.scalars(select(Stage.id).where(Stage.challenge_id == challenge_id)
                                       .order_by(Stage.position)))


def criterion_ids(app, challenge_id: int) -> list[int]:
    from app.tenders.models import Criterion

    with app.app_context():
        return list(db.session.scalars(select(Criterion.id).where(Criterion.challenge_id == challenge_id)
                                       .order_by(Criterion.position)))


def pass_deadline(app, stage_id: int) -> None:
    """Time passes: the stage's deadline is now a minute ago (the opening has not run yet)."""
    from app.tenders import services
    from app.tenders.models import Stage

    with app.app_context():
        db.session.execute(update(Stage).where(Stage.id == stage_id).values(
            deadline=datetime.now(timezone.utc) - timedelta(minutes=1)))
        db.session.commit()
        services.forget_next_deadline()


def bid_id_for(app, stage_id: int, org_id: int) -> int | None:
    from app.tenders.models import Bid

    with app.app_context():
        return db.session.scalar(select(Bid.id).where(Bid.stage_id == stage_id, Bid.organisation_id == org_id))


def start_and_submit(client, app, stage_id: int, org_id: int, criteria: list[int], *, text: str = "Our answer",
                     price: str = "15000", submit: bool = True, files=None, consortium: bool = False):
    response = client.submit(f"/tenders/stages/{stage_id}/bid", {"org": str(org_id)})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    bid_id = bid_id_for(app, stage_id, org_id)
    data = {f"answer_{c}": f"{text} {c}" for c in criteria}
    data.update({"price": price, "partners": "Green Streets CIC does the pilot" if consortium else "",
                 "action": "submit" if submit else "save"})
    if consortium:
        data["consortium"] = "y"
    if files:
        data["document"] = files
    response = client.submit(f"/tenders/bids/{bid_id}", data, content_type="multipart/form-data")
    return bid_id, response
