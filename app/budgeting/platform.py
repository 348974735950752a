"""What ward budgets plug into the platform: the dashboard card, demo data, personal data."""
from __future__ import annotations

import secrets

from sqlalchemy import delete, select, update

from app.budgeting.models import Ballot, BudgetProcess, InPersonCode
from app.budgeting.services import voter_key
from app.core.registry import Section, account_erasers, dashboard_sections, demo_loaders, personal_data_exporters
from app.extensions import db


def _export(user):
    """That the person voted, when and how, never what they chose: a download that showed the
    choices could be demanded of them, and a ballot is secret."""
    rows = db.session.execute(select(Ballot, BudgetProcess).join(BudgetProcess, BudgetProcess.id == Ballot.process_id)
                              .where(Ballot.voter_key == voter_key(user)).order_by(Ballot.id)).all()
    return "ward_budgets", [{"process": process.id, "cast_at": ballot.cast_at.isoformat(),
                             "channel": ballot.channel.value, "counted": ballot.is_current}
                            for ballot, process in rows]


def _erase(user):
    """A deleted account's vote still counts, but nothing links it to them any more."""
    db.session.execute(update(Ballot).where(Ballot.voter_key == voter_key(user))
                       .values(voter_key=f"anon:{secrets.token_hex(8)}"))
    db.session.execute(delete(InPersonCode).where(InPersonCode.user_id == user.id))


personal_data_exporters.register("ward_budgets", _export)
account_erasers.register("ward_budgets", _erase)


def _dashboard(user):
    """Votes in the person's ward: open ones, whether they have voted, and published results."""
    from flask_babel import lazy_gettext as _l

    from app.budgeting import services
    from app.budgeting.models import Phase

    if not user.ward_id:
        return None
    processes = db.session.scalars(select(BudgetProcess).where(BudgetProcess.ward_id == user.ward_id)
                                   .order_by(BudgetProcess.voting_until.desc()).limit(3)).all()
    shown = [(p, services.phase(p), services.has_voted(p, user)) for p in processes]
    shown = [(p, phase, voted) for p, phase, voted in shown if phase in (Phase.VOTING, Phase.RESULTS)]
    if not shown:
        return None
    return Section(str(_l("Your ward's budget")), "budgeting/_dashboard.html", {"processes": shown})


def _load_demo(council):
    from app.budgeting.demo import load

    load(council)


dashboard_sections.register("budgeting", _dashboard, order=5)
demo_loaders.register("budgeting", _load_demo, order=60)


# --- Open data: processes, projects and the published (anonymised) ballots -------------------------
from flask_babel import lazy_gettext as _l  # noqa: E402

from app.budgeting.models import BudgetProject  # noqa: E402
from app.core.bilingual import BilingualText  # noqa: E402
from app.core.datasets import Dataset, DatasetField, register_dataset, streamed  # noqa: E402
from app.core.models import Ward  # noqa: E402


def _process_rows(council_id: int, after: tuple | None = None):
    from app.budgeting import services

    wards = dict(db.session.execute(select(Ward.id, Ward.code).where(Ward.council_id == council_id)).all())
    query = select(BudgetProcess).where(BudgetProcess.council_id == council_id)
    if after:
        query = query.where(BudgetProcess.id > after[0])
    for p in streamed(db.session.scalars(query.order_by(BudgetProcess.id))):
        title = BilingualText.of(p.title)
        yield {"id": p.id, "ward_code": wards.get(p.ward_id, ""), "title": title.en, "title_cy": title.cy,
               "budget": p.budget, "allocation_formula": p.allocation_formula or "", "ballot_kind": p.ballot_kind.value,
               "max_choices": p.max_choices, "rule": p.rule, "phase": services.phase(p).value,
               "voting_from": p.voting_from, "voting_until": p.voting_until, "published_at": p.published_at,
               "ballots": (p.result or {}).get("ballots"), "ballot_file_sha256": p.ballot_file_sha256 or ""}


def _project_rows(council_id: int, after: tuple | None = None):
    query = (select(BudgetProject, BudgetProcess).join(BudgetProcess, BudgetProcess.id == BudgetProject.process_id)
             .where(BudgetProcess.council_id == council_id))
    if after:
        query = query.where(BudgetProject.id > after[0])
    for project, process in streamed(db.session.execute(query.order_by(BudgetProject.id))):
        title = BilingualText.of(project.title)
        result = process.result or {}
        yield {"id": project.id, "process_id": process.id, "title": title.en, "title_cy": title.cy,
               "cost": project.cost, "status": project.status.value, "infeasible_reason": project.infeasible_reason,
               "votes": result.get("votes", {}).get(str(project.id)) if result else None,
               "funded": (str(project.id) in result.get("selected", [])) if result else None}


