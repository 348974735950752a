from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core import tokens
from app.core.access import signed_in
from app.core.routes import safe_next
from app.timeline import bp, ranking, services

OPEN_PURPOSE = "timeline-open"
OPEN_LINK_DAYS = 30


def open_link(user, url: str, category: str | None) -> str:
    """A timeline link: opening it counts toward the topic (if learning is on), then goes on.
    Signed for this person, so nobody else's link (or another site's) can teach their timeline
    things they never opened."""
    return url_for("timeline.open_item", t=tokens.sign(OPEN_PURPOSE, {"u": user.id, "url": url, "c": category or ""}))


@bp.get("/open")
@signed_in
def open_item():
    data = tokens.unsign(OPEN_PURPOSE, request.args.get("t", ""), max_age=OPEN_LINK_DAYS * 86400)
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        abort(404)
    if data.get("u") == current_user.id:
        services.record_open(current_user, data.get("c") or None)
    return redirect(safe_next(data["url"], url_for("core.dashboard")), 303)


@bp.get("/")
@signed_in
def settings():
    from app.core.categories import CATEGORIES
    from app.core.i18n import labels

    return render_template("timeline/settings.html", learning=services.learning_enabled(current_user),
                           learned=services.learned(current_user), rules=ranking,
                           topic_names=labels("categories", CATEGORIES))


@bp.post("/learning")
@signed_in
def learning():
    choice = request.form.get("learning")
    if choice not in ("on", "off"):
        abort(400)
    turn_on = choice == "on"
    services.set_learning(current_user, turn_on)
    flash(_("Your timeline now learns from what you open.") if turn_on else
          _("Your timeline no longer learns from what you open, and what it had learned is deleted."), "success")
    return redirect(url_for("timeline.settings"), 303)


@bp.post("/reset")
@signed_in
def reset():
    services.forget(current_user)
    flash(_("What your timeline had learned is deleted."), "success")
    return redirect(url_for("timeline.settings"), 303)
