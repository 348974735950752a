"""Challenge-based tenders: challenges, stages, criteria, supplier profiles, sealed bids,
clarifications, evaluation and award.

Bid content (answers, price, partners, documents and their names) is never stored in the clear:
`ciphertext` columns hold AES-GCM output under the challenge's data key (see sealing.py).
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import Organisation, User, _enum, utcnow
from app.extensions import db


class CpvCode(db.Model):
    """Common Procurement Vocabulary (CPV 2008): 8 digits, without the check digit."""
    __tablename__ = "tender_cpv_codes"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    description: Mapped[str] = mapped_column(String(400))


class StageKind(str, enum.Enum):
    FEASIBILITY = "feasibility"
    PROTOTYPE = "prototype"
    PILOT = "pilot"
    DELIVERY = "delivery"


class TenderSettings(db.Model):
    __tablename__ = "tender_settings"
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id", ondelete="CASCADE"), primary_key=True)
    standstill_working_days: Mapped[int] = mapped_column(Integer, default=8)
    bank_holidays: Mapped[list] = mapped_column(JSON, default=list)  # ISO dates
    clarification_days: Mapped[int] = mapped_column(Integer, default=5)
    late_change_days: Mapped[int] = mapped_column(Integer, default=3)
    late_change_min_extension_days: Mapped[int] = mapped_column(Integer, default=5)


class Challenge(db.Model):
    __tablename__ = "tender_challenges"
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    title: Mapped[dict] = mapped_column(JSON, default=dict)  # bilingual
    problem: Mapped[dict] = mapped_column(JSON, default=dict)
    outcomes: Mapped[dict] = mapped_column(JSON, default=dict)
    eligibility: Mapped[dict] = mapped_column(JSON, default=dict)
    cpv_codes: Mapped[list] = mapped_column(JSON, default=list)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    # Pre-qualification asked of bidders; checked for proportion by rules.prequalification_warnings.
    min_turnover: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    years_of_accounts: Mapped[int | None] = mapped_column(Integer)
    insurance_level: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    total_budget: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0), index=True)
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The challenge's data key, wrapped by the key-encryption key (never stored unwrapped).
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    stages: Mapped[list[Stage]] = relationship(back_populates="challenge", order_by="Stage.position",
                                               cascade="all, delete-orphan", lazy="selectin")
    criteria: Mapped[list[Criterion]] = relationship(order_by="Criterion.position", cascade="all, delete-orphan",
                                                     lazy="selectin")
    documents: Mapped[list[ChallengeDocument]] = relationship(order_by="ChallengeDocument.id",
                                                              cascade="all, delete-orphan")


class Stage(db.Model):
    __tablename__ = "tender_stages"
    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("tender_challenges.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[StageKind] = mapped_column(_enum(StageKind))
    deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)  # UTC
    award_count: Mapped[int] = mapped_column(Integer, default=1)
    budget: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    contract_months: Mapped[int] = mapped_column(Integer, default=12)  # how long the stage's contract runs
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    awarded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    challenge: Mapped[Challenge] = relationship(back_populates="stages")


class Criterion(db.Model):
    __tablename__ = "tender_criteria"
    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("tender_challenges.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[dict] = mapped_column(JSON, default=dict)
    weight: Mapped[int] = mapped_column(Integer)  # percent; a challenge's weights add up to 100


class ChallengeDocument(db.Model):
    """A public document staff attach to a challenge (not sealed)."""
    __tablename__ = "tender_challenge_documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("tender_challenges.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    storage_key: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)


class ChallengeChange(db.Model):
    """What staff changed on a live challenge and why: shown on the challenge page."""
    __tablename__ = "tender_challenge_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("tender_challenges.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    summary: Mapped[str] = mapped_column(Text)


# --- Supplier profile ----------------------------------------------------------------------------

class SupplierProfile(db.Model):
    __tablename__ = "tender_supplier_profiles"
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    address: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    about: Mapped[str] = mapped_column(Text, default="")
    policies: Mapped[str] = mapped_column(Text, default="")  # e.g. equality, environment, safeguarding
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class Certificate(db.Model):
    __tablename__ = "tender_certificates"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(200), default="")
    expires_on: Mapped[date | None] = mapped_column(Date)


class CaseStudy(db.Model):
    __tablename__ = "tender_case_studies"
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    client: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")


# --- Bids ---------------------------------------------------------------------------------------

class BidStatus(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class Bid(db.Model):
    __tablename__ = "tender_bids"
    __table_args__ = (UniqueConstraint("stage_id", "organisation_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("tender_stages.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[BidStatus] = mapped_column(_enum(BidStatus), default=BidStatus.DRAFT)
    ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)  # nonce + AES-GCM(answers, price, partners)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    receipt_sha256: Mapped[str | None] = mapped_column(String(64))
    needs_reconfirmation: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    stage: Mapped[Stage] = relationship()
    organisation: Mapped[Organisation] = relationship()
    documents: Mapped[list[BidDocument]] = relationship(order_by="BidDocument.id", cascade="all, delete-orphan",
                                                        back_populates="bid")


class BidDocument(db.Model):
    __tablename__ = "tender_bid_documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("tender_bids.id", ondelete="CASCADE"), index=True)
    meta_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)  # sealed {"filename", "content_type", "sha256"}
    storage_key: Mapped[str] = mapped_column(String(100))  # the sealed file under UPLOAD_FOLDER
    size: Mapped[int] = mapped_column(Integer)

    bid: Mapped[Bid] = relationship(back_populates="documents")


# --- Clarifications, alerts, consortium finder ------------------------------------------------------

class Clarification(db.Model):
    __tablename__ = "tender_clarifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("tender_challenges.id", ondelete="CASCADE"), index=True)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    question: Mapped[str] = mapped_column(Text)  # private: only the asker and staff see it
    public_question: Mapped[str | None] = mapped_column(Text)  # anonymised by staff
    answer: Mapped[str | None] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ChallengeInterest(db.Model):
    """People who said they are interested (or asked, or bid): they hear about answers and changes."""
    __tablename__ = "tender_interests"
    challenge_id: Mapped[int] = mapped_column(ForeignKey("tender_challenges.id", ondelete="CASCADE"),
                                              primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class Alert(db.Model):
    __tablename__ = "tender_alerts"
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    cpv_prefix: Mapped[str] = mapped_column(String(8), default="")  # "" for every category
    min_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    max_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PartnerListing(db.Model):
    __tablename__ = "tender_partner_listings"
    __table_args__ = (UniqueConstraint("challenge_id", "organisation_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("tender_challenges.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    offers: Mapped[str] = mapped_column(Text)
    needs: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organisation: Mapped[Organisation] = relationship()


# --- Evaluation and award -------------------------------------------------------------------------

class ConflictDeclaration(db.Model):
    __tablename__ = "tender_conflicts"
    __table_args__ = (UniqueConstraint("stage_id", "evaluator_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("tender_stages.id", ondelete="CASCADE"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    has_conflict: Mapped[bool] = mapped_column(Boolean)
    details: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    evaluator: Mapped[User] = relationship()


class ScoreSheet(db.Model):
    """One evaluator's scores for one bid; others' sheets stay hidden until theirs is submitted."""
    __tablename__ = "tender_score_sheets"
    __table_args__ = (UniqueConstraint("bid_id", "evaluator_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("tender_bids.id", ondelete="CASCADE"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    evaluator: Mapped[User] = relationship()
    scores: Mapped[list[Score]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class Score(db.Model):
    __tablename__ = "tender_scores"
    __table_args__ = (UniqueConstraint("sheet_id", "criterion_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("tender_score_sheets.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("tender_criteria.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column(Integer)  # 0 to 10
    reason: Mapped[str] = mapped_column(Text)


class ModeratedScore(db.Model):
    """The agreed final score for a bid on a criterion, with the reason the bidder will read."""
    __tablename__ = "tender_moderated_scores"
    __table_args__ = (UniqueConstraint("bid_id", "criterion_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("tender_bids.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("tender_criteria.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    moderated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Award(db.Model):
    __tablename__ = "tender_awards"
    __table_args__ = (UniqueConstraint("bid_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("tender_stages.id", ondelete="CASCADE"), index=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("tender_bids.id"))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    standstill_ends_on: Mapped[date] = mapped_column(Date)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))

    bid: Mapped[Bid] = relationship()
