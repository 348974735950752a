from __future__ import annotations

from datetime import date, datetime, timezone

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.contracts import bp, charts, ocds, services
from app.contracts.forms import (AmendmentForm, ContractForm, DocumentForm, ImportForm, KpiForm, KpiReportForm, PaymentForm,
                                 SearchForm, SettingsForm)
from app.contracts.importing import template_csv
from app.core.forms import uploaded_csv_text
from app.contracts.models import Contract, ContractStatus, Kpi, KpiFrequency, OcdsRelease, Procedure
from app.contracts.transparency import quarter_bounds, transparency_rows, TRANSPARENCY_FIELDS
from app.core.access import public, role_required, staff_only
from app.core.datasets import export_response
from app.core.forms import choices
from app.core.models import Organisation, Role
from app.core.tenancy import current_council, get_scoped_or_404, scoped
from app.core.web import paginate, render_page
from app.extensions import db



def _search_from_args() -> tuple[SearchForm, services.Search]:
    form = SearchForm(request.args)
    form.department.choices = choices([("", _("Any department"))] +
                                      [(str(t.id), t.name) for t in services.departments(current_council().id)])
    search = services.Search()
    if form.validate():
        search = services.Search(
            q=form.q.data or "", supplier=form.supplier.data or "",
            team_id=int(form.department.data) if (form.department.data or "").isdigit() else None,
            min_value=form.min_value.data, max_value=form.max_value.data, awarded_from=form.awarded_from.data,
            awarded_to=form.awarded_to.data, sme=form.sme.data, vcse=form.vcse.data, sort=form.sort.data or "awarded")
    return form, search


@bp.get("/")
@public
def register():
    form, search = _search_from_args()
    page = paginate(services.search_query(current_council().id, search), per_page=25)
    today = date.today()
    return render_page("contracts/register.html", fragment="contracts/_results.html", target="contract-results",
                       form=form, page=page, transparency_quarter=f"{today.year}-Q{(today.month - 1) // 3 + 1}")


CSV_FIELDS = ["ocid", "reference", "title", "department", "suppliers", "supplier_sizes", "vcse", "amount", "currency",
              "vat_included", "date_awarded", "start_date", "end_date", "status", "procedure", "cpv_codes"]


def contract_row(c: Contract) -> dict:
    return {"ocid": c.ocid, "reference": c.reference, "title": c.title, "department": c.team.name if c.team else "",
            "suppliers": "; ".join(s.name for s in c.suppliers),
            "supplier_sizes": "; ".join(s.size_band.value for s in c.suppliers),
            "vcse": any(s.is_vcse for s in c.suppliers), "amount": c.amount, "currency": c.currency,
            "vat_included": c.vat_included, "date_awarded": c.date_awarded, "start_date": c.start_date,
            "end_date": c.end_date, "status": c.status.value, "procedure": c.procedure.value,
            "cpv_codes": "; ".join(c.cpv_codes or [])}


@bp.get("/export.csv")
@public
def export_csv():
    _form, search = _search_from_args()
    query = services.search_query(current_council().id, search).execution_options(yield_per=500)

    def rows():  # runs while the response streams, not before
        for c in db.session.scalars(query):
            yield contract_row(c)
    return export_response("csv", "contracts", CSV_FIELDS, rows())


@bp.get("/<int:contract_id>")
@public
def contract(contract_id: int):
    c = get_scoped_or_404(Contract, contract_id)
    on_time, counted = services.paid_within_30_days(c.payments)
    releases = db.session.scalars(select(OcdsRelease).where(OcdsRelease.contract_id == c.id)
                                  .order_by(OcdsRelease.id)).all()
    kpis = [(kpi, charts.kpi_chart(kpi), services.overdue_periods(kpi)) for kpi in c.kpis]
    can_report = current_user.is_authenticated and services.is_supplier_member(c, current_user)
    return render_template("contracts/contract.html", contract=c, on_time=on_time, counted=counted,
                           releases=releases, kpis=kpis, can_report=can_report)


# --- OCDS --------------------------------------------------------------------------------------

def _package_meta(uri: str) -> dict:
    council = current_council()
    settings = services.settings_for(council.id)
    return {"uri": uri, "published_date": datetime.now(timezone.utc), "publisher_name": council.name_en,
            "publication_policy": settings.publication_policy_url or url_for("contracts.policy", _external=True)}


