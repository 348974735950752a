"""Domain logic for the services register: the directory search, edits (audited), channel costs,
figures import and the channel-shift numbers. No request, no templates."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Select, delete, func, or_, select

from app.core import audit
from app.core.models import Council, Team, Ward, utcnow
from app.extensions import db
from app.services import channels, importing, oruk
from app.services.models import (ChannelCost, ChannelVolume, Measure, MeasureValue, Service, ServiceStatus,
                                 service_wards)


@dataclass
class ServiceInput:
    name: str
    description: str
    team_id: int | None
    eligibility: str = ""
    how_to_access: str = ""
    channels: list[str] = field(default_factory=list)
    needs: str = ""
    email: str | None = None
    phone: str | None = None
    url: str | None = None
    address: str | None = None
    opening_hours: str = ""
    ward_ids: list[int] = field(default_factory=list)
    status: ServiceStatus = ServiceStatus.ACTIVE


def directory_query(council_id: int, q: str = "", ward_id: int | None = None, include_inactive: bool = False) -> Select:
    """Services matching every word of `q` (by need, name or description) and covering `ward_id`
    (a service with no wards covers the whole council area)."""
    query = select(Service).where(Service.council_id == council_id)
    if not include_inactive:
        query = query.where(Service.status == ServiceStatus.ACTIVE)
    for word in q.lower().split()[:8]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Service.search_text.like(f"%{escaped}%", escape="\\"))
    if ward_id:
        covered = select(service_wards.c.service_id).where(service_wards.c.ward_id == ward_id)
        any_ward = select(service_wards.c.service_id)
        query = query.where(or_(Service.id.in_(covered), Service.id.not_in(any_ward)))
    return query.order_by(Service.name, Service.id)


def teams(council_id: int) -> list[Team]:
    return list(db.session.scalars(select(Team).where(Team.council_id == council_id).order_by(Team.name)))


def _apply(service: Service, data: ServiceInput) -> None:
    for name in ("name", "description", "team_id", "eligibility", "how_to_access", "needs", "email", "phone", "url",
                 "address", "opening_hours", "status"):
        setattr(service, name, getattr(data, name))
    service.channels = [c for c in importing.CHANNELS if c in data.channels]
    service.wards = list(db.session.scalars(select(Ward).where(Ward.council_id == service.council_id,
                                                               Ward.id.in_(data.ward_ids or [0]))))
    service.updated_at = utcnow()


def name_taken(council_id: int, name: str, except_id: int | None = None) -> bool:
    query = select(Service.id).where(Service.council_id == council_id, func.lower(Service.name) == name.strip().lower())
    if except_id:
        query = query.where(Service.id != except_id)
    return db.session.scalar(query) is not None


def create_service(council: Council, data: ServiceInput, *, commit: bool = True) -> Service:
    service = Service(council_id=council.id, uuid=str(uuid.uuid4()))
    _apply(service, data)
    db.session.add(service)
    db.session.flush()
    audit.record("services.created", obj=service, details={"name": service.name})
    if commit:
        db.session.commit()
    return service


def update_service(service: Service, data: ServiceInput) -> None:
    before = {"name": service.name, "status": service.status.value}
    _apply(service, data)
    audit.record("services.updated", obj=service, details={"before": before, "name": service.name,
                                                           "status": service.status.value})
    db.session.commit()


def add_measure(service: Service, name: str, unit: str, higher_is_better: bool) -> Measure:
    measure = Measure(service=service, name=name.strip(), unit=unit.strip(), higher_is_better=higher_is_better)
    db.session.add(measure)
    db.session.flush()
    audit.record("services.measure_added", obj=service, details={"measure": measure.name})
    db.session.commit()
    return measure


# --- Channel costs ----------------------------------------------------------------------------

def unit_costs(council_id: int) -> dict[str, Decimal]:
    costs = dict(channels.DEFAULT_UNIT_COSTS)
    for row in db.session.scalars(select(ChannelCost).where(ChannelCost.council_id == council_id)):
        costs[row.channel] = Decimal(row.unit_cost)
    return costs


def set_unit_costs(council_id: int, costs: dict[str, Decimal]) -> None:
    before = {k: str(v) for k, v in unit_costs(council_id).items()}
    for channel, cost in costs.items():
        row = db.session.get(ChannelCost, (council_id, channel))
        if row is None:
            db.session.add(ChannelCost(council_id=council_id, channel=channel, unit_cost=cost))
        else:
            row.unit_cost = cost
    audit.record("services.unit_costs_changed", object_type="ChannelCost", council_id=council_id,
                 details={"before": before, "after": {k: str(v) for k, v in costs.items()}})
    db.session.commit()


def volumes(council_id: int, service_id: int | None = None) -> dict[date, dict[str, int]]:
    """{month: {channel: transactions}} for one service, or summed over the council's services."""
    query = (select(ChannelVolume.month, ChannelVolume.channel, func.sum(ChannelVolume.transactions))
             .join(Service, Service.id == ChannelVolume.service_id).where(Service.council_id == council_id)
             .group_by(ChannelVolume.month, ChannelVolume.channel))
    if service_id is not None:
        query = query.where(ChannelVolume.service_id == service_id)
    result: dict[date, dict[str, int]] = {}
    for month, channel, count in db.session.execute(query):
        result.setdefault(month, {})[channel] = int(count or 0)
    return result


