"""What every module shares: councils, wards, teams, people, organisations, the audit log."""
from __future__ import annotations

import enum
from datetime import date, datetime, timezone
from decimal import Decimal

from flask_login import UserMixin
from sqlalchemy import (JSON, Boolean, Date, DateTime, Enum, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


def as_utc(moment: datetime) -> datetime:
    """A stored time as an aware UTC time: SQLite gives back times without their zone."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _enum(cls, length=20):
    """Enums stored as their values in a plain string column: the same on SQLite and PostgreSQL."""
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class Role(str, enum.Enum):
    RESIDENT = "resident"
    SUPPLIER = "supplier"
    COUNCILLOR = "councillor"
    MODERATOR = "moderator"
    STAFF = "staff"
    CASEWORKER = "caseworker"
    EVALUATOR = "evaluator"
    ADMIN = "admin"


# Roles that see people's data or money: they must sign in with a second factor.
TWO_FACTOR_ROLES = frozenset({Role.STAFF, Role.CASEWORKER, Role.EVALUATOR, Role.ADMIN})


class VerificationMethod(str, enum.Enum):
    EMAIL = "email"
    POLLING_CARD = "polling_card"
    STAFF = "staff"


class SizeBand(str, enum.Enum):
    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


class Council(db.Model):
    __tablename__ = "councils"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_cy: Mapped[str | None] = mapped_column(String(200))
    # Space-separated host names this council answers on; the default council answers on any.
    host_names: Mapped[str] = mapped_column(Text, default="")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    languages: Mapped[str] = mapped_column(String(40), default="en cy")
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_address: Mapped[str | None] = mapped_column(Text)
    # Registered with the Open Contracting Partnership before publishing; placeholder until then.
    ocid_prefix: Mapped[str] = mapped_column(String(40), default="ocds-xxxxxx")
    # Staff-entered text must also be given in Welsh when this is on.
    welsh_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Pre-election period: new ideas and consultations are not published while it is on.
    pre_election: Mapped[bool] = mapped_column(Boolean, default=False)
    pre_election_notice: Mapped[dict] = mapped_column(JSON, default=dict)  # bilingual

    wards: Mapped[list[Ward]] = relationship(back_populates="council", order_by="Ward.name")

    def name(self, locale: str = "en") -> str:
        return (self.name_cy if locale == "cy" and self.name_cy else self.name_en)

    def hosts(self) -> set[str]:
        return {h.lower() for h in self.host_names.split()}


class Ward(db.Model):
    __tablename__ = "wards"
    __table_args__ = (UniqueConstraint("council_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    code: Mapped[str] = mapped_column(String(20))  # ONS-style, e.g. W05000999
    population: Mapped[int | None] = mapped_column(Integer)
    # 0 (least deprived ward) to 1 (most deprived), e.g. from the Welsh or English index of
    # multiple deprivation; ward budgets can be weighted by it (app/budgeting/allocation.py).
    deprivation_index: Mapped[Decimal | None] = mapped_column(Numeric(4, 3))

    council: Mapped[Council] = relationship(back_populates="wards")


class WardPostcode(db.Model):
    """Many-to-many on purpose: a postcode may straddle two wards and the person then picks."""
    __tablename__ = "ward_postcodes"
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id", ondelete="CASCADE"), primary_key=True)
    postcode: Mapped[str] = mapped_column(String(10), primary_key=True, index=True)  # normalised: "CC1 1AA"


class Team(db.Model):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("council_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))

    members: Mapped[list[User]] = relationship(secondary="team_members", back_populates="teams")


class PollingCard(db.Model):
    """A line of the electoral register as imported by staff, so that a resident can show they live
    in a ward with the code printed on their polling card. Only what matching needs is kept (name,
    address, ward) and the code as a keyed hash; a card verifies one account, once."""
    __tablename__ = "polling_cards"
    __table_args__ = (UniqueConstraint("council_id", "code_hash"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text)
    code_hash: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A code printed in a letter stops working after a while (None: cards from before expiry).
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


team_members = db.Table(
    "team_members",
    db.Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    db.Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class UserRole(db.Model):
    __tablename__ = "user_roles"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(_enum(Role), primary_key=True)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("council_id", "email"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    # None for a resident without email, whose account staff made (assisted digital, kiosk).
    email: Mapped[str | None] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5), default="en")
    # Larger text, high contrast, less motion: "text-large contrast-high motion-reduce" (kiosk.display).
    display_settings: Mapped[str | None] = mapped_column(String(100))
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id"), index=True)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    # Data-sharing choices: each is off until the person turns it on.
    share_with_councillors: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_for_research: Mapped[bool] = mapped_column(Boolean, default=False)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verification_method: Mapped[VerificationMethod | None] = mapped_column(_enum(VerificationMethod))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Bumped on password change or deletion so that old sessions and reset links stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # Two-factor sign-in (required for staff roles): TOTP secret, set once confirmed.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_totp_step: Mapped[int | None] = mapped_column(Integer)  # refuses replay of a used code
    # Wrong second-factor codes in a row; ten lock the second step for a while (see auth.services).
    second_factor_failures: Mapped[int] = mapped_column(Integer, default=0)
    second_factor_locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    ward: Mapped[Ward | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    teams: Mapped[list[Team]] = relationship(secondary="team_members", back_populates="members")

    @property
    def roles(self) -> set[Role]:
        return {r.role for r in self.role_rows}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def needs_two_factor(self) -> bool:
        return bool(self.roles & TWO_FACTOR_ROLES)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None


class Organisation(db.Model):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    company_number: Mapped[str | None] = mapped_column(String(20))
    charity_number: Mapped[str | None] = mapped_column(String(20))
    size_band: Mapped[SizeBand] = mapped_column(_enum(SizeBand, length=10))
    is_vcse: Mapped[bool] = mapped_column(Boolean, default=False)

    members: Mapped[list[User]] = relationship(secondary="organisation_members")


organisation_members = db.Table(
    "organisation_members",
    db.Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    db.Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class AuditEntry(db.Model):
    """Append-only; each row's mac chains it to the previous row (see app.core.audit)."""
    __tablename__ = "audit_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    council_id: Mapped[int | None] = mapped_column(Integer, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(60))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


class AuditHead(db.Model):
    """A published checkpoint of the chain: its length and last mac, shown on a public page."""
    __tablename__ = "audit_heads"
    id: Mapped[int] = mapped_column(primary_key=True)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    seq: Mapped[int] = mapped_column(Integer)
    mac: Mapped[str] = mapped_column(String(64))


# --- Platform services (notifications, follows, jobs, retention, councillors, two-factor) ---

class DeliveryMode(str, enum.Enum):
    INSTANT = "instant"   # as it happens
    WEEKLY = "weekly"     # one digest email a week
    OFF = "off"


class Notification(db.Model):
    """One message to one person. Text is rendered when shown, in the reader's language."""
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_digest", "in_digest", "emailed_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when an email (instant or digest) has carried this notification.
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    in_digest: Mapped[bool] = mapped_column(Boolean, default=False)


class NotificationPreference(db.Model):
    __tablename__ = "notification_preferences"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), primary_key=True)
    mode: Mapped[DeliveryMode] = mapped_column(_enum(DeliveryMode))


