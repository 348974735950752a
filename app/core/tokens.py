"""Signed tokens for links in emails: one helper, a salt per purpose so tokens never cross over."""
from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"cc-{purpose}")


def sign(purpose: str, data: Any) -> str:
    return _serializer(purpose).dumps(data)


def unsign(purpose: str, token: str, max_age: int | None = None) -> Any | None:
    """The signed data, or None when the token is forged, for another purpose, or too old."""
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None


def code_hash(code: str, purpose: str | None = None) -> str:
    """The one hash of a short code a person types (polling card, sign-in, recovery, ballot code).

    Keyed with the site's secret, so a stolen database alone is not enough to try guesses against
    the hashes. Case, spaces and dashes are ignored: people copy codes from paper."""
    import hashlib
    import hmac

    normalised = code.strip().lower().replace("-", "").replace(" ", "")
    message = f"{purpose}:{normalised}" if purpose else normalised
    return hmac.new(current_app.config["SECRET_KEY"].encode(), message.encode(), hashlib.sha256).hexdigest()
