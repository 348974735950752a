"""What case flags register with the platform: a caseworker's dashboard section, a resident's
link to their rights, and retention of lapsed flags."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from app.caseflags.models import Appeal, Flag
from app.core.models import Role
from app.core.registry import Section, dashboard_sections
from app.core.retention import RetentionKind, register_retention
from app.extensions import db


def _dashboard(user):
    context = {"caseworker": user.has_role(Role.CASEWORKER), "admin": user.has_role(Role.ADMIN),
               "staff": user.has_role(Role.STAFF, Role.CASEWORKER, Role.ADMIN)}
    title = _l("Case flags") if context["staff"] else _l("What case flags hold about you")
    return Section(str(title), "caseflags/_dashboard.html", context)


dashboard_sections.register("caseflags", _dashboard, order=70)

from app.caseflags.notices import remind_requests_due  # noqa: E402
from app.core.jobs import register_job  # noqa: E402

register_job("caseflags.requests_due", remind_requests_due, every="daily", hour=8)


def _purge_lapsed(council_id: int, cutoff: datetime) -> int:
    """Flags that lapsed (or were withdrawn) before the cutoff, unless an appeal refers to them."""
    appealed = select(Appeal.flag_id)
    old = select(Flag.id).where(Flag.council_id == council_id, Flag.expires_on < cutoff.date(), Flag.id.not_in(appealed))
    ids = list(db.session.scalars(old))
    if ids:
        db.session.execute(delete(Flag).where(Flag.id.in_(ids)))
    return len(ids)


register_retention(RetentionKind("caseflags.lapsed_flags", _l("Case flags, after they lapse"), 365, _purge_lapsed))


# --- A resident's own requests and appeals: exported on request, detached on deletion ---------
from app.caseflags.models import AccessRequest  # noqa: E402
from app.core.registry import account_erasers, personal_data_exporters  # noqa: E402


def _export(user):
    requests = db.session.scalars(select(AccessRequest).where(AccessRequest.user_id == user.id).order_by(AccessRequest.id)).all()
    appeals = db.session.scalars(select(Appeal).where(Appeal.user_id == user.id).order_by(Appeal.id)).all()
    if not requests and not appeals:
        return None
    return "caseflags", {
        "access_requests": [{"received_on": r.received_on.isoformat(), "due_on": r.due_on.isoformat(),
                             "status": r.status.value, "answer": r.released_data} for r in requests],
        "appeals": [{"flag": a.flag_id, "grounds": a.grounds, "status": a.status.value,
                     "decision": a.decision_reason} for a in appeals],
    }


def _erase(user):
    """The council keeps its record of the requests it answered and the appeals it decided (it must
    be able to show it did), detached from the deleted account."""
    for model in (AccessRequest, Appeal):
        for row in db.session.scalars(select(model).where(model.user_id == user.id)):
            row.user_id = None


personal_data_exporters.register("caseflags", _export)
account_erasers.register("caseflags", _erase)
