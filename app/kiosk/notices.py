"""What the kiosk module tells staff, through the platform's notifications core."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from app.core.notifications import NotificationKind, notify, register_kind

register_kind(NotificationKind("kiosk.help", _l("Someone at a kiosk asks for help (staff)"),
                               _l("Help wanted at %(location)s"), "kiosk/notices/help.txt"))
register_kind(NotificationKind("kiosk.help_at_home", _l("Requests for help at home (staff)"),
                               _l("A request for help at home"), "kiosk/notices/help_at_home.txt"))
register_kind(NotificationKind("kiosk.accessibility", _l("Accessibility problems reported (staff)"),
                               _l("An accessibility problem was reported"), "kiosk/notices/accessibility.txt"))


def tell_staff_help_wanted(device) -> None:
    from app.kiosk.services import staff_of

    notify("kiosk.help", council_id=device.council_id, recipients=staff_of(device.council_id, device.team_id),
           params={"location": device.location, "name": device.name}, link=url_for("kiosk.help_wanted"))


def tell_staff_help_at_home(req) -> None:
    from app.kiosk.services import staff_of

    # No personal details in the notification (it may go by email): staff open the queue.
    notify("kiosk.help_at_home", council_id=req.council_id, recipients=staff_of(req.council_id, None),
           params={}, link=url_for("kiosk.help_at_home_queue"))


def tell_staff_accessibility_report(report) -> None:
    from app.kiosk.services import staff_of

    notify("kiosk.accessibility", council_id=report.council_id, recipients=staff_of(report.council_id, None),
           params={"page": report.page}, link=url_for("kiosk.accessibility_reports"))