class Follow(db.Model):
    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("user_id", "object_type", "object_id"),
                      Index("ix_follows_object", "object_type", "object_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Interest(db.Model):
    """A category or a ward a person wants to hear about."""
    __tablename__ = "interests"
    __table_args__ = (Index("ix_interests_kind_value", "kind", "value"),)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # "category" or "ward"
    value: Mapped[str] = mapped_column(String(60), primary_key=True)


class JobRun(db.Model):
    """One run of a scheduled job for one period; the unique key makes runs idempotent."""
    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("name", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    period: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(Text)


class ScheduledTask(db.Model):
    """A job to run once at a given time (a phase change, a deadline)."""
    __tablename__ = "scheduled_tasks"
    __table_args__ = (UniqueConstraint("job", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(120))  # e.g. "process:12:voting"; one task per key
    run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(Text)


class RetentionSetting(db.Model):
    __tablename__ = "retention_settings"
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), primary_key=True)
    days: Mapped[int] = mapped_column(Integer)


class CouncillorProfile(db.Model):
    __tablename__ = "councillor_profiles"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # The ward the councillor represents (not where they live, which stays private).
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id"), index=True)
    party: Mapped[str | None] = mapped_column(String(120))
    public_email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    interests_url: Mapped[str | None] = mapped_column(String(500))
    bio: Mapped[dict] = mapped_column(JSON, default=dict)  # bilingual {"en": ..., "cy": ...}

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    __tablename__ = "recovery_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IdempotencyKey(db.Model):
    """A write request's idempotency key and, once it has been answered, the answer: the same
    request sent again (a double click, a retry after a lost connection, a proxy) gets the same
    answer and does not act twice. Kept for a day (`idempotency.purge`)."""
    __tablename__ = "idempotency_keys"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(Integer)  # whose it is; no foreign key: it outlives nothing
    path: Mapped[str] = mapped_column(String(300))
    status: Mapped[int | None] = mapped_column(Integer)  # None while the first request is being handled
    location: Mapped[str | None] = mapped_column(String(500))
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
