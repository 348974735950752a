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
    if user.has_role(Role.CASEWORKER):
        return Section(str(_l("Case flags")), "caseflags/_dashboard.html", {"caseworker": True})
    return Section(str(_l("What case flags hold about you")), "caseflags/_dashboard.html", {"caseworker": False})


dashboard_sections.register("caseflags", _dashboard, order=70)


def _purge_lapsed(council_id: int, cutoff: datetime) -> int:
    """Flags that lapsed (or were withdrawn) before the cutoff, unless an appeal refers to them."""
    appealed = select(Appeal.flag_id)
    old = select(Flag.id).where(Flag.council_id == council_id, Flag.expires_on < cutoff.date(), Flag.id.not_in(appealed))
    ids = list(db.session.scalars(old))
    if ids:
        db.session.execute(delete(Flag).where(Flag.id.in_(ids)))
    return len(ids)


register_retention(RetentionKind("caseflags.lapsed_flags", _l("Case flags, after they lapse"), 365, _purge_lapsed))
