"""The kit modules build on: form macros, pagination, registries, demo data, locale formats."""
from __future__ import annotations

import re
from datetime import date

from flask import render_template_string
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, FileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired

from app.core.forms import DateField, MultiCheckboxField, choices
from app.core.models import Council, Organisation, Role, User, Ward
from app.core.registry import Section, dashboard_sections, home_sections
from app.extensions import db


class EveryField(FlaskForm):
    class Meta:
        csrf = False

    title = StringField("Title", validators=[DataRequired("Enter a title")], description="Keep it short")
    body = TextAreaField("Body", validators=[DataRequired("Enter the body")])
    ward = SelectField("Ward", choices=choices([("1", "North"), ("2", "South")]))
    kind = RadioField("Kind", choices=choices([("a", "Alpha"), ("b", "Beta")]),
                      validators=[InputRequired("Choose a kind")])
    topics = MultiCheckboxField("Topics", choices=choices([("parks", "Parks"), ("roads", "Roads")]),
                                validators=[DataRequired("Choose at least one topic")])
    agree = BooleanField("I agree", validators=[DataRequired("Tick to agree")])
    when = DateField("When", validators=[InputRequired("Enter a date")])
    photo = FileField("Photo", description="JPEG or PNG, up to 5 MB")


TEMPLATE = """{% from "_macros/forms.html" import field, error_summary %}
{{ error_summary(form) }}{% for f in form %}{{ field(f) }}{% endfor %}"""


def test_the_field_macro_links_labels_hints_and_errors_for_every_kind_of_field(app, council):
    with app.test_request_context("/", method="POST", data={"when": "not a date"}):
        form = EveryField()
        assert not form.validate()
        html = render_template_string(TEMPLATE, form=form)
    # Error summary links to each field; the first radio/checkbox carries the bare field id.
    for name in ("title", "body", "kind", "topics", "agree", "when"):
        assert f'href="#{name}"' in html, name
        assert f'id="{name}"' in html, name
        assert f'id="{name}-error"' in html, name
    assert 'aria-describedby="title-hint title-error"' in html
    assert '<label class="label" for="title">Title</label>' in html
    assert re.search(r'<fieldset class="fieldset" aria-describedby="kind-error">\s*<legend', html)
    assert 'type="radio"' in html and 'type="checkbox" value="parks"' in html
    assert 'type="date"' in html and 'type="file"' in html and "<textarea" in html and "<select" in html
    assert "Enter a real date" in html
    assert html.count('class="visually-hidden">Error:</span>') == 7  # the select refuses a missing choice too


def test_kept_values_are_escaped(app, council):
    with app.test_request_context("/", method="POST", data={"title": '<script>alert(1)</script>'}):
        html = render_template_string(TEMPLATE, form=EveryField())
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_registered_sections_appear_on_home_and_dashboard(app, client, login_as):
    home_sections.register("test-home", lambda user: Section("Ward walk this Saturday", "core/_test_section.html",
                                                             {"text": "Meet at the library"}))
    dashboard_sections.register("test-dash", lambda user: Section(f"For {user.display_name}", "core/_test_section.html",
                                                                  {"text": "Your ward budget vote closes Friday"}))
    from jinja2 import ChoiceLoader, DictLoader
    original = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader([DictLoader({"core/_test_section.html": "<p>{{ ctx.text }}</p>"}), original])
    try:
        assert "Meet at the library" in client.get("/").get_data(as_text=True)
        user = login_as(Role.RESIDENT)
        page = client.get("/my-council").get_data(as_text=True)
        assert f"For {user.display_name}" in page and "Your ward budget vote closes Friday" in page
    finally:
        home_sections.unregister("test-home")
        dashboard_sections.unregister("test-dash")
        app.jinja_env.loader = original


def test_pagination_helper_clamps_pages_and_keeps_filters(app, council):
    from flask import render_template_string as render

    from app.core.web import paginate
    with app.app_context():
        for n in range(45):
            db.session.add(Ward(council_id=council.id, name=f"Ward {n:02d}", code=f"X{n:03d}"))
        db.session.commit()
    with app.test_request_context("/audit?page=99&q=x"):
        page = paginate(select(Ward).order_by(Ward.name), per_page=20)
        assert (page.page, page.pages, page.total, len(page.items)) == (3, 3, 47, 7)
        html = render('{% from "_macros/pagination.html" import pagination %}{{ pagination(p) }}', p=page)
        assert "Page 3 of 3" in html and "page=2" in html and "q=x" in html and "Next page" not in html


def test_demo_data_is_realistic_and_loaded_once(app):
    from app.core.demo import load_demo

    with app.app_context():
        assert load_demo() is True
        assert load_demo() is False
        council = db.session.scalar(select(Council))
        assert len(council.wards) == 6
        people = db.session.scalar(select(func.count()).select_from(User))
        with_password = db.session.scalar(select(func.count()).select_from(User).where(User.password_hash.isnot(None)))
        assert (people, with_password) == (631, 31)
        assert db.session.scalar(select(func.count()).select_from(Organisation)) >= 3  # modules add suppliers
        councillors = [u for u in db.session.scalars(select(User)) if u.has_role(Role.COUNCILLOR)]
        assert len(councillors) == 12
        assert {u.ward_id for u in councillors} == {w.id for w in council.wards}


def test_dates_and_money_follow_the_readers_language(app, council):
    with app.test_request_context("/", headers={"Accept-Language": "cy"}):
        html = render_template_string("{{ d|date('long') }} {{ 1234.5|money }}", d=date(2026, 3, 1))
    assert "Mawrth" in html and "£1,234.50" in html
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert "March" in render_template_string("{{ d|date('long') }}", d=date(2026, 3, 1))


def test_sign_up_and_reset_are_rate_limited_too(client, council):
    for attempt in range(10):
        assert client.submit("/sign-up", {"email": "same@example.org"}).status_code == 200
    assert client.submit("/sign-up", {"email": "same@example.org"}).status_code == 429
    for attempt in range(10):
        assert client.submit("/reset-password", {"email": "target@example.org"}).status_code == 303
    assert client.submit("/reset-password", {"email": "target@example.org"}).status_code == 429


def test_demo_staff_can_get_their_two_factor_code(app):
    """pyotp 2.12 refuses keys under 112 bits: the demo's shared key must be long enough to use."""
    import pyotp

    from app.core.demo import DEMO_TOTP_SECRET

    result = app.test_cli_runner().invoke(args=["demo-code"])
    assert result.exit_code == 0 and re.fullmatch(r"\d{6}\n", result.output)
    assert pyotp.TOTP(DEMO_TOTP_SECRET).verify(result.output.strip())
