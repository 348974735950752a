"""Browser tests: Debian's Chromium driven by Playwright against the app on a live server.

Every test here is marked `browser`. Pages are checked with axe-core (WCAG 2.2 AA tags); a test
fails on any violation. Flow tests take `flow_page`, which runs each test twice: JavaScript on
and JavaScript off.
"""
from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator

import pytest
from playwright.sync_api import Page
from werkzeug.serving import WSGIRequestHandler, make_server

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Fail fast: a missing element should fail a test in seconds, not hang it for 30.
TIMEOUT_MS = 10_000


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # Runs before -m deselects, so `-m browser` and `-m "not browser"` both see the mark.
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium",
            "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync"]}


class _QuietRequestHandler(WSGIRequestHandler):
    """No access-log line per request (a failing test's report is long enough); errors still log."""

    def log_request(self, code="-", size="-") -> None:
        pass


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The session app served on a free loopback port; yields its base URL.

    Requests run in the server's threads, each in an app context of its own. Tests must not
    hold an app context while the browser works: set data up first, then drive the page.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    # Replaces pytest-playwright's own base_url (which --base-url would set): pages here are
    # always those of the live server. pytest-playwright puts it in browser_context_args.
    return live_server


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # bypass_csp: the app's CSP forbids inline script, and axe is injected as inline script.
    return {**browser_context_args, "bypass_csp": True}


class _Audits:
    """Counts the documents each page loads and which of them axe has checked."""

    def __init__(self) -> None:
        self.loads: dict[int, list[str]] = {}
        self.checked: dict[int, set[int]] = {}

    def watch(self, page: Page) -> None:
        key = id(page)
        self.loads[key] = []
        self.checked[key] = set()

        def loaded(loaded_page: Page) -> None:
            self.loads[key].append(loaded_page.url)

        page.on("load", loaded)

    def mark_checked(self, page: Page) -> None:
        key = id(page)
        if key in self.loads:
            self.checked[key].add(len(self.loads[key]))

    def unchecked(self, page: Page) -> list[str]:
        """The URLs of documents that were loaded and left without an axe check."""
        key = id(page)
        return [url for number, url in enumerate(self.loads[key], 1) if number not in self.checked[key]]


@pytest.fixture
def _audits() -> _Audits:
    return _Audits()


def _format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe found {len(violations)} accessibility violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']}")
        for node in v["nodes"][:10]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary[:300]}")
        if len(v["nodes"]) > 10:
            lines.append(f"    ... and {len(v['nodes']) - 10} more")
    return "\n".join(lines)


_RUN_AXE = """(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})
    .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({target: n.target, failureSummary: n.failureSummary}))})))"""

_SCRIPTS_RUN = """() => { const s = document.createElement('script');
    s.textContent = 'window.__ccScriptsRun = true'; document.head.appendChild(s); s.remove();
    return window.__ccScriptsRun === true; }"""


@lru_cache(maxsize=1)
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def _violations_in(page: Page) -> list[dict]:
    page.add_script_tag(content=_axe_source())
    return page.evaluate(_RUN_AXE, AXE_TAGS)


class _ScriptsOffAuditor:
    """axe needs timers, which never fire in a context with JavaScript off. So the document the
    JS-off browser has (parsed without running any script) is served, at the same URL and the
    same viewport size, to a scripted auditing tab whose own page scripts are blocked; its
    stylesheet and images still come from the live server."""

    def __init__(self) -> None:
        self._page: Page | None = None
        self._html = ""

    def _serve(self, route, request) -> None:
        if request.resource_type == "document":
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=self._html)
        elif request.resource_type == "script":
            route.abort()
        else:
            route.continue_()

    def violations(self, page: Page) -> list[dict]:
        browser = page.context.browser
        assert browser is not None
        if self._page is None or self._page.viewport_size != page.viewport_size:
            self.close()
            context = browser.new_context(bypass_csp=True, viewport=page.viewport_size)
            context.route("**/*", self._serve)
            self._page = context.new_page()
            self._page.set_default_timeout(TIMEOUT_MS)
        self._html = page.content()
        self._page.goto(page.url)
        return _violations_in(self._page)

    def close(self) -> None:
        if self._page is not None:
            self._page.context.close()
            self._page = None


@pytest.fixture
def axe_check(_audits) -> Iterator[Callable[[Page], None]]:
    """axe_check(page): fail the test on any axe-core violation of WCAG 2.0/2.1/2.2 A and AA."""
    auditor = _ScriptsOffAuditor()

    def check(page: Page) -> None:
        page.wait_for_load_state("load")
        _audits.mark_checked(page)
        if page.evaluate(_SCRIPTS_RUN):
            violations = _violations_in(page)
        else:
            violations = auditor.violations(page)
        if violations:
            pytest.fail(_format_violations(page.url, violations), pytrace=False)

    yield check
    auditor.close()


@pytest.fixture
def make_page(new_context, _audits) -> Callable[..., Page]:
    """make_page(**context_args): a page in a new context (bypass_csp and base_url already set),
    e.g. make_page(viewport={"width": 320, "height": 640}) or make_page(java_script_enabled=False)."""

    def make(**context_args) -> Page:
        page = new_context(**context_args).new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.set_default_navigation_timeout(TIMEOUT_MS)
        _audits.watch(page)
        return page

    return make


@pytest.fixture
def js_page(make_page) -> Page:
    """A page with JavaScript on."""
    return make_page(java_script_enabled=True)


@pytest.fixture
def nojs_page(make_page) -> Page:
    """A page with JavaScript off, as for someone who has switched it off or whose scripts failed."""
    return make_page(java_script_enabled=False)


@pytest.fixture(params=["js-on", "js-off"])
def flow_page(request, _audits) -> Iterator[Page]:
    """The same test with JavaScript on and with it off. At the end, every document the page
    loaded must have been checked with axe_check."""
    page: Page = request.getfixturevalue("js_page" if request.param == "js-on" else "nojs_page")
    yield page
    if not _failed(request.node):
        page.evaluate("1")  # let pending page events reach Python first
        missing = _audits.unchecked(page)
        assert not missing, f"pages loaded but not checked with axe_check: {missing}"


def _failed(node) -> bool:
    report = getattr(node, "_cc_call_report", None)
    return bool(report and report.failed)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and HERE in Path(item.path).resolve().parents:
        item._cc_call_report = report
    return report
