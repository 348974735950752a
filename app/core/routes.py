from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import force_locale, get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select, text, update

from app.core import bp
from app.core.access import active_user, public, role_required, signed_in
from app.core.categories import CATEGORIES
from app.core.councillors import ward_councillors
from app.core.follows import follow as follow_service, followables, interests_of, set_interests, unfollow
from app.core.forms import CouncillorProfileForm, FollowForm, InterestsForm, choices, delivery_field, per_item_form
from app.core.models import (AuditHead, CouncillorProfile, DeliveryMode, Notification, Role, Ward)
from app.core.notifications import (mode_for, notification_kinds, read_unsubscribe_token, render_text,
                                    set_mode)
from app.core.registry import dashboard_sections, home_sections, ward_sections
from app.core.tenancy import current_council, get_scoped_or_404, scoped
from app.core.web import paginate, render_page
from app.extensions import csrf, db, htmx


class _NoCouncil:
    """Stands in on the error page shown when no council answers on this host."""

    pre_election = False

    def name(self, locale: str = "en") -> str:
        return "Connected Council"


@bp.before_app_request
def require_council() -> None:
    """Every page belongs to a council; a host that maps to none gets 404 (health checks aside)."""
    if request.endpoint not in ("static", "core.healthz"):
        current_council()


@bp.app_context_processor
def layout_context() -> dict:
    from flask import has_request_context

    from app.core.tenancy import resolve_council

    if not has_request_context():
        # Emails and notifications rendered by jobs: no page layout, no reader signed in.
        return {"council": g.get("council") or _NoCouncil(), "unread_notifications": 0, "Role": Role,
                "is_following": lambda *_args: False}
    council = g.get("council") or resolve_council(request.host)
    unread = 0
    if current_user.is_authenticated:
        from app.core.notifications import unread_count
        unread = unread_count(current_user)
    return {"council": council or _NoCouncil(), "unread_notifications": unread, "Role": Role,
            "is_following": _is_following}


