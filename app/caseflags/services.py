"""Domain logic for case flags: who may open what, the audit of every view and change, the rule
applied to a subject's flags, match reviews, second-person access, requests and appeals.
No request, no templates: views call these."""
from __future__ import annotations

import calendar
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import false, func, or_, select
from sqlalchemy.exc import IntegrityError

from app.caseflags import rules
from app.caseflags.models import (AccessRequest, Appeal, AppealStatus, CaseflagSettings, Flag, FlagCategory,
                                  MatchCandidate, MatchStatus, RequestStatus, Review, ReviewOutcome, RuleVersion,
                                  SensitiveAccess, Severity, Subject, SubjectKind)
from app.core import audit
from app.core.models import AuditEntry, Council, Role, Team, User, utcnow
from app.extensions import db

SENSITIVE_GRANT_HOURS = 8


class NotAllowed(Exception):
    """A step the rules of the workflow forbid; the message says which (a stable code)."""


# --- Who may open what ------------------------------------------------------------------------

def settings_for(council_id: int) -> CaseflagSettings:
    settings = db.session.get(CaseflagSettings, council_id)
    if settings is None:
        settings = CaseflagSettings(council_id=council_id, default_expiry_months=12)
        db.session.add(settings)
        db.session.flush()
    return settings


def team_ids(user: User) -> set[int]:
    return {t.id for t in user.teams}


def is_caseworker(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.CASEWORKER)


def can_open(user: User, subject: Subject) -> bool:
    """Only caseworkers in one of the teams assigned to the subject."""
    return is_caseworker(user) and bool(team_ids(user) & {t.id for t in subject.teams})


def is_reviewer(user: User) -> bool:
    """A caseworker in the council's review team: reviews cases, matches, requests and appeals."""
    if not is_caseworker(user):
        return False
    settings = db.session.get(CaseflagSettings, user.council_id)
    return settings is not None and settings.review_team_id in team_ids(user)


def set_review_team(council_id: int, team: Team, expiry_months: int, actor: User) -> tuple[int, int]:
    """Make `team` the review team: it is assigned to every record. The previous review team loses
    the records it only had as reviewers (it keeps those it created or flagged as a service).
    Returns (records given to the new team, records taken from the old one)."""
    settings = settings_for(council_id)
    old = db.session.get(Team, settings.review_team_id) if settings.review_team_id else None
    settings.review_team_id, settings.default_expiry_months = team.id, expiry_months
    added = removed = 0
    old_members = {u.id for u in old.members} if old else set()
    for subject in db.session.scalars(select(Subject).where(Subject.council_id == council_id,
                                                           Subject.merged_into_id.is_(None))):
        ids = {t.id for t in subject.teams}
        if team.id not in ids:
            subject.teams = subject.teams + [team]
            added += 1
        if old is not None and old.id != team.id and old.id in ids:
            own = subject.created_by_id in old_members or any(f.team_id == old.id for f in subject.flags)
            if not own:
                subject.teams = [t for t in subject.teams if t.id != old.id]
                removed += 1
    audit.record("caseflags.settings_changed", object_type="CaseflagSettings", council_id=council_id, actor=actor,
                 details={"review_team_id": team.id, "previous_review_team_id": old.id if old else None,
                          "expiry_months": expiry_months, "records_added": added, "records_removed": removed})
    db.session.commit()
    return added, removed


# --- The audit of views, searches and changes -------------------------------------------------

def record_view(obj, reason: str, page: str) -> None:
    audit.record("caseflags.viewed", obj=obj, details={"reason": reason, "page": page})
    db.session.commit()


def record_search(council_id: int, query: str, reason: str, found: int) -> int:
    """The audit row's id: the session keeps only that, so the query stays out of the cookie."""
    entry = audit.record("caseflags.searched", object_type="Subject", council_id=council_id,
                         details={"reason": reason, "query": query, "found": found})
    db.session.commit()
    return entry.id


