"""Ward budget processes: phases, who may vote, casting and changing a vote, and publishing a
result anyone can recount. No request or template here."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.budgeting import pabulib, rules
from app.budgeting.models import (Ballot, BallotChoice, BallotKind, BudgetProcess, BudgetProject, Channel,
                                  InPersonCode, Phase, ProjectStatus)
from app.core import audit, tokens
from app.core.bilingual import BilingualText
from app.core.models import User, VerificationMethod
from app.extensions import db


class BallotRefused(Exception):
    """The vote cannot be taken; the message says why, in words for the voter."""


class CodeRefused(BallotRefused):
    """A ballot cast in person whose confirmation code is wrong, expired or used."""


class BallotConflict(Exception):
    """Another vote from the same person arrived at the same moment; theirs stands."""


def phase(process: BudgetProcess, today: date | None = None) -> Phase:
    if process.published_at is not None:
        return Phase.RESULTS
    if process.sealed_at is not None:
        return Phase.COUNTING
    if process.phase_override is not None:
        return process.phase_override
    today = today or datetime.now(timezone.utc).date()
    if today > process.voting_until:
        return Phase.COUNTING
    for start, name in ((process.voting_from, Phase.VOTING), (process.costing_from, Phase.COSTING),
                        (process.proposals_from, Phase.PROPOSALS)):
        if today >= start:
            return name
    return Phase.UPCOMING


def move_phase(process: BudgetProcess, to: Phase | None, actor: User) -> None:
    """Staff move the phase by hand (None: back to the dates); audited. Not once the ballots are
    sealed: nothing may reopen the vote then."""
    if process.sealed_at is not None:
        raise BallotRefused(str(_l("The ballots are sealed: the phase can no longer change.")))
    before = phase(process)
    process.phase_override = to
    audit.record("budget.phase_moved", obj=process, actor=actor,
                 details={"from": before.value, "to": to.value if to else None})
    db.session.commit()


def ballot_projects(process: BudgetProcess) -> list[BudgetProject]:
    """What is on the ballot: the feasible, costed projects."""
    return [p for p in process.projects if p.status == ProjectStatus.FEASIBLE and p.cost is not None]


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def is_verified(process: BudgetProcess, user: User) -> bool:
    """Verified as the process requires. A staff check, made in person, also stands in for a
    polling card; a confirmed email address meets the email requirement."""
    required = process.verification
    if required is None:
        return True
    if required == VerificationMethod.EMAIL and user.email_confirmed_at is not None:
        return True
    if user.verified_at is None:
        return False
    return user.verification_method == required or (required == VerificationMethod.POLLING_CARD and
                                                     user.verification_method == VerificationMethod.STAFF)


def why_not_eligible(process: BudgetProcess, user: User, today: date | None = None) -> str | None:
    """None if the person may vote in this process; otherwise the reason, for them to read."""
    today = today or datetime.now(timezone.utc).date()
    if user.council_id != process.council_id or user.ward_id != process.ward_id:
        return str(_l("Only residents of %(ward)s ward can vote in this budget.", ward=process.ward.name))
    if process.verification is not None and not is_verified(process, user):
        return {VerificationMethod.EMAIL: str(_l("This vote needs you to confirm your email address first: open the "
                                                 "link we sent you, or send it again from your account.")),
                VerificationMethod.POLLING_CARD: str(_l("This vote needs the code on your polling card, to show "
                                                        "that you live in the ward.")),
                VerificationMethod.STAFF: str(_l("This vote needs a member of staff to check who you are: ask at "
                                                 "a library or council office."))}[process.verification]
    if process.minimum_age:
        if user.date_of_birth is None:
            return str(_l("Tell us your date of birth in your account: this vote is for people aged %(age)s "
                          "or over.", age=process.minimum_age))
        if age_on(user.date_of_birth, today) < process.minimum_age:
            return str(_l("This vote is for people aged %(age)s or over.", age=process.minimum_age))
    return None


def check_choices(process: BudgetProcess, project_ids: list[int]) -> list[int]:
    """The chosen project ids, or BallotRefused saying what is wrong with the choice."""
    # Ids and costs only, in one small query: this runs on every ballot (bench/budgeting.py).
    costs = dict(db.session.execute(select(BudgetProject.id, BudgetProject.cost).where(
        BudgetProject.process_id == process.id, BudgetProject.status == ProjectStatus.FEASIBLE,
        BudgetProject.cost.isnot(None))).all())
    chosen = [i for i in dict.fromkeys(project_ids) if i in costs]
    if len(chosen) != len(set(project_ids)):
        raise BallotRefused(str(_l("Choose only projects on this ballot.")))
    if not chosen:
        raise BallotRefused(str(_l("Choose at least one project.")))
    if process.ballot_kind == BallotKind.KNAPSACK:
        total = sum((costs[i] for i in chosen), Decimal(0))
        if total > process.budget:
            raise BallotRefused(str(_l("Your projects cost %(total)s, more than the %(budget)s to spend. Take out "
                                       "one or more.", total=f"£{total:,.0f}", budget=f"£{process.budget:,.0f}")))
    elif process.max_choices and len(chosen) > process.max_choices:
        raise BallotRefused(str(lazy_ngettext("Choose at most %(num)s project.", "Choose at most %(num)s projects.",
                                              process.max_choices)))
    return chosen


def voter_key(user: User) -> str:
    return f"user:{user.id}"


def current_ballot(process: BudgetProcess, key: str) -> Ballot | None:
    return db.session.scalar(select(Ballot).where(Ballot.process_id == process.id, Ballot.voter_key == key,
                                                  Ballot.is_current.is_(True)))


def cast(process: BudgetProcess, user: User, project_ids: list[int], channel: Channel = Channel.ONLINE,
         today: date | None = None) -> CastBallot:
    """Take (or change) a person's vote. The earlier ballot stays in the history, no longer
    counted. Two votes from one person at the same moment: the database's unique index on
    current ballots lets one through; the other gets BallotConflict, and nothing of it is saved."""
    if phase(process, today) != Phase.VOTING:
        raise BallotRefused(str(_l("Voting is not open for this budget.")))
    reason = why_not_eligible(process, user, today)
    if reason:
        raise BallotRefused(reason)
    chosen = check_choices(process, project_ids)
    return _store(process, voter_key(user), chosen, channel)


@dataclass(frozen=True)
class CastBallot:
    id: int
    reference: str


def _store(process: BudgetProcess, key: str, chosen_ids: list[int], channel: Channel) -> CastBallot:
    process_id = process.id
    session = db.session()
    # Nothing read so far changes here: keep it loaded through the commits, and write with plain
    # Core statements rather than the ORM (a vote is the busiest write; bench/budgeting.py).
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        # The write must start the transaction (SQLite then waits for a busy database, rather than
        # failing on a read transaction that cannot be upgraded).
        session.commit()
        now = datetime.now(timezone.utc)
        reference = secrets.token_hex(4).upper()
        ballots, choices = Ballot.__table__, BallotChoice.__table__
        try:
            connection = session.connection()
            connection.execute(update(ballots).where(ballots.c.process_id == process_id, ballots.c.voter_key == key,
                                                     ballots.c.is_current.is_(True))
                               .values(is_current=False, replaced_at=now))
            ballot_id = connection.execute(insert(ballots).values(
                process_id=process_id, voter_key=key, channel=channel, is_current=True, reference=reference,
                cast_at=now).returning(ballots.c.id)).scalar_one()
            connection.execute(insert(choices), [{"ballot_id": ballot_id, "project_id": i} for i in chosen_ids])
            session.commit()
        except IntegrityError:
            session.rollback()
            raise BallotConflict(str(_l("Your vote was being changed at the same moment. Look at your vote and "
                                        "try again if it is not what you chose."))) from None
    finally:
        session.expire_on_commit = expire
    return CastBallot(ballot_id, reference)


def has_voted(process: BudgetProcess, user: User) -> Channel | None:
    """What staff may know: whether someone voted, and how. Never what they chose."""
    ballot = current_ballot(process, voter_key(user))
    return ballot.channel if ballot else None


# --- The result ------------------------------------------------------------------------------

def _counted(process: BudgetProcess) -> list[Ballot]:
    return list(db.session.scalars(select(Ballot).where(Ballot.process_id == process.id,
                                                        Ballot.is_current.is_(True)).order_by(Ballot.id)))


def count(process: BudgetProcess) -> dict:
    """Count the current ballots with the process's rule: what is selected, votes per project,
    money allocated and left, turnout by channel."""
    projects = ballot_projects(process)
    ballots = _counted(process)
    election = rules.Election.of(process.budget, {str(p.id): p.cost for p in projects},
                                 [[str(c.project_id) for c in b.choices] for b in ballots])
    selected = rules.count(election, process.rule, process.utility,
                           process.completion if process.rule == "equal-shares" else "none")
    votes = {str(p.id): 0 for p in projects}
    for ballot in ballots:
        for choice in ballot.choices:
            votes[str(choice.project_id)] = votes.get(str(choice.project_id), 0) + 1
    spent = sum((p.cost for p in projects if str(p.id) in selected), Decimal(0))
    channels: dict[str, int] = {}
    for ballot in ballots:
        channels[ballot.channel.value] = channels.get(ballot.channel.value, 0) + 1
    return {"selected": selected, "votes": votes, "spent": str(spent), "left": str(process.budget - spent),
            "ballots": len(ballots), "by_channel": channels}


def ballot_file(process: BudgetProcess, voter_ids: dict[int, str]) -> str:
    """The anonymised election in Pabulib format: projects, and each counted ballot under a
    random voter id, with the channel it came through and nothing about the person."""
    projects = ballot_projects(process)
    ballots = _counted(process)
    votes = {p.id: 0 for p in projects}
    for ballot in ballots:
        for choice in ballot.choices:
            votes[choice.project_id] = votes.get(choice.project_id, 0) + 1
    title = BilingualText.of(process.title)
    meta = {"description": title.en or title.cy, "country": "United Kingdom",
            "unit": process.ward.council.name("en"), "subunit": process.ward.name,
            "instance": str(process.voting_until.year), "num_projects": str(len(projects)),
            "num_votes": str(len(ballots)), "budget": f"{process.budget:f}".rstrip("0").rstrip("."),
            "vote_type": "approval", "rule": "greedy" if process.rule == "greedy" else "equal-shares",
            "date_begin": process.voting_from.strftime("%d.%m.%Y"),
            "date_end": process.voting_until.strftime("%d.%m.%Y"), "language": "english, welsh"}
    if process.ballot_kind == BallotKind.APPROVAL and process.max_choices:
        meta["max_length"] = str(process.max_choices)
    if process.ballot_kind == BallotKind.KNAPSACK:
        meta["max_sum_cost"] = meta["budget"]
    pb = pabulib.PbFile(
        meta=meta, project_columns=["project_id", "cost", "votes", "name"],
        projects={str(p.id): {"project_id": str(p.id), "cost": f"{p.cost:f}".rstrip("0").rstrip("."),
                              "votes": str(votes.get(p.id, 0)), "name": BilingualText.of(p.title).en}
                  for p in projects},
        vote_columns=["voter_id", "vote", "voting_method"],
        votes=[{"voter_id": voter_ids[b.id], "vote": ",".join(str(c.project_id) for c in
                                                            sorted(b.choices, key=lambda c: c.project_id)),
                "voting_method": b.channel.value} for b in ballots])
    return pabulib.write(pb)


def seal_ballots(process: BudgetProcess, actor: User, today: date | None = None) -> None:
    """Close the count once voting has ended and the paper ballots are in: write the ballot file
    once with its SHA-256 (published at once, before the result), cut every link between people
    and ballots (each voter key becomes a random id), and blur the times ballots were cast to the
    last day of voting, so that no log of who voted when can be matched to a ballot. Nothing can
    be added or changed afterwards."""
    if process.sealed_at is not None:
        raise BallotRefused(str(_l("The ballots are already sealed.")))
    if phase(process, today) != Phase.COUNTING:
        raise BallotRefused(str(_l("The ballots can be sealed only after voting has closed.")))
    # One random id per voter, for every row of their history: the file and the table agree,
    # and neither says who anyone is.
    keys = db.session.execute(select(Ballot.id, Ballot.voter_key).where(Ballot.process_id == process.id)).all()
    random_ids = {key: secrets.token_hex(8) for key in {k for _i, k in keys}}
    text = ballot_file(process, {ballot_id: random_ids[key] for ballot_id, key in keys})
    for key, random_id in random_ids.items():
        db.session.execute(update(Ballot).where(Ballot.process_id == process.id, Ballot.voter_key == key)
                           .values(voter_key=f"anon:{random_id}"))
    closed = datetime.combine(process.voting_until, datetime.min.time(), timezone.utc)
    db.session.execute(update(Ballot).where(Ballot.process_id == process.id).values(cast_at=closed))
    db.session.execute(update(Ballot).where(Ballot.process_id == process.id, Ballot.replaced_at.isnot(None))
                       .values(replaced_at=closed))
    db.session.execute(update(InPersonCode).where(InPersonCode.process_id == process.id, InPersonCode.used_at.is_(None))
                       .values(used_at=datetime.now(timezone.utc)))
    process.ballot_file = text
    process.ballot_file_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    process.sealed_at = datetime.now(timezone.utc)
    audit.record("budget.ballots_sealed", obj=process, actor=actor,
                 details={"sha256": process.ballot_file_sha256, "ballots": len(keys)})
    db.session.commit()


def publish_result(process: BudgetProcess, actor: User, today: date | None = None) -> None:
    """Count the sealed ballots and publish the result (sealing first, if staff have not)."""
    if process.published_at is not None:
        raise BallotRefused(str(_l("The result is already published.")))
    if process.sealed_at is None:
        seal_ballots(process, actor, today)
    result = count(process)
    process.result = result
    process.published_at = datetime.now(timezone.utc)
    audit.record("budget.result_published", obj=process, actor=actor,
                 details={"sha256": process.ballot_file_sha256, "ballots": result["ballots"]})
    db.session.commit()


def turnout(process: BudgetProcess) -> int:
    return db.session.scalar(select(func.count()).select_from(Ballot).where(
        Ballot.process_id == process.id, Ballot.is_current.is_(True))) or 0


# --- Setting up ---------------------------------------------------------------------------------

def create_processes(council_id: int, wards: list, *, title: dict, summary: dict, total: int, formula: str,
                     actor: User, **settings) -> list[BudgetProcess]:
    """One process per ward, each with its share of `total` by the formula (allocation.py).
    AllocationError (missing figures) leaves nothing created."""
    from app.budgeting.allocation import WardFigures, share

    shares = share(total, [WardFigures(w.id, w.population, w.deprivation_index) for w in wards], formula)
    created = []
    for ward in wards:
        named = {code: f"{text}: {ward.name}" if text else "" for code, text in title.items()}
        process = BudgetProcess(council_id=council_id, ward_id=ward.id, title=named, summary=summary,
                                budget=Decimal(shares[ward.id]), allocation_formula=formula,
                                allocation_total=Decimal(total), **settings)
        db.session.add(process)
        created.append(process)
    db.session.flush()
    for process in created:
        audit.record("budget.process_created", obj=process, actor=actor,
                     details={"ward_id": process.ward_id, "budget": str(process.budget), "formula": formula})
    db.session.commit()
    return created


def save_project(process: BudgetProcess, project: BudgetProject | None, actor: User, **values) -> BudgetProject:
    if project is None:
        project = BudgetProject(process_id=process.id)
        db.session.add(project)
    for name, value in values.items():
        setattr(project, name, value)
    db.session.flush()
    audit.record("budget.project_saved", obj=project, actor=actor, council_id=process.council_id,
                 details={"process_id": process.id, "status": project.status.value,
                          "cost": str(project.cost) if project.cost is not None else None})
    db.session.commit()
    return project


# --- Paper ballots, keyed twice ------------------------------------------------------------------

PAPER_WAITING, PAPER_COUNTED, PAPER_ONLINE_WINS, PAPER_MISMATCH = "waiting", "counted", "online vote counts", "mismatch"


def key_paper(process: BudgetProcess, staff: User, paper: str, email: str | None, project_ids: list[int]) -> str:
    """Key in one paper ballot. The first entry waits for a second by someone else; two that
    agree make the ballot (or, when the voter also voted online, the online vote counts and the
    paper is listed as a conflict); entries that disagree are listed for a third person."""
    from app.budgeting.models import PaperEntry

    if phase(process) not in (Phase.VOTING, Phase.COUNTING) or process.sealed_at is not None:
        raise BallotRefused(str(_l("Paper ballots can be keyed in only during voting and until the ballots are "
                                   "sealed.")))
    paper = paper.strip()
    chosen = check_choices(process, project_ids)
    choice_ids = sorted(chosen)
    email = (email or "").strip().lower() or None
    entries = db.session.scalars(select(PaperEntry).where(PaperEntry.process_id == process.id,
                                                          PaperEntry.paper == paper)).all()
    if any(e.outcome for e in entries):
        raise BallotRefused(str(_l("Paper %(paper)s has already been counted.", paper=paper)))
    if any(e.keyed_by_id == staff.id for e in entries):
        raise BallotRefused(str(_l("You have keyed in paper %(paper)s already: someone else keys it the second "
                                   "time.", paper=paper)))
    entry = PaperEntry(process_id=process.id, paper=paper, voter_email=email, choices=choice_ids, keyed_by_id=staff.id)
    db.session.add(entry)
    audit.record("budget.paper_keyed", obj=process, actor=staff, details={"paper": paper})
    match = next((e for e in entries if e.choices == choice_ids and e.voter_email == email), None)
    if match is None:
        db.session.commit()
        return PAPER_MISMATCH if entries else PAPER_WAITING
    voter = None
    if email:
        voter = db.session.scalar(select(User).where(User.council_id == process.council_id,
                                                     func.lower(User.email) == email, User.deleted_at.is_(None)))
    key = voter_key(voter) if voter is not None else f"paper:{paper}"
    online = current_ballot(process, key) if voter is not None else None
    if online is not None and online.channel != Channel.PAPER:
        outcome = PAPER_ONLINE_WINS  # the stated rule: a person's online vote counts, not their paper one
    else:
        outcome = PAPER_COUNTED
    entry.outcome = match.outcome = outcome
    db.session.commit()
    if outcome == PAPER_COUNTED:
        _store(process, key, chosen, Channel.PAPER)
    return outcome


def papers_needing_attention(process: BudgetProcess) -> list[tuple[str, str, int]]:
    """(paper, what is wrong, entries so far): papers whose entries disagree, and papers whose
    voter also voted online (the online vote counted)."""
    from app.budgeting.models import PaperEntry

    entries = db.session.scalars(select(PaperEntry).where(PaperEntry.process_id == process.id)
                                 .order_by(PaperEntry.paper, PaperEntry.id)).all()
    by_paper: dict[str, list] = {}
    for entry in entries:
        by_paper.setdefault(entry.paper, []).append(entry)
    listed = []
    for paper, group in by_paper.items():
        if any(e.outcome == PAPER_ONLINE_WINS for e in group):
            listed.append((paper, PAPER_ONLINE_WINS, len(group)))
        elif not any(e.outcome for e in group) and len(group) >= 2:
            listed.append((paper, PAPER_MISMATCH, len(group)))
    return listed


def turnout_by_channel(process: BudgetProcess) -> dict[str, int]:
    rows = db.session.execute(select(Ballot.channel, func.count()).where(
        Ballot.process_id == process.id, Ballot.is_current.is_(True)).group_by(Ballot.channel)).all()
    return {channel.value: n for channel, n in rows}


def project_from_idea(process: BudgetProcess, idea, actor: User) -> BudgetProject:
    """A resident's idea becomes a project to cost, linked back to it (title and description
    copied, the Welsh left for staff to add)."""
    existing = db.session.scalar(select(BudgetProject).where(BudgetProject.process_id == process.id,
                                                             BudgetProject.idea_id == idea.id))
    if existing is not None:
        return existing
    return save_project(process, None, actor, title={"en": idea.title, "cy": ""},
                        description={"en": idea.body[:2000], "cy": ""}, idea_id=idea.id,
                        status=ProjectStatus.PROPOSED)


# --- Ballots cast in person: at a library kiosk, or by staff on a resident's behalf ---------------

IN_PERSON_CODE_LIFETIME = timedelta(minutes=15)
IN_PERSON_CODE_TRIES = 5


def verify_by_staff(resident: User, staff: User, process: BudgetProcess) -> None:
    """Staff record that they checked who the person is and where they live (the "staff check"
    a process can require). A staff action on someone's data: audited."""
    if resident.verified_at is not None and resident.verification_method == VerificationMethod.STAFF:
        return
    resident.verified_at = datetime.now(timezone.utc)
    resident.verification_method = VerificationMethod.STAFF
    audit.record("account.verified_by_staff", obj=resident, actor=staff, council_id=process.council_id,
                 details={"process_id": process.id})
    db.session.commit()


