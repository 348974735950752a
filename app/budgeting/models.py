"""Ward budget processes, their projects and ballots.

Ballot secrecy is in the schema: a ballot row holds a `voter_key` ("user:12" while voting is
open, so a person can change their vote and cannot vote twice) and nothing else about the
person; when the result is published every key is replaced by a random one, and from then on
no row links a person to a ballot."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import VerificationMethod, Ward, _enum, utcnow
from app.extensions import db


class BallotKind(str, enum.Enum):
    KNAPSACK = "knapsack"  # choose projects whose total cost fits the budget
    APPROVAL = "approval"  # choose up to max_choices projects


class Phase(str, enum.Enum):
    UPCOMING = "upcoming"
    PROPOSALS = "proposals"
    COSTING = "costing"
    VOTING = "voting"
    COUNTING = "counting"  # voting has closed; the result is not published yet
    RESULTS = "results"


class Channel(str, enum.Enum):
    ONLINE = "online"
    KIOSK = "kiosk"
    PAPER = "paper"
    ASSISTED = "assisted"


class ProjectStatus(str, enum.Enum):
    PROPOSED = "proposed"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"


class BudgetProcess(db.Model):
    __tablename__ = "budget_processes"
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id"), index=True)
    title: Mapped[dict] = mapped_column(JSON, default=dict)  # bilingual
    summary: Mapped[dict] = mapped_column(JSON, default=dict)  # bilingual
    budget: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    # How this ward's budget was worked out from the council's total, shown publicly.
    allocation_formula: Mapped[str | None] = mapped_column(String(20))
    allocation_total: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    ballot_kind: Mapped[BallotKind] = mapped_column(_enum(BallotKind), default=BallotKind.KNAPSACK)
    max_choices: Mapped[int | None] = mapped_column(Integer)  # approval ballots: at most this many
    rule: Mapped[str] = mapped_column(String(20), default="equal-shares")
    utility: Mapped[str] = mapped_column(String(20), default="cost")
    completion: Mapped[str] = mapped_column(String(10), default="add1")
    proposals_from: Mapped[date] = mapped_column(Date)
    costing_from: Mapped[date] = mapped_column(Date)
    voting_from: Mapped[date] = mapped_column(Date)
    voting_until: Mapped[date] = mapped_column(Date)  # the last day of voting
    # Staff can move the phase on (or back) by hand; each move is audited.
    phase_override: Mapped[Phase | None] = mapped_column(_enum(Phase))
    verification: Mapped[VerificationMethod | None] = mapped_column(_enum(VerificationMethod))
    minimum_age: Mapped[int | None] = mapped_column(Integer)
    # Written once, when staff seal the ballots after voting has closed (and paper ballots are in):
    # the open ballot file and its SHA-256, published at once; no ballot can change after it.
    sealed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ballot_file: Mapped[str | None] = mapped_column(Text)
    ballot_file_sha256: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[dict | None] = mapped_column(JSON)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    ward: Mapped[Ward] = relationship()
    projects: Mapped[list[BudgetProject]] = relationship(back_populates="process", order_by="BudgetProject.id",
                                                         cascade="all, delete-orphan")


class BudgetProject(db.Model):
    __tablename__ = "budget_projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("budget_processes.id", ondelete="CASCADE"), index=True)
    title: Mapped[dict] = mapped_column(JSON, default=dict)  # bilingual
    description: Mapped[dict] = mapped_column(JSON, default=dict)  # bilingual
    cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    status: Mapped[ProjectStatus] = mapped_column(_enum(ProjectStatus), default=ProjectStatus.PROPOSED)
    feasibility_note: Mapped[str] = mapped_column(Text, default="")
    infeasible_reason: Mapped[str] = mapped_column(Text, default="")  # shown publicly
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    process: Mapped[BudgetProcess] = relationship(back_populates="projects")


class Ballot(db.Model):
    """One ballot as cast. A changed vote adds a ballot and marks the earlier one not current:
    the history is kept, and only current ballots are counted."""
    __tablename__ = "budget_ballots"
    __table_args__ = (
        # At most one current ballot per voter and process, whatever arrives at the same moment.
        Index("uq_budget_ballots_current", "process_id", "voter_key", unique=True,
              sqlite_where=text("is_current"), postgresql_where=text("is_current")),
        UniqueConstraint("reference", name="uq_budget_ballots_reference"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("budget_processes.id", ondelete="CASCADE"), index=True)
    voter_key: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel))
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    reference: Mapped[str] = mapped_column(String(16))  # on the voter's receipt
    cast_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    replaced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    choices: Mapped[list[BallotChoice]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class BallotChoice(db.Model):
    __tablename__ = "budget_ballot_choices"
    ballot_id: Mapped[int] = mapped_column(ForeignKey("budget_ballots.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("budget_projects.id", ondelete="CASCADE"), primary_key=True)


class PaperEntry(db.Model):
    """A paper ballot as keyed in by one member of staff. Two matching entries by different
    staff make it a ballot; a mismatch is listed for a third person to key it again."""
    __tablename__ = "budget_paper_entries"
    __table_args__ = (UniqueConstraint("process_id", "paper", "keyed_by_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("budget_processes.id", ondelete="CASCADE"), index=True)
    paper: Mapped[str] = mapped_column(String(40))  # the number printed on the ballot paper
    voter_email: Mapped[str | None] = mapped_column(String(254))  # only to find an online vote by the same person
    choices: Mapped[list] = mapped_column(JSON, default=list)  # project ids, sorted
    keyed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    keyed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # What became of the paper once two entries agreed: "counted", or "online vote counts".
    outcome: Mapped[str | None] = mapped_column(String(30))


class InPersonCode(db.Model):
    """A one-time code sent to a resident so that staff can cast a ballot for them in person (at a
    library kiosk or with help): the resident gives the code to show they are there and agree.
    Only a keyed hash is kept; a code works once, for a short time, and dies after a few wrong tries."""
    __tablename__ = "budget_in_person_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("budget_processes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
