from __future__ import annotations

import json
from decimal import Decimal

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, gettext as _
from sqlalchemy.orm import selectinload

from app.core.access import public, staff_only
from app.core.charts import hbar_chart
from app.core.forms import choices, uploaded_csv_text
from app.core.i18n import money
from app.core.models import Ward
from app.core.tenancy import current_council, get_scoped_or_404, scoped
from app.core.web import paginate, render_page
from app.extensions import db
from app.services import bp, importing, oruk, services
from app.services.forms import (CHANNEL_LABELS, CostsForm, DirectorySearchForm, FiguresImportForm, MeasureForm,
                                ServiceForm, TargetForm)
from app.services.models import CHANNELS, Service, ServiceStatus

DEFAULT_TARGET = Decimal("75")


def _ward_choices(blank: str | None = None):
    wards = db.session.scalars(scoped(Ward).order_by(Ward.name)).all()
    return choices(([("", blank)] if blank else []) + [(str(w.id), w.name) for w in wards])


# --- The public directory ---------------------------------------------------------------------

@bp.get("/")
@public
def directory():
    form = DirectorySearchForm(request.args)
    form.ward.choices = _ward_choices(_("Any ward"))
    q, ward_id = "", None
    if form.validate():
        q = form.q.data or ""
        ward_id = int(form.ward.data) if (form.ward.data or "").isdigit() else None
    page = paginate(services.directory_query(current_council().id, q, ward_id), per_page=20)
    return render_page("services/directory.html", fragment="services/_results.html", target="service-results",
                       form=form, page=page, searched=bool(q or ward_id))


@bp.get("/<int:service_id>")
@public
def detail(service_id: int):
    service = get_scoped_or_404(Service, service_id)
    if service.status != ServiceStatus.ACTIVE:
        abort(404)
    return render_template("services/detail.html", service=service, measures=_measure_charts(service),
                           channel_labels=dict(CHANNEL_LABELS))


def _measure_charts(service: Service):
    charts = []
    for measure in service.measures:
        values = measure.values[-12:]
        rows = [(format_date(v.month, "MMM yyyy"), float(v.value), f"{v.value:g} {measure.unit}".strip()) for v in values]
        # Narrow enough for a phone (320 CSS pixels): the chart macro draws at its own width.
        charts.append((measure, values, hbar_chart(rows, width=290, label_width=80)))
    return charts


# --- Open Referral UK export ------------------------------------------------------------------

def _organization():
    return services.organization(current_council(), url_for("services.directory", _external=True))


@bp.get("/oruk/services.json")
@public
def oruk_services():
    per_page = min(max(request.args.get("per_page", 50, type=int) or 50, 1), 200)
    # ORUK's list parameters: search (words), page, per_page.
    query = services.directory_query(current_council().id, (request.args.get("search") or "")[:100])
    page = paginate(query, per_page=per_page, page=request.args.get("page", 1, type=int))
    org = _organization()
    body = oruk.service_list([services.oruk_record(s, org) for s in page.items], page.total, page.page, per_page)
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")


@bp.get("/oruk/services/<uuid>.json")
@public
def oruk_service(uuid: str):
    service = db.session.scalar(scoped(Service).where(Service.uuid == uuid, Service.status == ServiceStatus.ACTIVE))
    if service is None:
        abort(404)
    return Response(json.dumps(services.oruk_record(service, _organization()), ensure_ascii=False),
                    mimetype="application/json")


# --- Staff: the register, edits, measures -----------------------------------------------------

@bp.get("/staff")
@staff_only
def staff_list():
    query = services.directory_query(current_council().id, include_inactive=True).options(selectinload(Service.team))
    page = paginate(query, per_page=50)
    return render_template("services/staff.html", page=page)


def _service_form(service: Service | None = None) -> ServiceForm:
    form = ServiceForm(obj=service)
    form.team.choices = choices([("", _("Choose a team"))] +
                                [(str(t.id), t.name) for t in services.teams(current_council().id)])
    form.wards.choices = _ward_choices()
    if service is not None and request.method == "GET":
        form.team.data = str(service.team_id or "")
        form.wards.data = [str(w.id) for w in service.wards]
        form.status.data = service.status.value
        form.channels.data = list(service.channels or [])
    return form


def _service_input(form: ServiceForm) -> services.ServiceInput:
    return services.ServiceInput(
        name=form.name.data.strip(), description=form.description.data, team_id=int(form.team.data),
        eligibility=form.eligibility.data or "", how_to_access=form.how_to_access.data or "",
        channels=list(form.channels.data or []), needs=form.needs.data or "", email=form.email.data or None,
        phone=form.phone.data or None, url=form.url.data or None, address=form.address.data or None,
        opening_hours=form.opening_hours.data or "", ward_ids=[int(w) for w in form.wards.data or []],
        status=ServiceStatus(form.status.data))


