"""Ideas: proposals, support, arguments for and against, comments, moderation, council responses."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
                        text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import User, Ward, _enum, utcnow
from app.extensions import db


class IdeaStatus(str, enum.Enum):
    OPEN = "open"
    UNDER_REVIEW = "under_review"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    MERGED = "merged"
    BUDGET = "budget"  # moved to a ward budget process
    DONE = "done"


# A council response closes the question unless it says "under review".
DECIDED = {IdeaStatus.ACCEPTED, IdeaStatus.DECLINED, IdeaStatus.BUDGET, IdeaStatus.DONE}


class Side(str, enum.Enum):
    FOR = "for"
    AGAINST = "against"


class Hideable:
    """Moderators hide content with a public reason; it is never silently deleted."""
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class IdeaSettings(db.Model):
    __tablename__ = "idea_settings"
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id", ondelete="CASCADE"), primary_key=True)
    # Supports that oblige the council to answer formally, and how long it has to.
    support_threshold: Mapped[int] = mapped_column(Integer, default=100)
    response_days: Mapped[int] = mapped_column(Integer, default=28)


class Idea(Hideable, db.Model):
    __tablename__ = "ideas"
    __table_args__ = (
        # Each list reads one of these in order and stops after a page; `listed` keeps hidden and
        # merged ideas out of the index walk and of the count.
        Index("ix_ideas_most_supported", "council_id", "listed", "support_count", "id"),
        Index("ix_ideas_trending", "council_id", "listed", "recent_support_count", "id"),
        Index("ix_ideas_month", "council_id", "listed", "month_support_count", "id"),
        Index("ix_ideas_newest", "council_id", "listed", "id"),
        Index("ix_ideas_ward", "council_id", "ward_id", "listed", "support_count"),
        Index("ix_ideas_category", "council_id", "category", "listed", "support_count"),
        Index("ix_ideas_response_due", "council_id", "response_due"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(150))
    body: Mapped[str] = mapped_column(Text)  # the author's Markdown
    body_html: Mapped[str] = mapped_column(Text)  # rendered and sanitised once, when saved
    category: Mapped[str] = mapped_column(String(40))
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id"))  # None: the whole council
    place_name: Mapped[str | None] = mapped_column(String(120))
    image_key: Mapped[str | None] = mapped_column(String(80))
    image_alt: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[IdeaStatus] = mapped_column(_enum(IdeaStatus), default=IdeaStatus.OPEN)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id"))
    listed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))  # not hidden and not merged
    # Counts kept in columns so lists never count rows: support_count always equals the support
    # rows (changed in the same transaction); the windowed counts are refreshed hourly and
    # bumped as supports arrive.
    support_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    recent_support_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # last 14 days
    month_support_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # last 30 days
    previous_month_support_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # the 30 days before
    # The highest support milestone announced to the author, claimed by one transaction each.
    last_milestone: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    threshold_reached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    response_due: Mapped[date | None] = mapped_column(Date)
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # latest response of any kind
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    ward: Mapped[Ward | None] = relationship()
    merged_into: Mapped[Idea | None] = relationship(remote_side=[id])


class IdeaSupport(db.Model):
    __tablename__ = "idea_supports"
    # The constraint that makes a second support from the same person impossible, however it arrives.
    __table_args__ = (UniqueConstraint("idea_id", "user_id"),
                      Index("ix_idea_supports_created", "created_at", "idea_id"),  # the hourly window recount
                      Index("ix_idea_supports_idea_ward", "idea_id", "ward_id"))  # ward spread of top ideas
    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    council_id: Mapped[int] = mapped_column(Integer)
    # Where the supporter lived when they supported: the "ward spread" of an idea.
    ward_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IdeaArgument(Hideable, db.Model):
    __tablename__ = "idea_arguments"
    __table_args__ = (Index("ix_idea_arguments_idea", "idea_id", "side"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    side: Mapped[Side] = mapped_column(_enum(Side, length=10))
    body: Mapped[str] = mapped_column(String(500))
    helpful_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    idea: Mapped[Idea] = relationship()


class ArgumentRating(db.Model):
    """One "helpful" per person per argument."""
    __tablename__ = "idea_argument_ratings"
    argument_id: Mapped[int] = mapped_column(ForeignKey("idea_arguments.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class IdeaComment(Hideable, db.Model):
    __tablename__ = "idea_comments"
    __table_args__ = (Index("ix_idea_comments_idea", "idea_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("idea_comments.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    idea: Mapped[Idea] = relationship()


class IdeaResponse(db.Model):
    """A council response, in public. The latest one is the council's current answer."""
    __tablename__ = "idea_responses"
    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    responder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision: Mapped[IdeaStatus] = mapped_column(_enum(IdeaStatus))
    reason: Mapped[str] = mapped_column(Text)
    next_step: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    responder: Mapped[User | None] = relationship()


class FlagReason(str, enum.Enum):
    OFFENSIVE = "offensive"
    PERSONAL = "personal"  # personal information about someone
    SPAM = "spam"
    DUPLICATE = "duplicate"
    OTHER = "other"


class ModerationFlag(db.Model):
    __tablename__ = "idea_flags"
    __table_args__ = (Index("ix_idea_flags_open", "council_id", "resolved_at"),
                      UniqueConstraint("object_type", "object_id", "reporter_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"))
    object_type: Mapped[str] = mapped_column(String(20))  # idea, argument, comment
    object_id: Mapped[int] = mapped_column(Integer)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[FlagReason] = mapped_column(_enum(FlagReason))
    detail: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class AppealOutcome(str, enum.Enum):
    RESTORED = "restored"
    UPHELD = "upheld"  # stays hidden


class ModerationAppeal(db.Model):
    __tablename__ = "idea_appeals"
    # One appeal per hiding: hidden again after a restore, the author may appeal again.
    __table_args__ = (UniqueConstraint("object_type", "object_id", "hidden_at"),
                      Index("ix_idea_appeals_open", "council_id", "decided_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"))
    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    statement: Mapped[str] = mapped_column(Text)
    hidden_by_id: Mapped[int | None] = mapped_column(Integer)  # who hid it: they may not decide
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # which hiding is appealed
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    outcome: Mapped[AppealOutcome | None] = mapped_column(_enum(AppealOutcome))
    decision_reason: Mapped[str | None] = mapped_column(String(500))