def _ballot_rows(council_id: int):
    """Counted ballots of published results only: by then every voter is a random id."""
    query = (select(Ballot).join(BudgetProcess, BudgetProcess.id == Ballot.process_id)
             .where(BudgetProcess.council_id == council_id, BudgetProcess.published_at.isnot(None),
                    Ballot.is_current.is_(True)).order_by(Ballot.process_id, Ballot.voter_key))
    for ballot in db.session.scalars(query):
        yield {"process_id": ballot.process_id, "voter": ballot.voter_key.removeprefix("anon:"),
               "projects": "; ".join(str(c.project_id) for c in sorted(ballot.choices, key=lambda c: c.project_id)),
               "channel": ballot.channel.value}


register_dataset(Dataset(
    name="budget-processes", title=_l("Ward budgets"),
    description=_l("Every ward budget process: its budget and how it was shared, the ballot and counting rule, the "
                    "voting dates, and once published the number of ballots and the SHA-256 of the ballot file."),
    fields=[
        DatasetField("id", "integer", _l("Process number")),
        DatasetField("ward_code", "string", _l("Ward code")),
        DatasetField("title", "string", _l("Title in English")),
        DatasetField("title_cy", "string", _l("Title in Welsh")),
        DatasetField("budget", "number", _l("Money to spend, in pounds")),
        DatasetField("allocation_formula", "string", _l("How the council's total was shared: equal, population or deprivation")),
        DatasetField("ballot_kind", "string", _l("knapsack (projects up to the budget) or approval (up to a number)")),
        DatasetField("max_choices", "integer", _l("Most projects on an approval ballot")),
        DatasetField("rule", "string", _l("Counting rule: equal-shares or greedy")),
        DatasetField("phase", "string", _l("upcoming, proposals, costing, voting, counting or results")),
        DatasetField("voting_from", "date", _l("First day of voting")),
        DatasetField("voting_until", "date", _l("Last day of voting")),
        DatasetField("published_at", "datetime", _l("When the result was published")),
        DatasetField("ballots", "integer", _l("Ballots counted, once published")),
        DatasetField("ballot_file_sha256", "string", _l("SHA-256 of the published ballot file")),
    ], rows=_process_rows, rows_after=_process_rows, update_frequency=_l("as it happens"),
    ward_field="ward_code", status_field="phase", date_field="voting_from"))

register_dataset(Dataset(
    name="budget-projects", title=_l("Ward budget projects"),
    description=_l("Every project put to a ward budget: its cost, whether it was feasible (and why not), and once the "
                    "result is published its votes and whether it was funded."),
    fields=[
        DatasetField("id", "integer", _l("Project number")),
        DatasetField("process_id", "integer", _l("Process number")),
        DatasetField("title", "string", _l("Title in English")),
        DatasetField("title_cy", "string", _l("Title in Welsh")),
        DatasetField("cost", "number", _l("Cost, in pounds")),
        DatasetField("status", "string", _l("proposed, feasible or infeasible")),
        DatasetField("infeasible_reason", "string", _l("Why it was not feasible")),
        DatasetField("votes", "integer", _l("Votes, once the result is published")),
        DatasetField("funded", "boolean", _l("Whether it was funded, once the result is published")),
    ], rows=_project_rows, rows_after=_project_rows, update_frequency=_l("as it happens"), status_field="status"))

register_dataset(Dataset(
    name="budget-ballots", title=_l("Ward budget ballots, anonymised"),
    description=_l("Every counted ballot of each published ward budget, under a random voter id: what anyone needs to "
                    "count the result again. The same ballots as each process's Pabulib file."),
    fields=[
        DatasetField("process_id", "integer", _l("Process number")),
        DatasetField("voter", "string", _l("A random id, the same as in the Pabulib file")),
        DatasetField("projects", "string", _l("Project numbers chosen, separated by semicolons")),
        DatasetField("channel", "string", _l("online, kiosk, paper or assisted")),
    ], rows=_ballot_rows, update_frequency=_l("when a result is published"), key=("process_id", "voter"),
    frequency_uri="http://purl.org/cld/freq/irregular"))
