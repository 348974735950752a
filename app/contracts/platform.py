"""What the contracts register publishes through the platform: its open datasets."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.contracts.models import Contract, Kpi, KpiReport
from app.core.datasets import Dataset, DatasetField, register_dataset, streamed
from app.extensions import db


def _contract_rows(council_id: int, after: tuple | None = None):
    from app.contracts.routes import contract_row

    query = select(Contract).where(Contract.council_id == council_id)
    if after:
        query = query.where(Contract.ocid > after[0])
    for c in streamed(db.session.scalars(query.order_by(Contract.ocid).execution_options(yield_per=500))):
        yield contract_row(c)


def _kpi_rows(council_id: int):
    query = (select(KpiReport, Kpi, Contract).join(Kpi, Kpi.id == KpiReport.kpi_id)
             .join(Contract, Contract.id == Kpi.contract_id).where(Contract.council_id == council_id)
             .order_by(Contract.id, Kpi.id, KpiReport.period_end))
    for report, kpi, contract in db.session.execute(query):
        yield {"id": report.id, "ocid": contract.ocid, "measure": kpi.name.get("en", ""), "target": kpi.target, "unit": kpi.unit,
               "period_end": report.period_end, "value": report.value, "late": report.late,
               "comment": report.comment}


def _spend_rows(council_id: int):
    from app.contracts.services import spend_by_year_and_department

    for row in spend_by_year_and_department(council_id):
        yield {"year": row.year, "department": row.department, "total_value": row.total,
               "sme_vcse_value": row.small_total, "contracts": row.count, "sme_vcse_contracts": row.small_count,
               "sme_vcse_share_percent": round(row.share, 1)}


register_dataset(Dataset(
    name="contracts", title=_l("Contracts register"),
    description=_l("Every contract the council has awarded: supplier, value, dates and status. The same data is "
                   "published in the Open Contracting Data Standard at /contracts/ocds.json."),
    fields=[
        DatasetField("ocid", "string", _l("Open Contracting ID of the contracting process")),
        DatasetField("reference", "string", _l("The council's reference")),
        DatasetField("title", "string", _l("Title")),
        DatasetField("department", "string", _l("Department that let the contract")),
        DatasetField("suppliers", "string", _l("Suppliers, separated by semicolons")),
        DatasetField("supplier_sizes", "string", _l("Size of each supplier: micro, small, medium or large")),
        DatasetField("vcse", "boolean", _l("Whether a supplier is a charity or social enterprise")),
        DatasetField("amount", "number", _l("Value")),
        DatasetField("currency", "string", _l("Currency (ISO 4217)")),
        DatasetField("vat_included", "boolean", _l("Whether the value includes VAT")),
        DatasetField("date_awarded", "date", _l("Date awarded")),
        DatasetField("start_date", "date", _l("Start date")),
        DatasetField("end_date", "date", _l("End date")),
        DatasetField("status", "string", _l("active, ended or terminated")),
        DatasetField("procedure", "string", _l("How it was awarded")),
        DatasetField("cpv_codes", "string", _l("CPV codes, separated by semicolons")),
    ], rows=_contract_rows, rows_after=_contract_rows, key=("ocid",), status_field="status",
    date_field="date_awarded"))

register_dataset(Dataset(
    name="contract-kpi-reports", title=_l("Supplier performance reports"),
    description=_l("What suppliers report against each contract's performance measures, and whether the report was late."),
    fields=[
        DatasetField("id", "integer", _l("Report number")),
        DatasetField("ocid", "string", _l("Open Contracting ID of the contract")),
        DatasetField("measure", "string", _l("What is measured")),
        DatasetField("target", "number", _l("Target")),
        DatasetField("unit", "string", _l("Unit")),
        DatasetField("period_end", "date", _l("Last day of the period reported")),
        DatasetField("value", "number", _l("Value reported")),
        DatasetField("late", "boolean", _l("Whether the report arrived after it was due")),
        DatasetField("comment", "string", _l("The supplier's comment")),
    ], rows=_kpi_rows, date_field="period_end"))

register_dataset(Dataset(
    name="contract-spend-sme-vcse", title=_l("Spend with small firms and VCSEs"),
    description=_l("Contract value and count by year and department, and the share awarded to small and medium firms "
                   "and voluntary, community and social enterprises."),
    fields=[
        DatasetField("year", "integer", _l("Year awarded")),
        DatasetField("department", "string", _l("Department")),
        DatasetField("total_value", "number", _l("Value of all contracts")),
        DatasetField("sme_vcse_value", "number", _l("Value of contracts with small firms or VCSEs")),
        DatasetField("contracts", "integer", _l("Number of contracts")),
        DatasetField("sme_vcse_contracts", "integer", _l("Number with small firms or VCSEs")),
        DatasetField("sme_vcse_share_percent", "number", _l("Share of value with small firms or VCSEs (%)")),
    ], rows=_spend_rows, key=("year", "department"), frequency_uri="http://purl.org/cld/freq/daily"))
