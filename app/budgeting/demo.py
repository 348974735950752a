"""Demo ward budgets (`flask demo`): a vote open now in Afon with 12 costed projects and a few
hundred ballots, and a finished one in Bryn Glas with its published result. All fictional."""
from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select

from app.budgeting import services
from app.budgeting.models import (Ballot, BallotChoice, BallotKind, BudgetProcess, BudgetProject, Channel, Phase,
                                  ProjectStatus)
from app.core.models import Council, Role, User, UserRole, Ward
from app.extensions import db

PROJECTS = [
    ("New benches along the river path", "Meinciau newydd ar hyd llwybr yr afon", 12_000),
    ("Wildflower meadow in the park", "Dôl blodau gwyllt yn y parc", 8_000),
    ("Repair café with tools to borrow", "Caffi trwsio gydag offer i'w benthyg", 15_000),
    ("Safer crossing by the primary school", "Croesfan fwy diogel ger yr ysgol gynradd", 45_000),
    ("Free wifi in the library", "Wifi am ddim yn y llyfrgell", 10_000),
    ("Outdoor gym equipment", "Offer campfa awyr agored", 30_000),
    ("Youth club evenings twice a week", "Clwb ieuenctid ddwywaith yr wythnos", 25_000),
    ("Lighting on the footpath to the station", "Goleuadau ar y llwybr i'r orsaf", 35_000),
    ("Community fridge", "Oergell gymunedol", 6_000),
    ("Play area for under-fives", "Ardal chwarae i blant dan bump", 40_000),
    ("Bike racks in the high street", "Raciau beiciau yn y stryd fawr", 5_000),
    ("Welsh conversation café", "Caffi sgwrsio Cymraeg", 4_000),
]


def _process(council: Council, ward: Ward, title: tuple[str, str], start: datetime, budget: int) -> BudgetProcess:
    day = start.date()
    return BudgetProcess(council_id=council.id, ward_id=ward.id, title={"en": title[0], "cy": title[1]},
                         summary={"en": "Demo data: everything here is fictional.",
                                  "cy": "Data enghreifftiol: mae popeth yma yn ffug."},
                         budget=Decimal(budget), ballot_kind=BallotKind.KNAPSACK, allocation_formula="population",
                         allocation_total=Decimal(600_000), proposals_from=day, costing_from=day + timedelta(days=30),
                         voting_from=day + timedelta(days=60), voting_until=day + timedelta(days=80))


def _ballots(rng: random.Random, process: BudgetProcess, count: int) -> None:
    projects = process.projects
    weights = [rng.uniform(0.2, 1.0) for _ in projects]
    for _n in range(count):
        chosen, spent = [], Decimal(0)
        for project in rng.choices(projects, weights=weights, k=6):
            if project not in chosen and spent + project.cost <= process.budget:
                chosen.append(project)
                spent += project.cost
        db.session.add(Ballot(process_id=process.id, voter_key=f"demo:{secrets.token_hex(6)}",
                              channel=rng.choice([Channel.ONLINE] * 8 + [Channel.KIOSK, Channel.PAPER]),
                              reference=secrets.token_hex(4).upper(),
                              choices=[BallotChoice(project_id=p.id) for p in chosen]))


def load(council: Council, seed: int = 2026) -> None:
    rng = random.Random(seed)
    wards = {w.name: w for w in db.session.scalars(select(Ward).where(Ward.council_id == council.id))}
    ward_names = sorted(wards)
    now = datetime.now(timezone.utc)
    open_vote = _process(council, wards[ward_names[0]], ("Afon ward budget 2027", "Cyllideb ward Afon 2027"),
                         now - timedelta(days=65), 100_000)
    finished = _process(council, wards[ward_names[1]], ("Bryn Glas ward budget 2026", "Cyllideb ward Bryn Glas 2026"),
                        now - timedelta(days=120), 90_000)
    for process in (open_vote, finished):
        for title_en, title_cy, cost in PROJECTS:
            process.projects.append(BudgetProject(title={"en": title_en, "cy": title_cy}, cost=Decimal(cost),
                                                  status=ProjectStatus.FEASIBLE))
        process.projects.append(BudgetProject(title={"en": "A new swimming pool", "cy": "Pwll nofio newydd"},
                                              cost=Decimal(2_500_000), status=ProjectStatus.INFEASIBLE,
                                              infeasible_reason="It would cost far more than the ward's budget."))
        db.session.add(process)
    db.session.flush()
    _ballots(rng, open_vote, 240)
    _ballots(rng, finished, 310)
    db.session.commit()
    staff = db.session.scalar(select(User).join(UserRole, UserRole.user_id == User.id)
                              .where(User.council_id == council.id, UserRole.role == Role.STAFF).order_by(User.id))
    if staff is not None and services.phase(finished) == Phase.COUNTING:
        services.publish_result(finished, staff)
