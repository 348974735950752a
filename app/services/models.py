"""The services register: what the council does, through which channels, at what cost, how well."""
from __future__ import annotations

import enum
import uuid as uuid_module
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint,
                        event)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import Team, Ward, _enum, utcnow
from app.extensions import db


class Channel(str, enum.Enum):
    ONLINE = "online"
    PHONE = "phone"
    FACE_TO_FACE = "face_to_face"
    KIOSK = "kiosk"
    POST = "post"


CHANNELS = [c.value for c in Channel]


class ServiceStatus(str, enum.Enum):
    ACTIVE = "active"
    INACTIVE = "inactive"


service_wards = db.Table(
    "service_wards",
    db.Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
    db.Column("ward_id", ForeignKey("wards.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Service(db.Model):
    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("council_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    # The identifier Open Referral UK asks for: stable across exports.
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid_module.uuid4()))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)  # the owner team
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    eligibility: Mapped[str] = mapped_column(Text, default="")
    how_to_access: Mapped[str] = mapped_column(Text, default="")
    channels: Mapped[list] = mapped_column(JSON, default=list)  # Channel values offered
    needs: Mapped[str] = mapped_column(String(300), default="")  # words residents search by, comma-separated
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    url: Mapped[str | None] = mapped_column(String(500))
    address: Mapped[str | None] = mapped_column(Text)
    opening_hours: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ServiceStatus] = mapped_column(_enum(ServiceStatus), default=ServiceStatus.ACTIVE)
    # Name, description, eligibility and needs in lower case, for the directory's word search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    team: Mapped[Team | None] = relationship()
    wards: Mapped[list[Ward]] = relationship(secondary=service_wards, lazy="selectin", order_by=Ward.name)
    measures: Mapped[list[Measure]] = relationship(back_populates="service", order_by="Measure.id",
                                                   cascade="all, delete-orphan")


@event.listens_for(Service, "before_insert")
@event.listens_for(Service, "before_update")
def _keep_search_text(_mapper, _connection, service: Service) -> None:
    service.search_text = " ".join(filter(None, [service.name, service.description, service.eligibility,
                                                 service.needs])).lower()


class ChannelCost(db.Model):
    """What one transaction costs the council through a channel (Socitm figures by default)."""
    __tablename__ = "service_channel_costs"
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id", ondelete="CASCADE"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    unit_cost: Mapped[Decimal] = mapped_column(Numeric(8, 2))


class ChannelVolume(db.Model):
    __tablename__ = "service_channel_volumes"
    __table_args__ = (UniqueConstraint("service_id", "month", "channel"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    month: Mapped[date] = mapped_column(Date, index=True)  # the first day of the month
    channel: Mapped[str] = mapped_column(String(20))
    transactions: Mapped[int] = mapped_column(Integer)


class Measure(db.Model):
    """A performance measure a service publishes (days to resolve, calls answered...)."""
    __tablename__ = "service_measures"
    __table_args__ = (UniqueConstraint("service_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(40), default="")
    higher_is_better: Mapped[bool] = mapped_column(Boolean, default=True)

    service: Mapped[Service] = relationship(back_populates="measures")
    values: Mapped[list[MeasureValue]] = relationship(order_by="MeasureValue.month", cascade="all, delete-orphan")


class MeasureValue(db.Model):
    __tablename__ = "service_measure_values"
    __table_args__ = (UniqueConstraint("measure_id", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("service_measures.id", ondelete="CASCADE"), index=True)
    month: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Numeric(12, 2))
