"""What the services register publishes through the platform: its open datasets and a staff
section on the dashboard."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.datasets import Dataset, DatasetField, register_dataset, streamed
from app.core.models import Role
from app.core.registry import Section, dashboard_sections
from app.extensions import db
from app.services.models import ChannelVolume, Service, ServiceStatus


def _service_rows(council_id: int, after: tuple | None = None):
    query = select(Service).where(Service.council_id == council_id, Service.status == ServiceStatus.ACTIVE)
    if after:
        query = query.where(Service.uuid > after[0])
    for s in streamed(db.session.scalars(query.order_by(Service.uuid).execution_options(yield_per=500))):
        yield {"uuid": s.uuid, "name": s.name, "team": s.team.name if s.team else "", "description": s.description,
               "eligibility": s.eligibility, "how_to_access": s.how_to_access, "channels": "; ".join(s.channels or []),
               "needs": s.needs, "email": s.email, "phone": s.phone, "url": s.url, "opening_hours": s.opening_hours,
               "wards": "; ".join(w.code for w in s.wards)}


def _volume_rows(council_id: int):
    query = (select(ChannelVolume, Service.uuid, Service.name).join(Service, Service.id == ChannelVolume.service_id)
             .where(Service.council_id == council_id, Service.status == ServiceStatus.ACTIVE)
             .order_by(ChannelVolume.id).execution_options(yield_per=1000))
    for volume, uuid, name in streamed(db.session.execute(query)):
        yield {"id": volume.id, "service_uuid": uuid, "service": name, "month": volume.month,
               "channel": volume.channel, "transactions": volume.transactions}


register_dataset(Dataset(
    name="services", title=_l("Council services directory"),
    description=_l("What the council does, who can use each service, and how: online, by phone, face to face, at a "
                   "library kiosk or by post. The same directory is published in the Open Referral UK data standard "
                   "(HSDS 3.0 UK profile) at /services/oruk/services.json."),
    fields=[
        DatasetField("uuid", "string", _l("Identifier of the service (the same in the Open Referral UK export)")),
        DatasetField("name", "string", _l("Name")),
        DatasetField("team", "string", _l("Team that runs it")),
        DatasetField("description", "string", _l("What it does")),
        DatasetField("eligibility", "string", _l("Who can use it")),
        DatasetField("how_to_access", "string", _l("How to use it")),
        DatasetField("channels", "string", _l("Ways to use it, separated by semicolons")),
        DatasetField("needs", "string", _l("Needs it meets")),
        DatasetField("email", "string", _l("Email address")),
        DatasetField("phone", "string", _l("Phone number")),
        DatasetField("url", "string", _l("Web page")),
        DatasetField("opening_hours", "string", _l("Opening hours")),
        DatasetField("wards", "string", _l("Ward codes covered, separated by semicolons; empty for the whole area")),
    ], rows=_service_rows, rows_after=_service_rows, key=("uuid",), ward_field="wards",
    frequency_uri="http://purl.org/cld/freq/weekly"))

register_dataset(Dataset(
    name="service-channel-volumes", title=_l("Transactions by service and channel"),
    description=_l("How many transactions each service handled each month, online, by phone, face to face, at a "
                   "kiosk and by post: the figures behind the council's channel-shift planning."),
    fields=[
        DatasetField("id", "integer", _l("Row number")),
        DatasetField("service_uuid", "string", _l("Identifier of the service")),
        DatasetField("service", "string", _l("Name of the service")),
        DatasetField("month", "date", _l("First day of the month")),
        DatasetField("channel", "string", _l("online, phone, face_to_face, kiosk or post")),
        DatasetField("transactions", "integer", _l("Transactions in the month")),
    ], rows=_volume_rows, date_field="month", frequency_uri="http://purl.org/cld/freq/monthly"))


def _dashboard(user):
    if not user.has_role(Role.STAFF, Role.ADMIN):
        return None
    return Section(str(_l("Services register")), "services/_dashboard.html", {})


dashboard_sections.register("services", _dashboard, order=60)
