"""Idempotency keys for writes: a form carries a random key (`idempotency_field()`, rendered
fresh on every page), and a view marked `@idempotent` acts once per key. The same key again gets
the first answer replayed (a redirect, or the htmx fragment); while the first is still being
handled, or if it never finished (its server died), a defined 409 that says to check before
sending again. A request without a key is handled as before.

The key is written and committed before the view runs, so two requests with one key cannot both
act (the second finds it); the answer is stored after. A server that dies between the two leaves
the key marked "being handled": the write may or may not have happened, and the client was never
told it did, so nothing acknowledged is lost or doubled."""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta, timezone
from functools import wraps
from typing import Callable

from flask import Response, request
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app.core.models import IdempotencyKey
from app.extensions import db

FIELD = "idempotency_key"
HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_STORED_BODY = 64 * 1024
KEEP_FOR = timedelta(days=1)


def idempotency_field() -> Markup:
    """The hidden field for a form whose post should act once: a new key each time it is rendered."""
    return Markup(f'<input type="hidden" name="{FIELD}" value="{secrets.token_urlsafe(24)}">')


def _key() -> str | None:
    key = request.headers.get(HEADER) or request.form.get(FIELD)
    return key if key and KEY_PATTERN.match(key) else None


def _user_id() -> int | None:
    return current_user.id if current_user and current_user.is_authenticated else None


def _replay(row: IdempotencyKey) -> Response:
    if row.path != request.path or row.user_id != _user_id():
        return Response(_("This form was sent with a key used for something else. Open the page again."), 422,
                        mimetype="text/plain")
    if row.status is None:
        return Response(_("This was sent already and is still being handled, or was interrupted. Look at the page "
                          "again to see whether it went through before sending it again."), 409,
                        mimetype="text/plain")
    response = Response(row.body or "", row.status, mimetype="text/html")
    if row.location:
        response.headers["Location"] = row.location
    response.headers["Idempotent-Replay"] = "true"
    return response


def idempotent(view: Callable) -> Callable:
    """Mark a write view: a POST that carries a key acts at most once for it."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        key = _key() if request.method == "POST" else None
        if key is None:
            return view(*args, **kwargs)
        existing = db.session.get(IdempotencyKey, key)
        if existing is not None:
            return _replay(existing)
        db.session.add(IdempotencyKey(key=key, user_id=_user_id(), path=request.path[:300]))
        try:
            db.session.commit()
        except IntegrityError:  # the same key, a moment ago, from a request still running
            db.session.rollback()
            return _replay(db.session.get(IdempotencyKey, key))
        try:
            response = view(*args, **kwargs)
        except Exception:
            db.session.rollback()
            _forget(key)  # nothing was done: the same key may try again
            raise
        response = _as_response(response)
        if response.status_code >= 500:
            _forget(key)
        else:
            _remember(key, response)
        return response
    return wrapper


def _as_response(value) -> Response:
    from flask import make_response

    return make_response(value)


def _remember(key: str, response: Response) -> None:
    body = None
    if response.status_code < 300 or response.status_code >= 400:
        data = response.get_data() if not response.is_streamed else b""
        body = data.decode("utf-8", "replace") if len(data) <= MAX_STORED_BODY else None
    db.session.execute(update(IdempotencyKey).where(IdempotencyKey.key == key).values(
        status=response.status_code, location=response.headers.get("Location"), body=body))
    db.session.commit()


def _forget(key: str) -> None:
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.key == key))
    db.session.commit()


def purge(now: datetime | None = None) -> int:
    """Drop keys older than a day: by then nobody retries."""
    cutoff = (now or datetime.now(timezone.utc)) - KEEP_FOR
    done = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff)).rowcount
    db.session.commit()
    return done


def stored(key: str) -> IdempotencyKey | None:
    return db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == key))
