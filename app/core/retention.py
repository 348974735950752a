"""Retention: each kind of personal data has a period; `flask retention run` purges what is
older and writes each purge to the audit log."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from sqlalchemy import select

from app.core import audit
from app.core.models import Council, RetentionSetting
from app.core.registry import Catalogue
from app.extensions import db


@dataclass
class RetentionKind:
    name: str
    label: Any  # lazy string
    default_days: int
    purge: Callable[[int, datetime], int]  # (council_id, cutoff) -> rows purged


retention_kinds = Catalogue("retention kind")


def register_retention(kind: RetentionKind) -> None:
    retention_kinds.add(kind.name, kind)


def days_for(council_id: int, kind: RetentionKind) -> int:
    setting = db.session.get(RetentionSetting, (council_id, kind.name))
    return setting.days if setting else kind.default_days


def set_days(council_id: int, kind_name: str, days: int) -> None:
    setting = db.session.get(RetentionSetting, (council_id, kind_name))
    before = setting.days if setting else retention_kinds[kind_name].default_days
    if setting is None:
        db.session.add(RetentionSetting(council_id=council_id, kind=kind_name, days=days))
    else:
        setting.days = days
    audit.record("retention.setting_changed", object_type="RetentionSetting", object_id=kind_name,
                 council_id=council_id, details={"from_days": before, "to_days": days})
    db.session.commit()


def run_retention(now: datetime | None = None) -> dict[str, int]:
    now = now or datetime.now(timezone.utc)
    totals: dict[str, int] = {}
    for council in db.session.scalars(select(Council).order_by(Council.id)):
        for kind in retention_kinds.values():
            days = days_for(council.id, kind)
            count = kind.purge(council.id, now - timedelta(days=days))
            audit.record("retention.purged", object_type="RetentionKind", object_id=kind.name,
                         council_id=council.id, actor_role="system",
                         details={"older_than_days": days, "purged": count})
            db.session.commit()
            totals[kind.name] = totals.get(kind.name, 0) + count
    return totals