def record_reason(council_id: int, key: str, reason: str) -> int:
    """Why the caseworker is opening `key` ("subject:12"...): an audit row of its own, whose id the
    session keeps (the reason itself never goes into the cookie)."""
    entry = audit.record("caseflags.reason_given", object_type=key.split(":")[0].title(), object_id=key.split(":")[1],
                         council_id=council_id, details={"key": key, "reason": reason})
    db.session.commit()
    return entry.id


def audit_row_of(entry_id: object, user: User, action: str) -> AuditEntry | None:
    """The caseworker's own audit row `entry_id` of kind `action`, if it is theirs."""
    if not isinstance(entry_id, int):
        return None
    return db.session.scalar(select(AuditEntry).where(AuditEntry.id == entry_id, AuditEntry.actor_id == user.id,
                                                      AuditEntry.council_id == user.council_id,
                                                      AuditEntry.action == action))


# --- Categories and the versioned rule --------------------------------------------------------

def categories(council_id: int, active_only: bool = True) -> list[FlagCategory]:
    query = select(FlagCategory).where(FlagCategory.council_id == council_id)
    if active_only:
        query = query.where(FlagCategory.active.is_(True))
    return list(db.session.scalars(query.order_by(FlagCategory.name)))


def save_category(council_id: int, category: FlagCategory | None, *, code: str, name: str, description: str,
                  sensitive: bool, active: bool) -> FlagCategory:
    if category is None:
        category = FlagCategory(council_id=council_id, code=code)
        db.session.add(category)
    category.name, category.description, category.sensitive, category.active = name, description, sensitive, active
    db.session.flush()
    audit.record("caseflags.category_saved", obj=category, details={"code": category.code, "sensitive": sensitive,
                                                                  "active": active})
    db.session.commit()
    return category


def current_rule(council_id: int) -> RuleVersion:
    version = db.session.scalar(select(RuleVersion).where(RuleVersion.council_id == council_id)
                                .order_by(RuleVersion.number.desc()).limit(1))
    if version is None:
        version = RuleVersion(council_id=council_id, number=1, config=rules.RuleConfig().to_dict(),
                              note="The starting rule.")
        db.session.add(version)
        db.session.commit()
    return version


def rule_versions(council_id: int) -> list[RuleVersion]:
    return list(db.session.scalars(select(RuleVersion).where(RuleVersion.council_id == council_id)
                                   .order_by(RuleVersion.number.desc())))


def change_rule(council_id: int, config: rules.RuleConfig, note: str, actor: User) -> RuleVersion:
    """A new version; reviews opened under earlier versions keep theirs."""
    number = current_rule(council_id).number + 1
    version = RuleVersion(council_id=council_id, number=number, config=config.to_dict(), note=note,
                          created_by_id=actor.id)
    db.session.add(version)
    db.session.flush()
    audit.record("caseflags.rule_changed", obj=version, details={"number": number, "config": config.to_dict(),
                                                               "note": note})
    db.session.commit()
    return version


# --- Applying the rule ------------------------------------------------------------------------

def facts(flags: list[Flag]) -> list[rules.FlagFact]:
    return [rules.FlagFact(id=f.id, service=f.team.name, category=f.category.code, severity=f.severity.value,
                           observed_on=f.observed_on, expires_on=f.expires_on,
                           recorded_on=_as_date(f.created_at), withdrawn=f.withdrawn_at is not None) for f in flags]


def _as_date(moment: datetime) -> date:
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc).date()


def outcome_for(subject: Subject, version: RuleVersion, today: date | None = None) -> rules.Outcome:
    return rules.evaluate(facts(subject.flags), rules.RuleConfig.from_dict(version.config), today or date.today(),
                          subject.opted_out_on)


def open_review(subject_id: int) -> Review | None:
    return db.session.scalar(select(Review).where(Review.subject_id == subject_id, Review.outcome.is_(None)))


