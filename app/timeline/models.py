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


class AlertSent(db.Model):
    """A participation alert that has gone out (or is going): claimed before sending, so an
    item is alerted once, whenever it is published and however often the job runs."""
    __tablename__ = "timeline_alerts_sent"
    council_id: Mapped[int] = mapped_column(ForeignKey("councils.id"), primary_key=True)
    item_key: Mapped[str] = mapped_column(String(120), primary_key=True)  # "ideas:12:new"
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
