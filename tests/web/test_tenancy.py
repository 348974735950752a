"""One installation, several councils: the host picks the council and no query crosses over."""
from __future__ import annotations

from sqlalchemy import select

from app.core.models import Council, User, Ward
from app.core.tenancy import get_scoped_or_404, scoped
from app.extensions import db
from tests.conftest import TEST_PASSWORD, detached


def _other_council(app) -> Council:
    with app.app_context():
        other = Council(slug="otherton", name_en="Otherton Council", host_names="otherton.example")
        db.session.add(other)
        db.session.flush()
        db.session.add(Ward(council_id=other.id, name="Otherton Central", code="E05000001"))
        db.session.commit()
        return detached(other)


def test_the_host_name_picks_the_council(app, client, council):
    _other_council(app)
    assert "Testshire Council" in client.get("/", headers={"Host": "localhost"}).get_data(as_text=True)
    assert "Otherton Council" in client.get("/", headers={"Host": "otherton.example"}).get_data(as_text=True)
    # An unknown host gets the default council of the embedded set-up.
    assert "Testshire Council" in client.get("/", headers={"Host": "unknown.example"}).get_data(as_text=True)


def test_scoped_queries_never_return_another_councils_rows(app, council):
    other = _other_council(app)
    with app.test_request_context("/", headers={"Host": "otherton.example"}):
        names = [w.name for w in db.session.scalars(scoped(Ward))]
        assert names == ["Otherton Central"]
        testshire_ward = council.wards[0]
        from werkzeug.exceptions import NotFound
        try:
            get_scoped_or_404(Ward, testshire_ward.id)
        except NotFound:
            pass
        else:
            raise AssertionError("a ward of another council was readable")
        assert get_scoped_or_404(Ward, db.session.scalar(select(Ward.id).where(Ward.council_id == other.id))).name \
            == "Otherton Central"


def test_an_account_belongs_to_one_council(app, client, make_user):
    user = make_user(email="shared@example.org")
    _other_council(app)
    response = client.submit("/sign-in", {"email": user.email, "password": TEST_PASSWORD},
                             headers={"Host": "otherton.example"})
    assert response.status_code == 200  # not known there
    assert client.submit("/sign-in", {"email": user.email, "password": TEST_PASSWORD}).status_code == 303
    # A session from one council's site does not sign the person in on another's.
    assert client.get("/my-council", headers={"Host": "otherton.example"}).status_code == 302


def test_the_same_email_can_hold_an_account_at_two_councils(app, client, make_user):
    make_user(email="both@example.org")
    other = _other_council(app)
    make_user(email="both@example.org", council_obj=other)
    with app.app_context():
        assert len(db.session.scalars(select(User).where(User.email == "both@example.org")).all()) == 2


def test_with_no_council_set_up_a_visitor_gets_a_plain_not_found_page(client, app):
    response = client.get("/")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