def reassess(subject: Subject, today: date | None = None) -> Review | None:
    """Apply the current rule; open a review when the subject reaches it and none is open. After a
    decision, only a flag recorded since then can open another."""
    db.session.flush()
    db.session.refresh(subject)
    version = current_rule(subject.council_id)
    outcome = outcome_for(subject, version, today)
    if not outcome.reaches_review or open_review(subject.id) is not None:
        return None
    last = db.session.scalar(select(Review).where(Review.subject_id == subject.id, Review.decided_at.is_not(None))
                             .order_by(Review.decided_at.desc()).limit(1))
    if last is not None:
        decided = last.decided_at if last.decided_at.tzinfo else last.decided_at.replace(tzinfo=timezone.utc)
        counted = {c.flag_id for c in outcome.contributions if c.status == rules.COUNTED}
        if not any((f.created_at if f.created_at.tzinfo else f.created_at.replace(tzinfo=timezone.utc)) > decided
                   for f in subject.flags if f.id in counted):
            return None
    review = Review(council_id=subject.council_id, subject_id=subject.id, rule_version_id=version.id,
                    points=outcome.points, services=list(outcome.services),
                    contributions=[c.__dict__ for c in outcome.contributions])
    try:
        with db.session.begin_nested():  # another request may have opened it a moment ago
            db.session.add(review)
            db.session.flush()
    except IntegrityError:
        return None
    audit.record("caseflags.review_opened", obj=review, details={"subject_id": subject.id, "rule_version": version.number,
                                                               "points": outcome.points})
    return review


def decide_review(review: Review, actor: User, outcome: ReviewOutcome, reason: str) -> None:
    if review.outcome is not None:
        raise NotAllowed("already_decided")
    review.outcome, review.reason, review.decided_by_id, review.decided_at = outcome, reason, actor.id, utcnow()
    audit.record("caseflags.review_decided", obj=review, details={"subject_id": review.subject_id,
                                                                "outcome": outcome.value, "reason": reason})
    db.session.commit()


# --- Subjects, matching, flags ----------------------------------------------------------------

@dataclass
class SubjectInput:
    kind: SubjectKind
    name: str
    date_of_birth: date | None
    address: str
    uprn: str | None
    ward_id: int | None


def _norm(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]", "", (text or "").lower())


def match_reasons(a: Subject, b: Subject) -> list[str]:
    """Why two records may describe the same person (codes the pages translate)."""
    reasons = []
    if a.uprn and b.uprn and a.uprn.strip() == b.uprn.strip():
        reasons.append("same_uprn")
    if _norm(a.name) and _norm(a.name) == _norm(b.name):
        if a.date_of_birth and a.date_of_birth == b.date_of_birth:
            reasons.append("same_name_and_birth")
        if _norm(a.address) and _norm(a.address) == _norm(b.address):
            reasons.append("same_name_and_address")
    return reasons


def create_subject(council: Council, data: SubjectInput, team: Team, actor: User) -> tuple[Subject, int]:
    """A new record for `team` (and the review team). Records elsewhere that may be the same person
    go to a match review; nothing is merged and the creator learns nothing about them."""
    subject = Subject(council_id=council.id, kind=data.kind, name=data.name.strip(), date_of_birth=data.date_of_birth,
                      address=data.address.strip(), uprn=(data.uprn or "").strip() or None, ward_id=data.ward_id,
                      created_by_id=actor.id)
    review_team_id = settings_for(council.id).review_team_id
    subject.teams = [team] + ([db.session.get(Team, review_team_id)] if review_team_id and review_team_id != team.id else [])
    db.session.add(subject)
    db.session.flush()
    audit.record("caseflags.subject_created", obj=subject, details={"team": team.name})
    candidates = db.session.scalars(select(Subject).where(
        Subject.council_id == council.id, Subject.id != subject.id, Subject.merged_into_id.is_(None),
        or_(Subject.uprn == subject.uprn if subject.uprn else false(),
            func.lower(Subject.name) == subject.name.lower()))).all()
    found = 0
    for other in candidates:
        reasons = match_reasons(other, subject)
        if reasons:
            db.session.add(MatchCandidate(council_id=council.id, subject_a_id=other.id, subject_b_id=subject.id,
                                          reasons=reasons))
            found += 1
    db.session.commit()
    return subject, found


