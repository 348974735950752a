"""Follows and interests: who wants to hear about an object, a ward or a category.

Modules register what can be followed (`register_followable`) and ask `followers(...)` and
`interested_in(...)` when something happens.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from app.core.models import Follow, Interest, User
from app.core.registry import Catalogue
from app.extensions import db


@dataclass
class Followable:
    name: str  # "idea", "consultation", "challenge"
    load: Callable[[int, int], Any]  # (council_id, object_id) -> object or None
    title: Callable[[Any], str]
    url: Callable[[Any], str]


followables = Catalogue("followable")


def register_followable(followable: Followable) -> None:
    followables.add(followable.name, followable)


def follow(user: User, object_type: str, object_id: int) -> Follow:
    existing = db.session.scalar(select(Follow).where(Follow.user_id == user.id, Follow.object_type == object_type,
                                                      Follow.object_id == object_id))
    if existing:
        return existing
    row = Follow(council_id=user.council_id, user_id=user.id, object_type=object_type, object_id=object_id)
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:  # the same click sent twice: the first one won
        db.session.rollback()
    return row


def unfollow(user: User, object_type: str, object_id: int) -> None:
    db.session.execute(delete(Follow).where(Follow.user_id == user.id, Follow.object_type == object_type,
                                            Follow.object_id == object_id))
    db.session.commit()


def is_following(user: User, object_type: str, object_id: int) -> bool:
    return db.session.scalar(select(Follow.id).where(Follow.user_id == user.id, Follow.object_type == object_type,
                                                     Follow.object_id == object_id)) is not None


def followers(council_id: int, object_type: str, object_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).join(Follow, Follow.user_id == User.id)
        .where(Follow.council_id == council_id, Follow.object_type == object_type, Follow.object_id == object_id,
               User.deleted_at.is_(None)).order_by(User.id)))


def set_interests(user: User, categories: list[str], ward_ids: list[int]) -> None:
    db.session.execute(delete(Interest).where(Interest.user_id == user.id))
    for key in sorted(set(categories)):
        db.session.add(Interest(user_id=user.id, kind="category", value=key))
    for ward_id in sorted(set(ward_ids)):
        db.session.add(Interest(user_id=user.id, kind="ward", value=str(ward_id)))
    db.session.commit()


def interests_of(user: User) -> tuple[list[str], list[int]]:
    rows = db.session.scalars(select(Interest).where(Interest.user_id == user.id)).all()
    return ([r.value for r in rows if r.kind == "category"], [int(r.value) for r in rows if r.kind == "ward"])


def interested_in(council_id: int, *, ward_id: int | None = None, category: str | None = None,
                  include_residents: bool = True) -> list[User]:
    """People who chose this ward or category, and for a ward also the people who live there
    (unless `include_residents` is False: only those who chose it)."""
    conditions = []
    if ward_id is not None:
        if include_residents:
            conditions.append(User.ward_id == ward_id)
        conditions.append(User.id.in_(select(Interest.user_id).where(Interest.kind == "ward",
                                                                     Interest.value == str(ward_id))))
    if category is not None:
        conditions.append(User.id.in_(select(Interest.user_id).where(Interest.kind == "category",
                                                                     Interest.value == category)))
    if not conditions:
        return []
    return list(db.session.scalars(select(User).where(User.council_id == council_id, User.deleted_at.is_(None),
                                                      or_(*conditions)).order_by(User.id)))
