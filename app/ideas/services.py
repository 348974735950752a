"""What happens to ideas: submitting, supporting, arguing, moderating, merging and answering.

Views call these; none of them reads the request. Counters are changed with SQL arithmetic in
the same transaction as the rows they count, so they stay equal to the rows under concurrency.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.core import audit, fulltext
from app.core.councillors import ward_councillors
from app.core.models import Follow, Role, User, UserRole, utcnow
from app.core.richtext import render_markdown
from app.extensions import db
from app.ideas.models import (DECIDED, AppealOutcome, ArgumentRating, FlagReason, Idea, IdeaArgument, IdeaComment,
                              IdeaResponse, IdeaSettings, IdeaStatus, IdeaSupport, ModerationAppeal, ModerationFlag,
                              Side)

SUPPORTABLE = (IdeaStatus.OPEN, IdeaStatus.UNDER_REVIEW)
MILESTONES = (10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
RECENT_DAYS = 14
MONTH_DAYS = 30
TOP_IDEAS = 15


def settings_for(council_id: int) -> IdeaSettings:
    """The council's settings, or the defaults (not saved: reading a page never writes)."""
    return db.session.get(IdeaSettings, council_id) or IdeaSettings(council_id=council_id, support_threshold=100,
                                                                    response_days=28)


def save_settings(council_id: int, support_threshold: int, response_days: int) -> None:
    row = db.session.get(IdeaSettings, council_id)
    if row is None:
        row = IdeaSettings(council_id=council_id)
        db.session.add(row)
    before = {"support_threshold": row.support_threshold, "response_days": row.response_days}
    row.support_threshold, row.response_days = support_threshold, response_days
    audit.record("ideas.settings_changed", object_type="IdeaSettings", object_id=council_id, council_id=council_id,
                 details={"before": before, "after": {"support_threshold": support_threshold,
                                                      "response_days": response_days}})
    db.session.commit()


# --- Submitting and finding ideas -------------------------------------------------------------

def submit(author: User, *, title: str, body: str, category: str, ward_id: int | None, place_name: str | None,
           image_key: str | None = None, image_alt: str | None = None) -> Idea:
    idea = Idea(council_id=author.council_id, author_id=author.id, title=title.strip(), body=body.strip(),
                body_html=render_markdown(body), category=category, ward_id=ward_id,
                place_name=(place_name or "").strip() or None, image_key=image_key,
                image_alt=(image_alt or "").strip() or None)
    db.session.add(idea)
    db.session.flush()
    db.session.add(Follow(council_id=author.council_id, user_id=author.id, object_type="idea", object_id=idea.id))
    db.session.commit()
    return idea


