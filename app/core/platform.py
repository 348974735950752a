"""What core itself registers with the platform services: its jobs, datasets and retention."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core import audit
from app.core.councillors import councillors_per_ward
from app.core.datasets import Dataset, DatasetField, register_dataset
from app.core.jobs import register_job
from app.core.models import Ward
from app.core.notifications import purge_notifications, send_weekly_digests
from app.core.retention import RetentionKind, register_retention, run_retention
from app.extensions import db


def _publish_audit_head() -> str:
    head = audit.publish_head()
    return f"head at {head.seq}" if head else "empty log"


register_job("audit.publish_head", _publish_audit_head, every="daily", hour=2)
register_job("notifications.weekly_digest", send_weekly_digests, every="weekly", hour=7, weekday=0)
register_job("retention.purge", lambda: str(run_retention()), every="daily", hour=3)

register_retention(RetentionKind(
    "notifications", _l("Notifications sent to people"), 365, purge_notifications))


def _ward_rows(council_id: int):
    counts = dict(db.session.execute(councillors_per_ward(council_id)).all())
    for ward in db.session.scalars(select(Ward).where(Ward.council_id == council_id).order_by(Ward.code)):
        yield {"code": ward.code, "name": ward.name, "population": ward.population,
               "councillors": counts.get(ward.id, 0)}


register_dataset(Dataset(
    name="wards",
    title=_l("Wards"),
    description=_l("The council's electoral wards, their population and how many councillors each elects."),
    fields=[
        DatasetField("code", "string", _l("Ward code (ONS style)")),
        DatasetField("name", "string", _l("Ward name")),
        DatasetField("population", "integer", _l("Residents, latest estimate")),
        DatasetField("councillors", "integer", _l("Councillors elected for the ward")),
    ],
    rows=_ward_rows,
    update_frequency=_l("when wards change"),
    key=("code",), ward_field="code", frequency_uri="http://purl.org/cld/freq/irregular",
))


# --- Personal data held by core's platform services: exported on request, erased on deletion ---
from sqlalchemy import delete  # noqa: E402

from app.core.models import (CouncillorProfile, Follow, Interest, Notification,  # noqa: E402
                             NotificationPreference, RecoveryCode)
from app.core.registry import account_erasers, personal_data_exporters  # noqa: E402


def _export_platform_data(user):
    notes = db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                               .order_by(Notification.created_at)).all()
    return "platform", {
        "notifications": [{"kind": n.kind, "params": n.params, "created_at": n.created_at.isoformat(),
                           "read": n.read_at is not None} for n in notes],
        "notification_choices": {p.kind: p.mode.value for p in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id))},
        "following": [{"type": f.object_type, "id": f.object_id} for f in db.session.scalars(
            select(Follow).where(Follow.user_id == user.id))],
        "interests": [{"kind": i.kind, "value": i.value} for i in db.session.scalars(
            select(Interest).where(Interest.user_id == user.id))],
    }


def _erase_platform_data(user):
    for model in (Notification, NotificationPreference, Follow, Interest, RecoveryCode, CouncillorProfile):
        db.session.execute(delete(model).where(model.user_id == user.id))
    user.totp_secret = None
    user.totp_confirmed_at = None


personal_data_exporters.register("platform", _export_platform_data)
account_erasers.register("platform", _erase_platform_data)
