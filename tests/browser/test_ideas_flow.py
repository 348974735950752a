"""Ideas in a real browser, JavaScript on and off, axe on every page: a resident submits an idea
and is shown a similar one first; another resident argues against it, supports it and comments;
a moderator hides the comment; the author appeals and a different moderator decides; a
councillor responds and the supporter sees the notification."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.core.models import Role, User
from app.extensions import db
from app.ideas import services
from app.ideas.models import Idea, IdeaComment, IdeaSupport
from tests.conftest import TEST_PASSWORD


def sign_in(page: Page, axe_check, user) -> None:
    page.goto("/sign-in")
    axe_check(page)
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My council")
    axe_check(page)


def sign_out(page: Page, axe_check) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    axe_check(page)


def test_idea_from_submission_to_council_response(flow_page: Page, axe_check, app, make_user, council):
    page = flow_page
    ward = council.wards[0]
    author = make_user(ward=ward, email="author@example.org")
    supporter = make_user(ward=ward, email="supporter@example.org")
    first_moderator = make_user(Role.MODERATOR, email="mod1@example.org")
    second_moderator = make_user(Role.MODERATOR, email="mod2@example.org")
    councillor = make_user(Role.COUNCILLOR, email="cllr@example.org")
    with app.app_context():
        services.submit(db.session.get(User, make_user().id), title="Plant fruit trees in Victoria Park",
                        body="Apple and pear trees that everyone can pick from.", category="parks",
                        ward_id=ward.id, place_name=None)

    # A resident puts forward an idea and is shown the similar one before it is published.
    sign_in(page, axe_check, author)
    js_on = page.evaluate("() => typeof window.htmx !== 'undefined'")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Ideas").click()
    axe_check(page)
    page.get_by_role("main").get_by_role("link", name="Put forward an idea").click()
    axe_check(page)
    page.get_by_label("Your idea in a sentence").fill("More fruit trees in the park")
    if js_on:  # live results while typing
        expect(page.locator("#similar-ideas")).to_contain_text("Plant fruit trees in Victoria Park")
        axe_check(page)
    page.get_by_label("Tell us more").fill("Plums and cherries along the paths, looked after by volunteers.")
    page.get_by_label("Topic").select_option(label="Parks and green spaces")
    page.get_by_label("Where").select_option(label=ward.name)
    page.get_by_role("button", name="Publish my idea").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check for similar ideas")
    expect(page.get_by_role("main")).to_contain_text("Plant fruit trees in Victoria Park")
    axe_check(page)
    page.get_by_role("button", name="Submit my idea anyway").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("More fruit trees in the park")
    axe_check(page)
    idea_url = page.url
    sign_out(page, axe_check)

    # Another resident argues against it, supports it and comments.
    sign_in(page, axe_check, supporter)
    page.goto(idea_url)
    axe_check(page)
    page.get_by_label("Against", exact=True).check()
    page.get_by_label("Your argument").fill("Fallen fruit on the paths will be slippery for older people")
    page.get_by_role("button", name="Add argument").click()
    expect(page.locator(".flash")).to_contain_text("Your argument is added")
    axe_check(page)
    page.get_by_role("button", name="Support this idea").click()
    expect(page.locator(".support-box")).to_contain_text("1 supporter")
    expect(page.get_by_role("button", name="Withdraw my support")).to_be_visible()
    page.wait_for_load_state()
    axe_check(page)
    page.get_by_label("Your comment").fill("The path by the pond is the windiest spot")
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator(".flash")).to_contain_text("Your comment is added")
    axe_check(page)
    sign_out(page, axe_check)
    with app.app_context():
        idea = db.session.scalar(select(Idea).where(Idea.title == "More fruit trees in the park"))
        assert idea.support_count == 1 and len(db.session.scalars(select(IdeaSupport)).all()) == 1
        comment_id = db.session.scalar(select(IdeaComment.id))

    # A moderator hides the comment with a reason readers see.
    sign_in(page, axe_check, first_moderator)
    page.goto(idea_url)
    axe_check(page)
    page.locator(f"#comment-{comment_id}").get_by_role("link", name=re.compile("^Moderate")).click()
    axe_check(page)
    page.get_by_role("button", name="Hide it").click()
    expect(page.locator(".error-summary")).to_contain_text("Give the reason readers will see")
    axe_check(page)
    page.get_by_label("Reason, shown to everyone").fill("it is off topic for this idea")
    page.get_by_role("button", name="Hide it").click()
    expect(page.locator(".flash")).to_contain_text("It is hidden")
    axe_check(page)
    sign_out(page, axe_check)

    # The comment's author appeals, once.
    sign_in(page, axe_check, supporter)
    page.goto(idea_url)
    axe_check(page)
    comment = page.locator(f"#comment-{comment_id}")
    expect(comment).to_contain_text("Hidden by a moderator because: it is off topic for this idea")
    comment.get_by_role("link", name="Appeal this decision").click()
    axe_check(page)
    page.get_by_label("Why should it be shown again?").fill("Wind decides where fruit trees can grow")
    page.get_by_role("button", name="Send appeal").click()
    expect(page.locator(".flash")).to_contain_text("Your appeal is sent")
    axe_check(page)
    sign_out(page, axe_check)

    # The moderator who hid it cannot decide; a second moderator restores it.
    sign_in(page, axe_check, first_moderator)
    page.goto("/ideas/moderation")
    expect(page.get_by_role("main")).to_contain_text("You hid this: another moderator decides.")
    axe_check(page)
    sign_out(page, axe_check)
    sign_in(page, axe_check, second_moderator)
    page.goto("/ideas/moderation")
    axe_check(page)
    page.get_by_role("link", name="Decide the appeal").click()
    axe_check(page)
    page.get_by_label("Show it again").check()
    page.get_by_label("Reason, sent to the author").fill("Where trees go is on topic")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".flash")).to_contain_text("The appeal is decided")
    axe_check(page)
    sign_out(page, axe_check)

    # A councillor records the council's response.
    sign_in(page, axe_check, councillor)
    page.goto(idea_url)
    axe_check(page)
    page.get_by_role("link", name="Record a council response").click()
    axe_check(page)
    page.get_by_label("Accepted").check()
    page.get_by_label("The reason, in plain words").fill("The parks team has room for twenty trees this winter.")
    page.get_by_label("What happens next").fill("Planting day in February: volunteers welcome.")
    page.get_by_role("button", name="Publish response").click()
    expect(page.locator("#response")).to_contain_text("The parks team has room for twenty trees this winter.")
    axe_check(page)
    sign_out(page, axe_check)

    # The supporter sees the response in their notifications, and the restored comment.
    sign_in(page, axe_check, supporter)
    page.get_by_role("link", name=re.compile("^Notifications")).click()
    expect(page.get_by_role("main")).to_contain_text("The council has responded to “More fruit trees in the park”")
    axe_check(page)
    page.goto(idea_url)
    expect(page.locator(f"#comment-{comment_id}")).to_contain_text("The path by the pond is the windiest spot")
    axe_check(page)


def test_idea_pages_pass_axe_in_welsh(flow_page: Page, axe_check, app, make_user, council):
    page = flow_page
    person = make_user(ward=council.wards[0], language="cy")
    with app.app_context():
        idea = services.submit(db.session.get(User, person.id), title="Meinciau newydd yn y parc",
                               body="Mwy o leoedd i eistedd i bobl hŷn.", category="parks",
                               ward_id=council.wards[0].id, place_name="Parc y Dref")
        idea_id = idea.id
    page.goto("/sign-in")  # in English until the person's own language (Welsh) takes over
    axe_check(page)
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fy nghyngor")
    axe_check(page)
    for url in ["/ideas/", f"/ideas/{idea_id}", "/ideas/new", "/ideas/top", "/ideas/overdue",
                f"/ideas/flag/idea/{idea_id}"]:
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", "cy")
        axe_check(page)
