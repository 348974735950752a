"""Acceptance check 1 in a real browser, JavaScript on and off, axe on every page: staff publish a
two-stage challenge; a supplier's alert fires; a question is answered publicly; two suppliers bid
(one as a consortium); after the deadline the bids are opened, two evaluators score, staff agree
the scores and award, and the contract appears in the open contracts register."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pyotp
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from app.core.models import Role
from app.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.web.test_tenders_support import make_org, pass_deadline


def sign_in(page: Page, axe_check, user) -> None:
    page.goto("/sign-in")
    axe_check(page)
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    if user.totp_secret:
        expect(page.get_by_role("heading", level=1)).to_have_text("Check it is you")
        axe_check(page)
        page.get_by_label("Code from your authenticator app, or a recovery code").fill(
            pyotp.TOTP(user.totp_secret).now())
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My council")
    axe_check(page)


def sign_out(page: Page, axe_check) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    axe_check(page)


def go(page: Page, axe_check, path: str) -> None:
    page.goto(path)
    axe_check(page)


def test_challenge_from_publication_to_contract(flow_page: Page, axe_check, app, make_user, council):
    page = flow_page
    publisher, answerer, buyer = (make_user(Role.STAFF, email=f"staff{i}@example.org") for i in range(3))
    evaluators = [make_user(Role.EVALUATOR, email=f"evaluator{i}@example.org") for i in range(2)]
    lead = make_user(Role.RESIDENT, email="lead@greenstreets.example")
    rival = make_user(Role.SUPPLIER, email="bids@bigwaste.example")
    make_org(app, rival, "Big Waste plc")

    # A supplier-to-be sets an alert for waste services worth at least £50,000.
    sign_in(page, axe_check, lead)
    go(page, axe_check, "/tenders/alerts")
    page.get_by_label("Category").select_option("90000000")
    page.get_by_label("Budget at least (£)").fill("50000")
    page.get_by_role("button", name="Save alert").click()
    expect(page.locator(".flash")).to_contain_text("Alert saved")
    axe_check(page)
    sign_out(page, axe_check)

    # Staff write and publish a two-stage challenge.
    sign_in(page, axe_check, publisher)
    go(page, axe_check, "/tenders/manage")
    page.get_by_role("link", name="Write a new challenge").click()
    axe_check(page)
    page.locator("#title").fill("Fewer missed bin collections")
    page.locator("#title-cy").fill("Llai o gasgliadau biniau a gollwyd")
    page.locator("#problem").fill("Residents on narrow streets miss collections.")
    page.locator("#outcomes").fill("Half as many missed collections.")
    page.locator("#stage1_kind").select_option("feasibility")
    page.locator("#stage1_deadline").fill((datetime.now() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"))
    page.locator("#stage1_awards").fill("1")
    page.locator("#stage1_budget").fill("60000")
    page.locator("#stage2_kind").select_option("pilot")
    page.locator("#stage2_deadline").fill((datetime.now() + timedelta(days=90)).strftime("%Y-%m-%dT%H:%M"))
    page.locator("#stage2_awards").fill("1")
    page.locator("#stage2_budget").fill("90000")
    page.locator("#criterion1_name").fill("Quality of the idea")
    page.locator("#criterion1_weight").fill("70")
    page.locator("#criterion2_name").fill("Social value")
    page.locator("#criterion2_weight").fill("30")
    page.get_by_label("90000000 Sewage, refuse, cleaning and environmental services").check()
    page.get_by_role("button", name="Save challenge").click()
    expect(page.locator(".flash")).to_contain_text("saved as a draft")
    axe_check(page)
    page.get_by_role("button", name="Publish this challenge").click()
    expect(page.locator(".flash")).to_contain_text("published")
    axe_check(page)
    challenge_path = page.url.split("127.0.0.1")[-1].split(":", 1)[-1]
    challenge_path = "/" + challenge_path.split("/", 1)[1]
    sign_out(page, axe_check)
    alert = [m for m in app.extensions["mail_outbox"] if m.to == lead.email]
    assert [m.subject for m in alert] == ["New challenge: Fewer missed bin collections"]

    # The supplier asks a question privately, sets up a profile and bids as a consortium.
    sign_in(page, axe_check, lead)
    go(page, axe_check, challenge_path)
    page.get_by_label("Your question").fill("Can Green Streets use its depot in Ely?")
    page.get_by_role("button", name="Send question").click()
    expect(page.locator(".flash")).to_contain_text("Your question is sent")
    axe_check(page)
    go(page, axe_check, "/tenders/profile")
    page.get_by_label("Organisation name").fill("Green Streets CIC")
    page.get_by_label("Micro (fewer than 10 people)").check()
    page.get_by_label("We are a charity, social enterprise or community group (VCSE)").check()
    page.get_by_label("About the organisation").fill("Street-level recycling pilots since 2024.")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator(".flash")).to_contain_text("profile is saved")
    axe_check(page)
    go(page, axe_check, challenge_path)
    page.get_by_role("button", name="Start a bid for stage 1 as Green Streets CIC").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bid from Green Streets CIC")
    axe_check(page)
    page.get_by_label("Quality of the idea (70%)").fill("Smaller vehicles on narrow streets.")
    page.get_by_label("Social value (30%)").fill("Local jobs.")
    page.get_by_label("Your price for this stage, in pounds").fill("55000")
    page.get_by_label("We are bidding as a consortium").check()
    page.get_by_label("Consortium partners and what each does").fill("Route Data Ltd plans the rounds.")
    page.get_by_role("button", name="Submit bid").click()
    expect(page.locator(".flash")).to_contain_text("Your bid is submitted")
    axe_check(page)
    sign_out(page, axe_check)
    assert any("Bid received" in m.subject for m in app.extensions["mail_outbox"] if m.to == lead.email)

    # Staff answer the question for everyone, without the asker's name.
    sign_in(page, axe_check, answerer)
    go(page, axe_check, challenge_path)
    page.get_by_role("link", name="Questions from suppliers").click()
    axe_check(page)
    page.get_by_role("link", name="Answer and publish").click()
    axe_check(page)
    page.get_by_label("The question as everyone will see it").fill("Can a bidder use its own depot?")
    page.get_by_label("Answer").fill("Yes, inside the council area.")
    page.get_by_role("button", name="Publish to everyone").click()
    expect(page.locator(".flash")).to_contain_text("answer is published")
    axe_check(page)
    sign_out(page, axe_check)
    go(page, axe_check, challenge_path)
    expect(page.locator("#clarifications + dl")).to_contain_text("Can a bidder use its own depot?")
    expect(page.locator("main")).not_to_contain_text("Green Streets use its depot")

    # A second supplier bids.
    sign_in(page, axe_check, rival)
    go(page, axe_check, challenge_path)
    page.get_by_role("button", name="Start a bid for stage 1 as Big Waste plc").click()
    axe_check(page)
    page.get_by_label("Quality of the idea (70%)").fill("More rounds.")
    page.get_by_label("Social value (30%)").fill("Apprenticeships.")
    page.get_by_label("Your price for this stage, in pounds").fill("48000")
    page.get_by_role("button", name="Submit bid").click()
    expect(page.locator(".flash")).to_contain_text("Your bid is submitted")
    axe_check(page)
    sign_out(page, axe_check)

    # The deadline passes; with nobody acting, the next request opens the bids.
    from app.tenders.models import Award, Bid, Stage

    with app.app_context():
        stage_id = db.session.scalars(select(Stage.id).order_by(Stage.position)).first()
        bids = dict(db.session.execute(select(Bid.organisation_id, Bid.id)).all())
    pass_deadline(app, stage_id)
    go(page, axe_check, "/tenders/")

    for number, evaluator in enumerate(evaluators):
        sign_in(page, axe_check, evaluator)
        go(page, axe_check, "/tenders/evaluate")
        page.get_by_role("link", name="Fewer missed bin collections: stage 1").click()
        axe_check(page)
        page.get_by_role("link", name="Declare any conflict of interest before you score").click()
        axe_check(page)
        page.get_by_label("No").check()
        page.get_by_role("button", name="Make declaration").click()
        expect(page.locator(".flash")).to_contain_text("declaration is recorded")
        axe_check(page)
        for bidder, scores in (("Green Streets CIC", ("9", "8")), ("Big Waste plc", ("6", "5"))):
            page.get_by_role("link", name=f"Score {bidder}").click()
            axe_check(page)
            inputs = page.locator("input[name^=score_]")
            reasons = page.locator("textarea[name^=reason_]")
            for i, value in enumerate(scores):
                inputs.nth(i).fill(value)
                reasons.nth(i).fill(f"Evaluator {number + 1}: scored {value}")
            page.get_by_role("button", name="Submit my scores").click()
            expect(page.locator(".flash")).to_contain_text("scores are saved")
            axe_check(page)
            if number == 1:
                expect(page.locator("main")).to_contain_text(f"Evaluator 1: scored {scores[0]}")
            page.get_by_role("link", name="All bids for this stage").click()
            axe_check(page)
        sign_out(page, axe_check)

    # Staff agree the scores, award, and (after the standstill) publish the contract.
    sign_in(page, axe_check, buyer)
    go(page, axe_check, f"/tenders/stages/{stage_id}/opening")
    for bidder, scores in (("Green Streets CIC", ("9", "8")), ("Big Waste plc", ("6", "5"))):
        page.get_by_role("link", name=f"Agree final scores {bidder}").click()
        axe_check(page)
        for i, value in enumerate(scores):
            page.locator("input[name^=score_]").nth(i).fill(value)
            page.locator("textarea[name^=reason_]").nth(i).fill(f"Agreed {value}: the panel's view")
        page.get_by_role("button", name="Save agreed scores").click()
        expect(page.locator(".flash")).to_contain_text("agreed scores are saved")
        axe_check(page)
    page.get_by_role("link", name="Award this stage").click()
    axe_check(page)
    page.get_by_label("Green Streets CIC", exact=False).check()
    page.get_by_role("button", name="Award").click()
    expect(page.locator(".flash")).to_contain_text("The stage is awarded")
    axe_check(page)
    with app.app_context():  # the standstill period runs out
        db.session.execute(update(Award).values(standstill_ends_on=date.today() - timedelta(days=1)))
        db.session.commit()
    page.reload()
    axe_check(page)
    page.get_by_role("button", name="Publish the contract with Green Streets CIC").click()
    expect(page.locator(".flash")).to_contain_text("published in the open contracts register")
    axe_check(page)
    go(page, axe_check, "/contracts/")
    expect(page.locator("main")).to_contain_text("Fewer missed bin collections")
    assert any("not chosen" in m.body for m in app.extensions["mail_outbox"] if m.to == rival.email)
    assert bids  # both bids were there to open
