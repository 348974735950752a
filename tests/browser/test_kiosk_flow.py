"""A library kiosk in a real browser at 1280x1024 with large text: staff register the kiosk; a
resident signs in with the code from a polling card letter, votes on the ward budget, is warned
before the session ends, asks for more time, finishes and clears, and Back shows nothing of
theirs. JavaScript on and off, axe on every page, touch targets of 24 by 24 pixels or more.
Then the same tasks with the keyboard alone, checking that focus is visible and in order."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.core.models import Council, Role, User
from app.extensions import db
from app.kiosk import services
from tests.browser.test_platform_pages import staff_sign_in
from tests.web.test_budget_ballots import process_id  # noqa: F401  (the fixture: a vote open today)

KIOSK_VIEWPORT = {"width": 1280, "height": 1024}

# Interactive elements smaller than 24x24 CSS pixels, except links inside a sentence (WCAG 2.5.8
# exempts those: their size is set by the line of text they are in).
_SMALL_TARGETS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
    if (el.closest('dialog:not([open])')) continue;
    if (box.width >= 24 && box.height >= 24) continue;
    const parent = el.parentElement;
    const inSentence = el.tagName === 'A' && style.display === 'inline' && parent &&
      parent.textContent.trim().length > el.textContent.trim().length;
    if (!inSentence) out.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.name || '').trim().slice(0, 40)}" ${Math.round(box.width)}x${Math.round(box.height)}`);
  }
  return out;
}"""


def check_kiosk_page(page: Page, axe_check) -> None:
    axe_check(page)
    assert page.evaluate(_SMALL_TARGETS) == [], f"targets under 24x24 on {page.url}"


def make_letter_code(app, council_id: int, staff) -> str:
    """A polling card letter's code (the letters page itself is tested in tests/web/test_kiosk.py)."""
    with app.app_context():
        council = db.session.get(Council, council_id)
        letters, errors = services.import_letters(council, "name,address,ward\nAnwen Jones,1 Heol y Bont,North\n",
                                                  db.session.get(User, staff.id), valid_days=90, messages={})
        assert errors == []
        return letters[0]["code"]


