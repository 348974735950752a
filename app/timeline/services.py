"""The timeline for one person, what it learns (only when they say so), and the alerts job."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.core.follows import interests_of, interested_in
from app.core.models import Council, Interest, User
from app.core.registry import TimelineItem, timeline_sources
from app.extensions import db
from app.timeline.models import AlertSent, TimelineLearning, TimelineSignal
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


def reader_for(user: User, learning: bool | None = None) -> Reader:
    topics, wards = interests_of(user)
    learning = learning_enabled(user) if learning is None else learning
    taught = {s.category: s.opens for s in learned(user)} if learning else {}
    return Reader(ward_id=user.ward_id, followed_wards=set(wards), followed_topics=set(topics), learned=taught)


def collect(council_id: int, since: datetime, now: datetime, ward_ids: set[int] | None,
            categories: set[str] | None, limit: int = PER_SOURCE) -> list[TimelineItem]:
    items: list[TimelineItem] = []
    for entry in timeline_sources.entries():
        items.extend(entry.provider(council_id, since, now, ward_ids, categories, limit))
    return items


def timeline_for(user: User, now: datetime | None = None, limit: int = 10,
                 learning: bool | None = None) -> tuple[Reader, list[Ranked]]:
    """The person's timeline. Each source gives its newest PER_SOURCE items in the person's
    wards and topics (and the whole council's): enough for a first screen of ten."""
    now = now or datetime.now(timezone.utc)
    reader = reader_for(user, learning)
    wards = reader.followed_wards | ({reader.ward_id} if reader.ward_id else set())
    topics = reader.followed_topics | set(reader.learned)
    items = collect(user.council_id, now - timedelta(days=WINDOW_DAYS), now, wards, topics)
    return reader, rank(items, reader, now, limit)


# --- Participation alerts ----------------------------------------------------------------------

ALERT_WINDOW_DAYS = 7  # what appeared (or opened) in the last week is news; older is not alerted


def item_key(item: TimelineItem) -> str:
    return f"{item.source}:{item.object_id}:{item.event}"


def _subscribers(council_id: int, item: TimelineItem) -> list[User]:
    """People who chose this item's topic or one of its wards. An item for the whole council
    with no topic (a council-wide consultation) goes to everyone who chose any topic or ward."""
    people: dict[int, User] = {}
    if item.category:
        people.update((u.id, u) for u in interested_in(council_id, category=item.category))
    for ward_id in item.ward_ids:
        people.update((u.id, u) for u in interested_in(council_id, ward_id=ward_id, include_residents=False))
    if not item.category and not item.ward_ids:
        people.update((u.id, u) for u in db.session.scalars(
            select(User).where(User.council_id == council_id, User.deleted_at.is_(None),
                               User.id.in_(select(Interest.user_id))).order_by(User.id)))
    return list(people.values())


def send_alerts(now: datetime | None = None) -> str:
    """Alert people to what appeared in the last week and has not been alerted yet, by the
    topics and wards they chose. Each person's choice for the "timeline.alert" kind decides: as
    it happens, in the weekly digest, or not at all.

    Each item is claimed (a row under a unique key) and committed before its alerts go out, so
    two runs at once, or a run after a crash, never alert it twice; a crash between the claim
    and the sending loses that item's alerts rather than repeating them."""
    from app.timeline import notices

    now = now or datetime.now(timezone.utc)
    since = now - timedelta(days=ALERT_WINDOW_DAYS)
    sent = 0
    for council in db.session.scalars(select(Council).order_by(Council.id)).all():
        items = [i for i in collect(council.id, since, now, None, None, limit=1000) if i.published_at <= now]
        done = set(db.session.scalars(select(AlertSent.item_key).where(
            AlertSent.council_id == council.id, AlertSent.item_key.in_([item_key(i) for i in items]))))
        for item in sorted(items, key=lambda i: i.published_at):
            key = item_key(item)
            if key in done:
                continue
            try:
                db.session.add(AlertSent(council_id=council.id, item_key=key, sent_at=now))
                db.session.commit()
            except IntegrityError:
                db.session.rollback()  # another run claimed it
                continue
            sent += len(notices.alert(council.id, item, _subscribers(council.id, item)))
        db.session.execute(delete(AlertSent).where(AlertSent.council_id == council.id,
                                                   AlertSent.sent_at < now - timedelta(days=4 * ALERT_WINDOW_DAYS)))
        db.session.commit()
    return f"{sent} alerts"
