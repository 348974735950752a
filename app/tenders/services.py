"""Writes and reads for challenge-based tenders. Views call these; nothing here reads `request`."""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, delete, exists, func, or_, select
from sqlalchemy.orm import aliased

from app.core import audit, uploads
from app.core.bilingual import BilingualText
from app.core.models import Council, Organisation, Role, User, UserRole, as_utc, organisation_members
from app.extensions import db
from app.tenders import rules, sealing
from app.tenders.models import (Alert, Award, Bid, BidDocument, BidStatus, CaseStudy, Certificate, Challenge,
                                ChallengeChange, ChallengeDocument, ChallengeInterest, Clarification,
                                ConflictDeclaration, CpvCode, Criterion, ModeratedScore, PartnerListing, Score,
                                ScoreSheet, Stage, StageKind, SupplierProfile, TenderSettings)


class Refused(Exception):
    """An action the rules do not allow now; `code` says which rule, for the view's message."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def settings_for(council_id: int) -> TenderSettings:
    return db.session.get(TenderSettings, council_id) or TenderSettings(
        council_id=council_id, standstill_working_days=8, bank_holidays=[], clarification_days=5,
        late_change_days=3, late_change_min_extension_days=5)


def update_settings(council_id: int, *, standstill_working_days: int, bank_holidays: list[date],
                    clarification_days: int, late_change_days: int, late_change_min_extension_days: int) -> None:
    settings = db.session.get(TenderSettings, council_id)
    if settings is None:
        settings = TenderSettings(council_id=council_id)
        db.session.add(settings)
    settings.standstill_working_days = standstill_working_days
    settings.bank_holidays = sorted(d.isoformat() for d in bank_holidays)
    settings.clarification_days = clarification_days
    settings.late_change_days = late_change_days
    settings.late_change_min_extension_days = late_change_min_extension_days
    audit.record("tenders.settings_changed", object_type="TenderSettings", object_id=council_id, council_id=council_id,
                 details={"standstill_working_days": standstill_working_days,
                          "bank_holidays": settings.bank_holidays})
    db.session.commit()


# --- CPV codes ------------------------------------------------------------------------------------

def ensure_cpv_seed() -> None:
    """The seed codes, when the table is empty (a fresh test database, or one emptied by hand)."""
    if db.session.scalar(select(CpvCode.code).limit(1)) is None:
        from app.tenders.cpv_seed import SEED

        import_cpv(SEED)


def cpv_choices(extra: list[str] | None = None) -> list[tuple[str, str]]:
    """Divisions and groups (codes ending 00000) as checkboxes, plus any finer codes already chosen:
    the full list (about 9,500 codes) would be a page nobody can use."""
    ensure_cpv_seed()
    query = select(CpvCode).where(or_(CpvCode.code.like("%00000"), CpvCode.code.in_(extra or [])))
    return [(c.code, f"{c.code} {c.description}") for c in db.session.scalars(query.order_by(CpvCode.code))]


def known_cpv_codes(codes: list[str]) -> set[str]:
    if not codes:
        return set()
    return set(db.session.scalars(select(CpvCode.code).where(CpvCode.code.in_(codes))))


def cpv_divisions() -> list[CpvCode]:
    return list(db.session.scalars(select(CpvCode).where(CpvCode.code.like("%000000")).order_by(CpvCode.code)))


def cpv_descriptions(codes: list[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(db.session.execute(select(CpvCode.code, CpvCode.description).where(CpvCode.code.in_(codes))).all())


def import_cpv(rows: list[tuple[str, str]]) -> tuple[int, list[int]]:
    """Add or update codes from (code, description) rows; returns (count, line numbers refused)."""
    count, refused = 0, []
    existing = {c.code: c for c in db.session.scalars(select(CpvCode))}
    for number, (raw_code, description) in enumerate(rows, start=1):
        code = rules.parse_cpv(raw_code)
        description = (description or "").strip()[:400]
        if code is None or not description:
            refused.append(number)
            continue
        if code in existing:
            existing[code].description = description
        else:
            existing[code] = CpvCode(code=code, description=description)
            db.session.add(existing[code])
        count += 1
    db.session.commit()
    return count, refused


# --- Challenges -----------------------------------------------------------------------------------

@dataclass
class StageInput:
    kind: StageKind
    deadline: datetime  # aware
    award_count: int
    budget: Decimal
    contract_months: int = 12


@dataclass
class ChallengeInput:
    title: dict
    problem: dict
    outcomes: dict
    eligibility: dict
    cpv_codes: list[str]
    stages: list[StageInput]
    criteria: list[tuple[dict, int]]
    min_turnover: Decimal | None = None
    years_of_accounts: int | None = None
    insurance_level: Decimal | None = None
    team_id: int | None = None

    @property
    def total_budget(self) -> Decimal:
        return sum((s.budget for s in self.stages), Decimal(0))


def _search_text(challenge: Challenge) -> str:
    parts = []
    for value in (challenge.title, challenge.problem, challenge.outcomes):
        text = BilingualText.of(value)
        parts += [text.en, text.cy]
    parts += [f"cpv:{code}" for code in challenge.cpv_codes or []]
    return " ".join(p for p in parts if p).lower()


def _apply(challenge: Challenge, data: ChallengeInput) -> None:
    challenge.title, challenge.problem = data.title, data.problem
    challenge.outcomes, challenge.eligibility = data.outcomes, data.eligibility
    challenge.cpv_codes = list(data.cpv_codes)
    challenge.min_turnover, challenge.years_of_accounts = data.min_turnover, data.years_of_accounts
    challenge.insurance_level, challenge.team_id = data.insurance_level, data.team_id
    challenge.total_budget = data.total_budget
    challenge.search_text = _search_text(challenge)
    challenge.updated_at = now_utc()


def create_challenge(council: Council, data: ChallengeInput, user: User) -> Challenge:
    challenge = Challenge(council_id=council.id, wrapped_key=b"")
    _apply(challenge, data)
    for position, s in enumerate(data.stages, start=1):
        challenge.stages.append(Stage(position=position, kind=s.kind, deadline=s.deadline.astimezone(timezone.utc),
                                      award_count=s.award_count, budget=s.budget,
                                      contract_months=s.contract_months))
    for position, (name, weight) in enumerate(data.criteria, start=1):
        challenge.criteria.append(Criterion(position=position, name=name, weight=weight))
    db.session.add(challenge)
    db.session.flush()
    challenge.wrapped_key = sealing.new_wrapped_key(challenge.id)
    audit.record("tenders.challenge_created", obj=challenge, actor=user)
    db.session.commit()
    return challenge


def replace_draft(challenge: Challenge, data: ChallengeInput, user: User) -> None:
    """A draft is not public yet: its stages and criteria are simply rewritten."""
    if challenge.published_at is not None:
        raise Refused("published")
    _apply(challenge, data)
    challenge.stages.clear()
    challenge.criteria.clear()
    db.session.flush()
    for position, s in enumerate(data.stages, start=1):
        challenge.stages.append(Stage(position=position, kind=s.kind, deadline=s.deadline.astimezone(timezone.utc),
                                      award_count=s.award_count, budget=s.budget,
                                      contract_months=s.contract_months))
    for position, (name, weight) in enumerate(data.criteria, start=1):
        challenge.criteria.append(Criterion(position=position, name=name, weight=weight))
    audit.record("tenders.challenge_edited", obj=challenge, actor=user)
    db.session.commit()


def publish_challenge(challenge: Challenge, user: User) -> None:
    if challenge.published_at is not None:
        return
    challenge.published_at = now_utc()
    _schedule_openings(challenge)
    audit.record("tenders.challenge_published", obj=challenge, actor=user)
    db.session.commit()
    from app.tenders import notices

    notices.challenge_opened(challenge, matching_alert_users(challenge))


def _schedule_openings(challenge: Challenge) -> None:
    from app.core.jobs import schedule_at

    for stage in challenge.stages:
        if stage.opened_at is None:
            schedule_at("tenders.open_stage", f"stage-{stage.id}", as_utc(stage.deadline), {"stage_id": stage.id})
    forget_next_deadline()


def update_live_challenge(challenge: Challenge, data: ChallengeInput, reason: str, user: User,
                          now: datetime | None = None) -> None:
    """Change a published challenge: the late-change rule per stage, bids marked for reconfirmation."""
    now = now or now_utc()
    settings = settings_for(challenge.council_id)
    if len(data.stages) != len(challenge.stages) or len(data.criteria) != len(challenge.criteria):
        raise Refused("shape")
    for stage, new in zip(challenge.stages, data.stages):
        if stage.opened_at is not None:
            continue
        old_deadline = as_utc(stage.deadline)
        new_deadline = new.deadline.astimezone(timezone.utc)
        if new_deadline <= now:
            raise Refused("deadline_past", stage=stage.position)
        if not rules.late_change_allowed(now, old_deadline, new_deadline, settings.late_change_days,
                                         settings.late_change_min_extension_days):
            raise Refused("late_change", days=settings.late_change_days,
                          extension=settings.late_change_min_extension_days)
    criteria_changed = [(c.name, c.weight) for c in challenge.criteria] != list(data.criteria)
    if criteria_changed and any(s.opened_at is not None and s.awarded_at is None for s in challenge.stages):
        raise Refused("criteria_in_evaluation")
    _apply(challenge, data)
    for stage, new in zip(challenge.stages, data.stages):
        if stage.opened_at is None:
            stage.kind, stage.deadline = new.kind, new.deadline.astimezone(timezone.utc)
            stage.award_count, stage.budget = new.award_count, new.budget
            stage.contract_months = new.contract_months
    for criterion, (name, weight) in zip(challenge.criteria, data.criteria):
        criterion.name, criterion.weight = name, weight
    marked = 0
    for bid in db.session.scalars(select(Bid).join(Stage).where(Stage.challenge_id == challenge.id,
                                                                 Stage.opened_at.is_(None),
                                                                 Bid.status == BidStatus.SUBMITTED)):
        bid.needs_reconfirmation = True
        marked += 1
    db.session.add(ChallengeChange(challenge_id=challenge.id, summary=reason, at=now))
    _schedule_openings(challenge)
    audit.record("tenders.challenge_changed", obj=challenge, actor=user, details={"bids_marked": marked})
    db.session.commit()
    from app.tenders import notices

    notices.challenge_changed(challenge, interested_users(challenge))


def stage_state(stage: Stage, now: datetime | None = None) -> str:
    """upcoming (the stage before is not awarded), open, closed (awaiting opening), evaluation, awarded."""
    now = now or now_utc()
    if stage.awarded_at is not None:
        return "awarded"
    if stage.opened_at is not None:
        return "evaluation"
    if as_utc(stage.deadline) <= now:
        return "closed"
    previous = _previous(stage)
    if previous is not None and previous.awarded_at is None:
        return "upcoming"
    return "open"


def _previous(stage: Stage) -> Stage | None:
    earlier = [s for s in stage.challenge.stages if s.position == stage.position - 1]
    return earlier[0] if earlier else None


def current_stage(challenge: Challenge, now: datetime | None = None) -> Stage | None:
    """The stage taking bids now, else the first not yet awarded, else the last."""
    now = now or now_utc()
    for stage in challenge.stages:
        if stage_state(stage, now) == "open":
            return stage
    for stage in challenge.stages:
        if stage.awarded_at is None:
            return stage
    return challenge.stages[-1] if challenge.stages else None


def clarification_deadline(challenge: Challenge, now: datetime | None = None) -> datetime | None:
    stage = current_stage(challenge, now)
    if stage is None:
        return None
    days = settings_for(challenge.council_id).clarification_days
    return rules.clarification_deadline(as_utc(stage.deadline), days)


@dataclass
class Search:
    q: str = ""
    cpv: str = ""
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    closes_before: date | None = None
    stage: str = ""


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_query(council_id: int, s: Search, now: datetime | None = None) -> Select:
    """Published challenges with a stage still taking bids (or to come), filtered."""
    now = now or now_utc()
    live = aliased(Stage)
    conditions = [live.challenge_id == Challenge.id, live.opened_at.is_(None), live.deadline > now]
    if s.closes_before:
        conditions.append(live.deadline < datetime.combine(s.closes_before + timedelta(days=1), datetime.min.time(),
                                                           timezone.utc))
    if s.stage in {k.value for k in StageKind}:
        conditions.append(live.kind == StageKind(s.stage))
    query = select(Challenge).where(Challenge.council_id == council_id, Challenge.published_at.isnot(None),
                                    exists().where(and_(*conditions)))
    if s.q.strip():
        query = query.where(Challenge.search_text.like("%" + _escape_like(s.q.strip().lower()) + "%", escape="\\"))
    prefix = rules.parse_cpv(s.cpv) if s.cpv else None
    if prefix:
        query = query.where(Challenge.search_text.like(f"%cpv:{rules.cpv_prefix(prefix)}%"))
    if s.min_value is not None:
        query = query.where(Challenge.total_budget >= s.min_value)
    if s.max_value is not None:
        query = query.where(Challenge.total_budget <= s.max_value)
    return query.order_by(Challenge.published_at.desc(), Challenge.id.desc())


def closed_query(council_id: int, now: datetime | None = None) -> Select:
    now = now or now_utc()
    live = exists().where(Stage.challenge_id == Challenge.id, Stage.opened_at.is_(None), Stage.deadline > now)
    return select(Challenge).where(Challenge.council_id == council_id, Challenge.published_at.isnot(None),
                                   ~live).order_by(Challenge.published_at.desc(), Challenge.id.desc())


# --- Challenge documents (public) ---------------------------------------------------------------

DOCUMENT_TYPES = {
    ".pdf": ("application/pdf", (b"%PDF",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", (b"PK\x03\x04",)),
    ".png": ("image/png", (b"\x89PNG",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
}
MAX_DOCUMENTS_PER_BID = 10


def max_document_bytes() -> int:
    return int(current_app.config.get("TENDER_MAX_DOCUMENT_BYTES", 5 * 1024 * 1024))


def check_document(filename: str, data: bytes) -> str:
    """The content type of an acceptable document; Refused('file_type'|'file_size'|'file_empty') otherwise."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in DOCUMENT_TYPES:
        raise Refused("file_type")
    if len(data) > max_document_bytes():
        raise Refused("file_size", mb=max_document_bytes() // (1024 * 1024))
    if not data:
        raise Refused("file_empty")
    content_type, magics = DOCUMENT_TYPES[suffix]
    if not data.startswith(magics):
        raise Refused("file_type")
    return content_type


def read_upload(stream) -> bytes:
    """At most one byte over the limit, so an oversized file is refused without reading it all."""
    return stream.read(max_document_bytes() + 1)


def add_challenge_document(challenge: Challenge, title: str, filename: str, data: bytes, user: User) -> None:
    content_type = check_document(filename, data)
    key = uploads.save(data, Path(filename).suffix.lower())
    challenge.documents.append(ChallengeDocument(title=title, filename=Path(filename).name[:200],
                                                 content_type=content_type, storage_key=key, size=len(data)))
    audit.record("tenders.document_added", obj=challenge, actor=user, details={"title": title})
    db.session.commit()


# --- Supplier profile ------------------------------------------------------------------------------

def organisations_of(user: User) -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).join(
        organisation_members, organisation_members.c.organisation_id == Organisation.id).where(
        organisation_members.c.user_id == user.id, Organisation.council_id == user.council_id).order_by(
        Organisation.name)))


