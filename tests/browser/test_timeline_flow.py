"""The personal timeline in a real browser, JavaScript on and off, axe on every page: a
resident turns learning on, opens three transport items, sees the timeline re-rank with the
reason shown, then resets what it learned."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from app.core.models import User
from app.extensions import db
from app.ideas import services
from tests.browser.test_ideas_flow import sign_in


def test_learning_re_ranks_the_timeline_and_can_be_reset(flow_page: Page, axe_check, app, make_user, council):
    page = flow_page
    north = council.wards[0]
    author = make_user()
    with app.app_context():
        person = db.session.get(User, author.id)
        services.submit(person, title="Roses for the North park", body="Roses along the park's main path.",
                        category="parks", ward_id=north.id, place_name=None)
        for title in ("Bus shelter at the station", "Safer crossing by the school", "Later buses on Sundays"):
            services.submit(person, title=title, body="This would help everyone who travels.",
                            category="transport", ward_id=None, place_name=None)
    resident = make_user(ward=north, email="learner@example.org")
    sign_in(page, axe_check, resident)

    timeline = page.locator("ol.timeline > li")
    expect(timeline.first).to_contain_text("Roses for the North park")
    expect(timeline.first).to_contain_text("Because you live in North")

    page.get_by_role("link", name="How your timeline works, and what it has learned").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your timeline")
    axe_check(page)
    page.get_by_role("button", name="Turn learning on").click()
    expect(page.locator(".flash")).to_contain_text("now learns from what you open")
    axe_check(page)

    for title in ("Bus shelter at the station", "Safer crossing by the school", "Later buses on Sundays"):
        page.goto("/my-council")
        axe_check(page)
        page.locator("ol.timeline").get_by_role("link", name=title).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        axe_check(page)

    page.goto("/my-council")
    axe_check(page)
    first_topic = timeline.first.get_attribute("data-topic")
    assert first_topic == "transport"
    expect(timeline.first).to_contain_text("you opened 3 items on Roads, transport and parking")

    page.get_by_role("link", name="How your timeline works, and what it has learned").click()
    axe_check(page)
    expect(page.get_by_role("table").nth(1)).to_contain_text("Roads, transport and parking")
    page.get_by_role("button", name="Reset: delete what it learned").click()
    expect(page.locator(".flash")).to_contain_text("is deleted")
    expect(page.get_by_role("main")).to_contain_text("Nothing.")
    axe_check(page)

    page.get_by_role("link", name="Back to My council").click()
    axe_check(page)
    expect(timeline.first).to_contain_text("Roses for the North park")
    expect(page.locator("ol.timeline")).not_to_contain_text("you opened")
