"""Voting on a ward budget in a real browser, JavaScript on and off, axe on every page: the
running total (live with htmx, on send without), an over-budget ballot refused with the choices
kept, a vote and its receipt, then the published result with its chart and ballot file."""
from __future__ import annotations

import hashlib

from playwright.sync_api import Page, expect

from app.budgeting import services
from app.budgeting.models import BudgetProcess, Phase
from app.core.models import Role, User
from app.extensions import db
from tests.browser.test_ideas_flow import sign_in
from tests.web.test_budget_ballots import process_id  # noqa: F401  (the fixture: a vote open today)


def test_a_resident_votes_within_the_budget_and_sees_the_result(flow_page: Page, axe_check, app, make_user,
                                                                council, process_id):  # noqa: F811
    page = flow_page
    resident = make_user(ward=council.wards[0], email="voter@example.org")
    sign_in(page, axe_check, resident)
    js_on = page.evaluate("() => typeof window.htmx !== 'undefined'")
    page.get_by_role("link", name="North budget 2027").click()
    axe_check(page)
    page.get_by_role("main").get_by_role("link", name="Vote", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vote: North budget 2027")
    axe_check(page)
    page.get_by_label("Project 10 (£60,000)").check()
    page.get_by_label("Project 9 (£50,000)").check()
    if js_on:  # the total as boxes are ticked
        expect(page.locator("#ballot-total")).to_contain_text("£10,000 too much")
        axe_check(page)
    page.get_by_role("button", name="Send my vote").click()
    expect(page.locator(".error-summary")).to_contain_text("more than the £100,000 to spend")
    expect(page.get_by_label("Project 10 (£60,000)")).to_be_checked()
    expect(page.locator("#ballot-total")).to_contain_text("£10,000 too much")
    axe_check(page)
    page.get_by_label("Project 10 (£60,000)").uncheck()
    page.get_by_label("Project 1 (£10,000)").check()
    if js_on:
        expect(page.locator("#ballot-total")).to_contain_text("£40,000 left")
    page.get_by_role("button", name="Send my vote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your vote")
    expect(page.get_by_role("main")).to_contain_text("Total: £60,000 of £100,000.")
    axe_check(page)

    with app.app_context():
        process = db.session.get(BudgetProcess, process_id)
        staff = db.session.get(User, make_user(Role.STAFF).id)
        services.move_phase(process, Phase.COUNTING, staff)
        services.publish_result(process, staff)
        digest = process.ballot_file_sha256
    page.goto(f"/budgets/{process_id}")
    axe_check(page)
    expect(page.get_by_role("main")).to_contain_text("1 ballot was counted.")
    expect(page.locator("svg.chart")).to_be_visible()
    expect(page.locator("code.hash")).to_have_text(digest)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the ballots (Pabulib file)").click()
    with open(download.value.path(), "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == digest
    page.goto("/language/cy?next=/budgets/")
    axe_check(page)
    assert page.locator("html").get_attribute("lang") == "cy"


def test_an_admin_imports_polling_cards_and_a_resident_confirms_with_one_to_vote(
        flow_page: Page, axe_check, app, make_user, council, process_id, tmp_path):  # noqa: F811
    from app.core.models import VerificationMethod
    from tests.browser.test_ideas_flow import sign_out
    from tests.browser.test_platform_pages import staff_sign_in

    page = flow_page
    north = council.wards[0]
    with app.app_context():
        db.session.get(BudgetProcess, process_id).verification = VerificationMethod.POLLING_CARD
        db.session.commit()
    admin, resident = make_user(Role.ADMIN), make_user(ward=north, email="card-holder@example.org")
    register = tmp_path / "register.csv"
    register.write_text(f"name,address,ward,code\nAnn Jones,1 Pond Lane,{north.code},PC-4821-7730\n"
                        f"Huw Price,2 Pond Lane,Nowhere,PC-1111-2222\n", encoding="utf-8")
    staff_sign_in(page, axe_check, admin)
    page.goto("/admin/")
    axe_check(page)
    page.get_by_role("link", name="Polling cards (electoral register extract)").click()
    axe_check(page)
    page.get_by_label("CSV file").set_input_files(str(register))
    page.get_by_role("button", name="Check and import").click()
    expect(page.locator(".error-summary")).to_contain_text("Nothing was imported")
    expect(page.get_by_role("main")).to_contain_text("No ward has this code or name")
    axe_check(page)
    register.write_text(f"name,address,ward,code\nAnn Jones,1 Pond Lane,{north.code},PC-4821-7730\n", encoding="utf-8")
    page.get_by_label("CSV file").set_input_files(str(register))
    page.get_by_role("button", name="Check and import").click()
    expect(page.locator(".flash")).to_contain_text("1 polling card imported")
    axe_check(page)
    sign_out(page, axe_check)

    sign_in(page, axe_check, resident)
    page.goto(f"/budgets/{process_id}/vote")
    expect(page.get_by_role("main")).to_contain_text("the code on your polling card")
    axe_check(page)
    page.get_by_role("link", name="Enter the code from your polling card").click()
    axe_check(page)
    page.get_by_label("The code on your polling card").fill("PC 4821 7731")
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.locator(".error-summary")).to_contain_text("does not match an unused polling card")
    axe_check(page)
    page.get_by_label("The code on your polling card").fill("pc-4821-7730")
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.locator(".flash")).to_contain_text("your polling card shows you live in North ward")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vote: North budget 2027")
    axe_check(page)
    page.get_by_label("Project 1 (£10,000)").check()
    page.get_by_role("button", name="Send my vote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your vote")
    axe_check(page)
