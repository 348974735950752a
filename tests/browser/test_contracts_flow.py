"""The contracts register in a real browser, JavaScript on and off, axe on every page: staff
import a spreadsheet with a bad row (every error listed, nothing saved), fix it and import,
search; a supplier sends a performance report; the spend page shows the new figure."""
from __future__ import annotations

from decimal import Decimal

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from app.contracts.importing import COLUMNS, EXAMPLE_ROW
from app.contracts.models import Contract, Kpi, KpiFrequency
from app.core.models import Organisation, Role, SizeBand, Team, User
from app.extensions import db
from tests.browser.test_platform_pages import staff_sign_in
from tests.conftest import TEST_PASSWORD


def csv_bytes(*rows) -> bytes:
    return ("\n".join([",".join(COLUMNS)] + [",".join(r) for r in rows]) + "\n").encode()


def test_import_search_report_and_spend(flow_page: Page, axe_check, app, make_user, council):
    page = flow_page
    staff = make_user(Role.STAFF, email="buyer@example.org")
    supplier = make_user(Role.SUPPLIER, email="boss@castell.example")
    with app.app_context():
        db.session.add(Team(council_id=council.id, name="Finance and Procurement"))
        firm = Organisation(council_id=council.id, name="Castell Facilities Services Ltd", company_number="87654321",
                            size_band=SizeBand.MEDIUM, is_vcse=False)
        firm.members.append(db.session.get(User, supplier.id))
        db.session.add(firm)
        db.session.commit()

    staff_sign_in(page, axe_check, staff)
    page.goto("/contracts/import")
    axe_check(page)
    bad = list(EXAMPLE_ROW)
    bad[COLUMNS.index("amount")] = "lots"
    bad[COLUMNS.index("end_date")] = "2020-01-01"
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "contracts.csv", "mimeType": "text/csv", "buffer": csv_bytes(EXAMPLE_ROW, bad)}])
    page.get_by_role("button", name="Check and import").click()
    expect(page.locator(".error-summary")).to_contain_text("Nothing was imported")
    axe_check(page)
    problems = page.locator("table tbody tr")
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_contain_text("amount")
    expect(problems.nth(1)).to_contain_text("end_date")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contract)) == 0

    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "contracts.csv", "mimeType": "text/csv", "buffer": csv_bytes(EXAMPLE_ROW)}])
    page.get_by_role("button", name="Check and import").click()
    expect(page.locator(".flash")).to_contain_text("1 contracts imported")
    axe_check(page)

    if page.locator("details:not([open])").count():
        page.locator("details summary").click()
    page.get_by_label("Words in the title or description").fill("library")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#contract-results")).to_contain_text("Library cleaning")
    page.wait_for_load_state()
    axe_check(page)

    with app.app_context():
        contract = db.session.scalar(select(Contract))
        db.session.add(Kpi(contract=contract, name={"en": "Rooms cleaned to standard", "cy": ""},
                           target=Decimal("95"), unit="%", frequency=KpiFrequency.MONTHLY))
        db.session.commit()
        contract_id = contract.id
    page.get_by_role("button", name="Sign out").click()
    axe_check(page)

    page.goto("/sign-in")
    axe_check(page)
    page.get_by_label("Email address").fill(supplier.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    axe_check(page)
    page.goto(f"/contracts/{contract_id}")
    axe_check(page)
    page.get_by_role("link", name="Send a report for this measure").click()
    axe_check(page)
    page.get_by_label("Value").fill("97")
    page.get_by_label("Comment (optional)").fill("All rooms checked")
    page.get_by_role("button", name="Send report").click()
    expect(page.locator(".flash")).to_contain_text("your report is published")
    expect(page.locator("main")).to_contain_text("All rooms checked")
    axe_check(page)

    page.goto("/contracts/spend")
    axe_check(page)
    expect(page.locator("main table").first).to_contain_text("£48,000.00")
    expect(page.locator("main table").first).to_contain_text("100.0%")