def is_member(org: Organisation, user: User) -> bool:
    return bool(db.session.scalar(select(organisation_members.c.user_id).where(
        organisation_members.c.organisation_id == org.id, organisation_members.c.user_id == user.id)))


def profile_for(org: Organisation) -> SupplierProfile:
    return db.session.get(SupplierProfile, org.id) or SupplierProfile(organisation_id=org.id, address="", website="",
                                                                      about="", policies="")


def save_profile(org: Organisation, user: User, *, name: str, company_number: str | None,
                 charity_number: str | None, size_band, is_vcse: bool, address: str, website: str, about: str,
                 policies: str) -> None:
    profile = db.session.get(SupplierProfile, org.id)
    if profile is None:
        profile = SupplierProfile(organisation_id=org.id)
        db.session.add(profile)
    org.name, org.company_number, org.charity_number = name, company_number or None, charity_number or None
    org.size_band, org.is_vcse = size_band, is_vcse
    profile.address, profile.website, profile.about, profile.policies = address, website, about, policies
    profile.updated_at = now_utc()
    audit.record("tenders.profile_saved", obj=org, actor=user, council_id=org.council_id)
    db.session.commit()


def create_organisation(user: User, name: str, size_band, is_vcse: bool) -> Organisation:
    org = Organisation(council_id=user.council_id, name=name, size_band=size_band, is_vcse=is_vcse)
    db.session.add(org)
    db.session.flush()
    db.session.execute(organisation_members.insert().values(organisation_id=org.id, user_id=user.id))
    if not user.has_role(Role.SUPPLIER):
        db.session.add(UserRole(user_id=user.id, role=Role.SUPPLIER))
    audit.record("tenders.organisation_created", obj=org, actor=user, council_id=org.council_id)
    db.session.commit()
    return org