def update_subject(subject: Subject, data: SubjectInput, actor: User, reason: str) -> list[str]:
    """Correct a record's details; the audit row names the fields changed (not their values)."""
    changed = []
    for name, value in (("kind", data.kind), ("name", data.name.strip()), ("date_of_birth", data.date_of_birth),
                        ("address", data.address.strip()), ("uprn", (data.uprn or "").strip() or None),
                        ("ward_id", data.ward_id)):
        if getattr(subject, name) != value:
            setattr(subject, name, value)
            changed.append(name)
    if changed:
        audit.record("caseflags.subject_updated", obj=subject, details={"fields": changed, "reason": reason})
        db.session.commit()
    return changed


def decide_match(match: MatchCandidate, actor: User, same: bool, note: str) -> Review | None:
    """A person decides. The same: the newer record's flags, teams and requests move to the older
    one, which is re-assessed; the newer one only points to it. Different: both stay as they are."""
    if match.status != MatchStatus.OPEN:
        raise NotAllowed("already_decided")
    match.status = MatchStatus.SAME if same else MatchStatus.DIFFERENT
    match.decided_by_id, match.decided_at, match.note = actor.id, utcnow(), note
    keep, merged = match.subject_a, match.subject_b
    if same:
        if keep.merged_into_id or merged.merged_into_id:
            raise NotAllowed("already_merged")
        for flag in list(merged.flags):
            flag.subject_id = keep.id
        keep.teams = list({t.id: t for t in keep.teams + merged.teams}.values())
        for request in db.session.scalars(select(AccessRequest).where(AccessRequest.subject_id == merged.id)):
            request.subject_id = keep.id
        for review in db.session.scalars(select(Review).where(Review.subject_id == merged.id, Review.outcome.is_(None))):
            review.outcome, review.reason = ReviewOutcome.NO_FURTHER_ACTION, "Merged into another record."
            review.decided_at, review.decided_by_id = utcnow(), actor.id
        keep.date_of_birth = keep.date_of_birth or merged.date_of_birth
        keep.uprn = keep.uprn or merged.uprn
        merged.merged_into_id = keep.id
        merged.teams = []
        # Other open checks naming the merged record now concern the record it joined: left as they
        # were, they would name a record nobody can open and wait in the queue for ever.
        for other in db.session.scalars(select(MatchCandidate).where(
                MatchCandidate.council_id == match.council_id, MatchCandidate.status == MatchStatus.OPEN,
                MatchCandidate.id != match.id,
                or_(MatchCandidate.subject_a_id == merged.id, MatchCandidate.subject_b_id == merged.id))):
            other.subject_a_id = keep.id if other.subject_a_id == merged.id else other.subject_a_id
            other.subject_b_id = keep.id if other.subject_b_id == merged.id else other.subject_b_id
    audit.record("caseflags.match_decided", obj=match, details={
        "same": same, "note": note, "subject_a_id": keep.id, "subject_b_id": merged.id})
    review = reassess(keep) if same else None
    db.session.commit()
    return review


def add_months(start: date, months: int) -> date:
    month = start.month - 1 + months
    year, month = start.year + month // 12, month % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def add_flag(subject: Subject, team: Team, author: User, category: FlagCategory, severity: Severity, observed: str,
             observed_on: date, expires_on: date | None = None, reason: str = "") -> tuple[Flag, Review | None]:
    expires_on = expires_on or add_months(observed_on, settings_for(subject.council_id).default_expiry_months)
    flag = Flag(council_id=subject.council_id, subject_id=subject.id, team_id=team.id, author_id=author.id,
                category_id=category.id, severity=severity, observed=observed, observed_on=observed_on,
                expires_on=expires_on)
    db.session.add(flag)
    db.session.flush()
    audit.record("caseflags.flag_added", obj=flag, details={"subject_id": subject.id, "team": team.name,
                                                          "category": category.code, "severity": severity.value,
                                                          "reason": reason})
    review = reassess(subject)
    db.session.commit()
    return flag, review


