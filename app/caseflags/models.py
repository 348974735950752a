"""Multi-agency case flags: subjects, flags, the versioned combining rule, reviews, match reviews,
second-person access to sensitive categories, subject access requests and appeals."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import Team, User, Ward, _enum, utcnow
from app.extensions import db


class SubjectKind(str, enum.Enum):
    PERSON = "person"
    HOUSEHOLD = "household"


class Severity(str, enum.Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ReviewOutcome(str, enum.Enum):
    NO_FURTHER_ACTION = "no_further_action"
    EARLY_SUPPORT = "early_support"
    REFER = "refer"


class MatchStatus(str, enum.Enum):
    OPEN = "open"
    SAME = "same"
    DIFFERENT = "different"


class RequestStatus(str, enum.Enum):
    RECEIVED = "received"
    VERIFIED = "verified"  # identity checked
    LINKED = "linked"  # linked to a subject record (or to none held)
    RELEASED = "released"
    REFUSED = "refused"


class AppealStatus(str, enum.Enum):
    OPEN = "open"
    UPHELD = "upheld"  # the flag is withdrawn
    CORRECTED = "corrected"  # the flag stays, with what was observed corrected
    DISMISSED = "dismissed"


class CaseflagSettings(db.Model):
    __tablename__ = "caseflag_settings"
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id", ondelete="CASCADE"), primary_key=True)
    # Caseworkers in this team review cases, matches, requests and appeals; it is assigned to every subject.
    review_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    default_expiry_months: Mapped[int] = mapped_column(Integer, default=12)

    review_team: Mapped[Team | None] = relationship()


class FlagCategory(db.Model):
    __tablename__ = "caseflag_categories"
    __table_args__ = (UniqueConstraint("council_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # A sensitive category's details open only once a second person has approved the request.
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class RuleVersion(db.Model):
    """One version of the combining rule. Never edited: a change adds a version."""
    __tablename__ = "caseflag_rule_versions"
    __table_args__ = (UniqueConstraint("council_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    config: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


subject_teams = db.Table(
    "caseflag_subject_teams",
    db.Column("subject_id", ForeignKey("caseflag_subjects.id", ondelete="CASCADE"), primary_key=True),
    db.Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Subject(db.Model):
    """A person or household: only what matching needs."""
    __tablename__ = "caseflag_subjects"
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    kind: Mapped[SubjectKind] = mapped_column(_enum(SubjectKind))
    name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    address: Mapped[str] = mapped_column(Text, default="")
    uprn: Mapped[str | None] = mapped_column(String(12), index=True)
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Opted out of data sharing (where the law allows): later flags from other services are not combined.
    opted_out_on: Mapped[date | None] = mapped_column(Date)
    # Set when a match review found this record describes the same person as another: the other
    # record holds everything now, and this one only points to it.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("caseflag_subjects.id"))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    teams: Mapped[list[Team]] = relationship(secondary=subject_teams, lazy="selectin")
    ward: Mapped[Ward | None] = relationship()
    flags: Mapped[list[Flag]] = relationship(back_populates="subject", order_by="Flag.observed_on")


class Flag(db.Model):
    __tablename__ = "caseflag_flags"
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("caseflag_subjects.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))  # the service that recorded it
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    category_id: Mapped[int] = mapped_column(ForeignKey("caseflag_categories.id"))
    severity: Mapped[Severity] = mapped_column(_enum(Severity, length=10))
    observed: Mapped[str] = mapped_column(Text)
    observed_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)

    subject: Mapped[Subject] = relationship(back_populates="flags")
    team: Mapped[Team] = relationship()
    category: Mapped[FlagCategory] = relationship(lazy="joined")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])


class Review(db.Model):
    """A subject reaching review under one rule version, and the reviewer's decision."""
    __tablename__ = "caseflag_reviews"
    # At most one open review per subject, even when two flags arrive at the same moment.
    __table_args__ = (Index("uq_caseflag_reviews_open_subject", "subject_id", unique=True,
                            sqlite_where=text("outcome IS NULL"), postgresql_where=text("outcome IS NULL")),)
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("caseflag_subjects.id"), index=True)
    rule_version_id: Mapped[int] = mapped_column(ForeignKey("caseflag_rule_versions.id"))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    points: Mapped[int] = mapped_column(Integer)
    services: Mapped[list] = mapped_column(JSON, default=list)
    contributions: Mapped[list] = mapped_column(JSON, default=list)  # as evaluated when it opened
    outcome: Mapped[ReviewOutcome | None] = mapped_column(_enum(ReviewOutcome, length=30))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    subject: Mapped[Subject] = relationship()
    rule_version: Mapped[RuleVersion] = relationship()


class MatchCandidate(db.Model):
    """Two records that may describe the same person: a person decides; never merged silently."""
    __tablename__ = "caseflag_matches"
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    subject_a_id: Mapped[int] = mapped_column(ForeignKey("caseflag_subjects.id"), index=True)
    subject_b_id: Mapped[int] = mapped_column(ForeignKey("caseflag_subjects.id"), index=True)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[MatchStatus] = mapped_column(_enum(MatchStatus, length=10), default=MatchStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)

    subject_a: Mapped[Subject] = relationship(foreign_keys=[subject_a_id])
    subject_b: Mapped[Subject] = relationship(foreign_keys=[subject_b_id])


class SensitiveAccess(db.Model):
    """A request to open a subject's flags in sensitive categories, approved by a second person."""
    __tablename__ = "caseflag_sensitive_access"
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("caseflag_subjects.id"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved: Mapped[bool | None] = mapped_column(Boolean)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    subject: Mapped[Subject] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requester_id])


class AccessRequest(db.Model):
    """A resident's subject access request: what the council's case flags hold about them."""
    __tablename__ = "caseflag_access_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    address: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[str] = mapped_column(Text, default="")
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)  # one calendar month after receipt (UK GDPR article 12)
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus), default=RequestStatus.RECEIVED)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verification_note: Mapped[str | None] = mapped_column(Text)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("caseflag_subjects.id"))
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    released_data: Mapped[dict | None] = mapped_column(JSON)  # exactly what the person was given, redacted
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    # The person asked that concerns about them are not combined between services (staff decide,
    # where the law allows, and record it on the subject).
    opt_out_asked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    opt_out_note: Mapped[str | None] = mapped_column(Text)

    subject: Mapped[Subject | None] = relationship()


class Appeal(db.Model):
    """A resident's appeal against, or correction of, a flag released to them."""
    __tablename__ = "caseflag_appeals"
    __table_args__ = (UniqueConstraint("request_id", "flag_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("caseflag_flags.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("caseflag_access_requests.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    grounds: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[AppealStatus] = mapped_column(_enum(AppealStatus, length=10), default=AppealStatus.OPEN)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    corrected_text: Mapped[str | None] = mapped_column(Text)

    flag: Mapped[Flag] = relationship()
    request: Mapped[AccessRequest] = relationship()
