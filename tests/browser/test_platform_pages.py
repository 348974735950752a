"""Platform services in a real browser: staff sign in with two factors, an admin grants a role
and the audit log records it; every page the platform adds passes axe-core, with JavaScript on
and off, in English and in Welsh."""
from __future__ import annotations

import pyotp
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.core.models import AuditEntry, CouncillorProfile, Notification, Role
from app.extensions import db
from tests.conftest import TEST_PASSWORD


def staff_sign_in(page: Page, axe_check, user) -> None:
    page.goto("/sign-in")
    axe_check(page)
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check it is you")
    axe_check(page)
    page.get_by_label("Code from your authenticator app, or a recovery code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".error-summary")).to_contain_text("That code is not right")
    axe_check(page)
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(pyotp.TOTP(user.totp_secret).now())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My council")
    axe_check(page)


def test_an_admin_signs_in_with_two_factors_and_grants_a_role_that_the_audit_log_records(
        flow_page: Page, axe_check, app, make_user):
    page = flow_page
    admin = make_user(Role.ADMIN, email="admin@example.org")
    person = make_user(Role.RESIDENT, email="helper@example.org")
    staff_sign_in(page, axe_check, admin)

    page.get_by_role("link", name="Administration").click()
    axe_check(page)
    page.get_by_role("link", name="People, roles and teams").click()
    axe_check(page)
    page.get_by_label("Search by name or email address").fill("helper")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    axe_check(page)
    page.get_by_role("link", name=person.display_name).click()
    axe_check(page)
    page.get_by_label("Moderator").check()
    page.get_by_role("button", name="Save roles and teams").click()
    expect(page.locator(".flash")).to_contain_text("have been saved")
    axe_check(page)
    expect(page.get_by_label("Moderator")).to_be_checked()

    page.goto("/admin/audit")
    axe_check(page)
    expect(page.locator("table")).to_contain_text("role.granted")
    expect(page.locator("table")).to_contain_text('"role": "moderator"')
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "role.granted"))
        assert (entry.actor_id, entry.object_id, entry.details) == (admin.id, str(person.id), {"role": "moderator"})


PAGES = [
    "/notifications", "/notifications/settings", "/account/interests", "/open-data", "/open-data/api", "/wards",
    "/my-council/timeline/",
    "/privacy", "/cookies", "/account/councillor-profile",
    "/admin/", "/admin/people", "/admin/teams", "/admin/council", "/admin/retention", "/admin/audit",
    "/contracts/", "/contracts/spend", "/contracts/publication-policy", "/contracts/new", "/contracts/import",
    "/contracts/settings",
]


def test_every_platform_page_passes_axe_in_english_and_welsh(flow_page: Page, axe_check, app, make_user, council):
    page = flow_page
    ward = council.wards[0]
    admin = make_user(Role.ADMIN, Role.COUNCILLOR, ward=ward, email="busy@example.org")
    with app.app_context():
        db.session.add(CouncillorProfile(user_id=admin.id, ward_id=ward.id, party="Independent",
                                         bio={"en": "Hello", "cy": ""}))
        db.session.add(Notification(council_id=council.id, user_id=admin.id, kind="unknown.kind", params={}))
        db.session.commit()
    staff_sign_in(page, axe_check, admin)
    pages = PAGES + [f"/wards/{ward.id}", f"/admin/people/{admin.id}"]
    for path in pages:
        page.goto(path)
        axe_check(page)
        assert page.locator("h1").count() == 1, path
    page.goto("/language/cy?next=/my-council")
    axe_check(page)
    for path in pages:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == "cy", path
        axe_check(page)
    # The fallback note for a profile with no Welsh yet.
    page.goto(f"/wards/{ward.id}")
    axe_check(page)
    expect(page.locator(".fallback-note")).to_have_text("(ddim ar gael yn Gymraeg eto)")
