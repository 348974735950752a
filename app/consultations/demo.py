"""Demo consultations: one open using every kind of question (with a conditional page and a
phase with a draft document), one closed with responses and a published outcome."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from app.consultations import services
from app.consultations.models import (Answer, Channel, Consultation, ConsultationPage, DraftParagraph, EqualityCount,
                                      Phase, PhaseKind, Question, QuestionKind, Response, ResponseMode)
from app.core.models import Council, Role, User, UserRole, Ward
from app.extensions import db


def _options(*pairs):
    return [{"key": f"o{i}", "en": en, "cy": cy} for i, (en, cy) in enumerate(pairs, 1)]


def _q(position, kind, en, cy, required=False, options=(), budget_total=None, hint=("", "")):
    return Question(position=position, kind=kind, text={"en": en, "cy": cy}, hint={"en": hint[0], "cy": hint[1]},
                    required=required, options=list(options), budget_total=budget_total)


SERVICES = _options(("Libraries", "Llyfrgelloedd"), ("Parks", "Parciau"), ("Roads", "Ffyrdd"),
                    ("Youth services", "Gwasanaethau ieuenctid"))


def build_every_kind(council: Council, *, title: dict, opens: date, closes: date) -> Consultation:
    c = Consultation(council_id=council.id, title=title, mode=ResponseMode.SIGNED_IN, equality_monitoring=True,
                     published=True, opens_on=opens, closes_on=closes,
                     summary={"en": "The council must save £2 million next year. Tell us what matters most to you "
                                    "before councillors set the budget in February.",
                              "cy": "Rhaid i'r cyngor arbed £2 filiwn y flwyddyn nesaf. Dywedwch wrthym beth sydd "
                                    "bwysicaf i chi cyn i'r cynghorwyr bennu'r gyllideb ym mis Chwefror."})
    first = ConsultationPage(position=1, title={"en": "About you and your area", "cy": "Amdanoch chi a'ch ardal"})
    first.questions = [
        _q(1, QuestionKind.POSTCODE, "Your postcode", "Eich cod post", required=True,
           hint=("So we know which ward you live in", "Er mwyn i ni wybod ym mha ward rydych chi'n byw")),
        _q(2, QuestionKind.SINGLE, "Do you use the library?", "Ydych chi'n defnyddio'r llyfrgell?", required=True,
           options=_options(("Yes, every week", "Ydw, bob wythnos"), ("Sometimes", "Weithiau"), ("Never", "Byth"))),
        _q(3, QuestionKind.MULTIPLE, "Which services have you used this year?",
           "Pa wasanaethau ydych chi wedi'u defnyddio eleni?", options=SERVICES),
    ]
    second = ConsultationPage(position=2, title={"en": "Priorities", "cy": "Blaenoriaethau"})
    second.questions = [
        _q(1, QuestionKind.RANKING, "Put these in order of importance to you",
           "Rhowch y rhain yn nhrefn eu pwysigrwydd i chi", required=True, options=SERVICES),
        _q(2, QuestionKind.BUDGET, "Share £100 between these services", "Rhannwch £100 rhwng y gwasanaethau hyn",
           options=SERVICES, budget_total=100),
        _q(3, QuestionKind.RATING, "How good are council services overall?",
           "Pa mor dda yw gwasanaethau'r cyngor ar y cyfan?", required=True),
        _q(4, QuestionKind.LONG_TEXT, "What else should councillors know?",
           "Beth arall ddylai'r cynghorwyr ei wybod?"),
    ]
    c.pages = [first, second]
    db.session.add(c)
    db.session.flush()
    library_question = first.questions[1]
    third = ConsultationPage(position=3, title={"en": "Your library", "cy": "Eich llyfrgell"},
                             show_if_question_id=library_question.id, show_if_option="o1")
    third.questions = [_q(1, QuestionKind.SHORT_TEXT, "Which library do you use most?",
                          "Pa lyfrgell ydych chi'n ei defnyddio fwyaf?")]
    c.pages.append(third)
    db.session.flush()
    return c


def load(council: Council, seed: int = 2026) -> None:
    rng = random.Random(seed)
    today = date.today()
    open_one = build_every_kind(council, title={"en": "Budget 2027: where should savings come from?",
                                                "cy": "Cyllideb 2027: o ble ddylai'r arbedion ddod?"},
                                opens=today - timedelta(days=10), closes=today + timedelta(days=30))
    open_one.phases = [Phase(kind=PhaseKind.SCRUTINY, title={"en": "Draft budget principles",
                                                            "cy": "Egwyddorion drafft y gyllideb"},
                             starts_on=today - timedelta(days=10), ends_on=today + timedelta(days=30),
                             paragraphs=[DraftParagraph(position=1, text={
                                 "en": "We will protect services for children and older people first.",
                                 "cy": "Byddwn yn diogelu gwasanaethau i blant a phobl hŷn yn gyntaf."}),
                                 DraftParagraph(position=2, text={
                                     "en": "We will charge for some services that are free today.",
                                     "cy": "Byddwn yn codi tâl am rai gwasanaethau sydd am ddim heddiw."})])]

    closed = build_every_kind(council, title={"en": "Library opening hours", "cy": "Oriau agor llyfrgelloedd"},
                              opens=today - timedelta(days=120), closes=today - timedelta(days=60))
    wards = db.session.scalars(select(Ward).where(Ward.council_id == council.id)).all()
    residents = db.session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                                   .where(User.council_id == council.id, UserRole.role == Role.RESIDENT,
                                          User.password_hash.is_(None)).order_by(User.id).limit(240)).all()
    questions = services.questions_of(closed)
    by_kind = {q.kind: q for q in questions}
    comments = ["Please keep the library open on Saturdays.", "Evening opening would help working parents.",
                "The mobile library matters to our village.", "More computers for job seekers."]
    for person in residents:
        response = Response(consultation_id=closed.id, user_id=person.id, channel=Channel.ONLINE,
                            ward_id=person.ward_id, wants_outcome=rng.random() < 0.5,
                            submitted_at=datetime.now(timezone.utc) - timedelta(days=rng.randrange(61, 119)))
        response.reference = f"C{closed.id}-{person.id:06d}"
        order = [o["key"] for o in SERVICES]
        rng.shuffle(order)
        split = sorted(rng.sample(range(1, 100), 3))
        amounts = [split[0], split[1] - split[0], split[2] - split[1], 100 - split[2]]
        response.answers = [
            Answer(question_id=by_kind[QuestionKind.POSTCODE].id, text="CC1 1AA"),
            Answer(question_id=by_kind[QuestionKind.SINGLE].id, text=rng.choice(["o1", "o2", "o3"])),
            Answer(question_id=by_kind[QuestionKind.MULTIPLE].id, data=sorted(rng.sample(["o1", "o2", "o3", "o4"], 2))),
            Answer(question_id=by_kind[QuestionKind.RANKING].id, data=order),
            Answer(question_id=by_kind[QuestionKind.BUDGET].id, data=dict(zip([o["key"] for o in SERVICES], amounts))),
            Answer(question_id=by_kind[QuestionKind.RATING].id, text=str(rng.randint(1, 5))),
            Answer(question_id=by_kind[QuestionKind.LONG_TEXT].id, text=rng.choice(comments)),
        ]
        db.session.add(response)
    for field, value, n in (("age_band", "25-44", 61), ("age_band", "45-64", 88), ("age_band", "65-74", 57),
                            ("age_band", "75-plus", 3), ("sex", "female", 131), ("sex", "male", 98)):
        db.session.add(EqualityCount(consultation_id=closed.id, field=field, value=value, count=n))
    db.session.flush()
    del wards
    closed.you_said = {"en": "Most of you use the library every week and want it open on Saturdays.",
                       "cy": "Mae'r rhan fwyaf ohonoch yn defnyddio'r llyfrgell bob wythnos ac eisiau iddi fod ar "
                             "agor ar ddydd Sadwrn."}
    closed.we_did = {"en": "Libraries will stay open on Saturdays and close on Monday mornings instead.",
                     "cy": "Bydd llyfrgelloedd ar agor ar ddydd Sadwrn ac yn cau ar fore Llun yn lle hynny."}
    closed.outcome_results = services.snapshot(closed)
    closed.outcome_published_at = datetime.now(timezone.utc) - timedelta(days=20)
    db.session.commit()
