"""Consultations: pages of questions, responses and drafts, themes, equality monitoring, outcomes,
phases with a draft document commented paragraph by paragraph."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import User, _enum, utcnow
from app.extensions import db


class QuestionKind(str, enum.Enum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    SINGLE = "single"
    MULTIPLE = "multiple"
    RATING = "rating"  # 1 to 5
    RANKING = "ranking"  # put the options in order of priority
    BUDGET = "budget"  # share a fixed sum across the options
    POSTCODE = "postcode"  # mapped to a ward


class ResponseMode(str, enum.Enum):
    SIGNED_IN = "signed_in"
    ANONYMOUS = "anonymous"  # no account, no user id and no IP address stored


class Channel(str, enum.Enum):
    ONLINE = "online"
    KIOSK = "kiosk"
    PAPER = "paper"
    PHONE = "phone"


class PhaseKind(str, enum.Enum):
    PROBLEM = "problem"  # map the problem
    IDEAS = "ideas"  # gather ideas
    SCRUTINY = "scrutiny"  # scrutinise a draft


consultation_wards = db.Table(
    "consultation_wards",
    db.Column("consultation_id", ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True),
    db.Column("ward_id", ForeignKey("wards.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Consultation(db.Model):
    __tablename__ = "consultations"
    __table_args__ = (Index("ix_consultations_council_dates", "council_id", "published", "closes_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), index=True)
    title: Mapped[dict] = mapped_column(JSON, default=dict)  # bilingual
    summary: Mapped[dict] = mapped_column(JSON, default=dict)  # bilingual, in plain words
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)  # last day answers are taken
    mode: Mapped[ResponseMode] = mapped_column(_enum(ResponseMode), default=ResponseMode.SIGNED_IN)
    equality_monitoring: Mapped[bool] = mapped_column(Boolean, default=True)
    published: Mapped[bool] = mapped_column(Boolean, default=False)  # visible to the public
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # "We asked, you said, we did": written by staff after closing, with a snapshot of the results.
    you_said: Mapped[dict] = mapped_column(JSON, default=dict)  # bilingual
    we_did: Mapped[dict] = mapped_column(JSON, default=dict)  # bilingual
    outcome_results: Mapped[list | None] = mapped_column(JSON)  # question summaries at publication
    outcome_published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    wards = relationship("Ward", secondary=consultation_wards, order_by="Ward.name")
    pages: Mapped[list[ConsultationPage]] = relationship(back_populates="consultation",
                                                         order_by="ConsultationPage.position",
                                                         cascade="all, delete-orphan")
    documents: Mapped[list[ConsultationDocument]] = relationship(order_by="ConsultationDocument.id",
                                                                 cascade="all, delete-orphan")
    phases: Mapped[list[Phase]] = relationship(order_by="Phase.starts_on", cascade="all, delete-orphan")

    def is_open(self, today: date) -> bool:
        return self.published and self.opens_on <= today <= self.closes_on

    def is_closed(self, today: date) -> bool:
        return today > self.closes_on


class ConsultationDocument(db.Model):
    __tablename__ = "consultation_documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    title: Mapped[dict] = mapped_column(JSON, default=dict)
    url: Mapped[str] = mapped_column(String(500))


class ConsultationPage(db.Model):
    __tablename__ = "consultation_pages"
    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[dict] = mapped_column(JSON, default=dict)
    # Shown only when an earlier single or multiple choice answer includes this option key.
    show_if_question_id: Mapped[int | None] = mapped_column(ForeignKey("consultation_questions.id",
                                                                       ondelete="SET NULL", use_alter=True))
    show_if_option: Mapped[str | None] = mapped_column(String(40))

    consultation: Mapped[Consultation] = relationship(back_populates="pages")
    questions: Mapped[list[Question]] = relationship(back_populates="page", order_by="Question.position",
                                                     cascade="all, delete-orphan",
                                                     foreign_keys="Question.page_id")


class Question(db.Model):
    __tablename__ = "consultation_questions"
    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("consultation_pages.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[QuestionKind] = mapped_column(_enum(QuestionKind))
    text: Mapped[dict] = mapped_column(JSON, default=dict)  # bilingual
    hint: Mapped[dict] = mapped_column(JSON, default=dict)  # bilingual
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Choices, ranking items and budget lines: [{"key": "k1", "en": ..., "cy": ...}]
    options: Mapped[list] = mapped_column(JSON, default=list)
    budget_total: Mapped[int | None] = mapped_column(Integer)  # the sum to share, in pounds

    page: Mapped[ConsultationPage] = relationship(back_populates="questions", foreign_keys=[page_id])


class Response(db.Model):
    """One person's (or one paper form's) answers. A draft until submitted.

    Anonymous responses store no user id and no IP address: a draft is found again through a
    random token kept in the person's session cookie."""
    __tablename__ = "consultation_responses"
    __table_args__ = (Index("ix_consultation_responses_submitted", "consultation_id", "submitted_at"),
                      # One response (draft or sent) per person per consultation, whatever arrives twice.
                      Index("uq_consultation_responses_user", "consultation_id", "user_id", unique=True,
                            sqlite_where=text("user_id IS NOT NULL"), postgresql_where=text("user_id IS NOT NULL")))
    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    draft_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    channel: Mapped[Channel] = mapped_column(_enum(Channel, length=10), default=Channel.ONLINE)
    keyed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id"))  # from the postcode question
    wants_outcome: Mapped[bool] = mapped_column(Boolean, default=False)
    # Equality answers while the draft is open; added to the counts and removed on submit.
    equality_draft: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    answers: Mapped[list[Answer]] = relationship(back_populates="response", cascade="all, delete-orphan")


