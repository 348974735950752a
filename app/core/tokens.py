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
