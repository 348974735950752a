"""Shared-device safety, for every page whatever module serves it: on a registered kiosk every
answer is `Cache-Control: no-store`, the session ends after the kiosk's idle time (shown on every
page, with "I need more time"), and "Finish and clear" ends it at once. Display settings (larger
text, high contrast, less motion) are here too: the layout reads both."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from flask import Flask, g, redirect, request, session, url_for
from flask_login import current_user, logout_user

from app.core.models import as_utc
from app.core.tenancy import current_council
from app.kiosk.models import KioskDevice
from app.kiosk.services import DEVICE_COOKIE, device_for_token

LAST_ACTIVE = "kiosk_last"  # session: when the person last did something here (epoch seconds)
WARN_SECONDS = 120  # the warning dialog opens two minutes before the end
# Pages that must work when a session has just timed out, or that only read the clock.
_QUIET_ENDPOINTS = {"static"}


def current_device() -> KioskDevice | None:
    """The kiosk this request comes from, if the machine carries a registered kiosk's cookie."""
    if "kiosk_device" not in g:
        token = request.cookies.get(DEVICE_COOKIE)
        g.kiosk_device = device_for_token(current_council(), token) if token else None
    return g.kiosk_device


def seconds_left(device: KioskDevice) -> int:
    last = session.get(LAST_ACTIVE) or time.time()
    return max(0, int(last + device.idle_minutes * 60 - time.time()))


def end_session() -> None:
    """Sign out and forget everything the session held (the kiosk's own cookie stays)."""
    logout_user()
    session.clear()


def _has_personal_state() -> bool:
    return bool(current_user.is_authenticated or any(key not in (LAST_ACTIVE, "_fresh", "lang", "display", "csrf_token")
                                                     for key in session))


def idle_too_long(device: KioskDevice, now: float) -> bool:
    last = session.get(LAST_ACTIVE)
    # At or past the end: the page's countdown ends the session at that moment, never a moment early.
    return last is not None and now - last >= device.idle_minutes * 60


def _before_request():
    if request.endpoint in _QUIET_ENDPOINTS:
        return None
    from flask import flash
    from flask_babel import gettext as _

    if not request.cookies.get(DEVICE_COOKIE):
        return None
    device = current_device()
    if device is None:
        # The kiosk was unregistered (or its key is unknown): whoever was using it is signed out
        # and the machine forgets the key, so nothing carries on without the kiosk's limits.
        if session.get(LAST_ACTIVE) is not None:
            end_session()
            response = redirect(url_for("core.home"), 303)
            response.delete_cookie(DEVICE_COOKIE)
            return response
        return None
    now = time.time()
    if idle_too_long(device, now) and _has_personal_state():
        end_session()
        flash(_("Your session ended because nothing happened for %(minutes)s minutes. Nothing of yours "
                "is left on this computer.", minutes=device.idle_minutes), "warning")
        return redirect(url_for("kiosk.start"), 303)
    session[LAST_ACTIVE] = now
    if device.last_seen_at is None or (datetime.now(timezone.utc) - as_utc(device.last_seen_at)).total_seconds() > 300:
        from app.extensions import db

        device.last_seen_at = datetime.now(timezone.utc)
        db.session.commit()
    return None


def _after_request(response):
    # Whatever module answered: nothing a person did on a shared machine may be kept by its
    # browser, so Back after "Finish and clear" asks the server again and finds nothing.
    if request.cookies.get(DEVICE_COOKIE) and g.get("kiosk_device") is not None:
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("ETag", None)
    return response


def kiosk_state() -> dict | None:
    """What the layout shows on a kiosk: when the session ends, and the kiosk's own actions."""
    if not request.cookies.get(DEVICE_COOKIE):
        return None
    device = current_device()
    if device is None:
        return None
    from flask_babel import format_time

    left = seconds_left(device)
    ends = datetime.fromtimestamp(time.time() + left, tz=timezone.utc)
    return {"device": device, "seconds_left": left, "ends_at": format_time(ends, "HH:mm"),
            "warn_seconds": WARN_SECONDS, "here": request.full_path.rstrip("?")}


# --- Display settings -------------------------------------------------------------------------

DISPLAY_CHOICES = {"text": ("normal", "large", "larger"), "contrast": ("normal", "high"),
                   "motion": ("normal", "reduce")}


def parse_display(value: str | None) -> dict[str, str]:
    """{"text": "large", ...} from the stored form "text-large contrast-high"; unknown parts ignored."""
    chosen = {key: options[0] for key, options in DISPLAY_CHOICES.items()}
    for part in (value or "").split():
        key, _sep, option = part.partition("-")
        if option in DISPLAY_CHOICES.get(key, ()):
            chosen[key] = option
    return chosen


def format_display(chosen: dict[str, str]) -> str:
    return " ".join(f"{key}-{chosen[key]}" for key in DISPLAY_CHOICES if chosen.get(key, "normal") != "normal")


def display_classes() -> str:
    """The classes on <html>: the account's choice when signed in, else the session's."""
    if current_user.is_authenticated and current_user.display_settings is not None:
        return current_user.display_settings
    return session.get("display", "")


def on_kiosk() -> bool:
    return bool(request.cookies.get(DEVICE_COOKIE)) and current_device() is not None


def install(app: Flask) -> None:
    app.before_request(_before_request)
    app.after_request(_after_request)
    app.jinja_env.globals.update(kiosk_state=kiosk_state, display_classes=display_classes, on_kiosk=on_kiosk)
