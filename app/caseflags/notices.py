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
register_kind(NotificationKind("caseflags.requests_due", _l("Requests for people's data that are nearly due (reviewers)"),
                               _l("Requests for data due within %(days)s days: %(count)s"),
                               "caseflags/notices/requests_due.txt"))
register_kind(NotificationKind("caseflags.opt_out_asked", _l("Residents asking not to have concerns combined (reviewers)"),
                               _l("A resident asks not to have concerns combined"), "caseflags/notices/opt_out_asked.txt"))
register_kind(NotificationKind("caseflags.appeal_decided", _l("Decisions on your appeals about case flags"),
                               _l("A decision on your appeal"), "caseflags/notices/appeal_decided.txt"))


def _reviewers(council_id: int) -> list[User]:
    from app.caseflags.services import settings_for

    team_id = settings_for(council_id).review_team_id
    team = db.session.get(Team, team_id) if team_id else None
    return [u for u in (team.members if team else []) if u.has_role(Role.CASEWORKER)]


def review_opened(review) -> None:
    notify("caseflags.review_opened", council_id=review.council_id, recipients=_reviewers(review.council_id),
           params={"id": review.id}, link=f"/caseflags/reviews/{review.id}")


def opt_out_asked(request) -> None:
    notify("caseflags.opt_out_asked", council_id=request.council_id, recipients=_reviewers(request.council_id),
           params={"id": request.id}, link=f"/caseflags/requests/{request.id}")


DUE_SOON_DAYS = 7


def remind_requests_due(today=None) -> str:
    """Daily: tell each council's reviewers how many open requests fall due within a week (the law
    gives one month, and a late answer is a breach)."""
    from datetime import date, timedelta

    from sqlalchemy import func, select

    from app.caseflags.models import AccessRequest, RequestStatus
    from app.core.models import Council

    today = today or date.today()
    told = 0
    for council_id in db.session.scalars(select(Council.id)):
        count = db.session.scalar(select(func.count()).select_from(AccessRequest).where(
            AccessRequest.council_id == council_id, AccessRequest.due_on <= today + timedelta(days=DUE_SOON_DAYS),
            AccessRequest.status.in_([RequestStatus.RECEIVED, RequestStatus.VERIFIED, RequestStatus.LINKED])))
        if count:
            notify("caseflags.requests_due", council_id=council_id, recipients=_reviewers(council_id),
                   params={"count": count, "days": DUE_SOON_DAYS}, link="/caseflags/requests")
            told += 1
    return f"{told} councils reminded"


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


