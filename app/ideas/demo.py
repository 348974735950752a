"""Demo ideas: 200 across wards and topics, with supports spread over the last year, arguments,
comments, council responses, one idea waiting for a response and one overdue."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import insert, select

from app.core.categories import CATEGORIES
from app.core.models import Council, CouncillorProfile, Role, User, UserRole, Ward
from app.core.richtext import render_markdown
from app.extensions import db
from app.ideas import services
from app.ideas.models import (Idea, IdeaArgument, IdeaComment, IdeaResponse, IdeaSettings, IdeaStatus, IdeaSupport,
                              Side)

SUBJECTS = {
    "parks": ["fruit trees in {place} park", "a wildflower meadow by {place}", "more benches in {place} park",
              "a community garden at {place}"],
    "transport": ["a zebra crossing outside {place} school", "a safe cycle route to {place}",
                  "an evening bus to {place}", "20 mph on the streets around {place}"],
    "housing": ["bring empty homes in {place} back into use", "a repair café for tenants in {place}"],
    "safety": ["better street lighting on the path to {place}", "a neighbourhood watch for {place}"],
    "culture": ["open-air cinema nights in {place}", "a skate park near {place}", "Welsh-language story time in {place}"],
    "environment": ["a water refill station at {place}", "more recycling bins on {place} high street",
                    "a litter-pick kit library in {place}"],
    "young-people": ["a youth club evening in {place}", "a safe play street in {place} on Sundays"],
    "care": ["a warm space for older people in {place}", "a dementia-friendly café in {place}"],
    "business": ["a market for local makers in {place}", "free shop-front grants for {place}"],
    "digital": ["free wifi in {place} library", "computer help sessions in {place}"],
}
OPENINGS = ["Plant", "Create", "Add", "Start", "Set up", "Build", "Run", "Open", "Make", "Try"]
FOR_ARGUMENTS = ["It would help families with young children.", "Cheap to do and quick to see results.",
                 "Other towns have done this and it worked.", "It brings neighbours together.",
                 "Good for people who cannot drive."]
AGAINST_ARGUMENTS = ["It would cost more to maintain than people think.", "The money is needed for roads first.",
                     "It could bring noise late at night.", "There is already something similar nearby.",
                     "Parking on the street would get worse."]
COMMENTS = ["I would volunteer to help with this.", "Has anyone asked the school what they think?",
            "Great idea, we talked about this at the community council.", "How much would it cost?",
            "Could it be open in the school holidays too?", "Yes please!"]


def load(council: Council, seed: int = 2026) -> None:
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    wards = db.session.scalars(select(Ward).where(Ward.council_id == council.id).order_by(Ward.name)).all()
    residents = db.session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                                   .where(User.council_id == council.id, UserRole.role == Role.RESIDENT)
                                   .order_by(User.id)).all()
    councillors = db.session.execute(select(User, CouncillorProfile)
                                     .join(CouncillorProfile, CouncillorProfile.user_id == User.id)
                                     .where(User.council_id == council.id)).all()
    db.session.add(IdeaSettings(council_id=council.id, support_threshold=100, response_days=28))
    categories = [key for key, _label in CATEGORIES]
    ideas: list[Idea] = []
    for i in range(200):
        category = categories[i % len(categories)]
        ward = wards[rng.randrange(len(wards))] if rng.random() < 0.8 else None
        place = ward.name if ward else council.name_en.replace(" Council", "")
        title = f"{rng.choice(OPENINGS)} {rng.choice(SUBJECTS[category]).format(place=place)}"
        title = title[0].upper() + title[1:]
        body = (f"{title}. Lots of people in {place} have asked for this.\n\n"
                f"- It would make {place} a better place to live\n- It would not cost much\n\n"
                "I am happy to help organise it with neighbours.")
        created = now - timedelta(days=rng.randrange(1, 360), minutes=rng.randrange(1440))
        idea = Idea(council_id=council.id, author_id=rng.choice(residents).id, title=title, body=body,
                    body_html=render_markdown(body), category=category, ward_id=ward.id if ward else None,
                    created_at=created, updated_at=created)
        db.session.add(idea)
        ideas.append(idea)
    db.session.flush()

    support_rows = []
    for idea in ideas:
        # A few ideas draw most of the support, as in real platforms.
        wanted = min(len(residents), int(rng.paretovariate(1.2) * 4))
        for person in rng.sample(residents, wanted):
            created = idea.created_at
            when = created + (now - created) * rng.random()
            support_rows.append({"idea_id": idea.id, "user_id": person.id, "council_id": council.id,
                                 "ward_id": person.ward_id, "created_at": when})
        idea.support_count = wanted
    db.session.execute(insert(IdeaSupport), support_rows)

    for idea in ideas:
        for _n in range(rng.randrange(0, 4)):
            side = Side.FOR if rng.random() < 0.6 else Side.AGAINST
            text = rng.choice(FOR_ARGUMENTS if side == Side.FOR else AGAINST_ARGUMENTS)
            db.session.add(IdeaArgument(idea_id=idea.id, author_id=rng.choice(residents).id, side=side, body=text,
                                        helpful_count=rng.randrange(0, 12)))
        parent = None
        for _n in range(rng.randrange(0, 4)):
            comment = IdeaComment(idea_id=idea.id, author_id=rng.choice(residents).id, body=rng.choice(COMMENTS),
                                  parent_id=parent.id if parent and rng.random() < 0.5 else None)
            db.session.add(comment)
            db.session.flush()
            parent = comment

    # Past the threshold: the most supported get responses, one waits, one is overdue.
    ranked = sorted(ideas, key=lambda idea: -idea.support_count)
    decisions = [IdeaStatus.ACCEPTED, IdeaStatus.UNDER_REVIEW, IdeaStatus.DECLINED, IdeaStatus.BUDGET]
    for n, idea in enumerate(ranked[:6]):
        idea.threshold_reached_at = idea.created_at + timedelta(days=20)
        idea.response_due = (idea.threshold_reached_at + timedelta(days=28)).date()
        if n < len(decisions):
            responder = next((u for u, p in councillors if p.ward_id == idea.ward_id), councillors[0][0])
            decision = decisions[n]
            db.session.add(IdeaResponse(idea_id=idea.id, responder_id=responder.id, decision=decision,
                                        reason="We looked at the costs with the parks and highways teams. "
                                               "Residents' support made the case.",
                                        next_step="A report goes to the cabinet meeting next month.",
                                        created_at=idea.threshold_reached_at + timedelta(days=10)))
            idea.status = decision
            idea.responded_at = idea.threshold_reached_at + timedelta(days=10)
        elif n == len(decisions):
            idea.threshold_reached_at = now - timedelta(days=3)
            idea.response_due = date.today() + timedelta(days=25)
        else:
            idea.threshold_reached_at = now - timedelta(days=40)
            idea.response_due = date.today() - timedelta(days=12)
    db.session.commit()
    services.refresh_support_windows()
