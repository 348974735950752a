"""What the kiosk module plugs into the platform: retention, personal data, erasure."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from app.core.registry import account_erasers, personal_data_exporters
from app.core.retention import RetentionKind, register_retention
from app.extensions import db
from app.kiosk import services
from app.kiosk.models import HelpAtHomeRequest, SignInCode

register_retention(RetentionKind("help-at-home", _l("Closed requests for help at home (names, addresses, needs)"),
                                 90, services.purge_help_at_home))


def _export(user):
    requests = db.session.scalars(select(HelpAtHomeRequest).where(HelpAtHomeRequest.user_id == user.id)).all()
    return "help_and_display", {
        "display_settings": user.display_settings,
        "help_at_home_requests": [{"created_at": r.created_at.isoformat(), "name": r.name, "phone": r.phone,
                                   "email": r.email, "address": r.address, "needs": r.needs,
                                   "best_times": r.best_times, "status": r.status.value} for r in requests],
    }


def _erase(user):
    # Open requests for a visit are the person's own: they go with the account.
    db.session.execute(delete(HelpAtHomeRequest).where(HelpAtHomeRequest.user_id == user.id))
    db.session.execute(delete(SignInCode).where(SignInCode.user_id == user.id))


personal_data_exporters.register("kiosk", _export)
account_erasers.register("kiosk", _erase)