def certificates(org: Organisation) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).where(Certificate.organisation_id == org.id)
                                   .order_by(Certificate.expires_on, Certificate.id)))


def case_studies(org: Organisation) -> list[CaseStudy]:
    return list(db.session.scalars(select(CaseStudy).where(CaseStudy.organisation_id == org.id).order_by(CaseStudy.id)))


def add_certificate(org: Organisation, name: str, issuer: str, expires_on: date | None) -> None:
    db.session.add(Certificate(organisation_id=org.id, name=name, issuer=issuer, expires_on=expires_on))
    db.session.commit()


def add_case_study(org: Organisation, title: str, client: str, summary: str) -> None:
    db.session.add(CaseStudy(organisation_id=org.id, title=title, client=client, summary=summary))
    db.session.commit()


def remove_profile_item(model, org: Organisation, item_id: int) -> None:
    db.session.execute(delete(model).where(model.id == item_id, model.organisation_id == org.id))
    db.session.commit()


def profile_summary(org: Organisation, today: date | None = None) -> str:
    """The profile as text a bid starts from: what the firm would otherwise type again."""
    today = today or date.today()
    profile = profile_for(org)
    lines = [org.name]
    if profile.about:
        lines.append(profile.about)
    current = [c for c in certificates(org) if c.expires_on is None or c.expires_on >= today]
    if current:
        lines.append("; ".join(f"{c.name}" + (f" ({c.issuer})" if c.issuer else "") for c in current))
    for study in case_studies(org):
        lines.append(f"{study.title}" + (f" – {study.client}" if study.client else "") +
                     (f": {study.summary}" if study.summary else ""))
    return "\n\n".join(lines)


