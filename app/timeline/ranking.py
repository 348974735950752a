"""The timeline's score: plain rules anyone can read, each giving a reason shown beside the
item. No Flask here; reasons are codes with values, put into words by the template."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from app.core.registry import TimelineItem

# Points per rule. A person's own ward matters most; a topic they chose, a ward they follow
# and something closing within a week come next; each time they opened the topic adds one,
# up to LEARNED_CAP, so learning can lift a topic but never bury their own choices.
OWN_WARD = 3
FOLLOWED_WARD = 2
FOLLOWED_TOPIC = 2
WHOLE_COUNCIL = 1
CLOSING_SOON = 2
CLOSING_SOON_DAYS = 7
NEW = 1
NEW_DAYS = 3
LEARNED_CAP = 5


@dataclass
class Reader:
    ward_id: int | None = None
    followed_wards: set[int] = field(default_factory=set)
    followed_topics: set[str] = field(default_factory=set)
    learned: dict[str, int] = field(default_factory=dict)  # topic -> times opened; empty when off


@dataclass
class Ranked:
    item: TimelineItem
    score: int
    reasons: list[tuple[str, dict]]  # (code, values): "own_ward", "followed_topic", ...


def score(item: TimelineItem, reader: Reader, now: datetime) -> Ranked:
    points, reasons = 0, []
    wards = set(item.ward_ids)
    if reader.ward_id is not None and reader.ward_id in wards:
        points += OWN_WARD
        reasons.append(("own_ward", {"ward_id": reader.ward_id}))
    followed = sorted((wards & reader.followed_wards) - {reader.ward_id})
    if followed:
        points += FOLLOWED_WARD
        reasons.append(("followed_ward", {"ward_id": followed[0]}))
    if not wards:
        points += WHOLE_COUNCIL
        reasons.append(("whole_council", {}))
    if item.category and item.category in reader.followed_topics:
        points += FOLLOWED_TOPIC
        reasons.append(("followed_topic", {"topic": item.category}))
    opened = reader.learned.get(item.category or "", 0)
    if opened:
        points += min(opened, LEARNED_CAP)
        reasons.append(("learned", {"topic": item.category, "count": opened}))
    today = now.date()
    if isinstance(item.closes_on, date) and today <= item.closes_on <= today + timedelta(days=CLOSING_SOON_DAYS):
        points += CLOSING_SOON
        reasons.append(("closing_soon", {"days": (item.closes_on - today).days}))
    if item.published_at and now - item.published_at <= timedelta(days=NEW_DAYS):
        points += NEW
        reasons.append(("new", {}))
    return Ranked(item, points, reasons)


def rank(items: list[TimelineItem], reader: Reader, now: datetime, limit: int = 10) -> list[Ranked]:
    """Highest score first; the newest first among equals; items that match none of the person's
    places or topics left out; one entry per thing (its latest news, e.g. a response to an idea)."""
    ranked = [r for r in (score(item, reader, now) for item in items)
              if any(code not in ("new", "closing_soon") for code, _v in r.reasons)]
    ranked.sort(key=lambda r: (-r.score, -r.item.published_at.timestamp(), r.item.source, r.item.object_id))
    seen: set[tuple[str, int]] = set()
    unique = []
    for r in ranked:
        if (r.item.source, r.item.object_id) not in seen:
            seen.add((r.item.source, r.item.object_id))
            unique.append(r)
    return unique[:limit]