@bp.get("/ocds.json")
@public
def ocds_package():
    meta = _package_meta(url_for("contracts.ocds_package", _external=True))
    query = (select(OcdsRelease.body).where(OcdsRelease.council_id == current_council().id)
             .order_by(OcdsRelease.id).execution_options(yield_per=1000))

    def bodies():  # runs while the response streams: 50,000 releases never sit in memory together
        yield from db.session.scalars(query)
    return Response(stream_with_context(ocds.stream_release_package(bodies(), **meta)), mimetype="application/json")


@bp.get("/<int:contract_id>/ocds.json")
@public
def ocds_record(contract_id: int):
    import json

    c = get_scoped_or_404(Contract, contract_id)
    rows = db.session.scalars(select(OcdsRelease).where(OcdsRelease.contract_id == c.id).order_by(OcdsRelease.id)).all()
    releases = [json.loads(r.body) for r in rows]
    urls = [url_for("contracts.release", release_id=r.release_id, _external=True) for r in rows]
    package = ocds.record_package(c.ocid, releases, urls, **_package_meta(
        url_for("contracts.ocds_record", contract_id=c.id, _external=True)))
    return Response(json.dumps(package, ensure_ascii=False), mimetype="application/json")


@bp.get("/releases/<release_id>.json")
@public
def release(release_id: str):
    row = db.session.scalar(select(OcdsRelease).where(OcdsRelease.release_id == release_id,
                                                      OcdsRelease.council_id == current_council().id))
    if row is None:
        abort(404)
    # The stored bytes, exactly as first published.
    return Response(row.body, mimetype="application/json", headers={"Cache-Control": "public, max-age=31536000, immutable"})


@bp.get("/publication-policy")
@public
def policy():
    return render_template("contracts/policy.html")


# --- Spend with small firms, paying on time, transparency code ----------------------------------

@bp.get("/spend")
@public
def spend():
    council = current_council()
    rows = services.spend_by_year_and_department(council.id)
    years = services.spend_by_year(rows)
    target = float(services.settings_for(council.id).sme_vcse_target_percent)
    (on_time, counted), supplier_rows = services.payments_paid_on_time(council.id)
    return render_template("contracts/spend.html", rows=rows, years=years, target=target,
                           chart=charts.spend_chart(years, target), on_time=on_time, counted=counted,
                           supplier_rows=supplier_rows)


@bp.get("/transparency.csv")
@public
def transparency():
    try:
        start, end, label = quarter_bounds(request.args.get("quarter", ""))
    except ValueError:
        abort(404)
    rows = transparency_rows(current_council(), start, end)
    return export_response("csv", f"contracts-over-5000-{label}", TRANSPARENCY_FIELDS, rows)


# --- Staff: add, amend, pay, KPIs, import, settings ---------------------------------------------

def _department_choices():
    return choices([(str(t.id), t.name) for t in services.departments(current_council().id)])


def _supplier_choices():
    orgs = db.session.scalars(scoped(Organisation).order_by(Organisation.name)).all()
    return choices([(str(o.id), f"{o.name} ({o.size_band.value}{', VCSE' if o.is_vcse else ''})") for o in orgs])


@bp.route("/new", methods=["GET", "POST"])
@staff_only
def new_contract():
    form = ContractForm()
    form.department.choices = _department_choices()
    form.suppliers.choices = _supplier_choices()
    if form.validate_on_submit():
        c = services.create_contract(current_council(), services.ContractInput(
            title=form.title.data, description=form.description.data or "", team_id=int(form.department.data),
            procedure=Procedure(form.procedure.data), cpv_codes=_codes(form.cpv_codes.data),
            amount=form.amount.data, vat_included=form.vat_included.data, date_awarded=form.date_awarded.data,
            date_signed=form.date_signed.data, start_date=form.start_date.data, end_date=form.end_date.data,
            supplier_ids=[int(i) for i in form.suppliers.data]))
        flash(_("The contract is published in the register."), "success")
        return redirect(url_for("contracts.contract", contract_id=c.id), 303)
    return render_template("contracts/contract_form.html", form=form)


def _codes(text: str | None) -> list[str]:
    return [c.strip() for c in (text or "").replace(";", ",").split(",") if c.strip()]


@bp.route("/<int:contract_id>/amend", methods=["GET", "POST"])
@staff_only
def amend(contract_id: int):
    c = get_scoped_or_404(Contract, contract_id)
    form = AmendmentForm(obj=c)
    form.contract_start = c.start_date
    if request.method == "GET":
        form.status.data = c.status.value
        form.rationale.data = ""
    if form.validate_on_submit():
        changed = services.amend_contract(c, current_council(), {
            "title": form.title.data, "description": form.description.data or "", "amount": form.amount.data,
            "end_date": form.end_date.data, "status": ContractStatus(form.status.data)}, form.rationale.data)
        flash(_("The amendment is published.") if changed else _("Nothing changed, so nothing was published."),
              "success")
        return redirect(url_for("contracts.contract", contract_id=c.id), 303)
    return render_template("contracts/amend.html", form=form, contract=c)


