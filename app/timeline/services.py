"""The timeline for one person, what it learns (only when they say so), and the alerts job."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select

from app.core.follows import interests_of, interested_in
from app.core.models import Council, User
from app.core.registry import TimelineItem, timeline_sources
from app.extensions import db
from app.timeline.models import AlertMark, TimelineLearning, TimelineSignal
from app.timeline.ranking import Ranked, Reader, rank

WINDOW_DAYS = 30  # how far back the timeline looks
PER_SOURCE = 50


def learning_enabled(user: User) -> bool:
    row = db.session.get(TimelineLearning, user.id)
    return bool(row and row.enabled)


def set_learning(user: User, enabled: bool) -> None:
    """Turn learning on or off. Off also forgets what was learned: nothing is kept unused."""
    row = db.session.get(TimelineLearning, user.id) or TimelineLearning(user_id=user.id)
    row.enabled = enabled
    row.changed_at = datetime.now(timezone.utc)
    db.session.add(row)
    if not enabled:
        db.session.execute(delete(TimelineSignal).where(TimelineSignal.user_id == user.id))
    db.session.commit()


def forget(user: User) -> None:
    """Reset: what was learned is deleted; learning stays as the person set it."""
    db.session.execute(delete(TimelineSignal).where(TimelineSignal.user_id == user.id))
    db.session.commit()


def learned(user: User) -> list[TimelineSignal]:
    return list(db.session.scalars(select(TimelineSignal).where(TimelineSignal.user_id == user.id)
                                   .order_by(TimelineSignal.opens.desc(), TimelineSignal.category)))


def record_open(user: User, category: str | None) -> bool:
    """Count one opened item on a topic, only if the person turned learning on."""
    if not category or not learning_enabled(user):
        return False
    signal = db.session.get(TimelineSignal, (user.id, category)) or TimelineSignal(user_id=user.id, category=category,
                                                                                   opens=0)
    signal.opens += 1
    signal.last_opened_at = datetime.now(timezone.utc)
    db.session.add(signal)
    db.session.commit()
    return True


def reader_for(user: User) -> Reader:
    topics, wards = interests_of(user)
    taught = {s.category: s.opens for s in learned(user)} if learning_enabled(user) else {}
    return Reader(ward_id=user.ward_id, followed_wards=set(wards), followed_topics=set(topics), learned=taught)


def collect(council_id: int, since: datetime, ward_ids: set[int] | None, categories: set[str] | None,
            limit: int = PER_SOURCE) -> list[TimelineItem]:
    items: list[TimelineItem] = []
    for entry in timeline_sources.entries():
        items.extend(entry.provider(council_id, since, ward_ids, categories, limit))
    return items


def timeline_for(user: User, now: datetime | None = None, limit: int = 10) -> tuple[Reader, list[Ranked]]:
    now = now or datetime.now(timezone.utc)
    reader = reader_for(user)
    wards = reader.followed_wards | ({reader.ward_id} if reader.ward_id else set())
    topics = reader.followed_topics | set(reader.learned)
    items = collect(user.council_id, now - timedelta(days=WINDOW_DAYS), wards, topics)
    return reader, rank(items, reader, now, limit)


# --- Participation alerts ----------------------------------------------------------------------

def _subscribers(council_id: int, item: TimelineItem) -> list[User]:
    """People who chose this item's topic or one of its wards (a council-wide item: its topic)."""
    people: dict[int, User] = {}
    if item.category:
        people.update((u.id, u) for u in interested_in(council_id, category=item.category))
    for ward_id in item.ward_ids:
        people.update((u.id, u) for u in interested_in(council_id, ward_id=ward_id, include_residents=False))
    return list(people.values())


def send_alerts(now: datetime | None = None) -> str:
    """Alert people to what appeared since the last run, by their chosen topics and wards.

    Each person's choice for the "timeline.alert" kind decides: as it happens, in the weekly
    digest, or not at all. The first run only sets the mark, so switching this on does not
    send a year of old items."""
    from app.timeline import notices

    now = now or datetime.now(timezone.utc)
    sent = 0
    for council in db.session.scalars(select(Council).order_by(Council.id)).all():
        mark = db.session.get(AlertMark, council.id)
        if mark is None:
            db.session.add(AlertMark(council_id=council.id, sent_until=now))
            db.session.commit()
            continue
        since = mark.sent_until if mark.sent_until.tzinfo else mark.sent_until.replace(tzinfo=timezone.utc)
        for item in collect(council.id, since, None, None, limit=500):
            if since < item.published_at <= now:
                sent += len(notices.alert(council.id, item, _subscribers(council.id, item)))
        mark.sent_until = now
        db.session.commit()
    return f"{sent} alerts"