def withdraw_flag(flag: Flag, actor: User, reason: str, *, commit: bool = True) -> None:
    if flag.withdrawn_at is not None:
        raise NotAllowed("already_withdrawn")
    flag.withdrawn_at, flag.withdrawn_by_id, flag.withdrawn_reason = utcnow(), actor.id, reason
    audit.record("caseflags.flag_withdrawn", obj=flag, details={"subject_id": flag.subject_id, "reason": reason})
    if commit:
        db.session.commit()


def set_opt_out(subject: Subject, actor: User, on: date | None, note: str) -> None:
    """`on` None ends the opt-out. Saving again while opted out keeps the first date: moving it
    forward would let flags recorded since the person opted out be combined after all."""
    subject.opted_out_on = (subject.opted_out_on or on) if on is not None else None
    audit.record("caseflags.opt_out_changed", obj=subject, details={"opted_out_on": on.isoformat() if on else None,
                                                                  "note": note})
    db.session.commit()


def search_subjects(user: User, query: str, limit: int = 50) -> list[Subject]:
    """Records the caseworker's teams are assigned to, matching every word of the name, address or UPRN."""
    q = select(Subject).where(Subject.council_id == user.council_id, Subject.merged_into_id.is_(None),
                              Subject.teams.any(Team.id.in_(team_ids(user) or {0})))
    for word in query.split()[:6]:
        like = f"%{word.lower().replace('%', '').replace('_', '')}%"
        q = q.where(or_(func.lower(Subject.name).like(like), func.lower(Subject.address).like(like),
                        Subject.uprn == word, Subject.id == (int(word) if word.isdigit() and len(word) <= 9 else 0)))
    return list(db.session.scalars(q.order_by(Subject.name, Subject.id).limit(limit)))


# --- Second person for sensitive categories ---------------------------------------------------

def request_sensitive(subject: Subject, actor: User, reason: str) -> SensitiveAccess:
    access = SensitiveAccess(council_id=subject.council_id, subject_id=subject.id, requester_id=actor.id, reason=reason)
    db.session.add(access)
    db.session.flush()
    audit.record("caseflags.sensitive_requested", obj=access, details={"subject_id": subject.id, "reason": reason})
    db.session.commit()
    return access


def decide_sensitive(access: SensitiveAccess, actor: User, approve: bool) -> None:
    if access.requester_id == actor.id:
        raise NotAllowed("own_request")
    if access.decided_at is not None:
        raise NotAllowed("already_decided")
    access.approver_id, access.approved, access.decided_at = actor.id, approve, utcnow()
    if approve:
        access.expires_at = utcnow() + timedelta(hours=SENSITIVE_GRANT_HOURS)
    audit.record("caseflags.sensitive_decided", obj=access, details={"subject_id": access.subject_id,
                                                                   "approved": approve})
    db.session.commit()


def needs_second_person(user: User, subject: Subject) -> bool:
    """The subject has flags in restricted categories that `user` has no approved access to."""
    return any(f.category.sensitive for f in subject.flags) and not has_sensitive_access(user, subject)


def has_sensitive_access(user: User, subject: Subject) -> bool:
    now = utcnow()
    grants = db.session.scalars(select(SensitiveAccess).where(
        SensitiveAccess.subject_id == subject.id, SensitiveAccess.requester_id == user.id,
        SensitiveAccess.approved.is_(True))).all()
    return any(g.expires_at and (g.expires_at if g.expires_at.tzinfo else g.expires_at.replace(tzinfo=timezone.utc)) > now
               for g in grants)


def pending_sensitive(user: User, subject: Subject) -> bool:
    return db.session.scalar(select(SensitiveAccess.id).where(
        SensitiveAccess.subject_id == subject.id, SensitiveAccess.requester_id == user.id,
        SensitiveAccess.decided_at.is_(None)).limit(1)) is not None


# --- Subject access requests and appeals ------------------------------------------------------