def _code_hash(code: str) -> str:
    return tokens.code_hash("".join(ch for ch in code if ch.isdigit()), purpose="budget-in-person")


def issue_in_person_code(process: BudgetProcess, resident: User, staff: User) -> str:
    """A fresh six-digit code for this resident and process (any earlier one stops working).
    The caller sends it to the resident; only its hash is kept."""
    if phase(process) != Phase.VOTING:
        raise BallotRefused(str(_l("Voting is not open for this budget.")))
    reason = why_not_eligible(process, resident)
    if reason:
        raise BallotRefused(reason)
    now = datetime.now(timezone.utc)
    db.session.execute(update(InPersonCode).where(InPersonCode.process_id == process.id,
                                                  InPersonCode.user_id == resident.id,
                                                  InPersonCode.used_at.is_(None)).values(used_at=now))
    code = f"{secrets.randbelow(1_000_000):06d}"
    db.session.add(InPersonCode(process_id=process.id, user_id=resident.id, code_hash=_code_hash(code),
                                expires_at=now + IN_PERSON_CODE_LIFETIME, issued_by_id=staff.id))
    audit.record("budget.in_person_code_sent", obj=resident, actor=staff, council_id=process.council_id,
                 details={"process_id": process.id})
    db.session.commit()
    return code


