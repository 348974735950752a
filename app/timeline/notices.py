"""Participation alerts through the platform's notifications: one kind, each person's mode."""
from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app.core.models import DeliveryMode
from app.core.notifications import NotificationKind, notify, register_kind
from app.core.registry import TimelineItem

register_kind(NotificationKind(
    "timeline.alert", _l("New ideas and consultations on the topics and wards you chose"),
    _l("New on %(council)s: %(title)s"), "timeline/notices/alert.txt",
    # People get these only for topics and wards they chose themselves: a weekly digest unless
    # they ask for each one as it happens.
    default_mode=DeliveryMode.WEEKLY))


def alert(council_id: int, item: TimelineItem, people: list) -> list:
    from app.core.models import Council
    from app.extensions import db

    council = db.session.get(Council, council_id)
    names = {}
    for code in ("en", "cy"):
        with force_locale(code):
            names[code] = council.name(code)
    return notify("timeline.alert", council_id=council_id, recipients=people, link=item.url,
                  params={"council": names, "title": item.titles or item.title, "source": item.source,
                          "closes_on": item.closes_on.isoformat() if item.closes_on else None})
