"""Kiosk devices, one-time sign-in codes, help requests and accessibility reports."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import Team, User, Ward, _enum, utcnow
from app.extensions import db


class KioskDevice(db.Model):
    """A shared computer in a library or community centre. The machine holds a long random token
    in a cookie set from a staff page; only its hash is kept here."""
    __tablename__ = "kiosk_devices"
    __table_args__ = (UniqueConstraint("token_hash"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    location: Mapped[str] = mapped_column(String(200))  # e.g. "Central Library, ground floor"
    address: Mapped[str] = mapped_column(Text, default="")
    opening_hours: Mapped[str] = mapped_column(Text, default="")  # as the building publishes them
    # The staff who work where the kiosk is: they are told when someone there asks for help.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    idle_minutes: Mapped[int] = mapped_column(Integer, default=10)
    token_hash: Mapped[str] = mapped_column(String(64))
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    help_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    team: Mapped[Team | None] = relationship()


class SignInCode(db.Model):
    """A one-time code to sign in at a kiosk without a password: emailed to the person, or
    issued by staff who confirmed who they are. Kept as a keyed hash; single use; expires."""
    __tablename__ = "kiosk_sign_in_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), index=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # None: emailed
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class HelpStatus(str, enum.Enum):
    NEW = "new"
    ARRANGED = "arranged"
    DONE = "done"
    CANCELLED = "cancelled"


class HelpAtHomeRequest(db.Model):
    """Someone who wants a volunteer to visit and help them get online or do a task."""
    __tablename__ = "help_at_home_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    address: Mapped[str] = mapped_column(Text)
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id", ondelete="SET NULL"))
    needs: Mapped[str] = mapped_column(Text)
    best_times: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[HelpStatus] = mapped_column(_enum(HelpStatus), default=HelpStatus.NEW)
    staff_note: Mapped[str] = mapped_column(Text, default="")
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    ward: Mapped[Ward | None] = relationship()


class AccessibilityReport(db.Model):
    """A problem someone had using the site, from the accessibility statement's feedback form."""
    __tablename__ = "accessibility_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    page: Mapped[str] = mapped_column(String(500), default="")
    problem: Mapped[str] = mapped_column(Text)
    assistive_technology: Mapped[str] = mapped_column(String(200), default="")
    reply_to: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    staff_note: Mapped[str] = mapped_column(Text, default="")