def _spend_code(process: BudgetProcess, resident: User, code: str) -> None:
    """Use up the resident's code, or BallotRefused. One UPDATE that succeeds only on a live,
    matching code: two requests cannot both spend it. A wrong code counts against the live one."""
    now = datetime.now(timezone.utc)
    live = (InPersonCode.process_id == process.id, InPersonCode.user_id == resident.id,
            InPersonCode.used_at.is_(None), InPersonCode.expires_at > now,
            InPersonCode.failures < IN_PERSON_CODE_TRIES)
    spent = db.session.execute(update(InPersonCode).where(*live, InPersonCode.code_hash == _code_hash(code))
                               .values(used_at=now)).rowcount
    if spent == 1:
        return
    db.session.rollback()
    db.session.execute(update(InPersonCode).where(*live).values(failures=InPersonCode.failures + 1))
    db.session.commit()
    raise CodeRefused(str(_l("That confirmation code is not right, or it has expired or been used. Check it with "
                               "the resident, or send a new one.")))


def cast_in_person(process: BudgetProcess, resident: User, staff: User, code: str, project_ids: list[int],
                   channel: Channel) -> CastBallot:
    """A ballot cast for a resident who is there in person: at a library kiosk (they chose on the
    screen) or with staff help (staff entered their choices). Their confirmation code shows they
    are there and agree. Like any vote it replaces their earlier one; staff never see what that was."""
    if channel not in (Channel.KIOSK, Channel.ASSISTED):
        raise BallotRefused(str(_l("Say how the ballot was cast.")))
    if phase(process) != Phase.VOTING:
        raise BallotRefused(str(_l("Voting is not open for this budget.")))
    reason = why_not_eligible(process, resident)
    if reason:
        raise BallotRefused(reason)
    chosen = check_choices(process, project_ids)  # before the code, so a wrong choice does not use it up
    _spend_code(process, resident, code)
    cast_ballot = _store(process, voter_key(resident), chosen, channel)
    audit.record("budget.in_person_ballot", obj=resident, actor=staff, council_id=process.council_id,
                 details={"process_id": process.id, "channel": channel.value})
    db.session.commit()
    return cast_ballot
