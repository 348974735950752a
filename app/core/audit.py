"""The audit log: one helper writes it; rows are chained by HMAC with a key from the environment.

Each row's mac = HMAC(key, prev_mac | canonical row). Editing a row breaks its mac; deleting or
reordering rows breaks the chain of sequence numbers and prev_macs; truncating the tail is caught
by comparing with the last published head; re-chaining without the key gives macs that do not
verify with it.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app, has_request_context
from flask_login import current_user
from sqlalchemy import select, text

from app.core.models import AuditEntry, AuditHead
from app.extensions import db

GENESIS = "0" * 64


def _canonical(entry: AuditEntry) -> bytes:
    at = entry.at
    if at.tzinfo is None:  # SQLite hands back naive datetimes; they were stored as UTC
        at = at.replace(tzinfo=timezone.utc)
    body = {
        "seq": entry.seq,
        "council_id": entry.council_id,
        "at": at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": entry.actor_id,
        "actor_role": entry.actor_role,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "details": entry.details or {},
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()


def compute_mac(key: str, prev_mac: str, entry: AuditEntry) -> str:
    return hmac.new(key.encode(), prev_mac.encode() + b"|" + _canonical(entry), hashlib.sha256).hexdigest()


def _lock_chain() -> None:
    """Two writers must not both chain onto the same last row: take the write lock first."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(727274)"))
    else:
        # A write statement, even one that changes nothing, takes SQLite's write lock, so a second
        # process waits here (busy_timeout) instead of reading the same last row.
        db.session.execute(text("UPDATE audit_heads SET seq = seq WHERE 1 = 0"))


def record(action: str, *, obj: object | None = None, object_type: str | None = None,
           object_id: object | None = None, details: dict | None = None,
           actor=None, actor_role: str | None = None, council_id: int | None = None) -> AuditEntry:
    """Add an audit row to the current transaction; the caller commits with its own change."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    if obj is not None:
        object_type = object_type or type(obj).__name__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
        council_id = council_id if council_id is not None else getattr(obj, "council_id", None)
    if council_id is None and actor is not None:
        council_id = actor.council_id
    if actor_role is None and actor is not None:
        roles = sorted(r.value for r in actor.roles)
        actor_role = ",".join(roles) or None
    _lock_chain()
    db.session.flush()
    last = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()
    entry = AuditEntry(
        seq=(last.seq + 1) if last else 1,
        council_id=council_id,
        at=datetime.now(timezone.utc),
        actor_id=getattr(actor, "id", None),
        actor_role=actor_role,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        details=details or {},
        prev_mac=last.mac if last else GENESIS,
    )
    entry.mac = compute_mac(current_app.config["AUDIT_HMAC_KEY"], entry.prev_mac, entry)
    db.session.add(entry)
    db.session.flush()
    return entry


@dataclass
class Verification:
    ok: bool
    checked: int
    problems: list[str]


def verify_chain(key: str) -> Verification:
    problems: list[str] = []
    prev_mac = GENESIS
    expected_seq = 1
    count = 0
    macs: dict[int, str] = {}
    for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        count += 1
        if entry.seq != expected_seq:
            problems.append(f"row id {entry.id}: sequence {entry.seq}, expected {expected_seq} "
                            "(a row was deleted, inserted or reordered)")
        if entry.prev_mac != prev_mac:
            problems.append(f"row seq {entry.seq}: does not chain to the row before it")
        if not hmac.compare_digest(entry.mac, compute_mac(key, entry.prev_mac, entry)):
            problems.append(f"row seq {entry.seq}: contents do not match its mac (edited, or "
                            "chained with another key)")
        macs[entry.seq] = entry.mac
        prev_mac = entry.mac
        expected_seq = entry.seq + 1
    head = db.session.scalars(select(AuditHead).order_by(AuditHead.id.desc()).limit(1)).first()
    if head is not None:
        if head.seq not in macs:
            problems.append(f"published head at seq {head.seq} is missing: the log was truncated")
        elif macs[head.seq] != head.mac:
            problems.append(f"row seq {head.seq} differs from the published head")
    return Verification(ok=not problems, checked=count, problems=problems)


def publish_head() -> AuditHead | None:
    """Record the chain's current end; idempotent when nothing was added since the last head."""
    last = db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()
    if last is None:
        return None
    head = db.session.scalars(select(AuditHead).order_by(AuditHead.id.desc()).limit(1)).first()
    if head is not None and head.seq == last.seq:
        return head
    head = AuditHead(seq=last.seq, mac=last.mac)
    db.session.add(head)
    db.session.commit()
    return head
