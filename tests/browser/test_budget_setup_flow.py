"""A ward budget from set-up to result in a real browser, JavaScript on and off, axe on every
page: staff set up a process with 10 costed projects; three residents vote (one changes the
vote); a paper ballot is keyed in by two people; staff cast an assisted ballot with a resident's
confirmation code; the ballots are sealed, the result is published with a chart and `ballots.pb`
downloads with the SHA-256 published at sealing."""
from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta
from urllib.parse import urlparse

from playwright.sync_api import Page, expect

from app.core.models import Role
from tests.browser.test_ideas_flow import sign_in, sign_out
from tests.browser.test_platform_pages import staff_sign_in

COSTS = [12_000, 8_000, 15_000, 45_000, 10_000, 30_000, 25_000, 35_000, 6_000, 40_000]


def test_ward_budget_from_set_up_to_published_result(flow_page: Page, axe_check, app, make_user, council):
    page = flow_page
    north = council.wards[0]
    first_staff, second_staff = make_user(Role.STAFF), make_user(Role.STAFF)
    residents = [make_user(ward=north, email=f"resident{n}@example.org") for n in range(3)]
    helped = make_user(ward=north, email="helped@example.org")
    today = date.today()
    with app.app_context():
        from app.core.models import User
        from app.extensions import db
        from app.ideas import services as ideas

        ideas.submit(db.session.get(User, residents[0].id), title="A bench by the North pond",
                     body="Somewhere to sit by the water.", category="parks", ward_id=north.id, place_name=None)

    # Staff set the process up and cost ten projects (the manage page also offers the idea).
    staff_sign_in(page, axe_check, first_staff)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Ward budgets").click()
    axe_check(page)
    page.get_by_role("link", name="Manage ward budgets").click()
    axe_check(page)
    page.get_by_role("link", name="Create ward budgets").click()
    axe_check(page)
    page.get_by_label("North").check()
    page.locator("#title").fill("Ward budget 2027")
    page.locator("#title-cy").fill("Cyllideb ward 2027")
    page.get_by_label("Total to share between these wards, in pounds").fill("100000")
    page.get_by_label("The same for every ward").check()
    page.get_by_label("Proposals from").fill((today - timedelta(days=30)).isoformat())
    page.get_by_label("Costing from").fill((today - timedelta(days=10)).isoformat())
    page.get_by_label("Voting from").fill(today.isoformat())
    page.get_by_label("Voting until the end of").fill((today + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Create").click()
    expect(page.locator(".flash")).to_contain_text("1 ward budget created.")
    axe_check(page)
    page.get_by_role("link", name="Ward budget 2027: North").click()
    axe_check(page)
    expect(page.get_by_label("Or make a resident's idea a project")).to_contain_text("A bench by the North pond")
    for n, cost in enumerate(COSTS, start=1):
        page.get_by_role("link", name="Add a project").click()
        axe_check(page)
        page.locator("#title").fill(f"Project {n}")
        page.locator("#title-cy").fill(f"Prosiect {n}")
        page.get_by_label("Cost, in pounds").fill(str(cost))
        page.get_by_label("Feasible: it goes on the ballot").check()
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".flash")).to_contain_text("The project is saved.")
        axe_check(page)
    manage_url = page.url
    page.get_by_role("link", name="Key in paper ballots").click()
    axe_check(page)
    page.get_by_label("Ballot paper number").fill("P-001")
    page.get_by_label("Project 4 (£45,000)").check()
    page.get_by_label("Project 9 (£6,000)").check()
    page.get_by_role("button", name="Key in this paper").click()
    expect(page.locator(".flash")).to_contain_text("Someone else now keys it a second time")
    axe_check(page)
    sign_out(page, axe_check)

    # Three residents vote; the last changes the vote.
    choices = [["Project 1 (£12,000)", "Project 2 (£8,000)"], ["Project 4 (£45,000)"],
               ["Project 6 (£30,000)", "Project 9 (£6,000)"]]
    for resident, picks in zip(residents, choices):
        sign_in(page, axe_check, resident)
        page.get_by_role("link", name="Ward budget 2027: North").first.click()
        axe_check(page)
        page.get_by_role("main").get_by_role("link", name="Vote", exact=True).click()
        axe_check(page)
        for label in picks:
            page.get_by_label(label).check()
        page.get_by_role("button", name="Send my vote").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your vote")
        axe_check(page)
        if resident is residents[-1]:
            page.get_by_role("link", name="Change my vote").click()
            axe_check(page)
            page.get_by_label("Project 6 (£30,000)").uncheck()
            page.get_by_label("Project 8 (£35,000)").check()
            page.get_by_role("button", name="Send my vote").click()
            expect(page.get_by_role("main")).to_contain_text("Project 8")
            axe_check(page)
        sign_out(page, axe_check)

    # A second person keys the paper in; it counts. Then the result.
    staff_sign_in(page, axe_check, second_staff)
    page.goto(manage_url)
    axe_check(page)
    expect(page.get_by_role("main")).to_contain_text("online: 3")
    page.get_by_role("link", name="Key in paper ballots").click()
    axe_check(page)
    page.get_by_label("Ballot paper number").fill("P-001")
    page.get_by_label("Project 4 (£45,000)").check()
    page.get_by_label("Project 9 (£6,000)").check()
    page.get_by_role("button", name="Key in this paper").click()
    expect(page.locator(".flash")).to_contain_text("both entries agree")
    axe_check(page)
    page.get_by_role("link", name="Back").click()
    axe_check(page)

    # A resident votes with help at the council office: staff send a code, the resident reads it out.
    page.get_by_role("link", name="Vote in person (kiosk or assisted)").click()
    axe_check(page)
    page.get_by_label("The resident's email address").fill(helped.email)
    page.get_by_role("button", name="Find the resident").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(helped.display_name)
    axe_check(page)
    page.get_by_role("button", name="Send a confirmation code").click()
    expect(page.locator(".flash")).to_contain_text("A confirmation code has been sent")
    axe_check(page)
    with app.app_context():
        from app.core.mail import outbox

        code = re.search(r"\b(\d{6})\b", [m for m in outbox() if m.to == helped.email][-1].body).group(1)
    page.get_by_label("With my help: I entered the resident's choices for them").check()
    page.get_by_label("Project 3 (£15,000)").check()
    page.get_by_label("The resident's confirmation code").fill(code)
    page.get_by_role("button", name="Cast the ballot").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ballot receipt")
    expect(page.get_by_role("main")).to_contain_text("Project 3")
    axe_check(page)
    page.goto(manage_url)
    axe_check(page)
    page.get_by_label("Phase").select_option(label="Voting closed")
    page.get_by_role("button", name="Change the phase").click()
    expect(page.locator(".flash")).to_contain_text("The phase is changed.")
    axe_check(page)
    page.get_by_role("button", name="Seal the ballots").click()
    expect(page.locator(".flash")).to_contain_text("The ballots are sealed")
    axe_check(page)
    sealed_digest = page.locator("code.hash").inner_text()
    page.get_by_role("button", name="Count and publish the result").click()
    expect(page.locator(".flash")).to_contain_text("The result is published.")
    axe_check(page)
    expect(page.get_by_role("main")).to_contain_text("5 ballots were counted.")
    expect(page.get_by_role("main")).to_contain_text("with help from staff 1")
    expect(page.locator("svg.chart")).to_be_visible()
    digest = page.locator("code.hash").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the ballots (Pabulib file)").click()
    with open(download.value.path(), "rb") as handle:
        body = handle.read()
    assert hashlib.sha256(body).hexdigest() == digest == sealed_digest
    for resident in [*residents, helped]:
        assert resident.email.encode() not in body and f"user:{resident.id}".encode() not in body
    page.goto("/language/cy?next=" + urlparse(page.url).path)
    axe_check(page)
    assert page.locator("html").get_attribute("lang") == "cy"
