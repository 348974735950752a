"""Demo challenges: an open two-stage challenge with clarifications, a partner listing and draft
bids, and a closed one that was evaluated, awarded and made into a contract in the register."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select, update

from app.core.models import Council, Organisation, User
from app.extensions import db
from app.tenders import services
from app.tenders.models import Bid, Challenge, Stage, StageKind


def _user(council: Council, email: str) -> User | None:
    return db.session.scalar(select(User).where(User.council_id == council.id, User.email == email))


def _org(council: Council, name: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.council_id == council.id,
                                                        Organisation.name == name))


def _answers(challenge, text: str) -> dict:
    return {c.id: f"{text} ({c.name['en'].lower()})" for c in challenge.criteria}


def load(council: Council) -> None:
    staff = _user(council, "staff.procurement@example.org")
    micro, charity, medium = (_user(council, e) for e in ("supplier.micro@example.org",
                                                          "supplier.charity@example.org",
                                                          "supplier.medium@example.org"))
    afon, glanrafon, castell = (_org(council, n) for n in ("Afon Digital Ltd", "Glanrafon Community Transport",
                                                          "Castell Facilities Services Ltd"))
    if None in (staff, micro, charity, medium, afon, glanrafon, castell):
        return  # the core demo people are not there: nothing to hang challenges on
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)

    services.save_profile(afon, micro, name=afon.name, company_number=afon.company_number, charity_number=None,
                          size_band=afon.size_band, is_vcse=False, address="Uned 4, Stryd y Bont, Glanrafon CC6 1AA",
                          website="https://afon-digital.example.org",
                          about="Four people building small, accessible web services for public bodies.",
                          policies="Equality and diversity; carbon reduction plan; data protection (UK GDPR).")
    services.add_certificate(afon, "Cyber Essentials", "IASME", date.today() + timedelta(days=200))
    services.add_certificate(afon, "ISO 27001", "BSI", date.today() - timedelta(days=30))
    services.add_case_study(afon, "Library room booking", "Glanrafon Libraries",
                            "Bookings moved online; phone calls fell by 40%.")
    services.add_alert(micro, "72000000", None, Decimal(250000))

    criteria = [({"en": "Quality of the solution", "cy": "Ansawdd yr ateb"}, 50),
                ({"en": "Social value", "cy": "Gwerth cymdeithasol"}, 30),
                ({"en": "Delivery plan", "cy": "Cynllun cyflawni"}, 20)]
    # 1. Open: two stages, questions asked and answered, partners sought, draft bids.
    open_challenge = services.create_challenge(council, services.ChallengeInput(
        title={"en": "Getting to hospital appointments without a car",
               "cy": "Cyrraedd apwyntiadau ysbyty heb gar"},
        problem={"en": "One in five households in the valleys has no car, and the bus to the hospital runs twice a "
                       "day. People miss appointments and the NHS loses the slot.",
                 "cy": "Nid oes gan un o bob pum cartref yn y cymoedd gar, a dim ond dwywaith y dydd y mae'r bws i'r "
                       "ysbyty yn rhedeg. Mae pobl yn colli apwyntiadau."},
        outcomes={"en": "Fewer missed appointments; journeys that cost the rider no more than the bus.",
                  "cy": "Llai o apwyntiadau a gollwyd; teithiau nad ydynt yn costio mwy na'r bws."},
        eligibility={"en": "Any organisation, including new firms, social enterprises and charities. Consortia welcome.",
                     "cy": "Unrhyw sefydliad, gan gynnwys cwmnïau newydd, mentrau cymdeithasol ac elusennau."},
        cpv_codes=["60100000", "72200000"], criteria=criteria,
        stages=[services.StageInput(StageKind.FEASIBILITY, now + timedelta(days=21), 3, Decimal(15000)),
                services.StageInput(StageKind.PILOT, now + timedelta(days=120), 1, Decimal(90000))],
        years_of_accounts=1), staff)
    services.publish_challenge(open_challenge, staff)
    first = open_challenge.stages[0]
    asked = services.ask_question(open_challenge, medium, "Can Castell use its existing minibus fleet?")
    services.publish_answer(asked, "Can a bidder use vehicles it already owns?",
                            "Yes. Say in your delivery plan how they will be made accessible.", staff)
    services.ask_question(open_challenge, charity, "Is volunteer driver mileage an allowable cost?")
    services.list_for_partners(open_challenge, glanrafon, "Volunteer drivers and an accessible minibus",
                               "Booking software and text-message reminders")
    draft = services.start_bid(first, afon, micro)
    services.save_draft(draft, micro, {"answers": _answers(open_challenge, "A booking service that pairs riders "
                                                                           "with volunteer drivers"),
                                       "price": "14500", "partners": "Glanrafon Community Transport (drivers)",
                                       "consortium": True})
    other = services.start_bid(first, castell, medium)
    services.save_draft(other, medium, {"answers": _answers(open_challenge, "Scheduled minibus loops"),
                                        "price": "", "partners": "", "consortium": False})

    # 2. Closed and awarded: one stage, two bids, two evaluators, moderation, award, contract.
    closed = services.create_challenge(council, services.ChallengeInput(
        title={"en": "Keeping library computers running for longer", "cy": "Cadw cyfrifiaduron llyfrgell i redeg yn hirach"},
        problem={"en": "Library computers are replaced every four years; many could run for eight.",
                 "cy": "Caiff cyfrifiaduron llyfrgell eu disodli bob pedair blynedd; gallai llawer redeg am wyth."},
        outcomes={"en": "Half as many replacements, with the same service.", "cy": "Hanner cymaint o ddisodli."},
        eligibility={"en": "", "cy": ""}, cpv_codes=["72000000"], criteria=criteria,
        stages=[services.StageInput(StageKind.DELIVERY, now + timedelta(days=1), 1, Decimal(40000))]), staff)
    services.publish_challenge(closed, staff)
    stage = closed.stages[0]
    winner = services.start_bid(stage, afon, micro)
    services.save_draft(winner, micro, {"answers": _answers(closed, "Refurbish and reimage on site"),
                                        "price": "36000", "partners": "", "consortium": False})
    services.submit_bid(winner, micro)
    runner_up = services.start_bid(stage, castell, medium)
    services.save_draft(runner_up, medium, {"answers": _answers(closed, "Lease new machines"),
                                            "price": "39500", "partners": "", "consortium": False})
    services.submit_bid(runner_up, medium)
    closed_at = now - timedelta(days=30)
    # Back-date the story: published six weeks before the deadline, bids in the days before it.
    db.session.execute(update(Stage).where(Stage.id == stage.id).values(deadline=closed_at))
    db.session.execute(update(Challenge).where(Challenge.id == closed.id).values(
        published_at=closed_at - timedelta(days=42), created_at=closed_at - timedelta(days=45)))
    for bid, days in ((winner, 3), (runner_up, 1)):
        db.session.execute(update(Bid).where(Bid.id == bid.id).values(submitted_at=closed_at - timedelta(days=days),
                                                                      updated_at=closed_at - timedelta(days=days)))
    db.session.commit()
    db.session.refresh(stage)
    services.open_stage(stage, closed_at + timedelta(minutes=1))
    for email in ("evaluator1@example.org", "evaluator2@example.org"):
        evaluator = _user(council, email)
        if evaluator is None:
            continue
        services.declare(stage, evaluator, False, "")
        for bid, values in ((winner, (8, 7, 7)), (runner_up, (6, 5, 7))):
            services.save_scores(bid, evaluator, {c.id: (v, "Scored against the published criterion")
                                                  for c, v in zip(closed.criteria, values)}, submit=True)
    for bid, values, reason in ((winner, (8, 7, 7), "A specific, tested plan with local jobs"),
                                (runner_up, (6, 5, 7), "Sound, but replaces rather than extends")):
        services.moderate(bid, staff, {c.id: (v, reason) for c, v in zip(closed.criteria, values)})
    awards = services.award_stage(stage, [winner.id], staff, now=closed_at + timedelta(days=7))
    services.make_contract(awards[0], today=awards[0].standstill_ends_on + timedelta(days=1))
    services.forget_next_deadline()
