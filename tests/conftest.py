"""Fixtures shared by unit, web and browser tests.

The database is upgraded from empty with the real Alembic migrations once per worker: on SQLite
always, and on PostgreSQL when CC_TEST_DB=postgres and TEST_DATABASE_URL is set (each xdist
worker gets a database of its own). Each test then starts from empty tables.
"""
from __future__ import annotations

import os
import re
import time
from datetime import datetime, timezone
from pathlib import Path

import pyotp

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.config import TestConfig
from app.core.models import Council, Role, User, UserRole, Ward, WardPostcode
from app.extensions import db, limiter

ROOT = Path(__file__).resolve().parent.parent
TEST_PASSWORD = "correct horse battery"


def _use_postgres() -> bool:
    return os.environ.get("CC_TEST_DB") == "postgres" and bool(os.environ.get("TEST_DATABASE_URL"))


def _fresh_postgres_database(worker: str) -> str:
    base = make_url(os.environ["TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg")
    name = f"cc_test_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def fresh_database_url(tmp_dir: Path, worker: str) -> str:
    if _use_postgres():
        return _fresh_postgres_database(worker)
    return f"sqlite:///{tmp_dir / f'test-{worker}.db'}"


def upgrade(app) -> None:
    from flask_migrate import upgrade as alembic_upgrade

    with app.app_context():
        alembic_upgrade(directory=str(ROOT / "migrations"))


@pytest.fixture(scope="session")
def worker_id_safe(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def app(tmp_path_factory, worker_id_safe):
    url = fresh_database_url(tmp_path_factory.mktemp("db"), worker_id_safe)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    application = create_app(Config)
    upgrade(application)
    yield application
    with application.app_context():
        db.engine.dispose()


def _empty_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(autouse=True)
def _clean_state(request):
    """Every test starts with empty tables, empty rate-limit counters and an empty outbox."""
    if "app" not in request.fixturenames:
        yield
        return
    application = request.getfixturevalue("app")
    with application.app_context():
        _empty_tables()
        limiter.reset()
        application.extensions["mail_outbox"] = []
    yield
    with application.app_context():
        db.session.remove()


@pytest.fixture
def app_ctx(app):
    """An app context for tests that call services directly. Do not make client requests inside
    it: Flask reuses a pushed app context for requests, so `g` would leak between them."""
    with app.app_context():
        yield app


def detached(obj):
    """Load and detach a row so tests can read its attributes outside an app context."""
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


class FormClient(FlaskClient):
    """A test client that can post forms with a valid CSRF token, as a browser would."""

    def csrf_token(self, headers: dict | None = None) -> str:
        page = self.get("/sign-in", headers=headers).get_data(as_text=True)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
            re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert match, "no CSRF token on the sign-in page"
        return match.group(1)

    def submit(self, url: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token(kwargs.get("headers")))
        return self.post(url, data=data, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = FormClient
    return app.test_client()


@pytest.fixture
def council(app):
    """The default council with two wards; CC1 9ZZ straddles both."""
    with app.app_context():
        c = Council(slug="testshire", name_en="Testshire Council", name_cy="Cyngor Swydd Prawf",
                    host_names="localhost", is_default=True)
        db.session.add(c)
        db.session.flush()
        north = Ward(council_id=c.id, name="North", code="W05000001")
        south = Ward(council_id=c.id, name="South", code="W05000002")
        db.session.add_all([north, south])
        db.session.flush()
        db.session.add_all([
            WardPostcode(ward_id=north.id, postcode="CC1 1AA"),
            WardPostcode(ward_id=south.id, postcode="CC2 2BB"),
            WardPostcode(ward_id=north.id, postcode="CC1 9ZZ"),
            WardPostcode(ward_id=south.id, postcode="CC1 9ZZ"),
        ])
        db.session.commit()
        db.session.refresh(c)
        c.wards  # load before detaching
        for ward in c.wards:
            db.session.expunge(ward)
        db.session.expunge(c)
        return c


@pytest.fixture
def make_user(app, council):
    """make_user(Role.STAFF, ward=..., email=...) -> a detached User whose password is TEST_PASSWORD."""
    from app.auth.services import hash_password

    with app.app_context():
        password_hash = hash_password(TEST_PASSWORD)
    counter = {"n": 0}

    def create(*roles: Role, ward: Ward | None = None, email: str | None = None, language: str = "en",
               council_obj: Council | None = None) -> User:
        counter["n"] += 1
        target = council_obj or council
        with app.app_context():
            user = User(council_id=target.id, email=email or f"person{counter['n']}@example.org",
                        display_name=f"Person {counter['n']}", password_hash=password_hash, language=language,
                        ward_id=ward.id if ward else None)
            user.role_rows = [UserRole(role=r) for r in (roles or (Role.RESIDENT,))]
            if user.needs_two_factor:
                # Staff roles sign in with a second factor; tests get it set up already.
                user.totp_secret = pyotp.random_base32()
                user.totp_confirmed_at = datetime.now(timezone.utc)
            db.session.add(user)
            db.session.commit()
            user.roles  # load before detaching
            return detached(user)

    return create


def totp_code(user: User, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(user.totp_secret).at(time.time() + 30 * steps_ahead)


def sign_in(client, user: User, password: str = TEST_PASSWORD):
    """Sign in as a browser would, completing the second factor for staff roles."""
    response = client.submit("/sign-in", {"email": user.email, "password": password})
    assert response.status_code == 303, "sign-in failed in a fixture"
    if user.totp_secret and response.headers["Location"].endswith("/sign-in/two-factor"):
        # A code already used in this 30-second step is refused as a replay: try the next step.
        for ahead in (0, 1):
            response = client.submit("/sign-in/two-factor", {"code": totp_code(user, ahead)})
            if response.status_code == 303:
                break
        assert response.status_code == 303, "two-factor step failed in a fixture"
    return response


@pytest.fixture
def auth(client):
    class Auth:
        def login(self, user: User, password: str = TEST_PASSWORD):
            return sign_in(client, user, password)

        def logout(self):
            return client.submit("/sign-out")

    return Auth()


@pytest.fixture
def login_as(make_user, auth):
    """login_as(Role.STAFF) creates a person with that role and signs them in."""

    def sign_in(*roles: Role, **kwargs) -> User:
        user = make_user(*roles, **kwargs)
        auth.login(user)
        return user

    return sign_in
