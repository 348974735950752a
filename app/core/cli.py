"""Flask CLI commands owned by core: `flask demo`, `flask audit verify|publish-head`."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

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
def demo() -> None:
    """Fill the database with a realistic demo council, once."""
    from app.core.demo import load_demo

    created = load_demo()
    click.echo("Demo data loaded." if created else "Demo data already present; nothing to do.")


def register(app: Flask) -> None:
    app.cli.add_command(audit_cli)
    app.cli.add_command(demo)
