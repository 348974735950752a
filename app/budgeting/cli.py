"""`flask pb count FILE.pb`: recount any Pabulib approval or cumulative election."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.budgeting import pabulib, rules

pb_cli = AppGroup("pb", help="Pabulib ballot files: count them with our rules.")


@pb_cli.command("count", with_appcontext=False)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rule", type=click.Choice(rules.RULES), default="equal-shares", show_default=True)
@click.option("--utility", type=click.Choice(rules.UTILITIES), default="cost", show_default=True,
              help="cost: a project is worth its cost to each supporter; approvals: 1 per approval.")
@click.option("--completion", type=click.Choice(rules.COMPLETIONS), default="add1", show_default=True,
              help="add1: raise every voter's share by one unit until the outcome is exhaustive "
                   "or would cost more than the budget (Equal Shares only).")
def count(file: Path, rule: str, utility: str, completion: str) -> None:
    """Print the selected project ids as a JSON list, in the order the rule chose them.

    Points on cumulative ballots count as approval of every project given points."""
    try:
        election = pabulib.read(file.read_text(encoding="utf-8-sig"))
    except (pabulib.PabulibError, UnicodeDecodeError) as problem:
        click.echo(f"{file}: {problem}", err=True)
        sys.exit(2)
    selected = rules.count(rules.Election.of(election.budget, election.costs(), election.approval_ballots()),
                           rule, utility, completion)
    click.echo(json.dumps(selected))