@dataclass
class ChannelShift:
    shares: list[channels.MonthShare]
    months: list[date]
    projection: channels.Projection | None


def channel_shift(council_id: int, target_share: Decimal, service_id: int | None = None) -> ChannelShift:
    by_month = volumes(council_id, service_id)
    months = channels.last_months(by_month, 12)
    projection = None
    if months:
        projection = channels.project(channels.totals(by_month, months), unit_costs(council_id), target_share)
    return ChannelShift(channels.monthly_shares(by_month), months, projection)


# --- Monthly figures upload -------------------------------------------------------------------

def import_messages() -> dict[str, str]:
    return {"missing_column": _("This column is missing: add it to the first row"),
            "no_figures": _("Add at least one channel column (online, phone, face_to_face, kiosk, post)"),
            "too_many_rows": _("The file has more than 5,000 rows: split it into smaller files"),
            "required": _("Fill in this cell"),
            "unknown_service": _("No service in the register has this name: check the spelling"),
            "month": _("Enter the month as year and month, like 2026-01"),
            "future_month": _("This month has not happened yet"),
            "whole_number": _("Enter a whole number of transactions, like 1200"),
            "number": _("Enter a number, like 4.5"),
            "unknown_measure": _("This service does not publish a measure with this name: add the measure first"),
            "duplicate": _("This service and month are already in an earlier row"),
            "empty_row": _("This row has no figures")}


def import_figures(council: Council, text: str) -> tuple[int, list]:
    """Check every row; save all of them or none. Returns (rows saved, errors)."""
    by_name = {s.name.lower(): s for s in db.session.scalars(select(Service).where(Service.council_id == council.id))}
    measure_names = {(s.name.lower(), m.name.lower()): m for s in by_name.values() for m in s.measures}
    rows, errors = importing.parse(
        text, service_exists=lambda name: name.lower() in by_name,
        measure_exists=lambda service, name: (service.lower(), name.lower()) in measure_names,
        messages=import_messages())
    if errors:
        return 0, errors
    for row in rows:
        service = by_name[row.service.lower()]
        if row.volumes:
            db.session.execute(delete(ChannelVolume).where(ChannelVolume.service_id == service.id,
                                                           ChannelVolume.month == row.month,
                                                           ChannelVolume.channel.in_(list(row.volumes))))
            for channel, count in row.volumes.items():
                db.session.add(ChannelVolume(service_id=service.id, month=row.month, channel=channel,
                                             transactions=count))
        for name, value in row.measures.items():
            measure = measure_names[(service.name.lower(), name.lower())]
            db.session.execute(delete(MeasureValue).where(MeasureValue.measure_id == measure.id,
                                                          MeasureValue.month == row.month))
            db.session.add(MeasureValue(measure_id=measure.id, month=row.month, value=value))
    audit.record("services.figures_imported", object_type="Service", council_id=council.id,
                 details={"rows": len(rows)})
    db.session.commit()
    return len(rows), []


# --- Open Referral UK -------------------------------------------------------------------------

def council_uuid(council: Council) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"connected-council:{council.slug}"))


def organization(council: Council, website: str | None) -> dict:
    return oruk.council_organization(council_uuid(council), council.name_en,
                                     f"{council.name_en}: the local council.", council.contact_email, website)


def oruk_record(service: Service, org: dict) -> dict:
    return oruk.service_record({
        "uuid": service.uuid, "name": service.name, "description": service.description, "url": service.url,
        "email": service.email, "status": service.status.value, "eligibility": service.eligibility,
        "how_to_access": service.how_to_access, "phone": service.phone, "channels": service.channels or [],
        "opening_hours": service.opening_hours, "wards": [(w.code, w.name) for w in service.wards],
        "updated_at": service.updated_at}, org)