class Answer(db.Model):
    __tablename__ = "consultation_answers"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),
                      Index("ix_consultation_answers_question", "question_id", "response_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("consultation_responses.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("consultation_questions.id", ondelete="CASCADE"))
    # Text answers, a single choice key, a rating ("1".."5") or a postcode.
    text: Mapped[str | None] = mapped_column(Text)
    # Multiple choice keys, a ranking (keys in order) or a budget ({key: pounds}).
    data: Mapped[list | dict | None] = mapped_column(JSON)

    response: Mapped[Response] = relationship(back_populates="answers")


class EqualityCount(db.Model):
    """Equality monitoring, kept only as counts: no row per person, so no order of insertion or
    id can tie an answer back to the response (or the person) it came from."""
    __tablename__ = "consultation_equality_counts"
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    field: Mapped[str] = mapped_column(String(30), primary_key=True)
    value: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class Theme(db.Model):
    __tablename__ = "consultation_themes"
    __table_args__ = (UniqueConstraint("question_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("consultation_questions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))


class AnswerTheme(db.Model):
    __tablename__ = "consultation_answer_themes"
    answer_id: Mapped[int] = mapped_column(ForeignKey("consultation_answers.id", ondelete="CASCADE"),
                                           primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("consultation_themes.id", ondelete="CASCADE"),
                                          primary_key=True, index=True)


class Phase(db.Model):
    __tablename__ = "consultation_phases"
    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PhaseKind] = mapped_column(_enum(PhaseKind, length=10))
    title: Mapped[dict] = mapped_column(JSON, default=dict)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)

    paragraphs: Mapped[list[DraftParagraph]] = relationship(order_by="DraftParagraph.position",
                                                            cascade="all, delete-orphan")


class DraftParagraph(db.Model):
    __tablename__ = "consultation_draft_paragraphs"
    id: Mapped[int] = mapped_column(primary_key=True)
    phase_id: Mapped[int] = mapped_column(ForeignKey("consultation_phases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[dict] = mapped_column(JSON, default=dict)


class ParagraphComment(db.Model):
    __tablename__ = "consultation_paragraph_comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("consultation_draft_paragraphs.id", ondelete="CASCADE"),
                                              index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    author: Mapped[User | None] = relationship()
