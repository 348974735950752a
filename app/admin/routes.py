from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import or_, select

from app.admin import bp, services
from app.admin.forms import (CouncilSettingsForm, PeopleSearchForm, PersonAccessForm, PollingCardImportForm, TeamForm,
                             retention_field)
from app.core.access import role_required
from app.core.forms import choices, per_item_form, uploaded_csv_text
from app.core.models import AuditEntry, CouncillorProfile, Role, Team, User, Ward
from app.core.retention import days_for, retention_kinds, set_days
from app.core.tenancy import current_council, get_scoped_or_404, scoped
from app.core.web import paginate, render_page
from app.extensions import db

admin_only = role_required(Role.ADMIN)


def role_label(role: Role) -> str:
    return {
        Role.RESIDENT: _("Resident"), Role.SUPPLIER: _("Supplier"), Role.COUNCILLOR: _("Councillor"),
        Role.MODERATOR: _("Moderator"), Role.STAFF: _("Staff"), Role.CASEWORKER: _("Caseworker"),
        Role.EVALUATOR: _("Evaluator"), Role.ADMIN: _("Administrator"),
    }[role]


@bp.app_context_processor
def admin_helpers() -> dict:
    return {"role_label": role_label}


@bp.get("/")
@admin_only
def index():
    return render_template("admin/index.html")


@bp.get("/people")
@admin_only
def people():
    form = PeopleSearchForm(request.args)
    query = scoped(User).where(User.deleted_at.is_(None)).order_by(User.display_name, User.id)
    if form.validate() and form.q.data:
        term = f"%{form.q.data.strip().lower()}%"
        query = query.where(or_(User.email.ilike(term), User.display_name.ilike(term)))
    page = paginate(query, per_page=25)
    return render_page("admin/people.html", fragment="admin/_people_results.html", target="people-results",
                       form=form, page=page)


@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
@admin_only
def person(user_id: int):
    user = get_scoped_or_404(User, user_id)
    teams = db.session.scalars(scoped(Team).order_by(Team.name)).all()
    form = PersonAccessForm()
    form.roles.choices = choices((r.value, role_label(r)) for r in Role)
    form.teams.choices = choices((str(t.id), t.name) for t in teams)
    wards = db.session.scalars(scoped(Ward).order_by(Ward.name)).all()
    form.represents.choices = choices([("", _("None"))] + [(str(w.id), w.name) for w in wards])
    if request.method == "GET":
        form.roles.data = sorted(r.value for r in user.roles)
        form.teams.data = [str(t.id) for t in user.teams]
        profile = db.session.get(CouncillorProfile, user.id)
        form.represents.data = str(profile.ward_id) if profile and profile.ward_id else ""
    if form.validate_on_submit():
        try:
            services.set_roles(user, {Role(v) for v in form.roles.data or []}, actor=current_user)
        except services.LastAdminError:
            form.roles.errors.append(_("You cannot remove your own administrator role. Ask another administrator."))
        else:
            services.set_teams(user, [t for t in teams if str(t.id) in (form.teams.data or [])])
            chosen = next((w.id for w in wards if str(w.id) == form.represents.data), None)
            services.set_represented_ward(user, chosen)
            flash(_("Roles and teams for %(name)s have been saved.", name=user.display_name), "success")
            return redirect(url_for("admin.person", user_id=user.id), 303)
    return render_template("admin/person.html", person=user, form=form)


@bp.route("/teams", methods=["GET", "POST"])
@admin_only
def teams():
    form = TeamForm()
    if form.validate_on_submit():
        if services.create_team(current_council(), form.name.data) is None:
            form.name.errors.append(_("A team with this name already exists"))
        else:
            flash(_("Team “%(name)s” created.", name=form.name.data.strip()), "success")
            return redirect(url_for("admin.teams"), 303)
    page = paginate(scoped(Team).order_by(Team.name), per_page=50)
    return render_template("admin/teams.html", form=form, page=page)


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@admin_only
def team(team_id: int):
    team = get_scoped_or_404(Team, team_id)
    form = TeamForm(obj=team)
    if request.method == "POST" and request.form.get("action") == "delete":
        # CSRFProtect has already checked the token of every POST.
        name = team.name
        services.delete_team(team)
        flash(_("Team “%(name)s” deleted.", name=name), "success")
        return redirect(url_for("admin.teams"), 303)
    if form.validate_on_submit():
        if services.rename_team(team, form.name.data):
            flash(_("Team renamed."), "success")
            return redirect(url_for("admin.team", team_id=team.id), 303)
        form.name.errors.append(_("A team with this name already exists"))
    return render_template("admin/team.html", team=team, form=form)


@bp.route("/council", methods=["GET", "POST"])
@admin_only
def council_settings():
    council = current_council()
    form = CouncilSettingsForm(obj=council)
    if form.validate_on_submit():
        services.update_council(council, {name: form[name].data if name != "pre_election_notice"
                                          else form[name].data.as_dict() for name in services.SETTINGS})
        flash(_("Council settings saved."), "success")
        return redirect(url_for("admin.council_settings"), 303)
    return render_template("admin/council.html", form=form)


@bp.route("/retention", methods=["GET", "POST"])
@admin_only
def retention():
    council = current_council()
    form, fields = per_item_form(sorted(retention_kinds.values(), key=lambda k: k.name),
                                 lambda kind: kind.name, lambda kind: retention_field(kind.label))
    if request.method == "GET":
        for kind, name in fields:
            form[name].data = days_for(council.id, kind)
    if form.validate_on_submit():
        for kind, name in fields:
            if form[name].data != days_for(council.id, kind):
                set_days(council.id, kind.name, form[name].data)
        flash(_("Retention periods saved."), "success")
        return redirect(url_for("admin.retention"), 303)
    return render_template("admin/retention.html", form=form, fields=fields)


@bp.route("/polling-cards", methods=["GET", "POST"])
@admin_only
def polling_cards():
    """Import an extract of the electoral register (name, address, ward, the code on each polling
    card), all or nothing, so residents can show with their card that they live in their ward."""
    from app.auth import services as accounts

    form = PollingCardImportForm()
    errors = []
    if form.validate_on_submit():
        text = uploaded_csv_text(form.file)
        if text is not None:
            added, errors = accounts.import_polling_cards(current_council(), text, current_user, messages={
                "missing_column": _("This column is missing"), "required": _("This is empty"),
                "too_many_rows": _("The file has more than 100,000 rows: split it"),
                "unknown_ward": _("No ward has this code or name"),
                "code_length": _("A code has 6 to 20 letters or numbers"),
                "duplicate_code": _("This code is already held, or is in the file twice")})
            if not errors:
                flash(ngettext("%(num)s polling card imported.", "%(num)s polling cards imported.", added), "success")
                return redirect(url_for("admin.polling_cards"), 303)
            form.file.errors.append(_("Nothing was imported: correct the rows listed below and import the file "
                                      "again."))
    held, used = accounts.polling_card_counts(current_council())
    return render_page("admin/polling_cards.html", status=400 if request.method == "POST" else 200, form=form,
                       errors=errors, held=held, used=used)


@bp.get("/audit")
@admin_only
def audit_log():
    page = paginate(select(AuditEntry).where(AuditEntry.council_id == current_council().id)
                    .order_by(AuditEntry.seq.desc()), per_page=50)
    actors = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_({e.actor_id for e in page.items if e.actor_id})))}
    return render_template("admin/audit.html", page=page, actors=actors)
