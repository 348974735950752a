"""Staff set ward budgets up (one per ward, shared by a formula), cost projects, move phases,
key paper ballots in twice and publish the result; residents cannot do any of it."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.budgeting.models import Ballot, BudgetProcess, BudgetProject, Channel, PaperEntry, Phase
from app.core.models import AuditEntry, Role, User
from app.extensions import db
from tests.web.test_budget_ballots import process_id  # noqa: F401  (the fixture: a vote open today)

TODAY = date.today()


def process_form(council, **overrides):
    data = {"wards": [str(w.id) for w in council.wards], "title-en": "Ward budget 2027", "title-cy": "Cyllideb ward 2027",
            "summary-en": "", "summary-cy": "", "total": "150001", "formula": "equal", "ballot_kind": "knapsack",
            "max_choices": "", "rule": "equal-shares", "proposals_from": TODAY.isoformat(),
            "costing_from": (TODAY + timedelta(days=20)).isoformat(),
            "voting_from": (TODAY + timedelta(days=40)).isoformat(),
            "voting_until": (TODAY + timedelta(days=54)).isoformat(), "verification": "", "minimum_age": ""}
    data.update(overrides)
    return data


def test_staff_create_one_budget_per_ward_sharing_the_total(app, client, council, login_as):
    login_as(Role.STAFF)
    response = client.submit("/budgets/manage/new", process_form(council))
    assert response.status_code == 303
    with app.app_context():
        processes = db.session.scalars(select(BudgetProcess).order_by(BudgetProcess.id)).all()
        assert [(p.title["en"], int(p.budget)) for p in processes] == [
            ("Ward budget 2027: North", 75001), ("Ward budget 2027: South", 75000)]
        assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "budget.process_created"))
    page = client.get(f"/budgets/{processes[0].id}").get_data(as_text=True)
    assert "an equal share of the council's £150,001" in page


def test_a_formula_without_its_figures_or_dates_out_of_order_are_refused_and_nothing_is_created(
        app, client, council, login_as):
    login_as(Role.STAFF)
    response = client.submit("/budgets/manage/new", process_form(council, formula="population"))
    assert response.status_code == 200 and "has no population" in response.get_data(as_text=True)
    late = client.submit("/budgets/manage/new", process_form(council, voting_until=TODAY.isoformat()))
    assert "The dates must follow each other" in late.get_data(as_text=True)
    approval = client.submit("/budgets/manage/new", process_form(council, ballot_kind="approval"))
    assert "Enter how many projects a voter may choose" in approval.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(BudgetProcess.id)) is None


def test_staff_cost_projects_and_the_rules_of_feasibility_hold(app, client, council, login_as, process_id):  # noqa: F811
    login_as(Role.STAFF)
    base = {"title-en": "Skate park", "title-cy": "Parc sglefrio", "description-en": "", "description-cy": "",
            "feasibility_note": "", "infeasible_reason": ""}
    no_cost = client.submit(f"/budgets/{process_id}/projects/new", {**base, "status": "feasible", "cost": ""})
    assert "a feasible project needs one" in no_cost.get_data(as_text=True)
    no_reason = client.submit(f"/budgets/{process_id}/projects/new", {**base, "status": "infeasible", "cost": ""})
    assert "residents see the reason" in no_reason.get_data(as_text=True)
    saved = client.submit(f"/budgets/{process_id}/projects/new", {**base, "status": "feasible", "cost": "42000"})
    assert saved.status_code == 303
    with app.app_context():
        project = db.session.scalar(select(BudgetProject).where(BudgetProject.title["en"].as_string() == "Skate park"))
        assert int(project.cost) == 42000
    assert "Skate park" in client.get(f"/budgets/{process_id}").get_data(as_text=True)


def test_paper_ballots_count_when_two_people_agree_and_online_votes_win(app, client, council, make_user, auth,
                                                                       process_id):  # noqa: F811
    with app.app_context():
        ids = [p.id for p in db.session.get(BudgetProcess, process_id).projects]
    from tests.web.test_ideas import signed_in_client

    first, second, third = (signed_in_client(app, make_user(Role.STAFF)) for _ in range(3))
    online_voter = make_user(ward=council.wards[0], email="both@example.org")
    auth.login(online_voter)
    client.submit(f"/budgets/{process_id}/vote", {"projects": [ids[0]]})

    def key(staff, paper, picks, email=""):
        return staff.submit(f"/budgets/{process_id}/paper",
                            {"paper": paper, "email": email, "projects": [ids[i] for i in picks]})

    assert key(first, "A-1", [1, 2]).status_code == 303
    again = key(first, "A-1", [1, 2])
    assert "someone else keys it the second time" in again.get_data(as_text=True)
    key(second, "A-1", [1, 3])  # disagrees
    assert "the entries do not agree" in third.get(f"/budgets/{process_id}/paper").get_data(as_text=True)
    key(third, "A-1", [1, 2])  # agrees with the first: counted
    key(first, "B-7", [4], email="both@example.org")
    key(second, "B-7", [4], email="both@example.org")
    with app.app_context():
        current = db.session.scalars(select(Ballot).where(Ballot.process_id == process_id,
                                                          Ballot.is_current.is_(True))).all()
        assert sorted(b.channel for b in current) == [Channel.ONLINE, Channel.PAPER]
        paper_ballot = next(b for b in current if b.channel == Channel.PAPER)
        assert sorted(c.project_id for c in paper_ballot.choices) == [ids[1], ids[2]]
        assert {e.outcome for e in db.session.scalars(select(PaperEntry).where(PaperEntry.paper == "B-7"))} == {
            "online vote counts"}
    listed = first.get(f"/budgets/{process_id}/paper").get_data(as_text=True)
    assert "this voter also voted online" in listed
    manage = first.get(f"/budgets/{process_id}/manage").get_data(as_text=True)
    assert "on paper: 1" in manage and "online: 1" in manage
    assert "both@example.org" not in manage


def test_staff_move_the_phase_and_publish_and_it_is_audited(app, client, council, make_user, login_as, process_id):  # noqa: F811
    with app.app_context():
        ids = [p.id for p in db.session.get(BudgetProcess, process_id).projects]
    voter = make_user(ward=council.wards[0])
    from app.budgeting import services

    with app.app_context():
        services.cast(db.session.get(BudgetProcess, process_id), db.session.get(User, voter.id), [ids[0]])
    login_as(Role.STAFF)
    early = client.submit(f"/budgets/{process_id}/publish")
    assert early.status_code == 303
    client.submit(f"/budgets/{process_id}/phase", {"phase": "counting"})
    published = client.submit(f"/budgets/{process_id}/publish")
    assert published.status_code == 303 and published.headers["Location"].endswith(f"/budgets/{process_id}")
    with app.app_context():
        process = db.session.get(BudgetProcess, process_id)
        assert process.published_at is not None and services.phase(process) == Phase.RESULTS
        actions = db.session.scalars(select(AuditEntry.action)).all()
    assert {"budget.phase_moved", "budget.result_published"} <= set(actions)


def test_residents_cannot_reach_staff_pages(client, council, login_as, process_id):  # noqa: F811
    login_as(Role.RESIDENT)
    for path in ("/budgets/manage", "/budgets/manage/new", f"/budgets/{process_id}/manage",
                 f"/budgets/{process_id}/projects/new", f"/budgets/{process_id}/paper"):
        assert client.get(path).status_code == 403, path
    for path in (f"/budgets/{process_id}/phase", f"/budgets/{process_id}/publish"):
        assert client.submit(path, {"phase": "counting"}).status_code == 403, path


def test_a_residents_idea_becomes_a_project_linked_to_it(app, client, council, make_user, login_as, process_id):  # noqa: F811
    from app.ideas import services as ideas

    with app.app_context():
        author = db.session.get(User, make_user().id)
        idea = ideas.submit(author, title="Benches by the pond please", body="Somewhere to sit by the water.",
                            category="parks", ward_id=council.wards[0].id, place_name=None)
        elsewhere = ideas.submit(author, title="Bins in the South square", body="More bins for the square.",
                                 category="environment", ward_id=council.wards[1].id, place_name=None)
        idea_id, elsewhere_id = idea.id, elsewhere.id
    login_as(Role.STAFF)
    page = client.get(f"/budgets/{process_id}/manage").get_data(as_text=True)
    assert f'<option value="{idea_id}"' in page and "Bins in the South square" not in page
    refused = client.submit(f"/budgets/{process_id}/projects/from-idea", {"idea": str(elsewhere_id)})
    assert refused.headers["Location"].endswith(f"/budgets/{process_id}/manage")
    made = client.submit(f"/budgets/{process_id}/projects/from-idea", {"idea": str(idea_id)})
    assert made.status_code == 303 and "/projects/" in made.headers["Location"]
    with app.app_context():
        project = db.session.scalar(select(BudgetProject).where(BudgetProject.idea_id == idea_id))
        assert project.title["en"] == "Benches by the pond please" and project.status.value == "proposed"
        assert db.session.scalar(select(BudgetProject).where(BudgetProject.idea_id == elsewhere_id)) is None
    assert f'<option value="{idea_id}"' not in client.get(f"/budgets/{process_id}/manage").get_data(as_text=True)