def create_request(user: User, name: str, date_of_birth: date | None, address: str, details: str,
                   today: date | None = None) -> AccessRequest:
    today = today or date.today()
    request = AccessRequest(council_id=user.council_id, user_id=user.id, name=name, date_of_birth=date_of_birth,
                            address=address, details=details, received_on=today, due_on=add_months(today, 1))
    db.session.add(request)
    db.session.flush()
    audit.record("caseflags.request_received", obj=request, details={"due_on": request.due_on.isoformat()})
    db.session.commit()
    return request


def verify_identity(request: AccessRequest, actor: User, note: str) -> None:
    if request.status != RequestStatus.RECEIVED:
        raise NotAllowed("not_received")
    request.status, request.verified_by_id, request.verified_at, request.verification_note = (
        RequestStatus.VERIFIED, actor.id, utcnow(), note)
    audit.record("caseflags.request_verified", obj=request, details={"note": note})
    db.session.commit()


def link_request(request: AccessRequest, actor: User, subject: Subject | None, reason: str = "") -> None:
    """Only once identity is verified; `subject` None records that nothing is held."""
    if request.status != RequestStatus.VERIFIED:
        raise NotAllowed("not_verified")
    request.status, request.subject_id = RequestStatus.LINKED, subject.id if subject else None
    audit.record("caseflags.request_linked", obj=request, details={"subject_id": request.subject_id, "reason": reason})
    db.session.commit()


def release_request(request: AccessRequest, actor: User, redacted: dict[int, str], labels: dict[str, str],
                    reason: str = "") -> None:
    """Give the person a copy of what is held, with other people's data taken out of each flag's
    text by the member of staff (`redacted`: flag id -> the text to release)."""
    if request.status != RequestStatus.LINKED:
        raise NotAllowed("not_linked")
    data: dict = {"subject": None, "flags": [], "reviews": [], "access": []}
    subject = request.subject
    if subject is not None:
        data["subject"] = {"name": subject.name, "date_of_birth": subject.date_of_birth.isoformat()
                           if subject.date_of_birth else None, "address": subject.address, "uprn": subject.uprn}
        for flag in subject.flags:
            data["flags"].append({
                "id": flag.id, "service": flag.team.name, "category": flag.category.name,
                "severity": flag.severity.value, "observed": redacted.get(flag.id, ""),
                "observed_on": flag.observed_on.isoformat(), "expires_on": flag.expires_on.isoformat(),
                "withdrawn": flag.withdrawn_at is not None})
        for review in db.session.scalars(select(Review).where(Review.subject_id == subject.id).order_by(Review.id)):
            data["reviews"].append({"opened_on": _as_date(review.opened_at).isoformat(),
                                    "outcome": labels.get(review.outcome.value, review.outcome.value)
                                    if review.outcome else None})
        views = db.session.execute(select(AuditEntry.at, AuditEntry.actor_role, AuditEntry.action).where(
            AuditEntry.council_id == subject.council_id, AuditEntry.object_type == "Subject",
            AuditEntry.object_id == str(subject.id)).order_by(AuditEntry.seq)).all()
        data["access"] = [{"on": _as_date(at).isoformat(), "role": role or "", "action": action}
                          for at, role, action in views]
    request.status, request.released_by_id, request.released_at, request.released_data = (
        RequestStatus.RELEASED, actor.id, utcnow(), data)
    audit.record("caseflags.request_released", obj=request, details={"subject_id": request.subject_id,
                                                                   "flags": len(data["flags"]), "reason": reason})
    db.session.commit()


def refuse_request(request: AccessRequest, actor: User, reason: str) -> None:
    if request.status in (RequestStatus.RELEASED, RequestStatus.REFUSED):
        raise NotAllowed("closed")
    request.status, request.refusal_reason = RequestStatus.REFUSED, reason
    audit.record("caseflags.request_refused", obj=request, details={"reason": reason})
    db.session.commit()