# --- Bids ------------------------------------------------------------------------------------------

def rewrap_all(new_kek_text: str) -> int:
    """Every challenge's data key, unwrapped with the current KEK and wrapped with the new one,
    in one transaction. The new KEK must differ from the development one."""
    import base64

    if new_kek_text == sealing.DEVELOPMENT_KEK:
        raise sealing.SealingError("the new KEK is the published development key")
    try:
        new_kek = base64.b64decode(new_kek_text, validate=True)
    except ValueError as error:
        raise sealing.SealingError("the new KEK must be base64") from error
    if len(new_kek) != 32:
        raise sealing.SealingError("the new KEK must be 32 bytes")
    challenges = db.session.scalars(select(Challenge)).all()
    for challenge in challenges:
        challenge.wrapped_key = sealing.wrap(data_key(challenge), challenge.id, new_kek)
    db.session.commit()
    return len(challenges)


def data_key(challenge: Challenge) -> bytes:
    return sealing.unwrap(challenge.wrapped_key, challenge.id)


def bid_of(stage: Stage, org: Organisation) -> Bid | None:
    return db.session.scalar(select(Bid).where(Bid.stage_id == stage.id, Bid.organisation_id == org.id))


def may_bid(stage: Stage, org: Organisation, now: datetime | None = None) -> bool:
    """Taking bids now, and (after the first stage) the organisation won the stage before."""
    if stage.challenge.published_at is None or stage_state(stage, now) != "open":
        return False
    previous = _previous(stage)
    if previous is None:
        return True
    return bool(db.session.scalar(select(Award.id).join(Bid, Bid.id == Award.bid_id).where(
        Award.stage_id == previous.id, Bid.organisation_id == org.id)))


def _check_open(stage: Stage, org: Organisation, now: datetime) -> None:
    if as_utc(stage.deadline) <= now or stage.opened_at is not None:
        raise Refused("deadline_passed")
    if not may_bid(stage, org, now):
        raise Refused("not_open")


EMPTY_CONTENT = {"answers": {}, "price": "", "partners": "", "consortium": False}


def read_own(bid: Bid) -> dict:
    """The bid's content for its own bidder (or after opening): answers by criterion id, price, partners."""
    if bid.ciphertext is None:
        return dict(EMPTY_CONTENT)
    return sealing.unseal_json(data_key(bid.stage.challenge), bid.ciphertext, sealing.bid_context(bid.id))


def start_bid(stage: Stage, org: Organisation, user: User, now: datetime | None = None) -> Bid:
    now = now or now_utc()
    _check_open(stage, org, now)
    bid = bid_of(stage, org)
    if bid is None:
        bid = Bid(stage_id=stage.id, organisation_id=org.id, status=BidStatus.DRAFT)
        db.session.add(bid)
        db.session.flush()
        summary = profile_summary(org)
        content = dict(EMPTY_CONTENT, answers={str(c.id): "" for c in stage.challenge.criteria}, profile=summary)
        bid.ciphertext = sealing.seal_json(data_key(stage.challenge), content, sealing.bid_context(bid.id))
        add_interest(stage.challenge, user)
        audit.record("tenders.bid_started", obj=bid, actor=user, council_id=org.council_id)
        db.session.commit()
    return bid


def save_draft(bid: Bid, user: User, content: dict, now: datetime | None = None) -> None:
    """Keep the answers sealed. A submitted bid cannot be edited in place: withdraw it first."""
    now = now or now_utc()
    _check_open(bid.stage, bid.organisation, now)
    if bid.status == BidStatus.SUBMITTED:
        raise Refused("submitted")
    current = read_own(bid)
    current.update({"answers": {str(k): v for k, v in content["answers"].items()}, "price": content["price"],
                    "partners": content["partners"], "consortium": bool(content["consortium"])})
    if "profile" in content:
        current["profile"] = content["profile"]
    bid.ciphertext = sealing.seal_json(data_key(bid.stage.challenge), current, sealing.bid_context(bid.id))
    bid.status = BidStatus.DRAFT
    bid.updated_at = now
    db.session.commit()


