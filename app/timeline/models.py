from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import utcnow
from app.extensions import db


class TimelineLearning(db.Model):
    """A person's choice to let the timeline learn from what they open. No row: off."""
    __tablename__ = "timeline_learning"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TimelineSignal(db.Model):
    """What was learned: how often the person opened items on a topic. Nothing else is kept."""
    __tablename__ = "timeline_signals"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(String(60), primary_key=True)
    opens: Mapped[int] = mapped_column(Integer, default=0)
    last_opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AlertMark(db.Model):
    """Up to when each council's participation alerts have gone out."""
    __tablename__ = "timeline_alert_marks"
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), primary_key=True)
    sent_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
