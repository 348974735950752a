"""Notifications: modules register kinds; one service delivers them in-app and by email.

A kind says who gets it and how it reads. Each person chooses per kind: as it happens, a weekly
digest, or off. Emails are rendered in the reader's language and carry a one-click unsubscribe.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

import logging

from flask import render_template
from flask_babel import force_locale, gettext as _
from sqlalchemy import delete, func, select

from app.core import tokens
from app.core.mail import send_mail
from app.core.registry import Catalogue
from app.core.models import Council, DeliveryMode, Notification, NotificationPreference, User
from app.core.web import absolute_link, external_url
from app.extensions import db

log = logging.getLogger(__name__)


@dataclass
class NotificationKind:
    name: str
    label: Any  # lazy string: shown on the preferences page
    subject: Any  # lazy string with %(param)s placeholders
    template: str  # text template rendered with `params`, in-app and in email
    recipients: Callable[[Any], Iterable[User]] | None = None  # who gets it, given the context
    default_mode: DeliveryMode = DeliveryMode.INSTANT


notification_kinds = Catalogue("notification kind")


def register_kind(kind: NotificationKind) -> None:
    notification_kinds.add(kind.name, kind)


def mode_for(user: User, kind: NotificationKind) -> DeliveryMode:
    pref = db.session.get(NotificationPreference, (user.id, kind.name))
    return pref.mode if pref else kind.default_mode


def _modes_for(kind_name: str, user_ids: list[int]) -> dict[int, DeliveryMode]:
    """Everyone's choice for one kind in a few queries, not one per recipient."""
    modes: dict[int, DeliveryMode] = {}
    for start in range(0, len(user_ids), 1000):
        chunk = user_ids[start:start + 1000]
        modes.update(db.session.execute(select(NotificationPreference.user_id, NotificationPreference.mode).where(
            NotificationPreference.kind == kind_name, NotificationPreference.user_id.in_(chunk))).all())
    return modes


def set_mode(user: User, kind_name: str, mode: DeliveryMode) -> None:
    pref = db.session.get(NotificationPreference, (user.id, kind_name))
    if pref is None:
        db.session.add(NotificationPreference(user_id=user.id, kind=kind_name, mode=mode))
    else:
        pref.mode = mode
    db.session.commit()


def render_text(notification: Notification, locale: str) -> tuple[str, str]:
    """(subject, body) of a notification in `locale`. A notification whose kind is gone or whose
    parameters no longer fit still shows something rather than breaking the page."""
    kind = notification_kinds.get(notification.kind)
    if kind is None:
        return notification.kind, ""
    params = _in_language(notification.params or {}, locale)
    with force_locale(locale):
        try:
            subject = str(kind.subject) % params
        except (KeyError, ValueError, TypeError):
            subject = str(kind.label)
        body = render_template(kind.template, params=params).strip()
    return subject, body


def _in_language(params: dict, locale: str) -> dict:
    """Staff-entered text passed as {"en": ..., "cy": ...} is read in the reader's language
    (or the other one when that is empty)."""
    from app.core.bilingual import BilingualText

    def pick(value):
        if isinstance(value, dict) and value and set(value) <= {"en", "cy"}:
            return BilingualText.of(value).pick(locale)[0]
        return value
    return {key: pick(value) for key, value in params.items()}


def notify(kind_name: str, *, council_id: int, params: dict | None = None, link: str | None = None,
           recipients: Iterable[User] | None = None, context: Any = None) -> list[Notification]:
    """Record the notification for each recipient and send the instant emails."""
    kind = notification_kinds[kind_name]
    people = list(recipients if recipients is not None else (kind.recipients(context) if kind.recipients else []))
    created: list[tuple[Notification, User]] = []
    seen: set[int] = set()
    chosen = _modes_for(kind_name, [user.id for user in people])
    for user in people:
        if user.id in seen or user.deleted_at is not None or user.council_id != council_id:
            continue
        seen.add(user.id)
        mode = chosen.get(user.id, kind.default_mode)
        if mode == DeliveryMode.OFF:
            continue
        note = Notification(council_id=council_id, user_id=user.id, kind=kind_name, params=params or {},
                            link=link, in_digest=mode == DeliveryMode.WEEKLY)
        db.session.add(note)
        created.append((note, user))
    db.session.commit()
    for note, user in created:
        if not note.in_digest and user.email:  # an account staff made without email: on the site only
            _email_one(note, user)
    db.session.commit()
    return [note for note, _user in created]


def unsubscribe_token(user: User, kind_name: str) -> str:
    # No expiry: an unsubscribe link in an old email must still work.
    return tokens.sign("unsubscribe", {"u": user.id, "k": kind_name})


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    data = tokens.unsign("unsubscribe", token)
    if not isinstance(data, dict):
        return None
    return data.get("u"), data.get("k")


def _unsubscribe_headers(url: str) -> dict[str, str]:
    # RFC 8058: mail programs can unsubscribe with one click, without opening a page.
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _email_one(note: Notification, user: User) -> None:
    from app.core.jobs import enqueue

    council = db.session.get(Council, note.council_id)
    subject, body = render_text(note, user.language)
    unsubscribe = external_url(council, "core.unsubscribe", token=unsubscribe_token(user, note.kind))
    with force_locale(user.language):
        text = render_template("core/email/notification.txt", body=body, link=absolute_link(council, note.link),
                               unsubscribe=unsubscribe, kind=notification_kinds[note.kind])
    enqueue(send_mail, user.email, subject, text, _unsubscribe_headers(unsubscribe))
    note.emailed_at = datetime.now(timezone.utc)


def send_weekly_digests() -> str:
    """One email per person merging every digest notification not yet emailed."""
    from app.core.jobs import enqueue

    pending = db.session.scalars(select(Notification).where(Notification.in_digest.is_(True),
                                                            Notification.emailed_at.is_(None))
                                 .order_by(Notification.user_id, Notification.created_at)).all()
    by_user: dict[int, list[Notification]] = {}
    for note in pending:
        by_user.setdefault(note.user_id, []).append(note)
    now = datetime.now(timezone.utc)
    sent = 0
    for user_id, notes in by_user.items():
        user = db.session.get(User, user_id)
        if user is None or user.deleted_at is not None or not user.email:
            continue
        council = db.session.get(Council, user.council_id)
        try:
            items = []
            for note in notes:
                subject, body = render_text(note, user.language)
                items.append({"subject": subject, "body": body, "link": absolute_link(council, note.link)})
            settings = external_url(council, "core.notification_settings")
            with force_locale(user.language):
                subject = _("Your weekly update: %(count)s new", count=len(items))
                text = render_template("core/email/digest.txt", items=items, settings=settings)
            enqueue(send_mail, user.email, subject, text)
        except Exception:
            # One person's failed email must not resend everyone else's: theirs waits for next week.
            db.session.rollback()
            log.exception("weekly digest for user %s failed", user_id)
            continue
        for note in notes:
            note.emailed_at = now
        db.session.commit()  # per person, so a later failure cannot resend this digest
        sent += 1
    return f"{sent} digests"


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def purge_notifications(council_id: int, cutoff: datetime) -> int:
    result = db.session.execute(delete(Notification).where(Notification.council_id == council_id,
                                                           Notification.created_at < cutoff))
    return result.rowcount or 0