def _is_following(object_type: str, object_id: int) -> bool:
    from app.core.follows import is_following

    return current_user.is_authenticated and is_following(current_user, object_type, object_id)


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site relative paths, so a link cannot bounce people to another site.

    Browsers drop tabs and newlines and read a backslash as a slash, so a tab or a backslash
    after the first slash would leave the site: refuse control characters and backslashes."""
    if not target or not target.startswith("/") or "\\" in target:
        return fallback
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return fallback
    return target


@bp.get("/")
@public
def home():
    user = current_user if current_user.is_authenticated else None
    return render_template("core/home.html", sections=home_sections.collect(user))


@bp.get("/my-council")
@signed_in
def dashboard():
    return render_template("core/dashboard.html", sections=dashboard_sections.collect(current_user))


@bp.get("/language/<code>")
@public
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated:
            current_user.language = code
            db.session.commit()
    return redirect(safe_next(request.args.get("next"), url_for("core.home")), 303)


@bp.get("/healthz")
@public
def healthz():
    db.session.execute(text("SELECT 1"))
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.get("/ping")
@public
def ping():
    """A trivial page through the same request hooks: the baseline our benchmarks divide by."""
    return "pong", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/audit")
@public
def audit_heads():
    page = paginate(select(AuditHead).order_by(AuditHead.id.desc()), per_page=30)
    return render_template("core/audit_heads.html", page=page)


# --- Notifications -----------------------------------------------------------------------------

@bp.get("/notifications")
@signed_in
def notifications():
    page = paginate(select(Notification).where(Notification.user_id == current_user.id)
                    .order_by(Notification.created_at.desc(), Notification.id.desc()), per_page=20)
    locale = str(get_locale())
    items = [(note, *render_text(note, locale)) for note in page.items]
    return render_template("core/notifications.html", page=page, items=items)


@bp.get("/notifications/<int:note_id>")
@signed_in
def open_notification(note_id: int):
    note = db.session.scalar(select(Notification).where(Notification.id == note_id,
                                                        Notification.user_id == current_user.id))
    if note is None:
        abort(404)
    if note.read_at is None:
        note.read_at = datetime.now(timezone.utc)
        db.session.commit()
    return redirect(safe_next(note.link, url_for("core.notifications")), 303)


@bp.post("/notifications/read")
@signed_in
def mark_notifications_read():
    db.session.execute(update(Notification).where(Notification.user_id == current_user.id,
                                                  Notification.read_at.is_(None))
                       .values(read_at=datetime.now(timezone.utc)))
    db.session.commit()
    flash(_("All your notifications are marked as read."), "success")
    return redirect(url_for("core.notifications"), 303)


@bp.route("/notifications/settings", methods=["GET", "POST"])
@signed_in
def notification_settings():
    form, fields = per_item_form(sorted(notification_kinds.values(), key=lambda k: k.name),
                                 lambda kind: kind.name, lambda kind: delivery_field(kind.label))
    if request.method == "GET":
        for kind, name in fields:
            form[name].data = mode_for(current_user, kind).value
    if form.validate_on_submit():
        for kind, name in fields:
            set_mode(current_user, kind.name, DeliveryMode(form[name].data))
        flash(_("Your choices have been saved."), "success")
        return redirect(url_for("core.notification_settings"), 303)
    return render_template("core/notification_settings.html", form=form, fields=fields)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
@csrf.exempt  # the signed token is the authority; mail programs post here with one click (RFC 8058)
def unsubscribe(token: str):
    decoded = read_unsubscribe_token(token)
    user = active_user(current_council(), decoded[0]) if decoded else None
    kind = notification_kinds.get(decoded[1]) if decoded else None
    if user is None or kind is None:
        return render_template("core/unsubscribe.html", invalid=True), 400
    with force_locale(user.language):  # the page speaks the language the email was written in
        if request.method == "POST":
            set_mode(user, kind.name, DeliveryMode.OFF)
            return render_template("core/unsubscribe.html", done=True, kind=kind)
        return render_template("core/unsubscribe.html", kind=kind, token=token)


# --- Follows and interests ---------------------------------------------------------------------

@bp.post("/follow")
@signed_in
def follow_toggle():
    form = FollowForm()
    followable = followables.get(form.object_type.data or "")
    if not form.validate() or followable is None or not (form.object_id.data or "").isdigit():
        abort(400)
    obj = followable.load(current_council().id, int(form.object_id.data))
    if obj is None:
        abort(404)
    if form.action.data == "follow":
        follow_service(current_user, followable.name, obj.id)
    else:
        unfollow(current_user, followable.name, obj.id)
    if htmx and htmx.target == f"follow-{followable.name}-{obj.id}":
        return render_page("core/_follow_button.html", object_type=followable.name, obj=obj,
                           following=form.action.data == "follow", next_url=form.next.data)
    flash(_("You are following this.") if form.action.data == "follow" else _("You have stopped following this."),
          "success")
    return redirect(safe_next(form.next.data, followable.url(obj)), 303)


@bp.route("/account/interests", methods=["GET", "POST"])
@signed_in
def interests():
    form = InterestsForm()
    wards = db.session.scalars(scoped(Ward).order_by(Ward.name)).all()
    form.categories.choices = choices((key, str(label)) for key, label in CATEGORIES)
    form.wards.choices = choices((str(w.id), w.name) for w in wards)
    if request.method == "GET":
        chosen_categories, chosen_wards = interests_of(current_user)
        form.categories.data = chosen_categories
        form.wards.data = [str(w) for w in chosen_wards]
    if form.validate_on_submit():
        set_interests(current_user, form.categories.data or [], [int(w) for w in form.wards.data or []])
        flash(_("Your interests have been saved."), "success")
        return redirect(url_for("core.interests"), 303)
    return render_template("core/interests.html", form=form)


# --- Wards and councillors ---------------------------------------------------------------------

@bp.get("/wards")
@public
def wards():
    return render_template("core/wards.html", wards=db.session.scalars(scoped(Ward).order_by(Ward.name)).all())


@bp.get("/wards/<int:ward_id>")
@public
def ward_page(ward_id: int):
    ward = get_scoped_or_404(Ward, ward_id)
    rows = db.session.execute(ward_councillors(ward.id)).all()
    councillors = [user for user, _profile in rows]
    profiles = {user.id: profile for user, profile in rows}
    user = current_user if current_user.is_authenticated else None
    return render_template("core/ward.html", ward=ward, councillors=councillors, profiles=profiles,
                           sections=ward_sections.collect(ward, user))


@bp.route("/account/councillor-profile", methods=["GET", "POST"])
@role_required(Role.COUNCILLOR)
def councillor_profile():
    profile = db.session.get(CouncillorProfile, current_user.id) or CouncillorProfile(user_id=current_user.id, bio={})
    form = CouncillorProfileForm(obj=profile)
    if form.validate_on_submit():
        form.populate_obj(profile)
        db.session.add(profile)
        db.session.commit()
        flash(_("Your councillor profile has been saved."), "success")
        return redirect(url_for("core.councillor_profile"), 303)
    return render_template("core/councillor_profile.html", form=form)


# --- Privacy -----------------------------------------------------------------------------------

@bp.get("/privacy")
@public
def privacy():
    from app.core.retention import days_for, retention_kinds

    periods = [(kind.label, days_for(current_council().id, kind)) for kind in retention_kinds.values()]
    return render_template("core/privacy.html", periods=periods)


@bp.get("/cookies")
@public
def cookies():
    return render_template("core/cookies.html")