def register_kiosk(page: Page, axe_check, staff) -> None:
    staff_sign_in(page, axe_check, staff)
    page.goto("/kiosk/devices")
    axe_check(page)
    page.get_by_label("Name of this kiosk").fill("Kiosk by the front desk")
    page.get_by_label("Where it is").fill("Central Library")
    page.get_by_label("Opening hours").fill("Monday to Saturday, 9am to 5pm")
    page.get_by_role("button", name="Register this computer").click()
    expect(page.locator(".flash")).to_contain_text("This computer is now the kiosk")
    axe_check(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    axe_check(page)


def choose_large_text(page: Page, axe_check) -> None:
    page.goto("/display")
    axe_check(page)
    page.get_by_label("Large", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_contain_text("Display settings saved")
    assert "text-large" in (page.locator("html").get_attribute("class") or "")
    axe_check(page)


@pytest.mark.parametrize("js", [True, False], ids=["js-on", "js-off"])
def test_a_resident_votes_at_a_kiosk_with_a_polling_card_code_and_leaves_nothing_behind(
        make_page, axe_check, app, make_user, council, process_id, js):  # noqa: F811
    page = make_page(viewport=KIOSK_VIEWPORT, java_script_enabled=js)
    staff = make_user(Role.STAFF, email="library@example.org")
    code = make_letter_code(app, council.id, staff)
    register_kiosk(page, axe_check, staff)
    if js:
        page.clock.install()  # the page's timers run on a clock the test can move on

    page.goto("/kiosk/")
    check_kiosk_page(page, axe_check)
    choose_large_text(page, axe_check)
    page.goto("/kiosk/")
    expect(page.get_by_role("heading", level=1)).to_have_text("What would you like to do today?")
    check_kiosk_page(page, axe_check)

    page.get_by_role("link", name="Sign in with a code").click()
    check_kiosk_page(page, axe_check)
    page.get_by_label("Your code").fill("WRNG-CODE")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".error-summary")).to_contain_text("This code is not right")
    check_kiosk_page(page, axe_check)
    assert page.get_by_label("Your code").get_attribute("autocomplete") == "off"
    page.get_by_label("Your code").fill(code.lower())
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".flash")).to_contain_text("You are signed in as Anwen Jones")
    expect(page.locator(".kiosk-bar")).to_contain_text("Your session ends at")
    assert "text-large" in (page.locator("html").get_attribute("class") or "")  # kept through sign-in
    check_kiosk_page(page, axe_check)

    page.get_by_role("link", name="Vote on how North's budget is spent").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vote: North budget 2027")
    check_kiosk_page(page, axe_check)
    page.get_by_label("Project 9 (£50,000)").check()
    page.get_by_label("Project 1 (£10,000)").check()
    page.get_by_role("button", name="Send my vote").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your vote")
    expect(page.get_by_role("main")).to_contain_text("Project 9")
    check_kiosk_page(page, axe_check)
    receipt_url = page.url

    ends_before = page.locator(".kiosk-bar__end").inner_text()
    assert re.fullmatch(r"\d\d:\d\d", ends_before)
    if js:
        warning = page.get_by_role("dialog", name="Do you need more time?")
        expect(warning).to_be_hidden()
        page.clock.fast_forward("08:30")  # eight and a half minutes without anything happening
        expect(warning).to_be_visible()
        expect(page.locator("#kiosk-countdown")).to_have_text(re.compile(r"1:[0-3]\d"))
        axe_check(page)
        warning.get_by_role("button", name="I need more time").click()
        expect(warning).to_be_hidden()
        page.clock.fast_forward("03:00")  # the deadline moved: three more minutes and still no warning
        expect(warning).to_be_hidden()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your vote")
    else:
        page.locator(".kiosk-bar").get_by_role("button", name="I need more time").click()
        expect(page.locator(".flash")).to_contain_text("You have 10 more minutes")
        expect(page.get_by_role("heading", level=1)).to_have_text("Your vote")
        check_kiosk_page(page, axe_check)

    page.locator(".kiosk-bar").get_by_role("button", name="Finish and clear").click()
    expect(page.locator(".flash")).to_contain_text("nothing of yours is left on this computer")
    expect(page.get_by_role("heading", level=1)).to_have_text("What would you like to do today?")
    check_kiosk_page(page, axe_check)
    assert "text-large" not in (page.locator("html").get_attribute("class") or "")  # the next person starts afresh

    page.go_back()
    page.wait_for_load_state()
    axe_check(page)
    body = page.locator("body").inner_text()
    assert "Anwen Jones" not in body and "Project 9" not in body and "Your vote" not in body
    assert page.url != receipt_url or "Sign in" in body
    page.goto(receipt_url)
    axe_check(page)
    assert "Project 9" not in page.locator("body").inner_text()


