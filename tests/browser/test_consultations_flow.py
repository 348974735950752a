"""Consultations in a real browser, JavaScript on and off, axe on every page: staff build three
pages using every kind of question, one page shown only for one answer; a resident saves a
draft, comes back, checks the answers and sends them; staff tag free text, export a
spreadsheet and publish the outcome; the resident is told."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.consultations.models import Consultation, Response
from app.core.models import Role
from app.extensions import db
from tests.browser.test_ideas_flow import sign_in, sign_out
from tests.browser.test_platform_pages import staff_sign_in

def staff_sign_in_again(page: Page, axe_check, user) -> None:
    """A second sign-in within the same 30 seconds: the code just used is refused as a replay,
    so this uses the next one (the server accepts one step of clock drift)."""
    from tests.conftest import TEST_PASSWORD, totp_code

    page.goto("/sign-in")
    axe_check(page)
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    axe_check(page)
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(totp_code(user, 1))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My council")
    axe_check(page)


SERVICES = "Libraries | Llyfrgelloedd\nParks | Parciau\nRoads | Ffyrdd"


def add_question(page: Page, axe_check, page_number: int, kind: str, text: str, *, options: str = "",
                 budget: str = "", required: bool = False) -> None:
    page.get_by_role("link", name=f"Add a question to page {page_number}").click()
    axe_check(page)
    page.get_by_label("Kind of question").select_option(label=kind)
    page.get_by_role("group", name="Question").get_by_label("In English").fill(text)
    if required:
        page.get_by_label("An answer is required").check()
    if options:
        page.get_by_label("Options, one per line").fill(options)
    if budget:
        page.get_by_label("Sum to share, in pounds").fill(budget)
    page.get_by_role("button", name="Add question").click()
    expect(page.locator(".flash")).to_contain_text("Question added")
    axe_check(page)


def add_page(page: Page, axe_check, title: str, show_if: str | None = None) -> None:
    page.get_by_role("group", name="Page title").get_by_label("In English").fill(title)
    if show_if:
        page.get_by_label("Show this page").select_option(label=show_if)
    page.get_by_role("button", name="Add page").click()
    expect(page.locator(".flash")).to_contain_text("Page added")
    axe_check(page)


def test_consultation_from_building_to_outcome(flow_page: Page, axe_check, app, make_user, council):
    page = flow_page
    staff = make_user(Role.STAFF, email="engagement@example.org")
    resident = make_user(ward=council.wards[0], email="resident@example.org")

    # Staff build the consultation.
    staff_sign_in(page, axe_check, staff)
    page.goto("/consultations/manage")
    axe_check(page)
    page.get_by_role("link", name="Create a consultation").click()
    axe_check(page)
    page.get_by_role("group", name="Title").get_by_label("In English").fill("Library opening hours")
    page.get_by_role("group", name="Title").get_by_label("In Welsh").fill("Oriau agor llyfrgelloedd")
    page.get_by_role("group", name="Summary in plain words").get_by_label("In English").fill(
        "We must save money. Tell us when you use libraries.")
    page.get_by_label("Opens on").fill(date.today().isoformat())
    page.get_by_label("Closes at the end of").fill((date.today() + timedelta(days=30)).isoformat())
    page.get_by_label(re.compile("^People signed in to an account")).check()
    page.get_by_label("Published: residents can see it").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pages and questions")
    axe_check(page)
    add_page(page, axe_check, "About you and your area")
    add_question(page, axe_check, 1, "Your postcode (gives the ward)", "Your postcode", required=True)
    add_question(page, axe_check, 1, "Choose one option", "Do you use the library?",
                 options="Yes, every week\nSometimes\nNever", required=True)
    add_question(page, axe_check, 1, "Choose several options", "Which services have you used?", options=SERVICES)
    add_page(page, axe_check, "Priorities")
    add_question(page, axe_check, 2, "Put priorities in order", "Put these in order", options=SERVICES, required=True)
    add_question(page, axe_check, 2, "Share out a budget", "Share £90 between these", options=SERVICES, budget="90")
    add_question(page, axe_check, 2, "Rating from 1 to 5", "How good are libraries now?", required=True)
    add_question(page, axe_check, 2, "Long text", "What else should we know?")
    add_page(page, axe_check, "Your library",
             show_if="Only if “Do you use the library?” is answered “Yes, every week”")
    add_question(page, axe_check, 3, "Short text", "Which library do you use most?")
    with app.app_context():
        consultation_id = db.session.scalar(select(Consultation.id))
    sign_out(page, axe_check)

    # A resident starts, saves a draft, and comes back later.
    sign_in(page, axe_check, resident)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Consultations").click()
    axe_check(page)
    page.get_by_role("link", name="Library opening hours").click()
    axe_check(page)
    page.get_by_role("button", name="Start now").click()
    axe_check(page)
    page.get_by_label("Your postcode").fill("CC1 1AA")
    page.get_by_label("Yes, every week").check()
    page.get_by_role("button", name="Save and come back later").click()
    expect(page.locator(".flash")).to_contain_text("Your answers are saved")
    axe_check(page)
    sign_out(page, axe_check)
    sign_in(page, axe_check, resident)
    page.goto(f"/consultations/{consultation_id}")
    axe_check(page)
    page.get_by_role("button", name="Continue your answers").click()
    expect(page.get_by_label("Your postcode")).to_have_value("CC1 1AA")
    axe_check(page)
    page.get_by_label("Parks").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Priorities")
    axe_check(page)

    # Priorities: move Roads up with the buttons, then a budget that does not add up.
    page.get_by_role("button", name="Move up Roads").click()
    expect(page.locator(".ranking li").nth(1)).to_contain_text("Roads")
    page.wait_for_load_state()
    axe_check(page)
    budget = page.get_by_role("group", name=re.compile("Share £90"))
    budget.get_by_label("Libraries").fill("50")
    budget.get_by_label("Parks").fill("30")
    budget.get_by_label("Roads").fill("30")
    page.get_by_label("4", exact=True).check()
    page.get_by_label("What else should we know?").fill("Open the library on Sunday afternoons")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".error-summary")).to_contain_text("Your amounts add up to £110: they must add up to £90")
    expect(page.get_by_label("What else should we know?")).to_have_value("Open the library on Sunday afternoons")
    axe_check(page)
    budget = page.get_by_role("group", name=re.compile("Share £90"))
    budget.get_by_label("Roads").fill("10")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your library")  # the conditional page
    axe_check(page)
    page.get_by_label("Which library do you use most?").fill("Castell library")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("About you (optional)")
    axe_check(page)
    page.get_by_label("65 to 74").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    main = page.get_by_role("main")
    expect(main).to_contain_text("1. Libraries")
    expect(main).to_contain_text("2. Roads")
    expect(main).to_contain_text("Castell library")
    axe_check(page)
    page.get_by_label("Tell me what the council decides").check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers are sent")
    expect(page.locator(".reference")).to_have_text(re.compile(rf"C{consultation_id}-[A-Z2-9]{{6}}"))
    axe_check(page)
    sign_out(page, axe_check)
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert response.submitted_at is not None and response.ward_id == council.wards[0].id

    # Staff tag the free text, export a spreadsheet and publish the outcome.
    staff_sign_in_again(page, axe_check, staff)
    page.goto(f"/consultations/{consultation_id}/results")
    axe_check(page)
    page.get_by_role("link", name="What else should we know?").click()
    axe_check(page)
    page.get_by_label("New theme").fill("Opening hours")
    page.get_by_role("button", name="Add theme").click()
    expect(page.locator(".flash")).to_contain_text("Theme added")
    axe_check(page)
    page.get_by_label("Opening hours").check()
    page.get_by_role("button", name="Save themes").click()
    expect(page.get_by_role("main")).to_contain_text("Opening hours (1)")
    axe_check(page)
    page.goto(f"/consultations/{consultation_id}/results")
    axe_check(page)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download as a spreadsheet (XLSX)").click()
    book = load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    rows = list(book.active.values)
    assert len(rows) == 2 and "Open the library on Sunday afternoons" in rows[1]
    with app.app_context():
        db.session.get(Consultation, consultation_id).closes_on = date.today() - timedelta(days=1)
        db.session.commit()
    page.goto(f"/consultations/{consultation_id}/outcome")
    axe_check(page)
    page.get_by_role("group", name="You said").get_by_label("In English").fill("You want Sunday opening.")
    page.get_by_role("group", name="We did").get_by_label("In English").fill("Castell library opens on Sundays.")
    page.get_by_role("button", name="Publish the outcome").click()
    expect(page.locator("#outcome")).to_contain_text("Castell library opens on Sundays.")
    axe_check(page)
    sign_out(page, axe_check)

    # The resident is told.
    sign_in(page, axe_check, resident)
    page.get_by_role("link", name=re.compile("^Notifications")).click()
    expect(page.get_by_role("main")).to_contain_text("We asked, you said, we did: Library opening hours")
    axe_check(page)


def test_consultation_pages_pass_axe_in_welsh(flow_page: Page, axe_check, app, make_user, council):
    from tests.web.test_consultations import make_consultation

    page = flow_page
    ids = make_consultation(app, council)
    person = make_user(ward=council.wards[0], language="cy")
    page.goto("/sign-in")
    axe_check(page)
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fy nghyngor")
    axe_check(page)
    for url in ["/consultations/", f"/consultations/{ids['id']}"]:
        page.goto(url)
        axe_check(page)
    page.get_by_role("main").get_by_role("button").click()
    axe_check(page)
    page.goto(f"/consultations/{ids['id']}/page/2")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    axe_check(page)
