"""Counting rules and the Pabulib format against pabutools 1.2.3, the reference: on random
elections (hypothesis), on the real elections in ../shared/data/pabulib/ (live where pabutools
is quick, otherwise against its recorded outputs in tests/data/pabutools_reference.json), and
through `flask pb count`."""
from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.budgeting import pabulib, rules

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "pabulib"
REFERENCE = json.loads((Path(__file__).resolve().parents[1] / "data" / "pabutools_reference.json").read_text())
LARGE = {"poland_warszawa_2021_ochota.pb", "poland_warszawa_2023_mokotow.pb", "poland_warszawa_2026_.pb",
         "poland_wroclaw_2015_from-500.pb", "poland_wroclaw_2020_.pb"}
# pabutools needs seconds to minutes for add1 on the rest: it runs live on these only.
QUICK_ADD1 = {"poland_gdansk_2020_aniolki.pb", "poland_katowice_2021_dab.pb",
              "poland_warszawa_2017_plac-wojska-polskiego.pb", "poland_warszawa_2018_subunit-wawer.pb",
              "poland_warszawa_2019_marysin-wawerski-polnocny.pb"}
COMBINATIONS = [("greedy", "cost", "none"), ("greedy", "approvals", "none"), ("equal-shares", "cost", "none"),
                ("equal-shares", "approvals", "none"), ("equal-shares", "cost", "add1"),
                ("equal-shares", "approvals", "add1")]
FILES = sorted(p.name for p in DATA.glob("*.pb"))


def pabutools_select(budget, costs: dict, ballots: list, rule: str, utility: str, completion: str) -> list[str]:
    from pabutools.election import ApprovalBallot, ApprovalProfile, Cardinality_Sat, Cost_Sat, Instance, Project
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

    instance = Instance(budget_limit=Fraction(budget))
    projects = {pid: Project(pid, Fraction(cost)) for pid, cost in costs.items()}
    for project in projects.values():
        instance.add(project)
    profile = ApprovalProfile([ApprovalBallot({projects[p] for p in ballot}) for ballot in ballots])
    sat = Cost_Sat if utility == "cost" else Cardinality_Sat
    if rule == "greedy":
        return sorted(p.name for p in greedy_utilitarian_welfare(instance, profile, sat_class=sat))
    return sorted(p.name for p in method_of_equal_shares(
        instance, profile, sat_class=sat, voter_budget_increment=1 if completion == "add1" else None))


def ours(budget, costs, ballots, rule, utility, completion) -> list[str]:
    return sorted(rules.count(rules.Election.of(budget, costs, ballots), rule, utility, completion))


# Ids "1".."12" so that string order ("10" < "2") matters for ties; costs with zeros and equal
# values so that ties and free projects happen often.
elections = st.integers(min_value=1, max_value=7).flatmap(lambda n: st.tuples(
    st.integers(min_value=0, max_value=60),
    st.lists(st.sampled_from([0, 1, 2, 3, 5, 5, 8, 10, 10, 13, 20, 30]), min_size=n, max_size=n),
    st.lists(st.sets(st.integers(min_value=1, max_value=n)), min_size=0, max_size=12),
    st.sampled_from([str(i) for i in range(1, 13)]).flatmap(lambda _s: st.permutations([str(i) for i in range(1, 13)])),
))


@pytest.mark.parametrize("rule, utility, completion", COMBINATIONS)
@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(election=elections)
def test_random_elections_select_what_pabutools_selects(rule, utility, completion, election):
    budget, cost_list, raw_ballots, names = election
    ids = names[:len(cost_list)]
    costs = dict(zip(ids, cost_list))
    ballots = [[ids[i - 1] for i in ballot] for ballot in raw_ballots]
    assert ours(budget, costs, ballots, rule, utility, completion) == \
        pabutools_select(budget, costs, ballots, rule, utility, completion)


def test_exact_fractions_decide_what_floats_cannot():
    # Two projects with the same supporters and costs a thirtieth apart after many payments:
    # the float count meets a near-tie and the exact count decides, by id, as pabutools does.
    costs = {"2": 3, "10": 3, "1": 1}
    ballots = [["1", "2", "10"]] * 3 + [["2", "10"]] * 7
    for utility in ("cost", "approvals"):
        assert ours(7, costs, ballots, "equal-shares", utility, "none") == \
            pabutools_select(7, costs, ballots, "equal-shares", utility, "none")


def _file_election(name: str):
    pb = pabulib.read((DATA / name).read_text(encoding="utf-8"))
    return pb, pb.costs(), pb.approval_ballots()


@pytest.mark.parametrize("name", [f for f in FILES if f not in LARGE])
def test_real_elections_select_what_pabutools_selects(name):
    pb, costs, ballots = _file_election(name)
    for rule, utility, completion in COMBINATIONS:
        if completion == "add1" and name not in QUICK_ADD1:
            continue
        assert ours(pb.budget, costs, ballots, rule, utility, completion) == \
            pabutools_select(pb.budget, costs, ballots, rule, utility, completion), (rule, utility, completion)


