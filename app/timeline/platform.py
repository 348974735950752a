"""What the timeline plugs into: the dashboard, the alerts job, personal data."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from app.core.jobs import register_job
from app.core.models import Ward
from app.core.registry import Section, account_erasers, dashboard_sections, personal_data_exporters
from app.extensions import db
from app.timeline import notices, services  # noqa: F401  (notices registers the alert kind)
from app.timeline.models import TimelineLearning, TimelineSignal

register_job("timeline.alerts", services.send_alerts, every="hourly")


def _dashboard(user):
    from app.core.categories import CATEGORIES
    from app.core.i18n import labels
    from app.timeline.routes import open_link

    learning = services.learning_enabled(user)
    _reader, ranked = services.timeline_for(user, learning=learning)
    ward_names = dict(db.session.execute(select(Ward.id, Ward.name).where(Ward.council_id == user.council_id)).all())
    return Section(str(_l("For you")), "timeline/_section.html", {
        "entries": [(r, open_link(user, r.item.url, r.item.category)) for r in ranked],
        "learning": learning,
        "ward_names": ward_names, "topic_names": labels("categories", CATEGORIES)})


dashboard_sections.register("timeline", _dashboard, order=0)


def _export(user):
    from app.timeline.models import TimelineLearning

    choice = db.session.get(TimelineLearning, user.id)
    return "timeline", {
        "learning": bool(choice and choice.enabled),
        "learning_changed_at": choice.changed_at.isoformat() if choice else None,
        "learned": [{"topic": s.category, "opened": s.opens, "last_opened_at": s.last_opened_at.isoformat()}
                    for s in services.learned(user)],
    }


def _erase(user):
    for model in (TimelineSignal, TimelineLearning):
        db.session.execute(delete(model).where(model.user_id == user.id))


personal_data_exporters.register("timeline", _export)
account_erasers.register("timeline", _erase)
