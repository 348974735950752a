"""Flask CLI commands owned by core: `flask demo`, `flask audit verify|publish-head`."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

audit_cli = AppGroup("audit", help="Check and publish the audit log chain.")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Recompute the chain with the key from the environment; exit 1 on any break."""
    from app.core.audit import verify_chain

    result = verify_chain(current_app.config["AUDIT_HMAC_KEY"])
    if result.ok:
        click.echo(f"Audit log intact: {result.checked} entries verified.")
        return
    for problem in result.problems:
        click.echo(problem, err=True)
    raise SystemExit(1)


@audit_cli.command("publish-head")
def audit_publish_head() -> None:
    """Record today's checkpoint (the chain's length and last mac) on the public page."""
    from app.core.audit import publish_head

    head = publish_head()
    click.echo(f"Published head at entry {head.seq}: {head.mac}" if head else "The audit log is empty.")


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Fill the database with a realistic demo council, once (development only)."""
    from app.core.demo import load_demo

    if current_app.config["ENVIRONMENT"] != "development":
        raise click.ClickException("The demo has published passwords: it loads only with CC_ENV=development.")
    created = load_demo()
    click.echo("Demo data loaded." if created else "Demo data already present; nothing to do.")


jobs_cli = AppGroup("jobs", help="Scheduled and queued background jobs.")


@jobs_cli.command("run-due")
def jobs_run_due() -> None:
    """Run every job that is due now (idempotent: safe to call as often as you like)."""
    from app.core.jobs import run_due

    ran = run_due()
    click.echo("\n".join(ran) if ran else "Nothing was due.")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def jobs_worker(burst: bool) -> None:
    """Work the RQ queue (needs REDIS_URL): emails, alerts, exports."""
    from rq import SimpleWorker

    from app.core.jobs import queue

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: jobs run inline, no worker is needed.")
    q = queue()
    # SimpleWorker runs jobs in this process, inside this app context (no fork, no shared DB sockets).
    SimpleWorker([q], connection=q.connection).work(burst=burst)


@click.command("retention")
@with_appcontext
@click.argument("action", type=click.Choice(["run"]))
def retention_command(action: str) -> None:
    """`flask retention run`: purge personal data older than its retention period (audited)."""
    from app.core.retention import run_retention

    from app.core import idempotency

    for kind, count in run_retention().items():
        click.echo(f"{kind}: {count} purged")
    click.echo(f"idempotency keys older than a day: {idempotency.purge()} purged")


@click.command("create-council")
@click.argument("slug")
@click.option("--name", "name_en", required=True, help="The council's name in English.")
@click.option("--name-cy", default=None, help="Its name in Welsh.")
@click.option("--host", "hosts", multiple=True, help="A host name the site answers on (repeat for more).")
@with_appcontext
def create_council(slug: str, name_en: str, name_cy: str | None, hosts: tuple[str, ...]) -> None:
    """Create a council (the first one becomes the default for unknown host names)."""
    from sqlalchemy import func, select

    from app.core.models import Council
    from app.extensions import db

    if db.session.scalar(select(Council.id).where(Council.slug == slug)) is not None:
        raise click.ClickException(f"a council {slug} exists already")
    first = not db.session.scalar(select(func.count()).select_from(Council))
    db.session.add(Council(slug=slug, name_en=name_en, name_cy=name_cy, host_names=" ".join(hosts), is_default=first))
    db.session.commit()
    click.echo(f"council {slug} created" + (" (the default)" if first else ""))


@click.command("import-wards")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--council", "council_slug", default=None, help="Council slug (default: the default council).")
@with_appcontext
def import_wards(csv_file, council_slug: str | None) -> None:
    """Add or update wards from a CSV with columns code, name, and optionally population and
    deprivation_index (0 to 1). All or nothing."""
    import csv
    from decimal import Decimal

    from sqlalchemy import select

    from app.core.models import Council, Ward
    from app.extensions import db

    council = db.session.scalar(select(Council).where(Council.slug == council_slug) if council_slug
                                else select(Council).where(Council.is_default.is_(True)))
    if council is None:
        raise click.ClickException("no such council: create one first (flask create-council)")
    problems, rows = [], list(csv.DictReader(csv_file))
    for number, row in enumerate(rows, start=2):
        if not (row.get("code") or "").strip() or not (row.get("name") or "").strip():
            problems.append(f"row {number}: code and name are needed")
        for column, kind in (("population", int), ("deprivation_index", Decimal)):
            if (row.get(column) or "").strip():
                try:
                    kind(row[column].strip())
                except (ValueError, ArithmeticError):
                    problems.append(f"row {number}: {column} is not a number")
    if problems:
        raise click.ClickException("nothing imported:\n" + "\n".join(problems))
    existing = {w.code: w for w in db.session.scalars(select(Ward).where(Ward.council_id == council.id))}
    for row in rows:
        ward = existing.get(row["code"].strip()) or Ward(council_id=council.id, code=row["code"].strip())
        ward.name = row["name"].strip()
        if (row.get("population") or "").strip():
            ward.population = int(row["population"])
        if (row.get("deprivation_index") or "").strip():
            ward.deprivation_index = Decimal(row["deprivation_index"].strip())
        db.session.add(ward)
    db.session.commit()
    click.echo(f"{len(rows)} wards imported for {council.slug}")


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrator", help="Display name.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--council", "council_slug", default=None, help="Council slug (default: the default council).")
@with_appcontext
def create_admin(email: str, name: str, password: str, council_slug: str | None) -> None:
    """Create the first administrator (or give an existing account the admin role)."""
    from sqlalchemy import select

    from app.auth.services import create_account, find_user
    from app.core import audit
    from app.core.models import Council, Role, UserRole
    from app.extensions import db

    query = select(Council).where(Council.slug == council_slug) if council_slug else \
        select(Council).where(Council.is_default.is_(True))
    council = db.session.scalar(query)
    if council is None:
        raise click.ClickException("No such council. Run `flask demo` or create the council first.")
    if len(password) < 10:
        raise click.ClickException("The password must be at least 10 characters.")
    user = find_user(council, email)
    if user is None:
        user = create_account(council, email=email, display_name=name, password=password,
                              roles=(Role.ADMIN, Role.STAFF))
    else:
        for role in (Role.ADMIN, Role.STAFF):
            if role not in user.roles:
                user.role_rows.append(UserRole(role=role))
        audit.record("role.granted", obj=user, actor_role="system", details={"role": "admin", "by": "create-admin"})
        db.session.commit()
    click.echo(f"{email} is an administrator of {council.name_en}. They set up two-factor sign-in at first sign-in.")


@click.command("demo-code")
def demo_code() -> None:
    """Print the current two-factor code of the demo staff accounts."""
    import pyotp

    from app.core.demo import DEMO_TOTP_SECRET

    click.echo(pyotp.TOTP(DEMO_TOTP_SECRET).now())


@click.command("backup")
@click.option("--to", "destination", type=click.Path(file_okay=False), default=None,
              help="Folder to write the backup folder into (default: BACKUP_FOLDER).")
@with_appcontext
def backup_command(destination: str | None) -> None:
    """Back up the database and the uploads, with a checksum of every table."""
    from pathlib import Path

    from app.core.backup import BackupError, backup
    from app.extensions import db

    try:
        result = backup(db.engine, Path(current_app.config["UPLOAD_FOLDER"]),
                        Path(destination or current_app.config["BACKUP_FOLDER"]))
    except BackupError as problem:
        raise click.ClickException(str(problem)) from None
    rows = sum(t["rows"] for t in result.manifest["tables"].values())
    click.echo(f"{result.folder}: {len(result.manifest['tables'])} tables, {rows} rows, "
               f"{result.manifest['uploads']['files']} uploaded files")


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@with_appcontext
def restore_command(folder: str) -> None:
    """Restore a backup into an empty database and uploads folder, and check every table."""
    from pathlib import Path

    from app.core.backup import BackupError, restore
    from app.extensions import db

    try:
        outcome = restore(db.engine, Path(current_app.config["UPLOAD_FOLDER"]), Path(folder))
    except BackupError as problem:
        raise click.ClickException(str(problem)) from None
    if outcome["mismatches"]:
        raise click.ClickException("restored, but it differs from the backup:\n" + "\n".join(outcome["mismatches"]))
    click.echo("restored: every table and the uploads match the backup's checksums")


def register(app: Flask) -> None:
    from app.budgeting.cli import pb_cli

    app.cli.add_command(pb_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(demo)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(retention_command)
    app.cli.add_command(create_admin)
    app.cli.add_command(demo_code)
    app.cli.add_command(backup_command)
    app.cli.add_command(create_council)
    app.cli.add_command(import_wards)
    app.cli.add_command(restore_command)
