"""Every page of the app, with large text and high contrast on: a crawler follows every link of
the demo site as each kind of person (administrator, caseworker, moderator, councillor,
supplier, resident, visitor), runs axe-core on each page and the Nu HTML Checker on all of
them. One page per route (ids in the address count as one route), so the walk stays short
while a new module's pages are covered without editing this file."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pyotp
from playwright.sync_api import Error as PlaywrightError, Page, expect
from sqlalchemy import select

from app.core.demo import DEMO_PASSWORD, load_demo
from app.core.models import User
from app.extensions import db
from tests.helpers import validate_html

# Not pages: files, feeds, the API, and links that change the session rather than show something.
NOT_PAGES = re.compile(r"^/(static|api)/|/sign-out|/language/|/unsubscribe|\.(csv|json|jsonld|atom|pb|xlsx|xml|svg|txt|pdf|zip)$"
                       r"|/(export|download|feed|files?|documents?|attachments?)(/|$|\.)|/image|/photo")
KIOSK = "a resident at a library kiosk"
PERSONAS = [KIOSK, "admin@example.org", "caseworker1@example.org", "moderator@example.org", "cllr.1@example.org",
            "supplier.micro@example.org", "resident@example.org", None]
MAX_LOADS_PER_PERSONA = 150


def route_of(path: str) -> str:
    """/ideas/123/edit -> /ideas/N/edit: one visit per route."""
    return re.sub(r"/\d+(?=/|$)", "/N", path)


def sign_in(page: Page, app, email: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/two-factor" in page.url:
        with app.app_context():
            secret = db.session.scalars(select(User.totp_secret).where(User.email == email)).one()
        # By name, not by label: some demo people read the site in Welsh.
        page.locator("input[name=code]").fill(pyotp.TOTP(secret).now())
        page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/my-council$"))


def large_text_and_high_contrast(page: Page) -> None:
    page.goto("/display")
    page.locator("input[name=text][value=large]").check()
    page.locator("input[name=contrast][value=high]").check()
    page.locator("main button[type=submit]").click()
    expect(page.locator("html")).to_have_class(re.compile(r"text-large contrast-high"))


def at_a_kiosk(page: Page, app, base_url: str) -> None:
    """This browser's machine registered as a kiosk, and a resident signed in with a letter's code:
    every page then carries the kiosk bar and its warning dialog, which are checked too."""
    from app.core.models import Council
    from app.kiosk import services

    with app.app_context():
        council = db.session.scalars(select(Council)).one()
        staff = db.session.scalars(select(User).where(User.email == "staff.planning@example.org")).one()
        _device, token = services.register_device(council, name="Crawler kiosk", location="Central Library",
                                                  address="", opening_hours="", team_id=None, idle_minutes=30,
                                                  actor=staff)
        ward = council.wards[0].name
        letters, _errors = services.import_letters(council, f"name,address,ward\nCrawl Resident,1 Main St,{ward}\n",
                                                   staff, valid_days=30, messages={})
    page.context.add_cookies([{"name": services.DEVICE_COOKIE, "value": token, "url": base_url}])
    page.goto("/kiosk/sign-in")
    page.locator("input[name=code]").fill(letters[0]["code"])
    page.locator("main button[type=submit]").click()
    expect(page.locator(".kiosk-bar")).to_be_visible()


def test_every_page_validates_and_passes_axe_with_large_text_and_high_contrast(make_page, axe_check, app, tmp_path,
                                                                               base_url):
    with app.app_context():
        load_demo()
    visited_routes: set[str] = set()
    html: dict[str, str] = {}
    for persona in PERSONAS:
        page = make_page(viewport={"width": 1280, "height": 1024})
        if persona == KIOSK:
            at_a_kiosk(page, app, base_url)
        elif persona:
            sign_in(page, app, persona)
        large_text_and_high_contrast(page)
        # Where each person starts: pages linked only from e-mails or kiosks are named here.
        queue = (["/kiosk/", "/kiosk/sign-in/email", "/ideas/", "/budgets/", "/consultations/"] if persona == KIOSK else
                 ["/", "/my-council", "/admin/", "/kiosk/devices", "/services/", "/caseflags/"] if persona else
                 ["/", "/kiosk/", "/kiosk/sign-in", "/kiosk/sign-in/email"])
        seen_routes: set[str] = set()  # this person's walk: each route loaded once, to find links
        loads = 0
        while queue and loads < MAX_LOADS_PER_PERSONA:
            path = queue.pop(0)
            route = route_of(urlsplit(path).path)
            if route in seen_routes:
                continue
            seen_routes.add(route)
            try:
                response = page.goto(path)
            except PlaywrightError:  # a download, not a page
                continue
            loads += 1
            if response is None or "text/html" not in (response.headers.get("content-type") or ""):
                continue
            landed = route_of(urlsplit(page.url).path)
            seen_routes.add(landed)
            if landed not in visited_routes:  # checked once, by the first person to reach it
                visited_routes.add(landed)
                classes = page.locator("html").get_attribute("class") or ""
                assert "text-large" in classes and "contrast-high" in classes, page.url
                axe_check(page)
                html[f"{persona or 'visitor'}{landed}".replace("/", "_")[:120]] = response.text()
            for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
                parts = urlsplit(href)
                if parts.scheme or parts.netloc or not parts.path.startswith("/") or NOT_PAGES.search(parts.path):
                    continue
                if route_of(parts.path) not in seen_routes:
                    queue.append(parts.path + (f"?{parts.query}" if parts.query and "page=" not in parts.query else ""))
        page.context.close()
    assert len(visited_routes) >= 100, f"the walk reached only {len(visited_routes)} routes"
    problems = validate_html(html, tmp_path)
    assert problems == [], "\n".join(problems)
