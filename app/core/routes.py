from __future__ import annotations

from flask import current_app, g, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import select, text

from app.core import bp
from app.core.access import public, signed_in
from app.core.models import AuditHead
from app.core.registry import dashboard_sections, home_sections
from app.core.tenancy import current_council
from app.core.web import paginate
from app.extensions import db


class _NoCouncil:
    """Stands in on the error page shown when no council answers on this host."""

    def name(self, locale: str = "en") -> str:
        return "Connected Council"


@bp.before_app_request
def require_council() -> None:
    """Every page belongs to a council; a host that maps to none gets 404 (health checks aside)."""
    if request.endpoint not in ("static", "core.healthz"):
        current_council()


@bp.app_context_processor
def layout_context() -> dict:
    from app.core.tenancy import resolve_council

    council = g.get("council") or resolve_council(request.host)
    return {"council": council or _NoCouncil()}


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site relative paths, so a link cannot bounce people to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return fallback


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
