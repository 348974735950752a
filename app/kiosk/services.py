"""Kiosk devices, one-time sign-in codes, assisted-digital accounts, help requests and
accessibility reports: the domain logic behind app/kiosk/routes.py."""
from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, update

from app.core import audit, tokens
from app.core.models import Council, PollingCard, Role, Team, User, UserRole, VerificationMethod, Ward, as_utc
from app.extensions import db
from app.kiosk.models import AccessibilityReport, HelpAtHomeRequest, HelpStatus, KioskDevice, SignInCode

DEVICE_COOKIE = "cc_kiosk"
DEVICE_COOKIE_DAYS = 400  # browsers cap cookie lifetimes at about this
EMAILED_CODE_LIFETIME = timedelta(minutes=30)
STAFF_CODE_LIFETIME = timedelta(days=14)  # a printed code goes home with the person
POLLING_CARD_LIFETIME_DAYS = 90
# No 0/O, 1/I/L: codes are read off paper and typed by people who may not see well.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_code() -> str:
    """A code such as "K7MX-Q2PD": 8 characters from 31, about 40 bits, typed in two halves."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def device_token_hash(token: str) -> str:
    # The token is 256 random bits: a plain hash is enough, nothing to guess.
    return hashlib.sha256(token.encode()).hexdigest()


# --- Devices ----------------------------------------------------------------------------------

def register_device(council: Council, *, name: str, location: str, address: str, opening_hours: str,
                    team_id: int | None, idle_minutes: int, actor: User) -> tuple[KioskDevice, str]:
    """A new kiosk and the token its cookie carries (returned once, never stored)."""
    token = secrets.token_urlsafe(32)
    device = KioskDevice(council_id=council.id, name=name.strip(), location=location.strip(),
                         address=address.strip(), opening_hours=opening_hours.strip(), team_id=team_id,
                         idle_minutes=idle_minutes, token_hash=device_token_hash(token), registered_by_id=actor.id)
    db.session.add(device)
    db.session.flush()
    audit.record("kiosk.registered", obj=device, actor=actor, details={"name": device.name})
    db.session.commit()
    return device, token


def update_device(device: KioskDevice, *, name: str, location: str, address: str, opening_hours: str,
                  team_id: int | None, idle_minutes: int, actor: User) -> None:
    device.name, device.location, device.address = name.strip(), location.strip(), address.strip()
    device.opening_hours, device.team_id, device.idle_minutes = opening_hours.strip(), team_id, idle_minutes
    audit.record("kiosk.updated", obj=device, actor=actor)
    db.session.commit()


def revoke_device(device: KioskDevice, actor: User) -> None:
    device.revoked_at = datetime.now(timezone.utc)
    audit.record("kiosk.revoked", obj=device, actor=actor)
    db.session.commit()


def device_for_token(council: Council, token: str | None) -> KioskDevice | None:
    if not token:
        return None
    return db.session.scalars(select(KioskDevice).where(
        KioskDevice.council_id == council.id, KioskDevice.token_hash == device_token_hash(token),
        KioskDevice.revoked_at.is_(None))).first()


def devices(council: Council, *, include_revoked: bool = False) -> list[KioskDevice]:
    query = select(KioskDevice).where(KioskDevice.council_id == council.id)
    if not include_revoked:
        query = query.where(KioskDevice.revoked_at.is_(None))
    return list(db.session.scalars(query.order_by(KioskDevice.location, KioskDevice.name)))


def ask_for_help(device: KioskDevice) -> bool:
    """Mark the kiosk as asking for help; tell its location's staff once. False if already asking."""
    from app.kiosk.notices import tell_staff_help_wanted

    if device.help_requested_at is not None:
        return False
    device.help_requested_at = datetime.now(timezone.utc)
    db.session.commit()
    tell_staff_help_wanted(device)
    return True


def help_given(device: KioskDevice, actor: User) -> None:
    device.help_requested_at = None
    audit.record("kiosk.help_given", obj=device, actor=actor)
    db.session.commit()