@bp.route("/<int:contract_id>/payments", methods=["GET", "POST"])
@staff_only
def payments(contract_id: int):
    c = get_scoped_or_404(Contract, contract_id)
    form = PaymentForm()
    form.supplier.choices = choices([(str(s.id), s.name) for s in c.suppliers])
    if form.validate_on_submit():
        services.record_payment(c, current_council(), invoice_reference=form.invoice_reference.data,
                                amount=form.amount.data, invoice_date=form.invoice_date.data,
                                paid_date=form.paid_date.data, organisation_id=int(form.supplier.data))
        flash(_("The payment is recorded."), "success")
        return redirect(url_for("contracts.contract", contract_id=c.id), 303)
    return render_template("contracts/payment_form.html", form=form, contract=c)


@bp.route("/<int:contract_id>/documents", methods=["GET", "POST"])
@staff_only
def add_document(contract_id: int):
    c = get_scoped_or_404(Contract, contract_id)
    form = DocumentForm()
    if form.validate_on_submit():
        services.add_document(c, current_council(), title=form.title.data, url=form.url.data,
                              document_type=form.document_type.data)
        flash(_("The document is published with the contract."), "success")
        return redirect(url_for("contracts.contract", contract_id=c.id), 303)
    return render_template("contracts/document_form.html", form=form, contract=c)


@bp.route("/<int:contract_id>/kpis", methods=["GET", "POST"])
@staff_only
def add_kpi(contract_id: int):
    c = get_scoped_or_404(Contract, contract_id)
    form = KpiForm()
    if form.validate_on_submit():
        kpi = Kpi(contract=c, name=form.name.data.as_dict(), target=form.target.data, unit=form.unit.data,
                  higher_is_better=form.higher_is_better.data, frequency=KpiFrequency(form.frequency.data))
        db.session.add(kpi)
        db.session.commit()
        flash(_("The measure is added. The supplier can now report against it."), "success")
        return redirect(url_for("contracts.contract", contract_id=c.id), 303)
    return render_template("contracts/kpi_form.html", form=form, contract=c)


@bp.route("/<int:contract_id>/kpis/<int:kpi_id>/report", methods=["GET", "POST"])
@role_required(Role.SUPPLIER)
def report_kpi(contract_id: int, kpi_id: int):
    c = get_scoped_or_404(Contract, contract_id)
    kpi = db.session.get(Kpi, kpi_id)
    if kpi is None or kpi.contract_id != c.id:
        abort(404)
    if not services.is_supplier_member(c, current_user):
        abort(403)
    due = services.overdue_periods(kpi) + services.upcoming_periods(kpi)
    form = KpiReportForm()
    form.period_end.choices = choices([(d.isoformat(), d.strftime("%d/%m/%Y")) for d in due])
    if form.validate_on_submit():
        try:
            services.submit_kpi_report(kpi, period_end=date.fromisoformat(form.period_end.data), value=form.value.data,
                                       comment=form.comment.data or "", user=current_user)
        except ValueError:
            form.period_end.errors.append(_("A report for this period has already been sent"))
        else:
            flash(_("Thank you: your report is published on the contract's page."), "success")
            return redirect(url_for("contracts.contract", contract_id=c.id), 303)
    return render_template("contracts/kpi_report_form.html", form=form, contract=c, kpi=kpi)


@bp.get("/import/template.csv")
@staff_only
def import_template():
    return Response(template_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="contracts-import-template.csv"'})


@bp.route("/import", methods=["GET", "POST"])
@staff_only
def import_contracts():
    form = ImportForm()
    errors = []
    if form.validate_on_submit():
        text = uploaded_csv_text(form.file)
        if text is not None:
            created, errors = services.import_csv(current_council(), text)
            if not errors:
                flash(_("%(count)s contracts imported and published.", count=created), "success")
                return redirect(url_for("contracts.register"), 303)
            form.file.errors.append(_("Nothing was imported: correct the rows listed below and import the file again."))
    return render_template("contracts/import.html", form=form, errors=errors)


@bp.route("/settings", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def settings():
    council = current_council()
    current = services.settings_for(council.id)
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        services.update_settings(current, form.sme_vcse_target_percent.data, form.publication_policy_url.data or None)
        flash(_("Settings saved."), "success")
        return redirect(url_for("contracts.spend"), 303)
    return render_template("contracts/settings.html", form=form)
