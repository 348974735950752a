"""The services register in a real browser, JavaScript on and off, axe on every page: a resident
finds a service by need and ward; staff upload monthly figures (a bad file refused whole, every
problem listed), then see the channel-shift costs that follow and change the target."""
from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from app.core.models import Council, Role, Team
from app.extensions import db
from app.services import services
from app.services.models import ChannelVolume
from tests.browser.test_caseflags_flow import sign_in
from tests.browser.test_ideas_flow import sign_out


def test_directory_figures_upload_and_channel_shift(flow_page: Page, axe_check, app, make_user, council):
    page = flow_page
    staff = make_user(Role.STAFF, email="digital@example.org")
    with app.app_context():
        c = db.session.get(Council, council.id)
        team = Team(council_id=c.id, name="Revenues")
        db.session.add(team)
        db.session.flush()
        services.create_service(c, services.ServiceInput(
            name="Council tax", description="Pay and manage your council tax.", team_id=team.id,
            channels=["online", "phone", "face_to_face"], needs="money, bills"), commit=False)
        services.create_service(c, services.ServiceInput(
            name="School transport", description="Buses to school.", team_id=team.id, channels=["online"],
            needs="schools, bus", ward_ids=[council.wards[0].id]))

    page.goto("/services/")
    axe_check(page)
    page.get_by_label("What do you need help with?").fill("bills")
    page.get_by_role("main").get_by_role("button", name="Search").click()
    expect(page.locator("#service-results")).to_contain_text("Council tax")
    expect(page.locator("#service-results")).not_to_contain_text("School transport")
    page.wait_for_load_state()
    axe_check(page)
    page.get_by_role("link", name="Council tax").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Council tax")
    axe_check(page)

    sign_in(page, axe_check, staff)
    page.goto("/services/import")
    axe_check(page)
    bad = "service,month,online,phone,face_to_face\nCouncil tax,2025-01,400,500,100\nCouncil tex,2025-13,x,1,1\n"
    page.get_by_label("CSV file").set_input_files(files=[{"name": "f.csv", "mimeType": "text/csv", "buffer": bad.encode()}])
    page.get_by_role("button", name="Check and save").click()
    expect(page.locator(".error-summary")).to_contain_text("Nothing was saved")
    expect(page.locator("#import-errors")).to_have_text("3 problems found")
    axe_check(page)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ChannelVolume)) == 0
    good = "service,month,online,phone,face_to_face\nCouncil tax,2025-01,400,500,100\nCouncil tax,2025-02,600,300,100\n"
    page.get_by_label("CSV file").set_input_files(files=[{"name": "f.csv", "mimeType": "text/csv", "buffer": good.encode()}])
    page.get_by_role("button", name="Check and save").click()
    expect(page.locator(".flash")).to_contain_text("2 rows of figures saved.")
    expect(page.locator("#cost-summary")).to_contain_text("Cost now: £4,138.00")
    axe_check(page)
    page.get_by_label("Target share of transactions online (%)").fill("90")
    page.get_by_role("button", name="Show the cost").click()
    # 90% of 2,000 = 1,800 online: 800 move (640 from phone, 160 face to face):
    # 1,800 x 0.15 + 160 x 2.83 + 40 x 8.62 = 270 + 452.80 + 344.80 = 1,067.60
    expect(page.locator("#cost-summary")).to_contain_text("£1,067.60")
    axe_check(page)
    page.goto("/services/staff")
    axe_check(page)
    page.get_by_role("link", name="Edit Council tax").click()
    axe_check(page)
    sign_out(page, axe_check)


def test_staff_and_admin_pages_pass_axe(flow_page: Page, axe_check, app, make_user, council):
    """Every staff and admin page of both modules, with an error shown on the forms."""
    from app.caseflags.models import FlagCategory

    page = flow_page
    admin = make_user(Role.ADMIN, Role.STAFF, email="admin@example.org")
    with app.app_context():
        c = db.session.get(Council, council.id)
        team = Team(council_id=c.id, name="Revenues")
        db.session.add(team)
        db.session.add(FlagCategory(council_id=c.id, code="rent_arrears", name="Rent arrears", description="Unpaid rent."))
        db.session.flush()
        service = services.create_service(c, services.ServiceInput(name="Council tax", description="Pay it.", team_id=team.id,
                                                                   channels=["online"]))
        service_id = service.id
    sign_in(page, axe_check, admin)
    for url in ["/services/staff", "/services/new", f"/services/{service_id}/edit", f"/services/{service_id}/measures",
                "/services/costs", "/services/channel-shift", "/caseflags/settings", "/caseflags/categories",
                "/caseflags/rule/edit", "/caseflags/fairness", "/caseflags/access-report", "/caseflags/rule"]:
        page.goto(url)
        axe_check(page)
        button = page.get_by_role("main").locator("form[method=post] button[type=submit]")
        if button.count():
            if url == "/caseflags/rule/edit":
                page.get_by_label("Points needed to reach review").fill("")
            if url.endswith("/edit") and url.startswith("/services/"):
                page.get_by_label("Name of the service").fill("")
            button.last.click()
            if url in ("/services/costs", "/caseflags/settings"):
                page.wait_for_load_state()
            else:
                expect(page.locator(".error-summary")).to_be_visible()
            axe_check(page)
