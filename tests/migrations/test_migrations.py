"""The same Alembic migrations build an empty SQLite and (when configured) PostgreSQL database,
and they agree with the models: no change is left unmigrated."""
from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata

from app.core.fulltext import outside_models
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.config import TestConfig
from app.extensions import db
from tests.conftest import ROOT, fresh_database_url

pytestmark = pytest.mark.migrations


@pytest.fixture
def empty_app(tmp_path, worker_id_safe):
    url = fresh_database_url(tmp_path, f"migrations_{worker_id_safe}")

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    application = create_app(Config)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def test_upgrade_from_empty_builds_every_table_and_matches_the_models(empty_app):
    with empty_app.app_context():
        assert inspect(db.engine).get_table_names() == []
        upgrade(directory=str(ROOT / "migrations"))
        tables = set(inspect(db.engine).get_table_names())
        assert {t.name for t in db.metadata.sorted_tables} <= tables
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True, "include_object": outside_models}), db.metadata)
        assert diff == [], f"models differ from migrations: {diff}"


def test_downgrade_to_empty_and_up_again(empty_app):
    with empty_app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        downgrade(directory=str(ROOT / "migrations"), revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(directory=str(ROOT / "migrations"))
        assert "users" in inspect(db.engine).get_table_names()


def test_runs_on_the_database_this_suite_was_asked_for(empty_app):
    expected = "postgresql" if os.environ.get("CC_TEST_DB") == "postgres" and os.environ.get("TEST_DATABASE_URL") \
        else "sqlite"
    with empty_app.app_context():
        assert db.engine.dialect.name == expected


def test_upgrading_a_database_that_already_holds_a_council_keeps_it(empty_app):
    """Columns added later need defaults that work for rows that already exist."""
    from sqlalchemy import text

    with empty_app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="0001_core")
        db.session.execute(text("INSERT INTO councils (slug, name_en, host_names, is_default, languages, ocid_prefix) "
                                "VALUES ('old', 'Old Council', '', true, 'en cy', 'ocds-xxxxxx')"))
        db.session.commit()
        upgrade(directory=str(ROOT / "migrations"))
        row = db.session.execute(text("SELECT name_en, welsh_required, pre_election FROM councils")).one()
        assert (row[0], bool(row[1]), bool(row[2])) == ("Old Council", False, False)
