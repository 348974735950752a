"""Pages as a whole: weight, validity, headers, error pages, caching, htmx fragments."""
from __future__ import annotations

import pytest

from app.core.models import Role
from tests.helpers import PAGE_BUDGET_BYTES, page_weight, validate_html


def test_healthz_answers_ok_when_the_database_answers(client, council):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok"


@pytest.mark.parametrize("path", ["/", "/sign-in", "/sign-up"])
def test_public_pages_are_under_the_weight_budget(client, council, path):
    assert page_weight(client, path) < PAGE_BUDGET_BYTES


def test_the_dashboard_is_under_the_weight_budget(client, council, login_as):
    login_as(Role.RESIDENT, ward=council.wards[0])
    assert page_weight(client, "/my-council") < PAGE_BUDGET_BYTES


def test_pages_are_valid_html(client, council, login_as, tmp_path):
    pages = {
        "home": client.get("/").get_data(as_text=True),
        "sign-in": client.get("/sign-in").get_data(as_text=True),
        "sign-up-errors": client.submit("/sign-up", {"email": "x"}).get_data(as_text=True),
        "not-found": client.get("/no-such-page").get_data(as_text=True),
        "audit": client.get("/audit").get_data(as_text=True),
        "reset": client.get("/reset-password").get_data(as_text=True),
    }
    login_as(Role.RESIDENT)
    pages.update({
        "dashboard": client.get("/my-council").get_data(as_text=True),
        "account": client.get("/account").get_data(as_text=True),
        "ward-choose": client.get("/account/ward?choose=all").get_data(as_text=True),
        "ward-error": client.submit("/account/ward", {"step": "postcode", "pc-postcode": "ZZ9 9ZZ"}).get_data(as_text=True),
        "delete": client.get("/account/delete").get_data(as_text=True),
        "dashboard-cy": client.get("/language/cy?next=/my-council", follow_redirects=True).get_data(as_text=True),
    })
    assert validate_html(pages, tmp_path) == []


def test_every_page_has_exactly_one_h1_and_a_skip_link(client, council):
    for path in ["/", "/sign-in", "/sign-up", "/reset-password", "/audit", "/missing"]:
        page = client.get(path).get_data(as_text=True)
        assert page.count("<h1") == 1, path
        assert 'href="#main-content"' in page and 'id="main-content"' in page, path


def test_security_headers(client, council):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers
    secure = client.get("/", base_url="https://localhost")
    assert "max-age=" in secure.headers["Strict-Transport-Security"]


def test_session_cookie_is_http_only_and_same_site(client, council):
    client.get("/sign-in")
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_signed_in_pages_are_not_stored_by_caches(client, council, login_as):
    login_as(Role.RESIDENT)
    assert "no-store" in client.get("/my-council").headers["Cache-Control"]


def test_static_files_have_content_hashed_urls_and_a_long_cache(client, council):
    page = client.get("/").get_data(as_text=True)
    import re
    href = re.search(r'href="(/static/app\.css\?v=[0-9a-f]{12})"', page).group(1)
    response = client.get(href)
    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 24 * 3600 and response.cache_control.immutable
    assert not response.cache_control.no_cache and "Expires" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")
    response.close()


@pytest.mark.parametrize("status,text", [(404, "Page not found"), (403, "You do not have access"),
                                         (429, "Too many attempts"), (500, "Sorry, there is a problem")])
def test_error_pages_sit_in_the_layout_and_say_what_to_do(app, client, council, status, text):
    with app.test_request_context("/"):
        from app.core.errors import render_error
        body, code = render_error(status)
    assert code == status and text in body and 'class="skip-link"' in body
    if status == 404:
        response = client.get("/nowhere")
        assert response.status_code == 404 and text in response.get_data(as_text=True)


def test_render_page_sends_a_fragment_only_to_an_htmx_request_for_its_target(app, council):
    from jinja2 import ChoiceLoader, DictLoader

    from app.core.web import render_page

    original = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader([DictLoader({"page.html": "<html>{{ item }} page</html>",
                                                     "_part.html": "{{ item }} part"}), original])
    cases = [
        ({"HX-Request": "true", "HX-Target": "results"}, "x part"),
        ({"HX-Request": "true", "HX-Target": "other"}, "<html>x page</html>"),
        # A boosted navigation is an htmx request too, but it must get the whole page.
        ({"HX-Request": "true", "HX-Boosted": "true", "HX-Target": "results"}, "<html>x page</html>"),
        ({}, "<html>x page</html>"),
    ]
    try:
        for headers, expected in cases:
            with app.test_request_context("/", headers=headers):
                response = render_page("page.html", fragment="_part.html", target="results", item="x")
                assert response.get_data(as_text=True) == expected, headers
                assert "HX-Request" in response.headers["Vary"]
    finally:
        app.jinja_env.loader = original


def test_an_id_too_long_for_the_database_is_not_found_not_an_error(client, council):
    for path in ["/ideas/99999999999999999999", "/contracts/99999999999999999999",
                 "/budgets/99999999999999999999", "/consultations/99999999999999999999"]:
        assert client.get(path).status_code == 404, path
