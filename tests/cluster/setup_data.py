#!/usr/bin/env python3
"""Data for the cluster test, in the database DATABASE_URL names (migrated, with `flask demo`):
voters in the ward of the open ward budget, ideas to support, and a short anonymous
consultation. Prints what the load generator needs, as JSON."""
from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from app.auth.services import hash_password  # noqa: E402
from app.budgeting.models import BudgetProcess, BudgetProject, ProjectStatus  # noqa: E402
from app.budgeting.services import Phase, phase  # noqa: E402
from app.consultations.models import (Consultation, ConsultationPage, Question, QuestionKind,  # noqa: E402
                                      ResponseMode)
from app.core.models import Council, Role, User, UserRole  # noqa: E402
from app.extensions import db  # noqa: E402
from app.ideas.models import Idea, IdeaStatus  # noqa: E402

PASSWORD = "cluster test password"


def main(voters: int) -> None:
    app = create_app()
    with app.app_context():
        council = db.session.scalar(select(Council).order_by(Council.id))
        process = next(p for p in db.session.scalars(select(BudgetProcess).order_by(BudgetProcess.id))
                       if phase(p) == Phase.VOTING)
        projects = db.session.scalars(select(BudgetProject.id).where(
            BudgetProject.process_id == process.id, BudgetProject.status == ProjectStatus.FEASIBLE)
            .order_by(BudgetProject.cost)).all()[:2]
        hashed = hash_password(PASSWORD)
        people = []
        for n in range(voters):
            user = User(council_id=council.id, email=f"cluster-{n}@example.org", display_name=f"Cluster voter {n}",
                        password_hash=hashed, ward_id=process.ward_id, role_rows=[UserRole(role=Role.RESIDENT)])
            db.session.add(user)
            people.append(user)
        db.session.flush()
        ideas = db.session.scalars(select(Idea.id).where(Idea.council_id == council.id, Idea.listed.is_(True),
                                                         Idea.status == IdeaStatus.OPEN).order_by(Idea.id)).all()
        consultation = Consultation(council_id=council.id, title={"en": "Cluster test", "cy": "Prawf clwstwr"},
                                    mode=ResponseMode.ANONYMOUS, published=True, summary={"en": "", "cy": ""},
                                    opens_on=date.today() - timedelta(days=1),
                                    closes_on=date.today() + timedelta(days=7))
        page = ConsultationPage(position=1, title={"en": "Your view", "cy": "Eich barn"})
        page.questions = [Question(position=1, kind=QuestionKind.SHORT_TEXT, text={"en": "Anything to add?", "cy": "Unrhyw beth?"},
                                   hint={"en": "", "cy": ""}, required=False, options=[])]
        consultation.pages = [page]
        db.session.add(consultation)
        db.session.commit()
        print(json.dumps({"process": process.id, "projects": projects, "ideas": ideas,
                          "consultation": consultation.id, "password": PASSWORD,
                          "users": [{"id": u.id, "email": u.email} for u in people]}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 12)
