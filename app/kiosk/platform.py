"""What the kiosk module plugs into the platform: retention, personal data, erasure."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from app.core.registry import account_erasers, demo_loaders, personal_data_exporters
from app.core.retention import RetentionKind, register_retention
from app.extensions import db
from app.kiosk import services
from app.kiosk.models import HelpAtHomeRequest, KioskDevice, SignInCode

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


def _load_demo(council):
    """Two library kiosks (their machines' keys are thrown away: staff register real ones), one
    asking for help, and a request for help at home. All fictional."""
    import secrets

    from app.core.models import Team

    team = db.session.scalars(select(Team).where(Team.council_id == council.id).order_by(Team.id)).first()
    for name, location, hours, asking in [
            ("Kiosk by the front desk", "Glanrafon Central Library", "Monday to Friday 9am to 7pm, Saturday 9am to 1pm",
             True),
            ("Community centre kiosk", "Castell Community Centre", "Tuesday and Thursday 10am to 4pm", False)]:
        device = KioskDevice(council_id=council.id, name=name, location=location, address="", opening_hours=hours,
                             team_id=team.id if team else None, token_hash=services.device_token_hash(secrets.token_urlsafe(32)))
        if asking:
            from datetime import datetime, timezone

            device.help_requested_at = datetime.now(timezone.utc)
        db.session.add(device)
    db.session.add(HelpAtHomeRequest(council_id=council.id, name="Demo: Mair Pritchard", phone="01632 960123",
                                     address="12 Heol y Parc, Glanrafon (fictional)",
                                     needs="Help to vote on the ward budget; I have no computer.",
                                     best_times="Weekday mornings"))
    db.session.commit()


demo_loaders.register("kiosk", _load_demo, order=80)