def ask_opt_out(request: AccessRequest, user: User, note: str) -> None:
    if request.user_id != user.id or request.status != RequestStatus.RELEASED or request.opt_out_asked_at:
        raise NotAllowed("not_open")
    request.opt_out_asked_at, request.opt_out_note = utcnow(), note
    audit.record("caseflags.opt_out_asked", obj=request, details={"subject_id": request.subject_id})
    db.session.commit()


def released_flag_ids(request: AccessRequest) -> set[int]:
    if request.status != RequestStatus.RELEASED or not request.released_data:
        return set()
    return {f["id"] for f in request.released_data.get("flags", [])}


def create_appeal(request: AccessRequest, flag: Flag, user: User, grounds: str) -> Appeal:
    if flag.id not in released_flag_ids(request) or request.user_id != user.id:
        raise NotAllowed("not_released")
    if db.session.scalar(select(Appeal.id).where(Appeal.request_id == request.id, Appeal.flag_id == flag.id).limit(1)):
        raise NotAllowed("already_appealed")
    appeal = Appeal(council_id=request.council_id, flag_id=flag.id, request_id=request.id, user_id=user.id,
                    grounds=grounds)
    db.session.add(appeal)
    db.session.flush()
    audit.record("caseflags.appeal_made", obj=appeal, details={"flag_id": flag.id})
    db.session.commit()
    return appeal


def decide_appeal(appeal: Appeal, actor: User, status: AppealStatus, reason: str, corrected_text: str | None = None) -> None:
    """Decided by someone other than the flag's author. Upheld: the flag is withdrawn and the
    subject re-assessed. Corrected: what was observed is replaced by the corrected text."""
    flag = appeal.flag
    if flag.author_id == actor.id:
        raise NotAllowed("own_flag")
    if appeal.status != AppealStatus.OPEN:
        raise NotAllowed("already_decided")
    appeal.status, appeal.decided_by_id, appeal.decided_at, appeal.decision_reason = status, actor.id, utcnow(), reason
    if status == AppealStatus.UPHELD and flag.withdrawn_at is None:
        withdraw_flag(flag, actor, f"Appeal upheld: {reason}", commit=False)
    elif status == AppealStatus.CORRECTED:
        # Rectified: the inaccurate text is replaced, not kept beside the correction.
        appeal.corrected_text = flag.observed = corrected_text
    audit.record("caseflags.appeal_decided", obj=appeal, details={"flag_id": flag.id, "status": status.value,
                                                                "reason": reason})
    db.session.commit()


# --- Fairness ---------------------------------------------------------------------------------

def quarter(moment: datetime) -> str:
    d = _as_date(moment)
    return f"{d.year} Q{(d.month - 1) // 3 + 1}"


def fairness_counts(council_id: int) -> dict[str, list[tuple[str, str, int | None]]]:
    """Reviews opened, by quarter and ward, age band and category; counts below 5 suppressed."""
    by_ward: Counter = Counter()
    by_age: Counter = Counter()
    by_category: Counter = Counter()
    codes = {c.code: c.name for c in categories(council_id, active_only=False)}
    rows = db.session.execute(select(Review, Subject).join(Subject, Subject.id == Review.subject_id)
                              .where(Review.council_id == council_id)).all()
    for review, subject in rows:
        q = quarter(review.opened_at)
        by_ward[(q, subject.ward.name if subject.ward else "")] += 1
        by_age[(q, rules.age_band(subject.date_of_birth, _as_date(review.opened_at)))] += 1
        for code in sorted({c["category"] for c in review.contributions if c["status"] == rules.COUNTED}):
            by_category[(q, codes.get(code, code))] += 1

    def table(counter: Counter):
        return [(q, group, rules.suppress(n)) for (q, group), n in sorted(counter.items())]
    return {"ward": table(by_ward), "age": table(by_age), "category": table(by_category)}


def access_report_query(council_id: int, subject_id: int | None = None):
    query = select(AuditEntry).where(AuditEntry.council_id == council_id, AuditEntry.action.like("caseflags.%"))
    if subject_id:
        query = query.where(AuditEntry.object_type == "Subject", AuditEntry.object_id == str(subject_id))
    return query.order_by(AuditEntry.seq.desc())
