"""What consultations tell people, through the platform's notifications core."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.core.bilingual import BilingualText
from app.core.follows import Followable, register_followable
from app.core.notifications import NotificationKind, notify, register_kind
from app.extensions import db

register_kind(NotificationKind("consultations.outcome", _l("What the council did after consultations you answered"),
                               _l("We asked, you said, we did: %(title)s"), "consultations/notices/outcome.txt"))


def _load(council_id: int, object_id: int):
    from app.consultations.models import Consultation

    return db.session.scalar(db.select(Consultation).where(Consultation.id == object_id,
                                                           Consultation.council_id == council_id))


register_followable(Followable("consultation", load=_load, title=lambda c: BilingualText.of(c.title).en,
                               url=lambda c: f"/consultations/{c.id}"))


def outcome_published(consultation, people) -> None:
    notify("consultations.outcome", council_id=consultation.council_id, recipients=people,
           params={"title": BilingualText.of(consultation.title).as_dict()}, link=f"/consultations/{consultation.id}#outcome")
