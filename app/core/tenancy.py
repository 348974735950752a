"""The request's council, and the one helper every query uses to stay inside it."""
from __future__ import annotations

from typing import TypeVar

from flask import abort, g, request
from sqlalchemy import Select, select

from app.core.models import Council
from app.extensions import db

T = TypeVar("T")


# Built once: every request runs it, and building a statement costs more than SQLite running it.
_ALL_COUNCILS = select(Council).order_by(Council.id)


def resolve_council(host: str) -> Council | None:
    """The council whose host names include `host`; otherwise the default council."""
    host = host.split(":", 1)[0].lower()
    councils = db.session.scalars(_ALL_COUNCILS).all()
    for council in councils:
        if host in council.hosts():
            return council
    for council in councils:
        if council.is_default:
            return council
    return None


def current_council() -> Council:
    if "council" not in g:
        council = resolve_council(request.host)
        if council is None:
            abort(404)
        g.council = council
    return g.council


def scoped(model: type[T]) -> Select[tuple[T]]:
    """`select(model)` limited to the request's council. Every council-owned query starts here."""
    return select(model).where(model.council_id == current_council().id)  # type: ignore[attr-defined]


def get_scoped_or_404(model: type[T], ident: int) -> T:
    row = db.session.scalars(scoped(model).where(model.id == ident)).first()  # type: ignore[attr-defined]
    if row is None:
        abort(404)
    return row
