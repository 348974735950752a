"""Every endpoint is either @public or @role_required, and role checks hold for every role.

The checks enumerate the URL map, so a route added by any module is covered without editing
this file. A probe blueprint adds one route per role, so the refusal check has work to do even
before modules with staff pages exist.
"""
from __future__ import annotations

import pytest
from flask import Blueprint, url_for

from app import create_app
from app.core.access import access_of, role_required
from app.core.models import Role
from tests.conftest import FormClient, sign_in


def _probe_blueprint() -> Blueprint:
    probe = Blueprint("probe", __name__)
    for role in Role:
        def view(role=role):
            return f"{role.value} desk"
        view.__name__ = f"desk_{role.value}"
        probe.add_url_rule(f"/__probe/{role.value}", view.__name__, role_required(role)(view),
                           methods=["GET", "POST"])
    return probe


@pytest.fixture(scope="module")
def probed_app(app):
    application = create_app(_config_of(app))
    application.register_blueprint(_probe_blueprint())
    application.test_client_class = FormClient
    yield application
    with application.app_context():
        from app.extensions import db
        db.session.remove()
        db.engine.dispose()


def _config_of(app):
    class Config:
        pass
    for key, value in app.config.items():
        setattr(Config, key, value)
    return Config


def _protected_rules(app):
    for rule in app.url_map.iter_rules():
        access = access_of(app.view_functions[rule.endpoint])
        if isinstance(access, tuple) and access[0] == "roles":
            yield rule, access


def _example_value(converter):
    from werkzeug.routing.converters import NumberConverter

    kind = converter.__class__.__name__
    if isinstance(converter, NumberConverter):  # ints, including the app's bounded ones
        return 1
    if kind == "AnyConverter":
        return sorted(converter.items)[0]
    return "x"


def _url(app, rule) -> str:
    values = {arg: _example_value(rule._converters[arg]) for arg in rule.arguments}
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def test_every_endpoint_is_public_or_role_checked(app):
    unmarked = [rule.endpoint for rule in app.url_map.iter_rules()
                if access_of(app.view_functions[rule.endpoint]) is None]
    assert unmarked == [], f"endpoints with neither @public nor @role_required: {unmarked}"


def test_anonymous_visitors_are_sent_to_sign_in_from_every_protected_route(probed_app, council):
    client = probed_app.test_client()
    token = client.csrf_token()
    for rule, _access in _protected_rules(probed_app):
        url = _url(probed_app, rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code in (302, 303), f"{method} {url} gave {response.status_code}"
            assert "/sign-in" in response.headers["Location"], f"{method} {url}"


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_refused_everywhere_it_is_not_named(probed_app, make_user, role):
    client = probed_app.test_client()
    user = make_user(role)
    sign_in(client, user)
    token = client.csrf_token()
    refused = 0
    for rule, (_kind, roles, any_signed_in) in _protected_rules(probed_app):
        if any_signed_in or role in roles:
            continue  # admitted; visiting them all could sign the person out
        url = _url(probed_app, rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 403, f"{role.value}: {method} {url} gave {response.status_code}"
            refused += 1
    # Seven probe desks belong to other roles, each with GET and POST.
    assert refused >= 14
    assert client.get(f"/__probe/{role.value}").get_data(as_text=True) == f"{role.value} desk"