@bp.route("/new", methods=["GET", "POST"])
@staff_only
def new_service():
    form = _service_form()
    if form.validate_on_submit():
        if services.name_taken(current_council().id, form.name.data):
            form.name.errors.append(_("A service with this name is already in the register"))
        else:
            service = services.create_service(current_council(), _service_input(form))
            flash(_("The service is added to the register."), "success")
            return redirect(url_for("services.channel_shift", service_id=service.id), 303)
    return render_template("services/service_form.html", form=form, service=None)


@bp.route("/<int:service_id>/edit", methods=["GET", "POST"])
@staff_only
def edit_service(service_id: int):
    service = get_scoped_or_404(Service, service_id)
    form = _service_form(service)
    if form.validate_on_submit():
        if services.name_taken(current_council().id, form.name.data, except_id=service.id):
            form.name.errors.append(_("A service with this name is already in the register"))
        else:
            services.update_service(service, _service_input(form))
            flash(_("The service is saved."), "success")
            return redirect(url_for("services.channel_shift", service_id=service.id), 303)
    return render_template("services/service_form.html", form=form, service=service)


@bp.route("/<int:service_id>/measures", methods=["GET", "POST"])
@staff_only
def add_measure(service_id: int):
    service = get_scoped_or_404(Service, service_id)
    form = MeasureForm()
    if form.validate_on_submit():
        if any(m.name.lower() == form.name.data.strip().lower() for m in service.measures):
            form.name.errors.append(_("This service already publishes a measure with this name"))
        else:
            services.add_measure(service, form.name.data, form.unit.data or "", form.higher_is_better.data)
            flash(_("The measure is added. Upload its monthly values with the figures CSV."), "success")
            return redirect(url_for("services.channel_shift", service_id=service.id), 303)
    return render_template("services/measure_form.html", form=form, service=service)


# --- Channel shift ----------------------------------------------------------------------------

def _channel_shift_page(service: Service | None):
    form = TargetForm(request.args if "target" in request.args else None, data={"target": DEFAULT_TARGET})
    target = DEFAULT_TARGET
    if "target" in request.args and form.validate():
        target = form.target.data
    shift = services.channel_shift(current_council().id, target, service.id if service else None)
    labels = dict(CHANNEL_LABELS)
    share_chart = hbar_chart([(format_date(m.month, "MMM yyyy"), m.share, f"{m.share:.0f}%")
                              for m in shift.shares[-24:]], label_width=90)
    cost_chart = None
    if shift.projection:
        p = shift.projection
        share = "%g" % p.target_share
        cost_chart = hbar_chart([(_("Cost now"), float(p.cost_now), money(p.cost_now)),
                                 (_("With %(share)s%% online", share=share), float(p.cost_at_target),
                                  money(p.cost_at_target))], highlight={1}, label_width=170, width=660)
    return render_template("services/channel_shift.html", service=service, form=form, shift=shift,
                           share_chart=share_chart, cost_chart=cost_chart, labels=labels,
                           measures=_measure_charts(service) if service else [])


@bp.get("/channel-shift")
@staff_only
def council_channel_shift():
    return _channel_shift_page(None)


@bp.get("/<int:service_id>/channel-shift")
@staff_only
def channel_shift(service_id: int):
    return _channel_shift_page(get_scoped_or_404(Service, service_id))


@bp.route("/costs", methods=["GET", "POST"])
@staff_only
def costs():
    council = current_council()
    form = CostsForm(data=services.unit_costs(council.id))
    if form.validate_on_submit():
        services.set_unit_costs(council.id, {c: getattr(form, c).data for c in CHANNELS})
        flash(_("Unit costs saved."), "success")
        return redirect(url_for("services.council_channel_shift"), 303)
    return render_template("services/costs.html", form=form)


# --- Monthly figures upload -------------------------------------------------------------------

@bp.get("/import/template.csv")
@staff_only
def import_template():
    names = sorted({m.name for s in db.session.scalars(scoped(Service)) for m in s.measures})
    return Response(importing.template_csv(names), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="service-figures-template.csv"'})


@bp.route("/import", methods=["GET", "POST"])
@staff_only
def import_figures():
    form = FiguresImportForm()
    errors = []
    if form.validate_on_submit():
        text = uploaded_csv_text(form.file)
        if text is not None:
            saved, errors = services.import_figures(current_council(), text)
            if not errors:
                flash(_("%(count)s rows of figures saved.", count=saved), "success")
                return redirect(url_for("services.council_channel_shift"), 303)
            form.file.errors.append(_("Nothing was saved: correct the rows listed below and upload the file again."))
    return render_template("services/import.html", form=form, errors=errors)