def similar(council_id: int, title: str, limit: int = 5, exclude_id: int | None = None) -> list[Idea]:
    """Listed ideas whose words best match `title` (any word; the last one may be half typed)."""
    condition = "ideas.council_id = :council_id AND ideas.listed"
    params: dict = {"council_id": council_id}
    if exclude_id:
        condition += " AND ideas.id != :exclude_id"
        params["exclude_id"] = exclude_id
    ids = fulltext.ranked_ids("ideas", title, condition=condition, limit=limit, params=params)
    if not ids:
        return []
    by_id = {i.id: i for i in db.session.scalars(select(Idea).where(Idea.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]


SORTS = ("supported", "newest", "trending")
COMMON_WORD_MATCHES = 2000
LIST_COUNT_LIMIT = 1000  # lists say "more than 1,000" (50 pages) rather than count every idea
# What a card in a list shows: lists read only these columns, as plain rows (building 20 ORM
# objects cost a list page twice its query; bench/ideas.py).
CARD_COLUMNS = (Idea.id, Idea.title, Idea.category, Idea.ward_id, Idea.status, Idea.support_count,
                Idea.recent_support_count, Idea.updated_at)


@dataclass
class IdeaFilter:
    sort: str = "supported"
    ward_id: int | None = None
    whole_council: bool = False
    category: str | None = None
    status: IdeaStatus | None = None
    q: str = ""


def list_query(council_id: int, f: IdeaFilter, columns=None) -> Select:
    """The ideas a list shows, in its order: `Idea` objects, or rows of `columns`."""
    query = (select(*columns) if columns else select(Idea)).where(Idea.council_id == council_id, Idea.listed.is_(True))
    if f.ward_id:
        query = query.where(Idea.ward_id == f.ward_id)
    elif f.whole_council:
        query = query.where(Idea.ward_id.is_(None))
    if f.category:
        query = query.where(Idea.category == f.category)
    if f.status:
        query = query.where(Idea.status == f.status)
    # A common word matches thousands: then walk the ideas in the list's order and keep the
    # matching ones, stopping after a page, instead of sorting every match (SQLite otherwise
    # sorted 20,000 matches for "park": 19 ms; bench/ideas.py).
    common = bool(f.q) and db.engine.dialect.name == "sqlite" and \
        fulltext.matches_at_least("ideas", f.q, COMMON_WORD_MATCHES)
    condition = fulltext.match_condition("ideas", f.q, filter_only=common)
    if condition is not None:
        query = query.where(condition)
    if f.sort == "newest":
        return query.order_by(Idea.id.desc())
    if f.sort == "trending":
        return query.where(Idea.recent_support_count > 0).order_by(Idea.recent_support_count.desc(), Idea.id.desc())
    return query.order_by(Idea.support_count.desc(), Idea.id.desc())


def supported_ids(user: User | None, idea_ids: list[int]) -> set[int]:
    """Which of these ideas the person supports: one query for a whole list."""
    if user is None or not getattr(user, "is_authenticated", False) or not idea_ids:
        return set()
    return set(db.session.scalars(select(IdeaSupport.idea_id).where(IdeaSupport.user_id == user.id,
                                                                    IdeaSupport.idea_id.in_(idea_ids))))


# --- Support ----------------------------------------------------------------------------------

class NotSupportable(Exception):
    """The idea is hidden, merged or decided: it takes no more support."""


def can_support(idea: Idea) -> bool:
    return idea.listed and idea.status in SUPPORTABLE


def support(idea: Idea, user: User) -> bool:
    """Add the person's support. True if this call added it; False if it was already there.

    The counter update comes first and only matches an idea still taking support, so an idea
    hidden, merged or decided a moment ago refuses it; on PostgreSQL it also locks the idea's row
    for the rest of the transaction. The unique (idea, person) constraint then decides between
    simultaneous clicks: the loser's insert fails, its transaction (counter included) is rolled
    back and it reports "already supported"."""
    idea_id, council_id, user_id, ward_id = idea.id, idea.council_id, user.id, user.ward_id
    # Finish any read transaction first: on SQLite the write must be what starts the transaction,
    # so that a busy database makes it wait (busy_timeout) instead of failing.
    db.session.commit()
    try:
        new_count = db.session.execute(
            update(Idea).where(Idea.id == idea_id, Idea.listed.is_(True), Idea.status.in_(SUPPORTABLE))
            .values(support_count=Idea.support_count + 1, recent_support_count=Idea.recent_support_count + 1,
                    month_support_count=Idea.month_support_count + 1)
            .returning(Idea.support_count)).scalar_one_or_none()
        if new_count is None:
            db.session.rollback()
            raise NotSupportable
        db.session.execute(insert(IdeaSupport).values(idea_id=idea_id, user_id=user_id, council_id=council_id,
                                                      ward_id=ward_id, created_at=utcnow()))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    db.session.expire_all()
    _after_support(idea_id, new_count)
    return True


def withdraw(idea: Idea, user: User) -> bool:
    """Take the person's support back. True if there was one."""
    idea_id, user_id = idea.id, user.id
    db.session.commit()
    created = db.session.execute(delete(IdeaSupport).where(IdeaSupport.idea_id == idea_id,
                                                           IdeaSupport.user_id == user_id)
                                 .returning(IdeaSupport.created_at)).scalar_one_or_none()
    if created is None:
        db.session.rollback()
        return False
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    age = utcnow() - created
    values = {"support_count": Idea.support_count - 1}
    if age < timedelta(days=RECENT_DAYS):
        values["recent_support_count"] = Idea.recent_support_count - 1
    if age < timedelta(days=MONTH_DAYS):
        values["month_support_count"] = Idea.month_support_count - 1
    db.session.execute(update(Idea).where(Idea.id == idea_id).values(**values))
    db.session.commit()
    db.session.expire_all()
    return True


def _after_support(idea_id: int, new_count: int) -> None:
    from app.ideas import notices

    milestone = max((m for m in MILESTONES if m <= new_count), default=0)
    if milestone:
        # Claimed with a conditional update: each milestone is announced once, even when people
        # withdraw and support again around it, or two supports land together.
        claimed = db.session.execute(update(Idea).where(Idea.id == idea_id, Idea.last_milestone < milestone)
                                     .values(last_milestone=milestone)).rowcount
        db.session.commit()
        idea = db.session.get(Idea, idea_id)
        if claimed and idea.author_id:
            notices.milestone(idea, milestone)
    check_threshold(idea_id)


def check_threshold(idea_id: int) -> None:
    """Past the council's threshold, the idea is owed a response by a due date; the ward's
    councillors are asked, once."""
    from app.ideas import notices

    idea = db.session.get(Idea, idea_id)
    settings = settings_for(idea.council_id)
    if idea.support_count < settings.support_threshold or idea.threshold_reached_at is not None:
        return
    due = date.today() + timedelta(days=settings.response_days)
    claimed = db.session.execute(update(Idea).where(Idea.id == idea_id, Idea.threshold_reached_at.is_(None))
                                 .values(threshold_reached_at=utcnow(), response_due=due)).rowcount
    db.session.commit()
    if claimed:
        db.session.refresh(idea)
        notices.threshold_reached(idea)


def supporters(idea_id: int) -> list[User]:
    return list(db.session.scalars(select(User).join(IdeaSupport, IdeaSupport.user_id == User.id)
                                   .where(IdeaSupport.idea_id == idea_id, User.deleted_at.is_(None))))


WINDOW_BATCH = 500


def refresh_support_windows(now: datetime | None = None) -> str:
    """Recount the 14- and 30-day support windows from the rows (hourly).

    Between refreshes a new support bumps the windows at once; an old one ages out here. The
    counts are read first, then written 500 ideas per transaction: one transaction over 100,000
    ideas held SQLite's write lock for 15 s, long enough for supports to fail (bench/ideas.py).
    A support that lands during the refresh may be missed until the next hour, never counted twice."""
    now = now or utcnow()
    windows = {
        "recent_support_count": (now - timedelta(days=RECENT_DAYS), now + timedelta(days=1)),
        "month_support_count": (now - timedelta(days=MONTH_DAYS), now + timedelta(days=1)),
        "previous_month_support_count": (now - timedelta(days=2 * MONTH_DAYS), now - timedelta(days=MONTH_DAYS)),
    }
    counts: dict[int, dict[str, int]] = {}
    for column, (start, end) in windows.items():
        for idea_id, n in db.session.execute(select(IdeaSupport.idea_id, func.count())
                                             .where(IdeaSupport.created_at >= start, IdeaSupport.created_at < end)
                                             .group_by(IdeaSupport.idea_id)):
            counts.setdefault(idea_id, {})[column] = n
    stale = set(db.session.scalars(select(Idea.id).where((Idea.recent_support_count != 0) |
                                                         (Idea.month_support_count != 0) |
                                                         (Idea.previous_month_support_count != 0))))
    db.session.commit()  # end the read before writing
    zero = {column: 0 for column in windows}
    changes = [(idea_id, {**zero, **counts.get(idea_id, {})}) for idea_id in sorted(stale | set(counts))]
    for start in range(0, len(changes), WINDOW_BATCH):
        for idea_id, values in changes[start:start + WINDOW_BATCH]:
            db.session.execute(update(Idea).where(Idea.id == idea_id).values(**values))
        db.session.commit()
    return f"{len(counts)} ideas with recent support"


# --- Arguments and comments -------------------------------------------------------------------

def add_argument(idea: Idea, author: User, side: Side, body: str) -> IdeaArgument:
    from app.ideas import notices

    argument = IdeaArgument(idea_id=idea.id, author_id=author.id, side=side, body=body.strip())
    db.session.add(argument)
    db.session.commit()
    notices.new_argument(idea, argument)
    return argument


def rate_helpful(argument: IdeaArgument, user: User) -> bool:
    """Mark an argument helpful, once per person. True if this call counted."""
    argument_id, user_id = argument.id, user.id
    db.session.commit()
    try:
        db.session.execute(insert(ArgumentRating).values(argument_id=argument_id, user_id=user_id))
        db.session.execute(update(IdeaArgument).where(IdeaArgument.id == argument_id)
                           .values(helpful_count=IdeaArgument.helpful_count + 1))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    db.session.expire_all()
    return True


def arguments_for(idea_id: int) -> dict[str, list[IdeaArgument]]:
    """{"for": [...], "against": [...]}, most helpful first."""
    rows = db.session.scalars(select(IdeaArgument).where(IdeaArgument.idea_id == idea_id)
                              .order_by(IdeaArgument.helpful_count.desc(), IdeaArgument.id)).all()
    return {side.value: [a for a in rows if a.side == side] for side in Side}


def rated_ids(user: User | None, arguments: list[IdeaArgument]) -> set[int]:
    if user is None or not getattr(user, "is_authenticated", False) or not arguments:
        return set()
    return set(db.session.scalars(select(ArgumentRating.argument_id).where(
        ArgumentRating.user_id == user.id, ArgumentRating.argument_id.in_([a.id for a in arguments]))))


MAX_DEPTH = 3  # replies to replies to replies; deeper replies join the deepest thread shown


@dataclass
class Thread:
    comment: IdeaComment
    replies: list[Thread]
    depth: int


def add_comment(idea: Idea, author: User, body: str, parent_id: int | None) -> IdeaComment:
    parent = db.session.get(IdeaComment, parent_id) if parent_id else None
    if parent is not None and parent.idea_id != idea.id:
        parent = None
    comment = IdeaComment(idea_id=idea.id, author_id=author.id, body=body.strip(),
                          parent_id=parent.id if parent else None)
    db.session.add(comment)
    db.session.commit()
    return comment


def comment_threads(idea_id: int) -> list[Thread]:
    rows = db.session.scalars(select(IdeaComment).where(IdeaComment.idea_id == idea_id)
                              .options(selectinload(IdeaComment.author)).order_by(IdeaComment.id)).all()
    nodes = {c.id: Thread(c, [], 0) for c in rows}
    roots: list[Thread] = []
    for c in rows:
        node = nodes[c.id]
        parent = nodes.get(c.parent_id) if c.parent_id else None
        while parent is not None and parent.depth >= MAX_DEPTH:
            parent = nodes.get(parent.comment.parent_id)
        if parent is None:
            roots.append(node)
        else:
            node.depth = parent.depth + 1
            parent.replies.append(node)
    return roots


# --- Moderation -------------------------------------------------------------------------------

MODERATED = {"idea": Idea, "argument": IdeaArgument, "comment": IdeaComment}


def moderated_object(council_id: int, object_type: str, object_id: int):
    """The idea, argument or comment, if it belongs to this council."""
    model = MODERATED.get(object_type)
    obj = db.session.get(model, object_id) if model else None
    if obj is None:
        return None
    idea = obj if isinstance(obj, Idea) else obj.idea
    return obj if idea.council_id == council_id else None


def idea_of(obj) -> Idea:
    return obj if isinstance(obj, Idea) else obj.idea


def type_of(obj) -> str:
    return {Idea: "idea", IdeaArgument: "argument", IdeaComment: "comment"}[type(obj)]


def flag(reporter: User, obj, reason: FlagReason, detail: str) -> bool:
    """Report content to the moderators. False if this person already reported it."""
    db.session.add(ModerationFlag(council_id=idea_of(obj).council_id, object_type=type_of(obj), object_id=obj.id,
                                  reporter_id=reporter.id, reason=reason, detail=detail.strip()))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def open_flags_query(council_id: int) -> Select:
    """Reports not yet dealt with, oldest first."""
    return (select(ModerationFlag).where(ModerationFlag.council_id == council_id, ModerationFlag.resolved_at.is_(None))
            .order_by(ModerationFlag.created_at, ModerationFlag.id))


def with_objects(council_id: int, rows) -> list[tuple[object, object]]:
    """Each flag or appeal with the idea, argument or comment it is about (one page at a time)."""
    return [(row, moderated_object(council_id, row.object_type, row.object_id)) for row in rows]


def open_flags_on(obj) -> list[ModerationFlag]:
    return list(db.session.scalars(select(ModerationFlag).where(
        ModerationFlag.object_type == type_of(obj), ModerationFlag.object_id == obj.id,
        ModerationFlag.resolved_at.is_(None)).order_by(ModerationFlag.id)))


def _resolve_flags(obj, moderator: User) -> None:
    db.session.execute(update(ModerationFlag).where(ModerationFlag.object_type == type_of(obj),
                                                    ModerationFlag.object_id == obj.id,
                                                    ModerationFlag.resolved_at.is_(None))
                       .values(resolved_at=utcnow(), resolved_by_id=moderator.id))


def hide(moderator: User, obj, reason: str) -> None:
    from app.ideas import notices

    obj.hidden_at, obj.hidden_reason, obj.hidden_by_id = utcnow(), reason.strip(), moderator.id
    if isinstance(obj, Idea):
        obj.listed = False
    _resolve_flags(obj, moderator)
    audit.record("ideas.hidden", object_type=type_of(obj), object_id=obj.id, council_id=idea_of(obj).council_id,
                 details={"reason": obj.hidden_reason, "idea_id": idea_of(obj).id})
    db.session.commit()
    notices.moderation(obj, "hidden")


def restore(moderator: User, obj, *, via_appeal: bool = False) -> None:
    obj.hidden_at = obj.hidden_reason = obj.hidden_by_id = None
    if isinstance(obj, Idea):
        obj.listed = obj.status != IdeaStatus.MERGED
    _resolve_flags(obj, moderator)
    audit.record("ideas.restored", object_type=type_of(obj), object_id=obj.id, council_id=idea_of(obj).council_id,
                 details={"idea_id": idea_of(obj).id, "via_appeal": via_appeal})
    if not via_appeal:
        db.session.commit()


def dismiss_flags(moderator: User, obj) -> None:
    _resolve_flags(obj, moderator)
    audit.record("ideas.flags_dismissed", object_type=type_of(obj), object_id=obj.id,
                 council_id=idea_of(obj).council_id, details={"idea_id": idea_of(obj).id})
    db.session.commit()


def _same_moment(a: datetime | None, b: datetime | None) -> bool:
    if a is None or b is None:
        return False
    return a.replace(tzinfo=a.tzinfo or timezone.utc) == b.replace(tzinfo=b.tzinfo or timezone.utc)


def appeal_for(obj) -> ModerationAppeal | None:
    """The appeal against the current hiding of `obj`, if the author has made one."""
    latest = db.session.scalars(select(ModerationAppeal).where(ModerationAppeal.object_type == type_of(obj),
                                                               ModerationAppeal.object_id == obj.id)
                                .order_by(ModerationAppeal.id.desc()).limit(1)).first()
    return latest if latest is not None and _same_moment(latest.hidden_at, obj.hidden_at) else None


class AppealRefused(Exception):
    pass


def appeal(author: User, obj, statement: str) -> ModerationAppeal:
    """The author asks for a second look, once per hiding. Raises AppealRefused otherwise."""
    if obj.author_id != author.id or not obj.is_hidden or appeal_for(obj) is not None:
        raise AppealRefused
    row = ModerationAppeal(council_id=idea_of(obj).council_id, object_type=type_of(obj), object_id=obj.id,
                           author_id=author.id, statement=statement.strip(), hidden_by_id=obj.hidden_by_id,
                           hidden_at=obj.hidden_at)
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AppealRefused
    return row


def open_appeals_query(council_id: int) -> Select:
    return (select(ModerationAppeal).where(ModerationAppeal.council_id == council_id,
                                           ModerationAppeal.decided_at.is_(None))
            .order_by(ModerationAppeal.created_at, ModerationAppeal.id))


def can_decide(moderator: User, appeal_row: ModerationAppeal) -> bool:
    """A different moderator from the one who hid it decides the appeal, and never the author."""
    return (appeal_row.decided_at is None and appeal_row.hidden_by_id != moderator.id
            and appeal_row.author_id != moderator.id)


def decide_appeal(moderator: User, appeal_row: ModerationAppeal, outcome: AppealOutcome, reason: str) -> None:
    from app.ideas import notices

    if not can_decide(moderator, appeal_row):
        raise AppealRefused
    obj = moderated_object(appeal_row.council_id, appeal_row.object_type, appeal_row.object_id)
    appeal_row.decided_at, appeal_row.decided_by_id = utcnow(), moderator.id
    appeal_row.outcome, appeal_row.decision_reason = outcome, reason.strip()
    if outcome == AppealOutcome.RESTORED and obj is not None:
        restore(moderator, obj, via_appeal=True)
    audit.record("ideas.appeal_decided", object_type=appeal_row.object_type, object_id=appeal_row.object_id,
                 council_id=appeal_row.council_id, details={"outcome": outcome.value, "reason": reason.strip()})
    db.session.commit()
    if obj is not None:
        notices.moderation(obj, "appeal_" + outcome.value, reason=reason.strip())


class MergeRefused(Exception):
    pass


def merge(moderator: User, source: Idea, target: Idea) -> int:
    """Merge `source` into `target`: its supporters and followers move across, nobody twice.
    A response the source was owed passes to the target. Returns the target's support count."""
    from app.ideas import notices

    if source.id == target.id or source.council_id != target.council_id or not target.listed \
            or not source.listed:
        raise MergeRefused
    source_id, target_id = source.id, target.id
    # Lock both ideas so that no support lands on either while supporters move: row locks on
    # PostgreSQL; on SQLite a write that changes nothing takes the database's write lock first.
    db.session.commit()
    if db.engine.dialect.name == "sqlite":
        db.session.execute(update(Idea).where(Idea.id == -1).values(listed=False))
    locked = {i.id: i for i in db.session.scalars(select(Idea).where(Idea.id.in_([source_id, target_id]))
                                                  .order_by(Idea.id).with_for_update())}
    source, target = locked[source_id], locked[target_id]
    before = {"source_supports": source.support_count, "target_supports": target.support_count}
    already = select(IdeaSupport.user_id).where(IdeaSupport.idea_id == target_id)
    db.session.execute(update(IdeaSupport).where(IdeaSupport.idea_id == source_id,
                                                 IdeaSupport.user_id.not_in(already))
                       .values(idea_id=target_id))
    db.session.execute(delete(IdeaSupport).where(IdeaSupport.idea_id == source_id))  # the doubles
    following = select(Follow.user_id).where(Follow.object_type == "idea", Follow.object_id == target_id)
    db.session.execute(update(Follow).where(Follow.object_type == "idea", Follow.object_id == source_id,
                                            Follow.user_id.not_in(following)).values(object_id=target_id))
    db.session.execute(delete(Follow).where(Follow.object_type == "idea", Follow.object_id == source_id))
    rows = select(func.count()).select_from(IdeaSupport).where(IdeaSupport.idea_id == target_id).scalar_subquery()
    db.session.execute(update(Idea).where(Idea.id == target_id).values(support_count=rows))
    if source.threshold_reached_at and source.status not in DECIDED and target.status not in DECIDED:
        # The council's duty to answer does not disappear by merging: the earlier deadline stands.
        if target.threshold_reached_at is None or (source.response_due and target.response_due
                                                   and source.response_due < target.response_due):
            target.threshold_reached_at = target.threshold_reached_at or source.threshold_reached_at
            target.response_due = source.response_due
    source.support_count = source.recent_support_count = source.month_support_count = 0
    source.previous_month_support_count = 0
    source.status, source.merged_into_id, source.listed = IdeaStatus.MERGED, target_id, False
    db.session.flush()
    total = db.session.scalar(select(Idea.support_count).where(Idea.id == target_id))
    audit.record("ideas.merged", object_type="idea", object_id=source_id, council_id=source.council_id,
                 details={"into": target_id, **before, "target_supports_after": total})
    db.session.commit()
    refresh_support_windows()
    check_threshold(target_id)
    source, target = db.session.get(Idea, source_id), db.session.get(Idea, target_id)
    notices.merged(source, target)
    return total


# --- Council responses ------------------------------------------------------------------------

def respond(responder: User, idea: Idea, decision: IdeaStatus, reason: str, next_step: str) -> IdeaResponse:
    from app.ideas import notices

    response = IdeaResponse(idea_id=idea.id, responder_id=responder.id, decision=decision, reason=reason.strip(),
                            next_step=(next_step or "").strip())
    db.session.add(response)
    idea.status = decision
    idea.responded_at = utcnow()
    idea.updated_at = utcnow()
    audit.record("ideas.responded", object_type="idea", object_id=idea.id, council_id=idea.council_id,
                 details={"decision": decision.value})
    db.session.commit()
    notices.council_response(idea, response)
    return response


def responses_of(idea_id: int) -> list[IdeaResponse]:
    return list(db.session.scalars(select(IdeaResponse).where(IdeaResponse.idea_id == idea_id)
                                   .order_by(IdeaResponse.id.desc())))


def awaiting_response_query(council_id: int, ward_id: int | None = None) -> Select:
    """Ideas past the threshold without a decision, soonest due first. "Under review" is a
    holding reply, not a decision: the idea stays owed until it is decided."""
    query = select(Idea).where(Idea.council_id == council_id, Idea.listed.is_(True),
                               Idea.threshold_reached_at.isnot(None), Idea.status.not_in(DECIDED))
    if ward_id:
        query = query.where(Idea.ward_id == ward_id)
    return query.order_by(Idea.response_due, Idea.id)


def overdue_query(council_id: int, today: date | None = None) -> Select:
    return (awaiting_response_query(council_id).where(Idea.response_due < (today or date.today())))


@dataclass
class TopIdea:
    idea: Idea
    trend: int  # supports in the last 30 days minus the 30 days before
    wards: list[tuple[str, int]]  # supporters per ward, most first
    other_wards: int


def top_ideas(council_id: int, ward_names: dict[int, str], limit: int = TOP_IDEAS) -> list[TopIdea]:
    """The month's most supported new or rising ideas that are still open for a decision."""
    ideas = db.session.scalars(select(Idea).where(Idea.council_id == council_id, Idea.listed.is_(True),
                                                  Idea.month_support_count > 0, Idea.status.in_(SUPPORTABLE))
                               .order_by(Idea.month_support_count.desc(), Idea.id.desc()).limit(limit)).all()
    spread: dict[int, list[tuple[int | None, int]]] = {}
    if ideas:
        rows = db.session.execute(select(IdeaSupport.idea_id, IdeaSupport.ward_id, func.count())
                                  .where(IdeaSupport.idea_id.in_([i.id for i in ideas]))
                                  .group_by(IdeaSupport.idea_id, IdeaSupport.ward_id))
        for idea_id, ward_id, n in rows:
            spread.setdefault(idea_id, []).append((ward_id, n))
    result = []
    for idea in ideas:
        per_ward = sorted(spread.get(idea.id, []), key=lambda pair: -pair[1])
        named = [(ward_names.get(w, ""), n) for w, n in per_ward if w in ward_names]
        result.append(TopIdea(idea, idea.month_support_count - idea.previous_month_support_count, named[:3],
                              max(0, len(named) - 3)))
    return result


def can_respond(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role(Role.COUNCILLOR, Role.STAFF, Role.ADMIN))


def councillors_for(idea: Idea) -> list[User]:
    """Who is asked to answer: the ward's councillors, or every councillor for a council-wide idea."""
    if idea.ward_id:
        people = [user for user, _profile in db.session.execute(ward_councillors(idea.ward_id))]
        if people:
            return people
    return list(db.session.scalars(select(User).join(UserRole, UserRole.user_id == User.id)
                                   .where(User.council_id == idea.council_id, UserRole.role == Role.COUNCILLOR,
                                          User.deleted_at.is_(None))))


def send_monthly_top_ideas(today: date | None = None) -> str:
    """On the first of the month, every councillor gets the month's top ideas to answer."""
    from app.core.models import Council
    from app.ideas import notices

    today = today or date.today()
    if today.day != 1:
        return "not the first of the month"
    sent = 0
    for council in db.session.scalars(select(Council)):
        top = top_ideas(council.id, {})
        if not top:
            continue
        councillors = list(db.session.scalars(select(User).join(UserRole, UserRole.user_id == User.id).where(
            User.council_id == council.id, UserRole.role == Role.COUNCILLOR, User.deleted_at.is_(None))))
        notices.monthly_top(council.id, councillors, len(top), [row.idea.title for row in top])
        sent += len(councillors)
    return f"{sent} councillors told"
