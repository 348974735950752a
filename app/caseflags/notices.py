"""What case flags tell people, through the platform's notifications core. Messages carry no
personal data: only that something is waiting, and a link that asks for a reason before it shows it."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.models import Role, Team, User
from app.core.notifications import NotificationKind, notify, register_kind
from app.extensions import db

register_kind(NotificationKind("caseflags.review_opened", _l("Cases reaching review (reviewers)"),
                               _l("A case is waiting for review"), "caseflags/notices/review_opened.txt"))
register_kind(NotificationKind("caseflags.request_answered", _l("Answers to your requests for your data"),
                               _l("We have answered your request for your data"), "caseflags/notices/request_answered.txt"))
register_kind(NotificationKind("caseflags.appeal_decided", _l("Decisions on your appeals about case flags"),
                               _l("A decision on your appeal"), "caseflags/notices/appeal_decided.txt"))


def review_opened(review) -> None:
    from app.caseflags.services import settings_for

    team_id = settings_for(review.council_id).review_team_id
    team = db.session.get(Team, team_id) if team_id else None
    reviewers = [u for u in (team.members if team else []) if u.has_role(Role.CASEWORKER)]
    notify("caseflags.review_opened", council_id=review.council_id, recipients=reviewers, params={"id": review.id},
           link=f"/caseflags/reviews/{review.id}")


def request_answered(request) -> None:
    person = db.session.get(User, request.user_id) if request.user_id else None
    if person is not None:
        notify("caseflags.request_answered", council_id=request.council_id, recipients=[person],
               params={"id": request.id}, link=f"/caseflags/my-data/{request.id}")


def appeal_decided(appeal) -> None:
    person = db.session.get(User, appeal.user_id) if appeal.user_id else None
    if person is not None:
        notify("caseflags.appeal_decided", council_id=appeal.council_id, recipients=[person],
               params={"id": appeal.id}, link=f"/caseflags/my-data/{appeal.request_id}")