def add_bid_document(bid: Bid, user: User, filename: str, data: bytes, now: datetime | None = None) -> None:
    now = now or now_utc()
    _check_open(bid.stage, bid.organisation, now)
    if bid.status == BidStatus.SUBMITTED:
        raise Refused("submitted")
    if len(bid.documents) >= MAX_DOCUMENTS_PER_BID:
        raise Refused("too_many_files", count=MAX_DOCUMENTS_PER_BID)
    content_type = check_document(filename, data)
    key = data_key(bid.stage.challenge)
    document = BidDocument(bid=bid, meta_ciphertext=b"", storage_key="", size=len(data))
    db.session.add(document)
    db.session.flush()
    sealed = sealing.seal(key, data, sealing.document_context(bid.id, f"{document.id}:file"))
    document.storage_key = uploads.save(sealed, ".sealed")
    meta = {"filename": Path(filename).name[:200], "content_type": content_type,
            "sha256": hashlib.sha256(data).hexdigest()}
    document.meta_ciphertext = sealing.seal_json(key, meta, sealing.document_context(bid.id, f"{document.id}:meta"))
    bid.updated_at = now
    db.session.commit()


def document_meta(document: BidDocument) -> dict:
    return sealing.unseal_json(data_key(document.bid.stage.challenge), document.meta_ciphertext,
                               sealing.document_context(document.bid_id, f"{document.id}:meta"))


def document_bytes(document: BidDocument) -> bytes:
    sealed = uploads.read(document.storage_key)
    if sealed is None:
        raise Refused("missing_file")
    return sealing.unseal(data_key(document.bid.stage.challenge), sealed,
                          sealing.document_context(document.bid_id, f"{document.id}:file"))


def _remove_file(key: str) -> None:
    """Delete a sealed file (the uploads store has no delete yet: this is its folder)."""
    if key and "/" not in key and "\\" not in key and not key.startswith("."):
        path = Path(current_app.config["UPLOAD_FOLDER"]) / key
        path.unlink(missing_ok=True)


def remove_bid_document(bid: Bid, document_id: int, now: datetime | None = None) -> None:
    _check_open(bid.stage, bid.organisation, now or now_utc())
    if bid.status == BidStatus.SUBMITTED:
        raise Refused("submitted")
    document = next((d for d in bid.documents if d.id == document_id), None)
    if document is not None:
        _remove_file(document.storage_key)
        bid.documents.remove(document)
        db.session.commit()


def _missing_answers(bid: Bid, content: dict) -> list[int]:
    return [c.id for c in bid.stage.challenge.criteria if not (content["answers"].get(str(c.id)) or "").strip()]


def parse_price(text: str) -> Decimal | None:
    try:
        value = Decimal((text or "").replace(",", "").replace("£", "").strip())
    except InvalidOperation:
        return None
    return value if value > 0 and value == value.quantize(Decimal("0.01")) else None


