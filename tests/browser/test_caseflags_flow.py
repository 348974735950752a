"""Case flags in a real browser, JavaScript on and off, axe on every page (issue 9, check 1):
caseworkers from Housing and Schools each record a low flag for the same family; a reviewer
confirms the two records are the same family, and the rule puts it in the review queue with an
explanation naming both flags; the reviewer decides "offer early support" with a reason; the
resident asks for their data and appeals one flag; another person upholds the appeal and the flag
is withdrawn."""
from __future__ import annotations

import pyotp
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.caseflags import services
from app.caseflags.models import AccessRequest, Flag, FlagCategory, RequestStatus, Review, Subject
from app.core.models import Council, Role, Team, User
from app.extensions import db
from tests.browser.test_ideas_flow import sign_out
from tests.conftest import TEST_PASSWORD


def sign_in(page: Page, axe_check, user) -> None:
    page.goto("/sign-in")
    axe_check(page)
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    if user.totp_secret:
        expect(page.get_by_role("heading", level=1)).to_have_text("Check it is you")
        axe_check(page)
        page.get_by_label("Code from your authenticator app, or a recovery code").fill(pyotp.TOTP(user.totp_secret).now())
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My council")
    axe_check(page)


def give_reason(page: Page, axe_check, reason: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Why are you opening this record?")
    axe_check(page)
    page.get_by_label("Why are you opening this record?").fill(reason)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def record_family_and_flag(page: Page, axe_check, service: str, category: str, observed: str) -> None:
    page.goto("/caseflags/")
    axe_check(page)
    page.get_by_role("link", name="Add a person or household").click()
    axe_check(page)
    page.get_by_label("A household or family").check()
    page.get_by_label("Name", exact=True).fill("The Fictional family")
    page.get_by_label("Address").fill("1 Demo Street, Testshire")
    page.get_by_label("UPRN (if known)").fill("100000000001")
    page.get_by_label("Your service").select_option(label=service)
    page.get_by_role("button", name="Save").click()
    give_reason(page, axe_check, f"{service} is recording a concern")
    expect(page.get_by_role("heading", level=1)).to_have_text("The Fictional family")
    axe_check(page)
    page.get_by_role("link", name="Record a concern").click()
    axe_check(page)
    page.get_by_label(category).check()
    page.get_by_label("Low").check()
    page.get_by_label("What did you observe?").fill(observed)
    page.get_by_role("button", name="Record the concern").click()
    expect(page.locator(".flash")).to_contain_text("The flag is recorded.")
    axe_check(page)


def test_two_services_a_review_a_request_and_an_appeal(flow_page: Page, axe_check, app, make_user, council):
    page = flow_page
    housing = make_user(Role.CASEWORKER, email="housing@example.org")
    schools = make_user(Role.CASEWORKER, email="schools@example.org")
    reviewer = make_user(Role.CASEWORKER, email="reviewer@example.org")
    releaser = make_user(Role.CASEWORKER, email="releaser@example.org")
    appeals_officer = make_user(Role.CASEWORKER, email="appeals@example.org")
    resident = make_user(Role.RESIDENT, email="ffion@example.org", ward=council.wards[0])
    with app.app_context():
        c = db.session.get(Council, council.id)
        for name, people in [("Housing", [housing]), ("Schools", [schools]), ("Early Help", [reviewer, releaser, appeals_officer])]:
            team = Team(council_id=c.id, name=name)
            db.session.add(team)
            for person in people:
                team.members.append(db.session.get(User, person.id))
            db.session.flush()
            if name == "Early Help":
                services.settings_for(c.id).review_team_id = team.id
        db.session.add_all([
            FlagCategory(council_id=c.id, code="rent_arrears", name="Rent arrears", description="Rent unpaid."),
            FlagCategory(council_id=c.id, code="school_attendance", name="School attendance", description="Absence.")])
        db.session.commit()

    sign_in(page, axe_check, housing)
    record_family_and_flag(page, axe_check, "Housing", "Rent arrears", "Two months of rent unpaid.")
    sign_out(page, axe_check)

    sign_in(page, axe_check, schools)
    record_family_and_flag(page, axe_check, "Schools", "School attendance", "Attendance fell to 85% this term.")
    sign_out(page, axe_check)
    with app.app_context():
        assert db.session.scalar(select(Review)) is None  # two records, not combined silently

    # A reviewer confirms the match; the rule then opens a review.
    sign_in(page, axe_check, reviewer)
    page.goto("/caseflags/")
    axe_check(page)
    page.get_by_role("link", name="Possible matches to check").click()
    axe_check(page)
    page.get_by_role("link", name="Records #1 and #2").click()
    give_reason(page, axe_check, "Checking a possible match")
    axe_check(page)
    page.get_by_label("Yes: combine them").check()
    page.get_by_label("How did you decide?").fill("Same UPRN and the same family name.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".flash")).to_contain_text("The records are combined.")
    axe_check(page)
    page.goto("/caseflags/reviews")
    axe_check(page)
    page.get_by_role("link", name="Review 1, record #1").click()
    give_reason(page, axe_check, "Reviewing the case")
    expect(page.locator("#explanation")).to_contain_text("2 points from 2 services (Housing, Schools)")
    table = page.locator("table").first
    expect(table).to_contain_text("Rent arrears")
    expect(table).to_contain_text("School attendance")
    axe_check(page)
    page.get_by_label("Offer early support").check()
    page.get_by_label("Why?").fill("Both concerns are small; a family worker can offer help with rent and school.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".flash")).to_contain_text("Your decision is recorded.")
    axe_check(page)
    sign_out(page, axe_check)

    # The resident asks what is held about them.
    sign_in(page, axe_check, resident)
    page.goto("/caseflags/my-data")
    axe_check(page)
    page.get_by_role("link", name="Ask what is held about you").first.click()
    axe_check(page)
    page.get_by_label("Your full name").fill("Ffion Fictional")
    page.get_by_label("Your date of birth").fill("1980-01-01")
    page.get_by_label("Your address, and any earlier addresses in the last 5 years").fill("1 Demo Street, Testshire")
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator(".flash")).to_contain_text("Your request is received.")
    axe_check(page)
    sign_out(page, axe_check)

    # Staff check identity, link the request, take out others' data and release.
    with app.app_context():
        request_id = db.session.scalar(select(AccessRequest.id))
        flags = db.session.scalars(select(Flag).order_by(Flag.id)).all()
        flag_ids = [f.id for f in flags]
    sign_in(page, axe_check, releaser)
    page.goto("/caseflags/requests")
    axe_check(page)
    page.get_by_role("link", name=f"Request {request_id}").click()
    give_reason(page, axe_check, "Answering a subject access request")
    axe_check(page)
    page.get_by_label("How was identity checked?").fill("Passport seen at the Civic Centre.")
    page.get_by_role("button", name="Identity checked").click()
    axe_check(page)
    page.get_by_label("Reference of the matching record").fill("1")
    page.get_by_role("button", name="Link").click()
    axe_check(page)
    page.get_by_label("I have taken other people's information out of the text").check()
    page.get_by_role("button", name="Release to the person").click()
    expect(page.locator(".flash")).to_contain_text("The copy is released.")
    axe_check(page)
    sign_out(page, axe_check)

    sign_in(page, axe_check, resident)
    page.goto(f"/caseflags/my-data/{request_id}")
    expect(page.get_by_role("main")).to_contain_text("Two months of rent unpaid.")
    axe_check(page)
    page.get_by_role("link", name=f"Appeal or correct flag {flag_ids[1]}").click()
    axe_check(page)
    page.get_by_label("What is wrong with this flag?").fill("My daughter was in hospital: the school knew. Please remove it.")
    page.get_by_role("button", name="Send the appeal").click()
    expect(page.locator(".flash")).to_contain_text("Your appeal is sent.")
    axe_check(page)
    sign_out(page, axe_check)

    # Someone other than the flag's author upholds the appeal: the flag is withdrawn.
    sign_in(page, axe_check, appeals_officer)
    page.goto("/caseflags/appeals")
    axe_check(page)
    page.get_by_role("link", name=f"Appeal 1 against flag #{flag_ids[1]}").click()
    give_reason(page, axe_check, "Deciding an appeal")
    axe_check(page)
    page.get_by_label("Uphold: withdraw the flag").check()
    page.get_by_label("Why?").fill("The absence was a hospital stay the school knew about.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".flash")).to_contain_text("Your decision is recorded.")
    axe_check(page)
    sign_out(page, axe_check)
    with app.app_context():
        assert db.session.get(Flag, flag_ids[1]).withdrawn_at is not None
        assert db.session.get(Subject, 1).flags[0].withdrawn_at is None

    sign_in(page, axe_check, resident)
    page.goto(f"/caseflags/my-data/{request_id}")
    expect(page.get_by_role("main")).to_contain_text("Upheld: the flag is withdrawn")
    axe_check(page)
    page.goto("/caseflags/rule")
    axe_check(page)
    # The same pages in Welsh.
    page.goto(f"/language/cy?next=/caseflags/my-data/{request_id}")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.get_by_role("heading", level=1)).to_have_text("Eich cais")
    expect(page.get_by_role("main")).to_contain_text("Beth sydd gennym")
    axe_check(page)
    page.goto("/caseflags/rule")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sut mae pryderon yn cael eu cyfuno")
    axe_check(page)


def test_resident_pages_reflow_at_320_css_pixels(make_page, axe_check, app, make_user, council):
    """The directory, a service with a chart, the rule, and a resident's answered request at 400% zoom."""
    from datetime import date
    from decimal import Decimal

    from app.services import services as register
    from app.services.models import Measure, MeasureValue

    page = make_page(viewport={"width": 320, "height": 640})
    resident = make_user(Role.RESIDENT, email="ffion@example.org")
    with app.app_context():
        c = db.session.get(Council, council.id)
        team = Team(council_id=c.id, name="Revenues")
        db.session.add(team)
        db.session.flush()
        service = register.create_service(c, register.ServiceInput(
            name="Council Tax Reduction", description="Help paying council tax if you are on a low income.",
            team_id=team.id, channels=["online", "phone"], url="https://glanrafon.example.org/services/council-tax-reduction",
            email="council.tax.reduction@glanrafon.example.org"), commit=False)
        measure = Measure(service=service, name="Days to decide an application", unit="days", higher_is_better=False)
        db.session.add(measure)
        for month in range(1, 13):
            measure.values.append(MeasureValue(month=date(2025, month, 1), value=Decimal(10 + month)))
        request = services.create_request(db.session.get(User, resident.id), "Ffion Fictional", date(1980, 1, 1), "1 Demo St", "")
        request.status = RequestStatus.RELEASED
        request.released_data = {"subject": {"name": "The Fictional family", "date_of_birth": None, "address": "1 Demo St"},
                                 "flags": [{"id": 1, "service": "Housing", "category": "Rent arrears", "severity": "low",
                                            "observed": "Two months of rent unpaid.", "observed_on": "2026-11-01",
                                            "expires_on": "2027-11-01", "withdrawn": False}],
                                 "reviews": [], "access": []}
        db.session.commit()
        service_id, request_id = service.id, request.id

    def no_sideways_scroll(what: str) -> None:
        axe_check(page)
        scroll_width, client_width = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .slice(0, 5).map(e => e.tagName + '.' + e.className)""")
        assert scroll_width <= client_width, f"{what} scrolls sideways at 320px: {scroll_width} > {client_width}: {wide}"

    for path in ("/services/", f"/services/{service_id}", "/caseflags/rule"):
        page.goto(path)
        no_sideways_scroll(path)
    page.goto("/sign-in")
    axe_check(page)
    page.get_by_label("Email address").fill(resident.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My council")
    axe_check(page)
    for path in ("/caseflags/my-data", f"/caseflags/my-data/{request_id}", f"/caseflags/my-data/{request_id}/flags/1/appeal"):
        page.goto(path)
        no_sideways_scroll(path)
