"""The restore drill: `flask backup` of a council with demo data and uploads, `flask restore` into
an empty database and folder, and every table (row count and checksum) and every uploaded file
comes back exactly; on SQLite always, and on PostgreSQL when the suite runs there."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from app import create_app
from app.config import TestConfig
from app.core.backup import table_checksums, uploads_checksum
from app.extensions import db
from tests.conftest import fresh_database_url, upgrade


def make_app(tmp_path: Path, name: str, worker: str):
    url = fresh_database_url(tmp_path, f"{worker}_{name}")

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        UPLOAD_FOLDER = str(tmp_path / f"uploads-{name}")
        BACKUP_FOLDER = str(tmp_path / "backups")
        MAIL_BACKEND = "memory"

    return create_app(Config)


def dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def checksums(app) -> dict:
    with app.app_context():
        with db.engine.connect() as conn:
            return table_checksums(conn)


@pytest.fixture
def source(tmp_path, worker_id_safe):
    app = make_app(tmp_path, "source", worker_id_safe)
    upgrade(app)
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    uploads = Path(app.config["UPLOAD_FOLDER"])
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / "photo-1.jpg").write_bytes(b"\xff\xd8 not really a photo \x00\x01")
    (uploads / "plan.pdf").write_bytes(b"%PDF-1.4 a plan")
    yield app
    dispose(app)


def test_a_restore_gives_back_every_table_and_file_exactly(source, tmp_path, worker_id_safe):
    made = source.test_cli_runner().invoke(args=["backup"])
    assert made.exit_code == 0, made.output
    folder = next((tmp_path / "backups").iterdir())
    manifest = json.loads((folder / "manifest.json").read_text())
    before = checksums(source)
    assert manifest["tables"] == before  # the manifest describes the database as it was
    assert manifest["tables"]["users"]["rows"] > 0 and manifest["tables"]["budget_ballots"]["rows"] > 0
    assert manifest["uploads"]["files"] == 2

    target = make_app(tmp_path, "target", worker_id_safe)
    restored = target.test_cli_runner().invoke(args=["restore", str(folder)])
    assert restored.exit_code == 0, restored.output
    assert "every table and the uploads match" in restored.output
    assert checksums(target) == before  # checked again here, not only by the command
    assert uploads_checksum(Path(target.config["UPLOAD_FOLDER"])) == manifest["uploads"]
    assert (Path(target.config["UPLOAD_FOLDER"]) / "plan.pdf").read_bytes() == b"%PDF-1.4 a plan"
    with target.app_context():
        assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar() == manifest["revision"]
        db.session.remove()

    # A second restore over it is refused: a restore never overwrites a live database.
    again = target.test_cli_runner().invoke(args=["restore", str(folder)])
    assert again.exit_code != 0 and "not empty" in again.output
    dispose(target)


def test_a_backup_that_does_not_match_its_manifest_is_reported(source, tmp_path, worker_id_safe):
    source.test_cli_runner().invoke(args=["backup"])
    folder = next((tmp_path / "backups").iterdir())
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["tables"]["ideas"]["sha256"] = "0" * 64  # as if a row had changed since
    (folder / "manifest.json").write_text(json.dumps(manifest))
    target = make_app(tmp_path, "target", worker_id_safe)
    restored = target.test_cli_runner().invoke(args=["restore", str(folder)])
    assert restored.exit_code != 0 and "table ideas" in restored.output
    not_a_backup = target.test_cli_runner().invoke(args=["restore", str(tmp_path)])
    assert not_a_backup.exit_code != 0 and "is not a backup" in not_a_backup.output
    dispose(target)