def test_an_unattended_kiosk_signs_the_person_out_when_the_countdown_ends(make_page, axe_check, app, make_user,
                                                                         council):
    page = make_page(viewport=KIOSK_VIEWPORT, java_script_enabled=True)
    staff = make_user(Role.STAFF, email="library@example.org")
    code = make_letter_code(app, council.id, staff)
    register_kiosk(page, axe_check, staff)
    page.clock.install()
    page.goto("/kiosk/sign-in")
    axe_check(page)
    page.get_by_label("Your code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".flash")).to_contain_text("You are signed in as Anwen Jones")
    axe_check(page)
    page.goto("/my-council")
    axe_check(page)
    page.clock.fast_forward("10:01")  # nobody touches the kiosk for ten minutes
    expect(page.locator(".flash")).to_contain_text("Your session ended because nothing happened for 10 minutes")
    expect(page.get_by_role("heading", level=1)).to_have_text("What would you like to do today?")
    axe_check(page)
    page.goto("/my-council")
    axe_check(page)
    expect(page).to_have_url(re.compile(r"/sign-in"))


# --- Keyboard only ----------------------------------------------------------------------------

_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  // Our focus styles: a 3px yellow outline, or for links a yellow background. (Buttons always have
  // a shadow, so a shadow alone proves nothing.)
  const visible = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) ||
    style.backgroundColor === 'rgb(255, 221, 0)';
  return {name: (el.getAttribute('aria-label') || el.labels?.[0]?.textContent || el.textContent || el.value || '').trim().replace(/\\s+/g, ' '),
          tag: el.tagName.toLowerCase(), visible, top: box.top + window.scrollY, left: box.left};
}"""


def tab_to(page: Page, name: str, limit: int = 80) -> None:
    """Press Tab until the focused element's name starts with `name`, checking on the way that
    focus is always visible and never jumps back up the page."""
    previous = None
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if focused is None:
            continue
        assert focused["visible"], f"focus not visible on {focused['tag']} “{focused['name']}” at {page.url}"
        if previous is not None:
            assert focused["top"] >= previous["top"] - 40, \
                f"focus went back up the page: “{previous['name']}” then “{focused['name']}” at {page.url}"
        previous = focused
        if focused["name"].startswith(name):
            return
    pytest.fail(f"“{name}” not reached with Tab on {page.url}")


def start_from_top(page: Page) -> None:
    # Focus the document itself, as after a page load, so Tab starts at the skip link.
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")


@pytest.mark.parametrize("js", [True, False], ids=["js-on", "js-off"])
def test_every_kiosk_task_can_be_done_with_the_keyboard_alone(make_page, axe_check, app, make_user, council,
                                                             process_id, js):  # noqa: F811
    page = make_page(viewport=KIOSK_VIEWPORT, java_script_enabled=js)
    staff = make_user(Role.STAFF, email="library@example.org")
    code = make_letter_code(app, council.id, staff)
    register_kiosk(page, axe_check, staff)  # staff set-up is not the kiosk flow; the resident's is
    page.goto("/kiosk/")
    axe_check(page)
    assert page.evaluate("() => [...document.querySelectorAll('[tabindex]')].filter(e => e.tabIndex > 0).length") == 0

    # Text size, with the keyboard.
    start_from_top(page)
    tab_to(page, "Make the text bigger")
    page.keyboard.press("Enter")
    page.wait_for_url("**/display**")
    axe_check(page)
    start_from_top(page)
    tab_to(page, "Standard")  # the first radio of "Text size"
    page.keyboard.press("ArrowDown")  # Large
    tab_to(page, "Save")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"^http://[^/]+/kiosk/$"))
    expect(page.locator(".flash")).to_contain_text("Display settings saved")
    assert "text-large" in (page.locator("html").get_attribute("class") or "")
    axe_check(page)

    # Sign in with the code.
    start_from_top(page)
    tab_to(page, "Sign in with a code")
    page.keyboard.press("Enter")
    page.wait_for_url("**/kiosk/sign-in")
    axe_check(page)
    start_from_top(page)
    tab_to(page, "Your code")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("You are signed in as Anwen Jones")
    axe_check(page)

    # Vote.
    start_from_top(page)
    tab_to(page, "Vote on how North's budget is spent")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vote: North budget 2027")
    axe_check(page)
    start_from_top(page)
    tab_to(page, "Project 1 (£10,000)")
    page.keyboard.press("Space")
    tab_to(page, "Project 2 (£15,000)")
    page.keyboard.press("Space")
    tab_to(page, "Send my vote")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your vote")
    expect(page.get_by_role("main")).to_contain_text("Project 2")
    axe_check(page)

    # More time, ask for help, finish and clear: all in the kiosk bar.
    start_from_top(page)
    tab_to(page, "I need more time")
    page.keyboard.press("Enter")
    if js:  # answered in place: the person stays where they were
        expect(page.locator(".kiosk-bar").get_by_role("button", name="I need more time")).to_be_focused()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your vote")
    else:
        expect(page.locator(".flash")).to_contain_text("more minutes")
    axe_check(page)
    start_from_top(page)
    tab_to(page, "Ask for help")
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("A member of staff has been told")
    axe_check(page)
    start_from_top(page)
    tab_to(page, "Finish and clear")
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("nothing of yours is left on this computer")
    axe_check(page)
    with app.app_context():
        from app.kiosk.models import KioskDevice

        assert db.session.scalars(db.select(KioskDevice)).one().help_requested_at is not None