def submit_bid(bid: Bid, user: User, now: datetime | None = None) -> str:
    """Submit before the deadline; returns the SHA-256 on the emailed receipt."""
    now = now or now_utc()
    _check_open(bid.stage, bid.organisation, now)
    content = read_own(bid)
    if _missing_answers(bid, content):
        raise Refused("answers_missing")
    if parse_price(content.get("price", "")) is None:
        raise Refused("price_missing")
    if parse_price(content["price"]) > bid.stage.budget:
        raise Refused("over_budget", budget=bid.stage.budget)
    receipt = {"bid": bid.id, "submitted_at": now.isoformat(), "content": content,
               "documents": sorted(document_meta(d)["sha256"] for d in bid.documents),
               "salt": secrets.token_hex(16)}
    canonical = json.dumps(receipt, sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256(canonical).hexdigest()
    content["receipt"] = {"submitted_at": receipt["submitted_at"], "salt": receipt["salt"], "sha256": digest}
    bid.ciphertext = sealing.seal_json(data_key(bid.stage.challenge), content, sealing.bid_context(bid.id))
    bid.status, bid.submitted_at, bid.receipt_sha256 = BidStatus.SUBMITTED, now, digest
    bid.needs_reconfirmation = False
    bid.updated_at = now
    audit.record("tenders.bid_submitted", obj=bid, actor=user, council_id=bid.organisation.council_id,
                 details={"sha256": digest})
    db.session.commit()
    from app.tenders import notices

    notices.bid_receipt(bid, user, digest, now)
    return digest


def withdraw_bid(bid: Bid, user: User, now: datetime | None = None) -> None:
    now = now or now_utc()
    _check_open(bid.stage, bid.organisation, now)
    if bid.status != BidStatus.SUBMITTED:
        raise Refused("not_submitted")
    bid.status, bid.submitted_at, bid.receipt_sha256 = BidStatus.WITHDRAWN, None, None
    bid.updated_at = now
    audit.record("tenders.bid_withdrawn", obj=bid, actor=user, council_id=bid.organisation.council_id)
    db.session.commit()


def may_read_bid(bid: Bid, user: User | None) -> bool:
    """The seal: the bidder's own members always; evaluators and staff only once the stage is opened,
    and then only submitted bids. Admins get nothing more than staff."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if is_member(bid.organisation, user):
        return True
    return (bid.stage.opened_at is not None and bid.status == BidStatus.SUBMITTED
            and user.has_role(Role.STAFF, Role.ADMIN, Role.EVALUATOR))


def won_bid_ids(bids: list[Bid]) -> set[int]:
    ids = [b.id for b in bids]
    if not ids:
        return set()
    return set(db.session.scalars(select(Award.bid_id).where(Award.bid_id.in_(ids))))


def record_reading(obj, action: str, **details) -> None:
    """Every reading of sealed content by someone other than the bidder leaves an audit row."""
    audit.record(f"tenders.{action}", obj=obj, details=details)
    db.session.commit()


def bids_of_org_user(user: User) -> list[Bid]:
    orgs = [o.id for o in organisations_of(user)]
    if not orgs:
        return []
    return list(db.session.scalars(select(Bid).where(Bid.organisation_id.in_(orgs)).order_by(Bid.updated_at.desc())))


# --- Opening at the deadline ---------------------------------------------------------------------------

_next_deadline: dict[str, Any] = {"at": None, "checked": None}


def forget_next_deadline() -> None:
    _next_deadline["checked"] = None


def open_stage(stage: Stage, now: datetime | None = None) -> int:
    """At the deadline: drafts and withdrawn bids are destroyed, submitted bids listed at once. Audited."""
    now = now or now_utc()
    if stage.opened_at is not None or as_utc(stage.deadline) > now:
        return 0
    submitted = []
    for bid in db.session.scalars(select(Bid).where(Bid.stage_id == stage.id)).all():
        if bid.status == BidStatus.SUBMITTED:
            submitted.append(bid.id)
            continue
        for document in bid.documents:
            _remove_file(document.storage_key)
        db.session.delete(bid)
    stage.opened_at = now
    audit.record("tenders.stage_opened", obj=stage, council_id=stage.challenge.council_id, actor_role="system",
                 details={"challenge_id": stage.challenge_id, "bids": sorted(submitted)})
    db.session.commit()
    return len(submitted)


def open_due(now: datetime | None = None) -> int:
    now = now or now_utc()
    due = db.session.scalars(select(Stage).join(Challenge).where(
        Challenge.published_at.isnot(None), Stage.opened_at.is_(None), Stage.deadline <= now)).all()
    for stage in due:
        open_stage(stage, now)
    forget_next_deadline()
    return len(due)


def open_due_if_needed(now: datetime | None = None) -> None:
    """The per-request backstop: one query a minute at most, and the opening only when a deadline passed."""
    now = now or now_utc()
    checked = _next_deadline["checked"]
    if checked is None or now - checked > timedelta(minutes=1):
        _next_deadline["at"] = db.session.scalar(select(func.min(Stage.deadline)).join(Challenge).where(
            Challenge.published_at.isnot(None), Stage.opened_at.is_(None)))
        _next_deadline["checked"] = now
    at = _next_deadline["at"]
    if at is not None and as_utc(at) <= now:
        open_due(now)


def submitted_bids(stage: Stage) -> list[Bid]:
    return list(db.session.scalars(select(Bid).where(Bid.stage_id == stage.id, Bid.status == BidStatus.SUBMITTED)
                                   .order_by(Bid.id)))


# --- Clarifications, interest, alerts, partners -------------------------------------------------------

def add_interest(challenge: Challenge, user: User) -> None:
    if db.session.get(ChallengeInterest, (challenge.id, user.id)) is None:
        db.session.add(ChallengeInterest(challenge_id=challenge.id, user_id=user.id))
        db.session.flush()


def interested_users(challenge: Challenge) -> list[User]:
    return list(db.session.scalars(select(User).join(ChallengeInterest, ChallengeInterest.user_id == User.id).where(
        ChallengeInterest.challenge_id == challenge.id)))


def ask_question(challenge: Challenge, user: User, question: str, now: datetime | None = None) -> Clarification:
    now = now or now_utc()
    deadline = clarification_deadline(challenge, now)
    if challenge.published_at is None or deadline is None or now > deadline or \
            stage_state(current_stage(challenge, now), now) != "open":
        raise Refused("clarifications_closed")
    clarification = Clarification(challenge_id=challenge.id, asked_by_id=user.id, question=question, asked_at=now)
    db.session.add(clarification)
    add_interest(challenge, user)
    db.session.commit()
    return clarification


def publish_answer(clarification: Clarification, public_question: str, answer: str, user: User) -> None:
    first = clarification.published_at is None
    clarification.public_question, clarification.answer = public_question, answer
    clarification.published_at = clarification.published_at or now_utc()
    challenge = db.session.get(Challenge, clarification.challenge_id)
    audit.record("tenders.clarification_published", obj=challenge, actor=user,
                 details={"clarification_id": clarification.id})
    db.session.commit()
    if first:
        from app.tenders import notices

        notices.clarification_answered(challenge, clarification, interested_users(challenge))


def clarifications(challenge: Challenge, *, published_only: bool = True, asker: User | None = None):
    query = select(Clarification).where(Clarification.challenge_id == challenge.id)
    if published_only:
        condition = Clarification.published_at.isnot(None)
        if asker is not None:
            condition = or_(condition, Clarification.asked_by_id == asker.id)
        query = query.where(condition)
    return list(db.session.scalars(query.order_by(Clarification.asked_at)))


def add_alert(user: User, cpv: str, min_value: Decimal | None, max_value: Decimal | None) -> Alert:
    alert = Alert(council_id=user.council_id, user_id=user.id, cpv_prefix=rules.cpv_prefix(cpv) if cpv else "",
                  min_value=min_value, max_value=max_value)
    db.session.add(alert)
    db.session.commit()
    return alert


def alerts_of(user: User) -> list[Alert]:
    return list(db.session.scalars(select(Alert).where(Alert.user_id == user.id).order_by(Alert.id)))


def remove_alert(user: User, alert_id: int) -> None:
    db.session.execute(delete(Alert).where(Alert.id == alert_id, Alert.user_id == user.id))
    db.session.commit()


def matching_alert_users(challenge: Challenge) -> list[User]:
    alerts = db.session.scalars(select(Alert).where(Alert.council_id == challenge.council_id)).all()
    ids = {a.user_id for a in alerts if rules.cpv_matches(a.cpv_prefix, challenge.cpv_codes or [])
           and rules.value_matches(challenge.total_budget, a.min_value, a.max_value)}
    if not ids:
        return []
    return list(db.session.scalars(select(User).where(User.id.in_(ids))))


def partner_listings(challenge: Challenge) -> list[PartnerListing]:
    return list(db.session.scalars(select(PartnerListing).where(PartnerListing.challenge_id == challenge.id)
                                   .order_by(PartnerListing.created_at)))


def list_for_partners(challenge: Challenge, org: Organisation, offers: str, needs: str) -> None:
    listing = db.session.scalar(select(PartnerListing).where(PartnerListing.challenge_id == challenge.id,
                                                             PartnerListing.organisation_id == org.id))
    if listing is None:
        listing = PartnerListing(challenge_id=challenge.id, organisation_id=org.id, offers=offers, needs=needs)
        db.session.add(listing)
    listing.offers, listing.needs = offers, needs
    db.session.commit()


def remove_listing(challenge: Challenge, org: Organisation) -> None:
    db.session.execute(delete(PartnerListing).where(PartnerListing.challenge_id == challenge.id,
                                                    PartnerListing.organisation_id == org.id))
    db.session.commit()


def contact_partner(listing: PartnerListing, sender: User, sender_org: Organisation, message: str) -> None:
    from app.tenders import notices

    notices.partner_contact(listing, sender, sender_org, message)
    audit.record("tenders.partner_contacted", obj=listing, actor=sender, council_id=sender.council_id)
    db.session.commit()


# --- Evaluation ------------------------------------------------------------------------------------

def declaration(stage: Stage, evaluator: User) -> ConflictDeclaration | None:
    return db.session.scalar(select(ConflictDeclaration).where(ConflictDeclaration.stage_id == stage.id,
                                                               ConflictDeclaration.evaluator_id == evaluator.id))


def declare(stage: Stage, evaluator: User, has_conflict: bool, details: str) -> None:
    if declaration(stage, evaluator) is not None:
        raise Refused("already_declared")
    db.session.add(ConflictDeclaration(stage_id=stage.id, evaluator_id=evaluator.id, has_conflict=has_conflict,
                                       details=details))
    audit.record("tenders.conflict_declared", obj=stage, actor=evaluator, council_id=evaluator.council_id,
                 details={"has_conflict": has_conflict})
    db.session.commit()


def may_score(stage: Stage, evaluator: User) -> bool:
    found = declaration(stage, evaluator)
    return stage.opened_at is not None and stage.awarded_at is None and found is not None and not found.has_conflict


def sheet_of(bid: Bid, evaluator: User) -> ScoreSheet | None:
    return db.session.scalar(select(ScoreSheet).where(ScoreSheet.bid_id == bid.id,
                                                      ScoreSheet.evaluator_id == evaluator.id))


def save_scores(bid: Bid, evaluator: User, scores: dict[int, tuple[int, str]], submit: bool) -> None:
    if not may_score(bid.stage, evaluator) or bid.status != BidStatus.SUBMITTED:
        raise Refused("may_not_score")
    sheet = sheet_of(bid, evaluator)
    if sheet is None:
        sheet = ScoreSheet(bid_id=bid.id, evaluator_id=evaluator.id)
        db.session.add(sheet)
        db.session.flush()
    if sheet.submitted_at is not None:
        raise Refused("already_submitted")
    by_criterion = {s.criterion_id: s for s in sheet.scores}
    for criterion_id, (score, reason) in scores.items():
        if criterion_id in by_criterion:
            by_criterion[criterion_id].score, by_criterion[criterion_id].reason = score, reason
        else:
            sheet.scores.append(Score(criterion_id=criterion_id, score=score, reason=reason))
    if submit:
        criteria = {c.id for c in bid.stage.challenge.criteria}
        if set(scores) != criteria and {s.criterion_id for s in sheet.scores} != criteria:
            raise Refused("scores_missing")
        sheet.submitted_at = now_utc()
        audit.record("tenders.scores_submitted", obj=bid, actor=evaluator, council_id=evaluator.council_id)
    db.session.commit()


def visible_sheets(bid: Bid, viewer: User) -> list[ScoreSheet]:
    """Other evaluators' submitted sheets: for staff moderating, or an evaluator who has submitted theirs."""
    sheets = list(db.session.scalars(select(ScoreSheet).where(ScoreSheet.bid_id == bid.id,
                                                              ScoreSheet.submitted_at.isnot(None))
                                     .order_by(ScoreSheet.id)))
    if viewer.has_role(Role.STAFF, Role.ADMIN):
        return sheets
    own = sheet_of(bid, viewer)
    if own is None or own.submitted_at is None:
        return []
    return sheets


def moderated(bid: Bid) -> dict[int, ModeratedScore]:
    return {m.criterion_id: m for m in db.session.scalars(select(ModeratedScore).where(ModeratedScore.bid_id == bid.id))}


def moderate(bid: Bid, user: User, scores: dict[int, tuple[int, str]]) -> None:
    if bid.stage.opened_at is None or bid.stage.awarded_at is not None:
        raise Refused("not_in_evaluation")
    if not list(db.session.scalars(select(ScoreSheet.id).where(ScoreSheet.bid_id == bid.id,
                                                                ScoreSheet.submitted_at.isnot(None)))):
        raise Refused("no_scores")
    existing = moderated(bid)
    for criterion_id, (score, reason) in scores.items():
        row = existing.get(criterion_id)
        if row is None:
            db.session.add(ModeratedScore(bid_id=bid.id, criterion_id=criterion_id, score=score, reason=reason,
                                          moderated_by_id=user.id))
        else:
            row.score, row.reason, row.moderated_by_id, row.moderated_at = score, reason, user.id, now_utc()
    audit.record("tenders.scores_moderated", obj=bid, actor=user, council_id=user.council_id)
    db.session.commit()


@dataclass
class RankRow:
    bid: Bid
    total: Decimal
    rank: int
    price: Decimal
    complete: bool
    scores: dict[int, ModeratedScore] = field(default_factory=dict)


def ranking(stage: Stage) -> list[RankRow]:
    weights = {c.id: c.weight for c in stage.challenge.criteria}
    rows = {}
    for bid in submitted_bids(stage):
        final = moderated(bid)
        total = rules.weighted_total({c: m.score for c, m in final.items()}, weights)
        price = parse_price(read_own(bid).get("price", "")) or Decimal(0)
        rows[bid.id] = (bid, total, price, set(final) == set(weights), final)
    ranked = rules.rank([(bid_id, r[1], r[2]) for bid_id, r in rows.items()])
    return [RankRow(rows[r.bid_id][0], r.total, r.rank, rows[r.bid_id][2], rows[r.bid_id][3], rows[r.bid_id][4])
            for r in ranked]


def award_stage(stage: Stage, bid_ids: list[int], user: User, now: datetime | None = None) -> list[Award]:
    now = now or now_utc()
    if stage.opened_at is None or stage.awarded_at is not None:
        raise Refused("not_in_evaluation")
    table = ranking(stage)
    chosen = [r for r in table if r.bid.id in bid_ids]
    if not chosen or len(chosen) != len(set(bid_ids)):
        raise Refused("choose_bids")
    if len(chosen) > stage.award_count:
        raise Refused("too_many", count=stage.award_count)
    if not all(r.complete for r in table):
        raise Refused("not_moderated")
    settings = settings_for(stage.challenge.council_id)
    holidays = [date.fromisoformat(d) for d in settings.bank_holidays or []]
    ends = rules.add_working_days(now.date(), settings.standstill_working_days, holidays)
    awards = []
    for row in chosen:
        award = Award(stage_id=stage.id, bid_id=row.bid.id, amount=row.price, decided_at=now, standstill_ends_on=ends)
        db.session.add(award)
        awards.append(award)
    stage.awarded_at = now
    audit.record("tenders.stage_awarded", obj=stage, actor=user, council_id=user.council_id,
                 details={"bids": sorted(bid_ids), "standstill_ends_on": ends.isoformat()})
    db.session.commit()
    from app.tenders import notices

    notices.award_decided(stage, table, {a.bid_id for a in awards}, ends)
    return awards


def awards_of(stage: Stage) -> list[Award]:
    return list(db.session.scalars(select(Award).where(Award.stage_id == stage.id).order_by(Award.id)))


def make_contract(award: Award, today: date | None = None, *, force: bool = False):
    """After the standstill: the contract record in the open register, through its own service."""
    from app.contracts.models import Procedure
    from app.contracts.services import ContractInput, add_document, create_contract

    today = today or date.today()
    if award.contract_id is not None:
        return None
    if today <= award.standstill_ends_on and not force:
        raise Refused("standstill", ends=award.standstill_ends_on)
    stage = db.session.get(Stage, award.stage_id)
    challenge = stage.challenge
    council = db.session.get(Council, challenge.council_id)
    title = BilingualText.of(challenge.title).en
    contract = create_contract(council, ContractInput(
        title=f"{title} – {stage.kind.value}", description=BilingualText.of(challenge.problem).en,
        team_id=challenge.team_id, procedure=Procedure.CHALLENGE, cpv_codes=list(challenge.cpv_codes or []),
        amount=award.amount, vat_included=False, date_awarded=award.decided_at.date(), date_signed=today,
        start_date=today, end_date=_add_months(today, stage.contract_months) - timedelta(days=1), supplier_ids=[award.bid.organisation_id],
        challenge_id=challenge.id), commit=False)
    award.contract_id = contract.id
    db.session.commit()
    from app.core.web import external_url

    for document in challenge.documents:
        add_document(contract, council, title=document.title, document_type="contractNotice",
                     url=external_url(council, "tenders.challenge_document", challenge_id=challenge.id,
                                      document_id=document.id))
    return contract


def _add_months(start: date, months: int) -> date:
    year, month = divmod(start.month - 1 + months, 12)
    target_year, target_month = start.year + year, month + 1
    import calendar

    return date(target_year, target_month, min(start.day, calendar.monthrange(target_year, target_month)[1]))


def make_due_contracts(today: date | None = None) -> int:
    today = today or date.today()
    made = 0
    for award in db.session.scalars(select(Award).where(Award.contract_id.is_(None),
                                                        Award.standstill_ends_on < today)).all():
        if make_contract(award, today) is not None:
            made += 1
    return made


def bidder_feedback(bid: Bid) -> list[tuple[Criterion, ModeratedScore | None]]:
    final = moderated(bid)
    return [(c, final.get(c.id)) for c in bid.stage.challenge.criteria]


def evaluator_stages(council_id: int) -> list[Stage]:
    return list(db.session.scalars(select(Stage).join(Challenge).where(
        Challenge.council_id == council_id, Stage.opened_at.isnot(None), Stage.awarded_at.is_(None))
        .order_by(Stage.deadline)))