def asking_for_help(council: Council) -> list[KioskDevice]:
    return list(db.session.scalars(select(KioskDevice).where(
        KioskDevice.council_id == council.id, KioskDevice.revoked_at.is_(None),
        KioskDevice.help_requested_at.is_not(None)).order_by(KioskDevice.help_requested_at)))


# --- One-time sign-in codes -------------------------------------------------------------------

class CodeRefusal(str, enum.Enum):
    WRONG = "wrong"
    USED = "used"
    EXPIRED = "expired"


@dataclass
class CodeOutcome:
    user: User | None = None
    refusal: CodeRefusal | None = None
    first_time: bool = False  # a polling card made a new account


def issue_code(user: User, *, actor: User | None, checked: str | None = None) -> str:
    """A fresh code for `user`: from staff who confirmed who they are (actor, and how: `checked`),
    or to be emailed (actor None). An earlier unused code of the same kind stops working; an
    emailed request never cancels a printed code (anyone can ask for an email)."""
    now = datetime.now(timezone.utc)
    same_kind = SignInCode.issued_by_id.is_not(None) if actor is not None else SignInCode.issued_by_id.is_(None)
    db.session.execute(update(SignInCode).where(SignInCode.user_id == user.id, SignInCode.used_at.is_(None),
                                                SignInCode.expires_at > now, same_kind).values(expires_at=now)
                       .execution_options(synchronize_session=False))
    code = new_code()
    lifetime = STAFF_CODE_LIFETIME if actor is not None else EMAILED_CODE_LIFETIME
    db.session.add(SignInCode(council_id=user.council_id, user_id=user.id, code_hash=tokens.code_hash(code, "kiosk"),
                              issued_by_id=actor.id if actor else None, expires_at=now + lifetime))
    if actor is not None:
        audit.record("kiosk.code_issued", obj=user, actor=actor, details={"identity_checked_by": checked})
    else:  # asked for at a kiosk by someone who typed the address: not necessarily the person
        audit.record("kiosk.code_emailed", obj=user, actor_role="anonymous", council_id=user.council_id)
    db.session.commit()
    return code


