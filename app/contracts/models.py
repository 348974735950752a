"""The open contracts register: contracts, suppliers, amendments, payments, KPIs, OCDS releases."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint, event)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import Organisation, Team, _enum, utcnow
from app.extensions import db


class ContractStatus(str, enum.Enum):
    ACTIVE = "active"
    ENDED = "ended"
    TERMINATED = "terminated"


class Procedure(str, enum.Enum):
    CHALLENGE = "challenge"  # a challenge run through the tenders module
    OPEN = "open"
    SELECTIVE = "selective"
    LIMITED = "limited"
    DIRECT = "direct"


contract_suppliers = db.Table(
    "contract_suppliers",
    db.Column("contract_id", ForeignKey("contracts.id", ondelete="CASCADE"), primary_key=True),
    db.Column("organisation_id", ForeignKey("organisations.id"), primary_key=True, index=True),
)


class ContractSettings(db.Model):
    __tablename__ = "contract_settings"
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id", ondelete="CASCADE"), primary_key=True)
    # Public target: share of contract value awarded to micro, small and medium firms and VCSEs.
    sme_vcse_target_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("33"))
    publication_policy_url: Mapped[str | None] = mapped_column(String(500))


class Contract(db.Model):
    __tablename__ = "contracts"
    __table_args__ = (Index("ix_contracts_council_awarded", "council_id", "date_awarded"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    ocid: Mapped[str] = mapped_column(String(80), unique=True)
    reference: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)  # the department
    procedure: Mapped[Procedure] = mapped_column(_enum(Procedure))
    challenge_id: Mapped[int | None] = mapped_column(Integer)  # set by the tenders module
    cpv_codes: Mapped[list] = mapped_column(JSON, default=list)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), index=True)
    currency: Mapped[str] = mapped_column(String(3), default="GBP")
    vat_included: Mapped[bool] = mapped_column(Boolean, default=False)
    date_awarded: Mapped[date] = mapped_column(Date, index=True)
    date_signed: Mapped[date | None] = mapped_column(Date)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    status: Mapped[ContractStatus] = mapped_column(_enum(ContractStatus), default=ContractStatus.ACTIVE)
    # Title, description, reference and ocid in lower case: one column for the register's word
    # search to scan, kept up to date on every insert and update (see _keep_search_text).
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    team: Mapped[Team | None] = relationship()
    suppliers: Mapped[list[Organisation]] = relationship(secondary=contract_suppliers, lazy="selectin",
                                                         order_by=Organisation.name)
    amendments: Mapped[list[Amendment]] = relationship(back_populates="contract", order_by="Amendment.id",
                                                       cascade="all, delete-orphan")
    payments: Mapped[list[Payment]] = relationship(back_populates="contract", order_by="Payment.invoice_date",
                                                   cascade="all, delete-orphan")
    kpis: Mapped[list[Kpi]] = relationship(back_populates="contract", order_by="Kpi.id", cascade="all, delete-orphan")
    documents: Mapped[list[ContractDocument]] = relationship(order_by="ContractDocument.id",
                                                             cascade="all, delete-orphan")


@event.listens_for(Contract, "before_insert")
@event.listens_for(Contract, "before_update")
def _keep_search_text(_mapper, _connection, contract: Contract) -> None:
    contract.search_text = " ".join(filter(None, [contract.title, contract.description, contract.reference,
                                                  contract.ocid])).lower()


class Amendment(db.Model):
    __tablename__ = "contract_amendments"
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    date: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    rationale: Mapped[str] = mapped_column(Text)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)  # field -> {"from": ..., "to": ...}
    release_id: Mapped[str | None] = mapped_column(String(120))

    contract: Mapped[Contract] = relationship(back_populates="amendments")


class Payment(db.Model):
    __tablename__ = "contract_payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    invoice_reference: Mapped[str] = mapped_column(String(60))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    invoice_date: Mapped[date] = mapped_column(Date)
    paid_date: Mapped[date | None] = mapped_column(Date)

    contract: Mapped[Contract] = relationship(back_populates="payments")
    organisation: Mapped[Organisation | None] = relationship()


class KpiFrequency(str, enum.Enum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


class Kpi(db.Model):
    __tablename__ = "contract_kpis"
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    name: Mapped[dict] = mapped_column(JSON, default=dict)  # bilingual
    target: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    unit: Mapped[str] = mapped_column(String(40))
    higher_is_better: Mapped[bool] = mapped_column(Boolean, default=True)
    frequency: Mapped[KpiFrequency] = mapped_column(_enum(KpiFrequency), default=KpiFrequency.QUARTERLY)

    contract: Mapped[Contract] = relationship(back_populates="kpis")
    reports: Mapped[list[KpiReport]] = relationship(back_populates="kpi", order_by="KpiReport.period_end",
                                                    cascade="all, delete-orphan")


class KpiReport(db.Model):
    __tablename__ = "contract_kpi_reports"
    __table_args__ = (UniqueConstraint("kpi_id", "period_end"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("contract_kpis.id", ondelete="CASCADE"), index=True)
    period_end: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    late: Mapped[bool] = mapped_column(Boolean, default=False)

    kpi: Mapped[Kpi] = relationship(back_populates="reports")


class OcdsRelease(db.Model):
    """A published OCDS release. Never edited: later changes add releases; the bytes stay put."""
    __tablename__ = "ocds_releases"
    __table_args__ = (UniqueConstraint("release_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    ocid: Mapped[str] = mapped_column(String(80), index=True)
    release_id: Mapped[str] = mapped_column(String(120))
    date: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    body: Mapped[str] = mapped_column(Text)  # the exact JSON served


class ContractDocument(db.Model):
    """A published document about the contract (the signed contract, the award notice...), by link."""
    __tablename__ = "contract_documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(500))
    document_type: Mapped[str] = mapped_column(String(40))  # OCDS documentType code
    date_published: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
