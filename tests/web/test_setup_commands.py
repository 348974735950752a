"""The commands a new site is set up with (deploy/README.md): a council, its wards from a CSV
(all or nothing, a clear message for a bad row), the first administrator."""
from __future__ import annotations

from sqlalchemy import select

from app.core.models import Council, Ward
from app.extensions import db


def test_a_council_and_its_wards_are_set_up_and_a_bad_file_changes_nothing(app, council, tmp_path):
    runner = app.test_cli_runner()
    made = runner.invoke(args=["create-council", "second", "--name", "Second Council", "--host", "second.example"])
    assert made.exit_code == 0 and "council second created" in made.output and "default" not in made.output
    again = runner.invoke(args=["create-council", "second", "--name", "Second Council"])
    assert again.exit_code != 0 and "exists already" in again.output

    good = tmp_path / "wards.csv"
    good.write_text("code,name,population,deprivation_index\nS1,Afon,4000,0.25\nS2,Bryn,,\n")
    assert runner.invoke(args=["import-wards", str(good), "--council", "second"]).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,population,deprivation_index\nS1,Afon Renamed,lots,\nS3,,,\n")
    refused = runner.invoke(args=["import-wards", str(bad), "--council", "second"])
    assert refused.exit_code != 0
    assert "row 2: population is not a number" in refused.output and "row 3: code and name are needed" in refused.output
    with app.app_context():
        second = db.session.scalar(select(Council).where(Council.slug == "second"))
        wards = {w.code: (w.name, w.population, w.deprivation_index)
                 for w in db.session.scalars(select(Ward).where(Ward.council_id == second.id))}
        assert second.hosts() and not second.is_default
    assert wards["S1"][:2] == ("Afon", 4000) and float(wards["S1"][2]) == 0.25  # untouched by the bad file
    assert set(wards) == {"S1", "S2"}
    missing = runner.invoke(args=["import-wards", str(good), "--council", "nowhere"])
    assert missing.exit_code != 0 and "no such council" in missing.output