def sign_in_with_code(council: Council, code: str, device: KioskDevice | None) -> CodeOutcome:
    """Spend a one-time code: a sign-in code first, then a polling card. Each is claimed by one
    UPDATE that only succeeds on an unused, unexpired code, so two kiosks cannot both spend it."""
    code = (code or "").strip()
    if len(code.replace("-", "").replace(" ", "")) < 6:
        return CodeOutcome(refusal=CodeRefusal.WRONG)
    now = datetime.now(timezone.utc)
    where = {"device_id": device.id if device else None}
    issued = db.session.scalars(select(SignInCode).where(
        SignInCode.council_id == council.id, SignInCode.code_hash == tokens.code_hash(code, "kiosk"))
        .order_by(SignInCode.id.desc())).first()
    if issued is not None:
        if issued.used_at is not None:
            return CodeOutcome(refusal=CodeRefusal.USED)
        if as_utc(issued.expires_at) <= now:
            return CodeOutcome(refusal=CodeRefusal.EXPIRED)
        user = db.session.get(User, issued.user_id)
        if user is None or user.deleted_at is not None or user.needs_two_factor:
            return CodeOutcome(refusal=CodeRefusal.WRONG)  # staff sign in with two factors, never a code
        spent = db.session.execute(update(SignInCode).where(
            SignInCode.id == issued.id, SignInCode.used_at.is_(None), SignInCode.expires_at > now)
            .values(used_at=now).execution_options(synchronize_session=False)).rowcount
        if spent != 1:
            db.session.rollback()
            return CodeOutcome(refusal=CodeRefusal.USED)
        audit.record("kiosk.signed_in_with_code", obj=user, actor=user, details=where)
        db.session.commit()
        return CodeOutcome(user=user)
    card = db.session.scalars(select(PollingCard).where(
        PollingCard.council_id == council.id, PollingCard.code_hash == tokens.code_hash(code))).first()
    if card is None:
        return CodeOutcome(refusal=CodeRefusal.WRONG)
    if card.used_at is not None:
        return CodeOutcome(refusal=CodeRefusal.USED)
    if card.expires_at is not None and as_utc(card.expires_at) <= now:
        return CodeOutcome(refusal=CodeRefusal.EXPIRED)
    spent = db.session.execute(update(PollingCard).where(
        PollingCard.id == card.id, PollingCard.used_at.is_(None),
        PollingCard.expires_at.is_(None) | (PollingCard.expires_at > now)).values(used_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if spent != 1:
        db.session.rollback()
        return CodeOutcome(refusal=CodeRefusal.USED)
    # The card's person, with an account of their own: no email and no password; verified as a
    # resident of the card's ward, since the code came in a letter to their address.
    user = User(council_id=council.id, email=None, display_name=card.name[:120], ward_id=card.ward_id,
                verified_at=now, verification_method=VerificationMethod.POLLING_CARD)
    user.role_rows = [UserRole(role=Role.RESIDENT)]
    db.session.add(user)
    db.session.flush()
    card.used_by_id = user.id
    audit.record("kiosk.signed_in_with_polling_card", obj=user, actor=user, details=where)
    db.session.commit()
    return CodeOutcome(user=user, first_time=True)


def create_assisted_account(council: Council, *, name: str, ward: Ward, email: str | None, actor: User) -> User:
    """An account made by staff for a resident beside them (who may have no email): identity and
    address seen by staff, so the account is verified."""
    from app.auth.services import EmailTaken, normalise_email

    now = datetime.now(timezone.utc)
    address = normalise_email(email) if email else None
    if address and db.session.scalar(select(func.count()).select_from(User).where(
            User.council_id == council.id, User.email == address)):
        raise EmailTaken(address)
    user = User(council_id=council.id, email=address, display_name=name.strip()[:120], ward_id=ward.id,
                verified_at=now, verification_method=VerificationMethod.STAFF)
    user.role_rows = [UserRole(role=Role.RESIDENT)]
    db.session.add(user)
    db.session.flush()
    audit.record("account.created_by_staff", obj=user, actor=actor, details={"has_email": address is not None})
    db.session.commit()
    return user


def import_letters(council: Council, text: str, actor: User, *, valid_days: int,
                   messages: dict[str, str]) -> tuple[list[dict], list]:
    """Polling cards from a register extract without codes (name, address, ward): a code is made
    for each, kept only as a hash, and returned once for the letters. All or nothing.
    Returns ([{name, address, ward, code, expires}], [(row, column, message)])."""
    import csv
    import io

    wards = {key: ward for ward in db.session.scalars(select(Ward).where(Ward.council_id == council.id))
             for key in (ward.code.lower(), ward.name.lower())}
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("name", "address", "ward") if c not in header]
    if missing:
        return [], [(1, column, messages["missing_column"]) for column in missing]
    expires = datetime.now(timezone.utc) + timedelta(days=valid_days)
    # One card per person: a second card for the same register line would be a second account,
    # and a second vote.
    held = {(name.strip().lower(), address.strip().lower(), ward_id) for name, address, ward_id in db.session.execute(
        select(PollingCard.name, PollingCard.address, PollingCard.ward_id).where(PollingCard.council_id == council.id))}
    letters, cards, errors = [], [], []
    for number, raw in enumerate(reader, start=2):
        if number - 1 > 20_000:
            errors.append((number, "", messages["too_many_rows"]))
            break
        values = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if not any(values.values()):
            continue
        for column in ("name", "address", "ward"):
            if not values.get(column):
                errors.append((number, column, messages["required"]))
        ward = wards.get(values.get("ward", "").lower())
        if values.get("ward") and ward is None:
            errors.append((number, "ward", messages["unknown_ward"]))
        person = (values.get("name", "").lower(), values.get("address", "").lower(), ward.id if ward else None)
        if ward is not None and person in held:
            errors.append((number, "name", messages["duplicate_person"]))
        held.add(person)
        if errors:
            continue
        code = new_code()
        cards.append(PollingCard(council_id=council.id, ward_id=ward.id, name=values["name"][:200],
                                 address=values["address"], code_hash=tokens.code_hash(code), expires_at=expires))
        letters.append({"name": values["name"][:200], "address": values["address"], "ward": ward.name,
                        "code": code, "expires": expires})
    if errors:
        return [], errors
    db.session.add_all(cards)
    audit.record("polling_cards.letters_made", object_type="council", object_id=council.id, actor=actor,
                 council_id=council.id, details={"cards": len(cards), "valid_days": valid_days})
    db.session.commit()
    return letters, []


# --- Help at home -----------------------------------------------------------------------------

def request_help_at_home(council: Council, *, name: str, phone: str, email: str, address: str,
                         ward_id: int | None, needs: str, best_times: str, user: User | None) -> HelpAtHomeRequest:
    from app.kiosk.notices import tell_staff_help_at_home

    req = HelpAtHomeRequest(council_id=council.id, user_id=user.id if user else None, name=name.strip(),
                            phone=phone.strip(), email=email.strip(), address=address.strip(), ward_id=ward_id,
                            needs=needs.strip(), best_times=best_times.strip())
    db.session.add(req)
    db.session.commit()
    tell_staff_help_at_home(req)
    return req


def update_help_at_home(req: HelpAtHomeRequest, *, status: HelpStatus, note: str, actor: User) -> None:
    before = req.status
    req.status, req.staff_note = status, note.strip()
    req.handled_by_id, req.updated_at = actor.id, datetime.now(timezone.utc)
    audit.record("help_at_home.updated", obj=req, actor=actor,
                 details={"from": before.value, "to": status.value})
    db.session.commit()


def help_at_home_queue(council: Council, *, open_only: bool = True):
    query = select(HelpAtHomeRequest).where(HelpAtHomeRequest.council_id == council.id)
    if open_only:
        query = query.where(HelpAtHomeRequest.status.in_([HelpStatus.NEW, HelpStatus.ARRANGED]))
    return query.order_by(HelpAtHomeRequest.created_at)


def purge_help_at_home(council_id: int, cutoff: datetime) -> int:
    """Closed requests hold people's addresses and needs: gone after the retention period."""
    from sqlalchemy import delete

    return db.session.execute(delete(HelpAtHomeRequest).where(
        HelpAtHomeRequest.council_id == council_id,
        HelpAtHomeRequest.status.in_([HelpStatus.DONE, HelpStatus.CANCELLED]),
        HelpAtHomeRequest.updated_at < cutoff)).rowcount


# --- Accessibility feedback -------------------------------------------------------------------

def report_accessibility_problem(council: Council, *, page: str, problem: str, assistive_technology: str,
                                 reply_to: str) -> AccessibilityReport:
    from app.kiosk.notices import tell_staff_accessibility_report

    report = AccessibilityReport(council_id=council.id, page=page.strip()[:500], problem=problem.strip(),
                                 assistive_technology=assistive_technology.strip()[:200],
                                 reply_to=reply_to.strip()[:254])
    db.session.add(report)
    db.session.commit()
    tell_staff_accessibility_report(report)
    return report


def resolve_accessibility_report(report: AccessibilityReport, *, note: str, actor: User) -> None:
    report.resolved_at, report.resolved_by_id, report.staff_note = datetime.now(timezone.utc), actor.id, note.strip()
    audit.record("accessibility_report.resolved", obj=report, actor=actor)
    db.session.commit()


def staff_of(council_id: int, team_id: int | None) -> list[User]:
    """Who is told: the team at the kiosk's location, or, when it has none, the council's staff."""
    if team_id is not None:
        team = db.session.get(Team, team_id)
        members = [u for u in (team.members if team else []) if u.deleted_at is None and u.has_role(Role.STAFF, Role.ADMIN)]
        if members:
            return members
    return list(db.session.scalars(select(User).join(UserRole).where(
        User.council_id == council_id, User.deleted_at.is_(None), UserRole.role.in_([Role.STAFF, Role.ADMIN]))
        .distinct()))