RECORDED = [(name, key) for name, results in sorted(REFERENCE["elections"].items()) for key in sorted(results)]


@pytest.mark.parametrize("name, key", RECORDED)
def test_elections_select_what_pabutools_recorded(name, key):
    pb, costs, ballots = _file_election(name)
    rule, utility, completion = key.split("/")
    assert ours(pb.budget, costs, ballots, rule, utility, completion) == REFERENCE["elections"][name][key]["selected"]


def test_the_recorded_reference_is_pabutools_1_2_3_and_covers_the_large_files():
    assert REFERENCE["pabutools"] == "1.2.3"
    assert LARGE <= set(REFERENCE["elections"])


# --- The Pabulib format ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", FILES)
def test_our_reader_gives_back_every_file(name):
    text = (DATA / name).read_text(encoding="utf-8")
    pb = pabulib.read(text)
    again = pabulib.read(pabulib.write(pb))
    assert (again.meta, again.projects, again.votes) == (pb.meta, pb.projects, pb.votes)
    assert len(pb.projects) == int(pb.meta.get("num_projects", len(pb.projects)))
    assert len(pb.votes) == int(pb.meta.get("num_votes", len(pb.votes)))


@pytest.mark.parametrize("name", [f for f in FILES if f not in LARGE])
def test_our_reader_reads_what_pabutools_reads(name):
    from pabutools.election import parse_pabulib

    pb = pabulib.read((DATA / name).read_text(encoding="utf-8"))
    instance, profile = parse_pabulib(str(DATA / name))
    assert {p.name: p.cost for p in instance} == pb.costs()
    assert instance.budget_limit == pb.budget
    theirs = sorted(sorted(p.name for p in ballot if ballot[p] > 0) if hasattr(ballot, "values") else
                    sorted(p.name for p in ballot) for ballot in profile)
    assert theirs == sorted(sorted(b) for b in pb.approval_ballots())


def test_an_election_we_write_parses_with_pabutools_to_the_same_election(tmp_path):
    from pabutools.election import parse_pabulib

    pb = pabulib.PbFile(
        meta={"description": "Ward budget; Afon 2027", "country": "United Kingdom", "unit": "Glanrafon",
              "instance": "2027", "num_projects": "3", "num_votes": "4", "budget": "50000",
              "vote_type": "approval", "rule": "equal-shares"},
        project_columns=["project_id", "cost", "name"],
        projects={"1": {"project_id": "1", "cost": "20000", "name": "Benches; and bins"},
                  "2": {"project_id": "2", "cost": "35000", "name": "Play area \"Parc\""},
                  "10": {"project_id": "10", "cost": "5000", "name": "Trees"}},
        vote_columns=["voter_id", "vote"],
        votes=[{"voter_id": "a1", "vote": "1,10"}, {"voter_id": "b2", "vote": "2"},
               {"voter_id": "c3", "vote": "2,10,1"}, {"voter_id": "d4", "vote": ""}])
    path = tmp_path / "written.pb"
    path.write_text(pabulib.write(pb), encoding="utf-8")
    instance, profile = parse_pabulib(str(path))
    assert {p.name: p.cost for p in instance} == {"1": 20000, "2": 35000, "10": 5000}
    assert instance.budget_limit == 50000
    assert sorted(sorted(p.name for p in b) for b in profile) == [[], ["1", "10"], ["1", "10", "2"], ["2"]]
    assert pabulib.read(path.read_text(encoding="utf-8")).projects["1"]["name"] == "Benches; and bins"


@pytest.mark.parametrize("text, message", [
    ("budget;100\nMETA\nkey;value\n", "text before the META"),
    ("META\nkey;value\nbudget;100\nPROJECTS\nproject_id;cost\n1;ten\n", "not a number"),
    ("META\nkey;value\nvote_type;approval\n", "no budget"),
    ("META\nkey;value\nbudget;100\nPROJECTS\nproject_id;name\n1;x\n", "project_id and cost"),
])
def test_bad_files_are_refused_with_the_reason(text, message):
    with pytest.raises(pabulib.PabulibError, match=message):
        pabulib.read(text)


def test_flask_pb_count_prints_the_selection_as_json(app):
    from app.budgeting.cli import pb_cli

    name = "poland_warszawa_2017_plac-wojska-polskiego.pb"
    runner = app.test_cli_runner()
    result = runner.invoke(pb_cli, ["count", str(DATA / name)])
    assert result.exit_code == 0, result.output
    pb, costs, ballots = _file_election(name)
    assert json.loads(result.output) == rules.count(rules.Election.of(pb.budget, costs, ballots))
    greedy = runner.invoke(pb_cli, ["count", str(DATA / name), "--rule", "greedy", "--completion", "none"])
    assert sorted(json.loads(greedy.output)) == pabutools_select(pb.budget, costs, ballots, "greedy", "cost", "none")
    bad = runner.invoke(pb_cli, ["count", str(DATA / name), "--rule", "borda"])
    assert bad.exit_code == 2 and "borda" in bad.output
