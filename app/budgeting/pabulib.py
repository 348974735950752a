"""Read and write the Pabulib `.pb` format (pabulib.org): META, PROJECTS and VOTES sections,
each a `;`-separated table whose first row names the columns.

Plain data in, plain data out: no Flask. The reader follows pabutools' parser (the reference):
section names are case-insensitive, blank lines are skipped, a value "none" means absent, and
a decimal comma in a cost is read as a point."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from fractions import Fraction

SECTIONS = ("meta", "projects", "votes")


class PabulibError(ValueError):
    """The text is not a Pabulib file we can read; the message says where."""


@dataclass
class PbFile:
    meta: dict[str, str] = field(default_factory=dict)
    project_columns: list[str] = field(default_factory=lambda: ["project_id", "cost"])
    projects: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> {column: value}
    vote_columns: list[str] = field(default_factory=lambda: ["voter_id", "vote"])
    votes: list[dict[str, str]] = field(default_factory=list)

    @property
    def budget(self) -> Fraction:
        return as_number(self.meta.get("budget", "0"))

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval")

    def costs(self) -> dict[str, Fraction]:
        return {pid: as_number(row["cost"]) for pid, row in self.projects.items()}

    def approval_ballots(self) -> list[list[str]]:
        """Each voter's projects. Points on cumulative or scoring ballots count as approval of
        every project given points, as `flask pb count` documents."""
        ballots = []
        for row in self.votes:
            chosen = [p.strip() for p in (row.get("vote") or "").split(",") if p.strip()]
            if self.vote_type in ("cumulative", "scoring") and row.get("points"):
                points = [as_number(x) for x in row["points"].split(",")]
                chosen = [p for p, score in zip(chosen, points) if score > 0]
            ballots.append(chosen)
        return ballots


def as_number(text: str) -> Fraction:
    try:
        return Fraction(text.strip().replace(",", "."))
    except (ValueError, ZeroDivisionError):
        raise PabulibError(f"not a number: {text!r}") from None


def read(text: str) -> PbFile:
    pb = PbFile()
    section = ""
    header: list[str] = []
    rows = csv.reader(text.splitlines(), delimiter=";")
    for line_number, row in enumerate(rows, start=1):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        name = row[0].strip().lower()
        if name in SECTIONS and len(row) == 1:
            section = name
            try:
                header = [h.strip() for h in next(rows)]
            except StopIteration:
                raise PabulibError(f"line {line_number}: section {name.upper()} has no header") from None
            if section == "projects":
                pb.project_columns = header
            elif section == "votes":
                pb.vote_columns = header
            continue
        if section == "meta":
            if len(row) < 2:
                raise PabulibError(f"line {line_number}: META needs key;value")
            pb.meta[row[0].strip()] = row[1].strip()
        elif section in ("projects", "votes"):
            values = {header[i]: row[i].strip() for i in range(min(len(header), len(row)))
                      if row[i].strip().lower() != "none"}
            if section == "projects":
                if "project_id" not in values or "cost" not in values:
                    raise PabulibError(f"line {line_number}: a project needs project_id and cost")
                as_number(values["cost"])
                pb.projects[values["project_id"]] = values
            else:
                pb.votes.append(values)
        else:
            raise PabulibError(f"line {line_number}: text before the META section (or any section)")
    if "budget" not in pb.meta:
        raise PabulibError("META has no budget")
    as_number(pb.meta["budget"])
    return pb


def write(pb: PbFile) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    out.write("META\n")
    writer.writerow(["key", "value"])
    for key, value in pb.meta.items():
        writer.writerow([key, value])
    out.write("PROJECTS\n")
    writer.writerow(pb.project_columns)
    for row in pb.projects.values():
        writer.writerow([row.get(c, "None") for c in pb.project_columns])
    out.write("VOTES\n")
    writer.writerow(pb.vote_columns)
    for row in pb.votes:
        writer.writerow([row.get(c, "None") for c in pb.vote_columns])
    return out.getvalue()
