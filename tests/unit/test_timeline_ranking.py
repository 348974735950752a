"""The timeline's score, without Flask: each rule, its reason, and the order it gives."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from app.core.registry import TimelineItem
from app.timeline.ranking import LEARNED_CAP, Reader, rank, score

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


def item(object_id, *, wards=(), topic=None, days_old=10, closes_on=None, source="ideas"):
    return TimelineItem(source, object_id, "new", "New idea", f"Item {object_id}", f"/ideas/{object_id}",
                        NOW - timedelta(days=days_old), topic, tuple(wards), closes_on)


def codes(ranked):
    return [code for code, _values in ranked.reasons]


def test_own_ward_comes_before_a_followed_ward_before_the_whole_council():
    reader = Reader(ward_id=1, followed_wards={2})
    ranked = rank([item(1, wards=()), item(2, wards=(2,)), item(3, wards=(1,))], reader, NOW)
    assert [r.item.object_id for r in ranked] == [3, 2, 1]
    assert [codes(r) for r in ranked] == [["own_ward"], ["followed_ward"], ["whole_council"]]


def test_items_for_other_wards_on_other_topics_are_left_out():
    reader = Reader(ward_id=1, followed_topics={"transport"})
    ranked = rank([item(1, wards=(5,), topic="parks"), item(2, wards=(5,), topic="transport")], reader, NOW)
    assert [r.item.object_id for r in ranked] == [2]
    assert ranked[0].reasons == [("followed_topic", {"topic": "transport"})]


def test_being_new_or_closing_soon_alone_does_not_put_an_item_on_the_timeline():
    reader = Reader(ward_id=1)
    assert rank([item(1, wards=(9,), days_old=0, closes_on=NOW.date())], reader, NOW) == []


def test_closing_soon_and_new_add_points_with_their_reasons():
    reader = Reader(ward_id=1)
    soon = score(item(1, wards=(1,), closes_on=NOW.date() + timedelta(days=2)), reader, NOW)
    later = score(item(2, wards=(1,), closes_on=NOW.date() + timedelta(days=30)), reader, NOW)
    fresh = score(item(3, wards=(1,), days_old=1), reader, NOW)
    assert soon.score > later.score and ("closing_soon", {"days": 2}) in soon.reasons
    assert "closing_soon" not in codes(later)
    assert fresh.score == later.score + 1 and "new" in codes(fresh)
    past = score(item(4, wards=(1,), closes_on=date(2026, 11, 1)), reader, NOW)
    assert "closing_soon" not in codes(past)


def test_what_was_learned_lifts_a_topic_up_to_a_cap():
    plain = Reader(ward_id=1)
    taught = Reader(ward_id=1, learned={"transport": 3})
    items = [item(1, wards=(1,), topic="parks", days_old=10), item(2, topic="transport", days_old=5)]
    assert [r.item.object_id for r in rank(items, plain, NOW)] == [1, 2]
    relearned = rank(items, taught, NOW)
    assert [r.item.object_id for r in relearned] == [2, 1]
    assert ("learned", {"topic": "transport", "count": 3}) in relearned[0].reasons
    capped = score(item(3, topic="transport"), Reader(learned={"transport": 40}), NOW)
    assert capped.score == 1 + LEARNED_CAP  # whole council + the cap, however many opens


def test_newest_first_among_equals_and_one_entry_per_thing():
    reader = Reader(ward_id=1)
    response = item(7, wards=(1,), days_old=5)
    first_posted = item(7, wards=(1,), days_old=20)
    other = item(8, wards=(1,), days_old=10)
    ranked = rank([first_posted, other, response], reader, NOW)
    assert [(r.item.object_id, r.item.published_at) for r in ranked] == [
        (7, response.published_at), (8, other.published_at)]
