"""The open contracts register as staff, suppliers and the public use it."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.contracts.importing import COLUMNS, EXAMPLE_ROW
from app.contracts.models import Contract, Kpi, KpiFrequency, OcdsRelease
from app.core.models import Council, Organisation, Role, SizeBand, Team
from app.extensions import db
from tests.ocds_validation import libcove_release_package, schema_errors


@pytest.fixture
def setup(app, council):
    """A department and two suppliers: a small firm and a large one."""
    with app.app_context():
        team = Team(council_id=council.id, name="Finance and Procurement")
        small = Organisation(council_id=council.id, name="Afon Digital Ltd", company_number="12345678",
                             size_band=SizeBand.SMALL, is_vcse=False)
        large = Organisation(council_id=council.id, name="Big Outsourcing plc", company_number="00998877",
                             size_band=SizeBand.LARGE, is_vcse=False)
        db.session.add_all([team, small, large])
        db.session.commit()
        return {"team": team.id, "small": small.id, "large": large.id}


def contract_form(setup, **overrides):
    form = {"title": "Payroll software", "description": "Hosted payroll", "department": str(setup["team"]),
            "procedure": "open", "cpv_codes": "48450000", "amount": "120000.00", "date_awarded": "2026-01-10",
            "date_signed": "2026-01-12", "start_date": "2026-02-01", "end_date": "2028-01-31",
            "suppliers": [str(setup["small"])]}
    form.update(overrides)
    return form


def only_contract(app):
    with app.app_context():
        c = db.session.scalar(select(Contract))
        return c.id, c.ocid


def test_staff_add_a_contract_and_it_is_published_with_a_release(app, client, login_as, setup):
    login_as(Role.STAFF)
    bad = client.submit("/contracts/new", contract_form(setup, amount="-5", end_date="2025-01-01", suppliers=[]))
    page = bad.get_data(as_text=True)
    assert "The value must be more than zero" in page and "end date must be on or after" in page
    assert "Choose at least one supplier" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contract)) == 0
    response = client.submit("/contracts/new", contract_form(setup))
    assert response.status_code == 303
    contract_id, ocid = only_contract(app)
    page = client.get(f"/contracts/{contract_id}").get_data(as_text=True)
    assert "Payroll software" in page and "Afon Digital Ltd" in page and "£120,000.00" in page
    assert ocid.startswith("ocds-xxxxxx-testshire-")
    release = json.loads(client.get(f"/contracts/releases/{ocid}-0001.json").data)
    assert release["tag"] == ["tender", "award", "contract"]


def test_an_amendment_keeps_the_history_and_never_edits_an_earlier_release(app, client, login_as, setup):
    login_as(Role.STAFF)
    client.submit("/contracts/new", contract_form(setup))
    contract_id, ocid = only_contract(app)
    first_url = f"/contracts/releases/{ocid}-0001.json"
    first_bytes = client.get(first_url).data
    amend = {"title": "Payroll software", "description": "Hosted payroll", "amount": "135000.00",
             "end_date": "2028-07-31", "status": "active", "rationale": ""}
    assert "Say why the contract is changing" in client.submit(f"/contracts/{contract_id}/amend", amend).get_data(as_text=True)
    assert client.submit(f"/contracts/{contract_id}/amend", {**amend, "rationale": "Six more months"}).status_code == 303
    page = client.get(f"/contracts/{contract_id}").get_data(as_text=True)
    assert "Six more months" in page and "was 120000.00, now 135000.00" in page
    assert client.get(first_url).data == first_bytes
    second = json.loads(client.get(f"/contracts/releases/{ocid}-0002.json").data)
    assert second["tag"] == ["awardUpdate", "contractAmendment"]
    assert second["contracts"][0]["amendments"][0]["rationale"] == "Six more months"
    assert second["contracts"][0]["value"]["amount"] == 135000
    with app.app_context():
        ids = db.session.scalars(select(OcdsRelease.release_id).where(OcdsRelease.ocid == ocid)).all()
        assert len(ids) == len(set(ids)) == 2
    record = json.loads(client.get(f"/contracts/{contract_id}/ocds.json").data)
    assert record["records"][0]["compiledRelease"]["contracts"][0]["period"]["endDate"] == "2028-07-31T00:00:00Z"
    assert [r["url"].rsplit("/", 1)[-1] for r in record["records"][0]["releases"]] == \
        [f"{ocid}-0001.json", f"{ocid}-0002.json"]


def test_a_document_link_is_published_with_a_new_release(app, client, login_as, setup):
    login_as(Role.STAFF)
    client.submit("/contracts/new", contract_form(setup))
    contract_id, ocid = only_contract(app)
    form = {"title": "Signed contract", "url": "javascript:alert(1)", "document_type": "contractSigned"}
    assert "Enter a full web address" in client.submit(f"/contracts/{contract_id}/documents", form).get_data(as_text=True)
    url = "https://council.example/contracts/signed.pdf"
    assert client.submit(f"/contracts/{contract_id}/documents", {**form, "url": url}).status_code == 303
    assert f'href="{url}"' in client.get(f"/contracts/{contract_id}").get_data(as_text=True)
    second = json.loads(client.get(f"/contracts/releases/{ocid}-0002.json").data)
    assert second["tag"] == ["contractUpdate"]
    assert second["contracts"][0]["documents"][0]["documentType"] == "contractSigned"


def test_payments_show_the_share_paid_within_30_days(app, client, login_as, setup):
    login_as(Role.STAFF)
    client.submit("/contracts/new", contract_form(setup))
    contract_id, _ocid = only_contract(app)
    pay = {"invoice_reference": "INV-1", "supplier": str(setup["small"]), "amount": "1000", "invoice_date": "2026-03-01",
           "paid_date": "2026-03-20"}
    assert client.submit(f"/contracts/{contract_id}/payments", pay).status_code == 303
    client.submit(f"/contracts/{contract_id}/payments", {**pay, "invoice_reference": "INV-2", "paid_date": "2026-05-01"})
    bad = client.submit(f"/contracts/{contract_id}/payments", {**pay, "paid_date": "2026-02-01"})
    assert "cannot be before the invoice date" in bad.get_data(as_text=True)
    assert "1 of 2 invoices were paid within 30 days" in client.get(f"/contracts/{contract_id}").get_data(as_text=True)
    assert "(1 of 2)" in client.get("/contracts/spend").get_data(as_text=True)


def test_a_supplier_reports_on_a_kpi_and_others_cannot(app, client, make_user, auth, setup):
    staff = make_user(Role.STAFF)
    auth.login(staff)
    start = (date.today() - timedelta(days=100)).isoformat()
    client.submit("/contracts/new", contract_form(setup, start_date=start, date_awarded=start,
                                                  end_date=(date.today() + timedelta(days=400)).isoformat()))
    contract_id, _ = only_contract(app)
    kpi_form = {"name-en": "Calls answered within 2 days", "name-cy": "", "target": "95", "unit": "%",
                "higher_is_better": "y", "frequency": "monthly"}
    assert client.submit(f"/contracts/{contract_id}/kpis", kpi_form).status_code == 303
    auth.logout()
    member = make_user(Role.SUPPLIER, email="member@afon.example")
    outsider = make_user(Role.SUPPLIER, email="other@example.org")
    with app.app_context():
        firm = db.session.get(Organisation, setup["small"])
        firm.members.append(db.session.get(type(member), member.id))
        db.session.commit()
        kpi_id = db.session.scalar(select(Kpi.id))
    auth.login(outsider)
    assert client.get(f"/contracts/{contract_id}/kpis/{kpi_id}/report").status_code == 403
    auth.logout()
    auth.login(member)
    page = client.get(f"/contracts/{contract_id}/kpis/{kpi_id}/report").get_data(as_text=True)
    period = re.search(r'<option value="(\d{4}-\d{2}-\d{2})"', page).group(1)
    assert client.submit(f"/contracts/{contract_id}/kpis/{kpi_id}/report",
                         {"period_end": period, "value": "97.5", "comment": "Good month"}).status_code == 303
    contract_page = client.get(f"/contracts/{contract_id}").get_data(as_text=True)
    assert "97.5" in contract_page and "Good month" in contract_page and "<svg" in contract_page
    again = client.submit(f"/contracts/{contract_id}/kpis/{kpi_id}/report", {"period_end": period, "value": "1"})
    assert "already been sent" in again.get_data(as_text=True) or "Not a valid choice" in again.get_data(as_text=True)


def test_missing_reports_are_flagged_late_in_public(app, client, setup, council):
    from app.contracts import services
    with app.app_context(), app.test_request_context("/"):
        c = services.create_contract(db.session.get(Council, council.id), services.ContractInput(
            title="Bins", description="", team_id=setup["team"], procedure=services.Procedure.OPEN, cpv_codes=[],
            amount=Decimal("9000"), vat_included=False, date_awarded=date.today() - timedelta(days=200),
            date_signed=None, start_date=date.today() - timedelta(days=200), end_date=date.today() + timedelta(days=100),
            supplier_ids=[setup["small"]]))
        db.session.add(Kpi(contract=c, name={"en": "Bins emptied on time"}, target=Decimal("99"), unit="%",
                           frequency=KpiFrequency.MONTHLY))
        db.session.commit()
        contract_id = c.id
    assert "reports are late" in client.get(f"/contracts/{contract_id}").get_data(as_text=True)


def import_file(*rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(row)
    return (io.BytesIO(out.getvalue().encode()), "contracts.csv")


def test_import_is_all_or_nothing_and_lists_every_error(app, client, login_as, setup):
    login_as(Role.STAFF)
    bad = list(EXAMPLE_ROW)
    bad[COLUMNS.index("amount")] = "twelve"
    bad[COLUMNS.index("date_awarded")] = "yesterday"
    page = client.submit("/contracts/import", {"file": import_file(EXAMPLE_ROW, bad)},
                         content_type="multipart/form-data").get_data(as_text=True)
    assert "Nothing was imported" in page
    assert re.search(r"<td>3</td><td><code>amount</code></td>", page)
    assert re.search(r"<td>3</td><td><code>date_awarded</code></td>", page)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contract)) == 0
    second = list(EXAMPLE_ROW)
    second[COLUMNS.index("reference")] = "LIB-2026-02"
    second[COLUMNS.index("supplier_name")] = "Brand New Charity"
    second[COLUMNS.index("supplier_company_number")] = ""
    second[COLUMNS.index("supplier_charity_number")] = "1999999"
    second[COLUMNS.index("supplier_size")] = "micro"
    second[COLUMNS.index("supplier_vcse")] = "yes"
    response = client.submit("/contracts/import", {"file": import_file(EXAMPLE_ROW, second)},
                             content_type="multipart/form-data")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contract)) == 2
        charity = db.session.scalar(select(Organisation).where(Organisation.charity_number == "1999999"))
        assert charity.is_vcse and charity.size_band == SizeBand.MICRO
    template = client.get("/contracts/import/template.csv").get_data(as_text=True)
    assert template.splitlines()[0] == ",".join(COLUMNS)


def test_an_import_with_no_file_or_not_utf8_is_refused_clearly(client, login_as, setup):
    login_as(Role.STAFF)
    assert "Choose a CSV file" in client.submit("/contracts/import", {}).get_data(as_text=True)
    latin = (io.BytesIO("title,department\nCaf\xe9,x\n".encode("latin-1")), "old.csv")
    assert "saved as UTF-8" in client.submit("/contracts/import", {"file": latin},
                                              content_type="multipart/form-data").get_data(as_text=True)


def _add(client, setup, **kw):
    assert client.submit("/contracts/new", contract_form(setup, **kw)).status_code == 303


def test_search_filters_sort_and_csv_of_the_current_search(app, client, login_as, setup):
    login_as(Role.STAFF)
    _add(client, setup, title="Grass cutting", amount="9000", suppliers=[str(setup["small"])])
    _add(client, setup, title="Payroll software", amount="250000", suppliers=[str(setup["large"])])
    _add(client, setup, title="Grass verges", amount="60000", suppliers=[str(setup["large"])])

    def titles(query):
        page = client.get(f"/contracts/?{query}").get_data(as_text=True)
        return re.findall(r'<a href="/contracts/\d+">([^<]+)</a>', page)

    assert titles("q=grass&sort=value") == ["Grass verges", "Grass cutting"]
    assert titles("sme=y") == ["Grass cutting"]
    assert titles("supplier=outsourcing&sort=value-lowest") == ["Grass verges", "Payroll software"]
    assert titles("min_value=50000&max_value=100000") == ["Grass verges"]
    assert "Enter a value of 0 or more" in client.get("/contracts/?min_value=-1").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(client.get("/contracts/export.csv?q=grass").get_data(as_text=True))))
    assert sorted(r["title"] for r in rows) == ["Grass cutting", "Grass verges"]
    fragment = client.get("/contracts/?q=payroll", headers={"HX-Request": "true", "HX-Target": "contract-results"})
    assert "<html" not in fragment.get_data(as_text=True) and "Payroll software" in fragment.get_data(as_text=True)


def test_spend_page_measures_small_firm_share_against_the_target(app, client, login_as, setup):
    login_as(Role.ADMIN)
    _add(client, setup, amount="25000", suppliers=[str(setup["small"])])
    _add(client, setup, amount="75000", suppliers=[str(setup["large"])])
    assert client.submit("/contracts/settings", {"sme_vcse_target_percent": "40"}).status_code == 303
    page = client.get("/contracts/spend").get_data(as_text=True)
    assert "25.0%" in page and "40%" in page and "<svg" in page and 'role="img"' in page
    assert "between 0 and 100" in client.submit("/contracts/settings", {"sme_vcse_target_percent": "140"}).get_data(as_text=True)


def test_transparency_code_csv_lists_contracts_over_5000_in_force_that_quarter(client, login_as, setup):
    login_as(Role.STAFF)
    _add(client, setup, title="Small job", amount="4000")
    _add(client, setup, title="Big job", amount="80000", start_date="2026-02-01", end_date="2026-12-31")
    _add(client, setup, title="Later job", amount="80000", start_date="2027-02-01", end_date="2027-12-31")
    rows = list(csv.DictReader(io.StringIO(client.get("/contracts/transparency.csv?quarter=2026-Q3").get_data(as_text=True))))
    assert [r["title"] for r in rows] == ["Big job"]
    assert rows[0]["supplier_company_number"] == "12345678" and rows[0]["supplier_is_sme"] == "yes"
    assert client.get("/contracts/transparency.csv?quarter=2026-Q9").status_code == 404


def test_every_seeded_contract_validates_as_ocds(app, client, council, tmp_path):
    """The demo contracts: the package and every record validate against the OCDS 1.1 schemas,
    and each carries its supplier identifier, value, period, dateSigned and amendments."""
    from app.contracts.demo import load
    with app.app_context():
        load(db.session.get(Council, council.id))
        contracts = db.session.scalars(select(Contract).order_by(Contract.id)).all()
        expected = {c.id: (c.ocid, [s.company_number or s.charity_number for s in c.suppliers], c.amount,
                           c.end_date, c.date_signed, [a.rationale for a in c.amendments]) for c in contracts}
    assert len(expected) == 300
    package = json.loads(client.get("/contracts/ocds.json").data)
    assert libcove_release_package(package, tmp_path) == {"validation_errors": [], "closed_codelists": {}}
    compiled = []
    for contract_id, (ocid, numbers, amount, end_date, signed, rationales) in expected.items():
        record = json.loads(client.get(f"/contracts/{contract_id}/ocds.json").data)
        assert schema_errors(record, "record") == [], ocid
        release = record["records"][0]["compiledRelease"]
        compiled.append(release)
        suppliers = [p for p in release["parties"] if "supplier" in p["roles"]]
        assert [p["identifier"]["id"] for p in suppliers] == numbers
        assert all(p["identifier"]["scheme"] in ("GB-COH", "GB-CHC") for p in suppliers)
        ocds_contract = release["contracts"][0]
        assert Decimal(str(ocds_contract["value"]["amount"])) == amount and ocds_contract["value"]["currency"] == "GBP"
        assert ocds_contract["period"]["endDate"] == f"{end_date.isoformat()}T00:00:00Z"
        assert ocds_contract["dateSigned"] == f"{signed.isoformat()}T00:00:00Z"
        assert [a["rationale"] for a in ocds_contract.get("amendments", [])] == rationales
        if rationales:
            tags = [r["tag"] for r in record["records"][0]["releases"]]
            assert ["awardUpdate", "contractAmendment"] in tags
    assert any(e[5] for e in expected.values())
    # The compiled releases too: no closed-codelist value outside the standard's lists.
    assert libcove_release_package({**package, "releases": compiled}, tmp_path) == \
        {"validation_errors": [], "closed_codelists": {}}


def test_contract_datasets_are_in_the_open_data_catalogue(client, council):
    page = client.get("/open-data").get_data(as_text=True)
    for name in ("contracts", "contract-kpi-reports", "contract-spend-sme-vcse"):
        assert f"/open-data/{name}.json" in page


def test_register_and_spend_pages_run_the_same_few_queries_however_many_contracts(app, client, setup, council):
    """No query per row: 25 contracts, each in its own department and with payments, cost what 2 do."""
    from app.contracts import services
    from tests.helpers import count_queries

    def add(n):
        with app.app_context(), app.test_request_context("/"):
            c_council = db.session.get(Council, council.id)
            for i in range(n):
                team = Team(council_id=council.id, name=f"Department {n}-{i}")  # each row its own department
                db.session.add(team)
                db.session.flush()
                c = services.create_contract(c_council, services.ContractInput(
                    title=f"Job {i}", description="", team_id=team.id, procedure=services.Procedure.OPEN,
                    cpv_codes=[], amount=Decimal("1000"), vat_included=False, date_awarded=date(2026, 1, 1),
                    date_signed=None, start_date=date(2026, 1, 1), end_date=date(2026, 12, 31),
                    supplier_ids=[setup["small"], setup["large"]]))
                services.record_payment(c, c_council, invoice_reference=f"I{i}", amount=Decimal("10"),
                                        invoice_date=date(2026, 2, 1), paid_date=date(2026, 2, 10))

    def queries(path):
        with count_queries(app) as q:
            assert client.get(path).status_code == 200
        return q.n

    add(2)
    few = {path: queries(path) for path in ("/contracts/", "/contracts/spend")}
    add(23)
    assert {path: queries(path) for path in few} == few
