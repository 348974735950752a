"""Demo case flags: categories, a review team, caseworkers in Housing and Schools, and a handful
of clearly fictional subjects ("DEMO" in every name), one of them in the review queue."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.caseflags import services
from app.caseflags.models import FlagCategory, Severity, SubjectKind
from app.core.models import Council, Role, Team, User, UserRole, Ward
from app.extensions import db

CATEGORIES = [
    ("missed_appointments", "Missed appointments", "Appointments missed without explanation: health, housing, school meetings.", False),
    ("school_attendance", "School attendance", "A child's attendance has dropped, or they are often late.", False),
    ("rent_arrears", "Rent arrears", "Rent or council tax falling behind.", False),
    ("home_conditions", "Home conditions", "Signs the home is unsafe or not being kept up.", False),
    ("antisocial_behaviour", "Anti-social behaviour", "Reports of anti-social behaviour involving the household.", False),
    ("domestic_abuse", "Domestic abuse concern", "Signs or reports of domestic abuse. Restricted: a second person must approve access.", True),
    ("mental_health", "Mental health concern", "Signs of a mental health crisis. Restricted.", True),
]
# The demo's two caseworkers (core's named accounts) also work for Housing and for Schools.
CASEWORKERS = [("caseworker2@example.org", "Housing"), ("caseworker1@example.org", "Schools")]


def load(council: Council) -> None:
    teams = {t.name: t for t in db.session.scalars(select(Team).where(Team.council_id == council.id))}
    for name in ("Housing", "Schools", "Early Help"):
        if name not in teams:
            teams[name] = Team(council_id=council.id, name=name)
            db.session.add(teams[name])
    db.session.flush()
    settings = services.settings_for(council.id)
    settings.review_team_id = teams["Early Help"].id
    cats = {}
    for code, name, description, sensitive in CATEGORIES:
        cats[code] = FlagCategory(council_id=council.id, code=code, name=name, description=description,
                                  sensitive=sensitive)
        db.session.add(cats[code])
    people = {}
    for email, team in CASEWORKERS:
        user = db.session.scalar(select(User).where(User.council_id == council.id, User.email == email))
        if user is None:  # a council without the named accounts: the demo flags need authors
            user = User(council_id=council.id, email=email, display_name=f"{team} caseworker (demo)")
            user.role_rows = [UserRole(role=Role.CASEWORKER)]
            db.session.add(user)
        teams[team].members.append(user)
        people[team] = user
    db.session.flush()
    services.current_rule(council.id)
    wards = list(db.session.scalars(select(Ward).where(Ward.council_id == council.id).order_by(Ward.name)))
    today = date.today()
    subjects = [
        ("The DEMO Fictional family", SubjectKind.HOUSEHOLD, None, "1 Demo Street, Glanrafon CC1 1AA", "999000000001"),
        ("DEMO Example Person", SubjectKind.PERSON, date(1990, 5, 1), "2 Sample Road, Glanrafon CC2 1AA", "999000000002"),
        ("DEMO Testing Household", SubjectKind.HOUSEHOLD, None, "3 Imaginary Lane, Glanrafon CC3 1AA", "999000000003"),
        ("DEMO Made-up Person", SubjectKind.PERSON, date(2008, 9, 12), "4 Pretend Close, Glanrafon CC4 1AA", None),
    ]
    made = []
    for i, (name, kind, born, address, uprn) in enumerate(subjects):
        team = teams["Housing"] if i % 2 == 0 else teams["Schools"]
        subject, _matches = services.create_subject(council, services.SubjectInput(
            kind=kind, name=name, date_of_birth=born, address=address, uprn=uprn,
            ward_id=wards[i % len(wards)].id if wards else None), team, people[team.name])
        subject.is_demo = True
        made.append(subject)
    # The family is known to both Housing and Schools: its flags together bring it to review.
    family = made[0]
    family.teams = list({t.id: t for t in family.teams + [teams["Schools"]]}.values())
    db.session.flush()
    services.add_flag(family, teams["Housing"], people["Housing"], cats["rent_arrears"], Severity.LOW,
                      "DEMO: two months of rent unpaid; letters not answered.", today - timedelta(days=20))
    services.add_flag(family, teams["Schools"], people["Schools"], cats["school_attendance"], Severity.LOW,
                      "DEMO: the younger child's attendance fell to 85% this term.", today - timedelta(days=12))
    # One concern from one service only: below the threshold, no review.
    services.add_flag(made[1], teams["Schools"], people["Schools"], cats["missed_appointments"], Severity.MEDIUM,
                      "DEMO: missed two meetings with the school.", today - timedelta(days=40))
    db.session.commit()
