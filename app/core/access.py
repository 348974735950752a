"""One role check and one explicit public marker; every endpoint carries exactly one of them."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import abort, request, session
from flask_login import current_user
from sqlalchemy import select

from app.core.models import Role, User
from app.core.tenancy import current_council
from app.extensions import db, login_manager

ACCESS_ATTR = "_cc_access"


def public(view: Callable) -> Callable:
    """Open to anyone, signed in or not."""
    setattr(view, ACCESS_ATTR, "public")
    return view


def role_required(*roles: Role, any_signed_in: bool = False) -> Callable:
    """Signed in and holding one of `roles` (or any signed-in person with any_signed_in=True).

    Anonymous visitors are sent to sign in; signed-in people without the role get 403.
    """
    if not roles and not any_signed_in:
        raise ValueError("name at least one role, or pass any_signed_in=True")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapper, ACCESS_ATTR, ("roles", frozenset(roles), any_signed_in))
        return wrapper

    return decorate


signed_in = role_required(any_signed_in=True)
# Council staff pages: staff, and administrators who can do everything staff can.
staff_only = role_required(Role.STAFF, Role.ADMIN)


def access_of(view: Callable) -> object:
    return getattr(view, ACCESS_ATTR, None)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    user = load_user_for_session_id(session_id)
    # Staff roles count as signed in only once the second factor is done in this session.
    if user is not None and user.needs_two_factor and not session.get("two_factor"):
        return None
    return user


def active_user(council, user_id: object) -> User | None:
    """The council's account with this id, unless it has been deleted."""
    if not isinstance(user_id, int):
        return None
    return db.session.scalar(select(User).where(User.id == user_id, User.council_id == council.id,
                                                User.deleted_at.is_(None)))


def load_user_for_session_id(session_id: str) -> User | None:
    """The account a session id names ("id:version"), in this council, if that session is current."""
    try:
        user_id, version = (int(part) for part in session_id.split(":", 1))
    except ValueError:
        return None
    user = active_user(current_council(), user_id)
    if user is None or user.session_version != version:
        return None
    return user


def client_ip() -> str:
    return request.remote_addr or "unknown"
