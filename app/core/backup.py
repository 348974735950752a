"""Backup and restore: the database (SQLite's online backup API, or pg_dump), the uploads folder,
and a manifest with every table's row count and checksum, so that a restore can prove it gave
back exactly what was saved.

A backup is a folder:

    cc-backup-20261128T170000Z/
      manifest.json      what was saved: database kind, migration revision, per-table checksums
      database.sqlite    (SQLite) a consistent copy, taken while the app runs
      database.dump      (PostgreSQL) pg_dump's custom format
      uploads.tar.gz     the uploads folder

Key material for sealed bids (the tenders module) is not in it: the threat model keeps it apart,
so that whoever holds a backup cannot open bids. It is backed up separately by whoever holds it.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import MetaData, create_engine, select, text
from sqlalchemy.engine import Connection, Engine, make_url

MANIFEST = "manifest.json"
FORMAT = 1


class BackupError(Exception):
    """Why a backup or restore cannot go ahead, in words for the operator."""


# --- Checksums -----------------------------------------------------------------------------------

def _canonical(value) -> object:
    """One spelling per value, whatever the driver hands back: both databases agree after a round trip."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, float):
        return repr(value)
    return value


def table_checksums(conn: Connection) -> dict[str, dict]:
    """{table: {"rows": n, "sha256": ...}} for every table in the database, each read in
    primary-key order. Reflected, so a table the models do not know is counted too; full-text
    index tables are left out (they are rebuilt from the rows they index)."""
    metadata = MetaData()
    metadata.reflect(conn)
    sums = {}
    for table in (metadata.tables[name] for name in sorted(metadata.tables)):
        if table.name.startswith("sqlite_") or _is_fts_shadow(table.name):
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        digest, rows = hashlib.sha256(), 0
        for row in conn.execute(select(table).order_by(*order)):
            digest.update(json.dumps([_canonical(v) for v in row], sort_keys=True, default=str).encode())
            digest.update(b"\n")
            rows += 1
        sums[table.name] = {"rows": rows, "sha256": digest.hexdigest()}
    return sums


def _is_fts_shadow(name: str) -> bool:
    # SQLite FTS5 keeps its index in tables named <index>_data, _idx, _content, _docsize, _config.
    return name.endswith(("_fts", "_fts_data", "_fts_idx", "_fts_content", "_fts_docsize", "_fts_config"))


def uploads_checksum(folder: Path) -> dict:
    digest, files = hashlib.sha256(), 0
    if folder.exists():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
            files += 1
    return {"files": files, "sha256": digest.hexdigest()}


# --- Backup --------------------------------------------------------------------------------------

@dataclass
class BackupResult:
    folder: Path
    manifest: dict


def _revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # noqa: BLE001 - a database never migrated has no revision to report
            return None


def backup(engine: Engine, uploads: Path, destination: Path, now: datetime | None = None) -> BackupResult:
    """Write a backup folder under `destination` and return it with its manifest."""
    now = now or datetime.now(timezone.utc)
    folder = destination / f"cc-backup-{now.strftime('%Y%m%dT%H%M%SZ')}"
    if folder.exists():
        raise BackupError(f"{folder} exists already")
    folder.mkdir(parents=True)
    kind = engine.dialect.name
    if kind == "sqlite":
        _sqlite_backup(engine, folder / "database.sqlite")
        # Checksums from the copy, not the live database: they describe exactly what was saved.
        copy = create_engine(f"sqlite:///{folder / 'database.sqlite'}")
        with copy.connect() as conn:
            tables = table_checksums(conn)
        copy.dispose()
    elif kind == "postgresql":
        # pg_dump and the checksums read one exported snapshot: the same rows, whatever is written meanwhile.
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                _pg(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                     f"--file={folder / 'database.dump'}"], engine)
                tables = table_checksums(conn)
    else:
        raise BackupError(f"no backup method for {kind}")
    with tarfile.open(folder / "uploads.tar.gz", "w:gz") as archive:
        if uploads.exists():
            archive.add(uploads, arcname="uploads")
    manifest = {"format": FORMAT, "created_at": now.isoformat(), "database": kind, "revision": _revision(engine),
                "tables": tables, "uploads": uploads_checksum(uploads)}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return BackupResult(folder, manifest)


def _sqlite_backup(engine: Engine, target: Path) -> None:
    """SQLite's online backup API: a consistent copy while the app goes on writing."""
    source_path = make_url(str(engine.url)).database
    if not source_path or source_path == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    source = sqlite3.connect(source_path)
    copy = sqlite3.connect(target)
    try:
        with copy:
            source.backup(copy)
    finally:
        copy.close()
        source.close()


def _pg(command: list[str], engine: Engine) -> None:
    url = engine.url
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = url.password
    connection = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432),
                  "--username", url.username or "postgres", "--dbname", url.database]
    done = subprocess.run([*command, *connection], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")


# --- Restore -------------------------------------------------------------------------------------

def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.exists():
        raise BackupError(f"{folder} is not a backup: it has no {MANIFEST}")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')} is not {FORMAT}")
    return manifest


def restore(engine: Engine, uploads: Path, folder: Path) -> dict:
    """Restore a backup into the (empty) database `engine` points at and the uploads folder, then
    check every table and the uploads against the manifest. Returns {"mismatches": [...]}, empty
    when everything came back exactly. Refuses a database that already holds tables, or a backup
    of the other kind of database."""
    manifest = read_manifest(folder)
    kind = engine.dialect.name
    if manifest["database"] != kind:
        raise BackupError(f"the backup is of {manifest['database']}, the database is {kind}")
    with engine.connect() as conn:
        existing = MetaData()
        existing.reflect(conn)
    if existing.tables:
        raise BackupError("the database to restore into is not empty: point DATABASE_URL at an empty one")
    if kind == "sqlite":
        engine.dispose()
        target = make_url(str(engine.url)).database
        shutil.copyfile(folder / "database.sqlite", target)
    else:
        _pg(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", str(folder / "database.dump")], engine)
    if uploads.exists() and any(uploads.iterdir()):
        raise BackupError(f"the uploads folder {uploads} is not empty")
    uploads.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / "uploads.tar.gz", "r:gz") as archive:
        members = [m for m in archive.getmembers() if m.name.startswith("uploads/") and (m.isfile() or m.isdir())]
        for member in members:
            member.name = member.name.removeprefix("uploads/")
        archive.extractall(uploads, members=[m for m in members if m.name], filter="data")
    with engine.connect() as conn:
        tables = table_checksums(conn)
    return {"mismatches": compare(manifest, tables, uploads_checksum(uploads))}


def compare(manifest: dict, tables: dict, uploads: dict) -> list[str]:
    mismatches = []
    for name in sorted(set(manifest["tables"]) | set(tables)):
        if manifest["tables"].get(name) != tables.get(name):
            mismatches.append(f"table {name}: saved {manifest['tables'].get(name)}, restored {tables.get(name)}")
    if manifest["uploads"] != uploads:
        mismatches.append(f"uploads: saved {manifest['uploads']}, restored {uploads}")
    return mismatches
