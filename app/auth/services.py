"""Accounts: the writes behind sign-up, sign-in, reset, ward, deletion and data download."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from app.core import audit, tokens
from app.core.access import active_user
from app.core.models import (AuditEntry, Council, Organisation, PollingCard, Role, User, UserRole,
                             VerificationMethod, Ward, WardPostcode)
from app.core.postcodes import normalise_postcode
from app.core.registry import account_erasers, personal_data_exporters
from app.extensions import db


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_COST"])


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(user: User | None, password: str) -> bool:
    hasher = _hasher()
    if user is None or not user.password_hash:
        # Spend the same time as a real check, so response time does not reveal who has an account.
        try:
            hasher.verify(_dummy_hash(), password + "x")
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    cache = current_app.extensions.setdefault("cc_dummy_hash", {})
    if "hash" not in cache:
        cache["hash"] = hash_password("not-a-real-password")
    return cache["hash"]


def find_user(council: Council, email: str) -> User | None:
    return db.session.scalars(select(User).where(
        User.council_id == council.id, User.email == normalise_email(email), User.deleted_at.is_(None))).first()


def email_taken(council: Council, email: str) -> bool:
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.council_id == council.id, User.email == normalise_email(email))) > 0


def create_account(council: Council, *, email: str, display_name: str, password: str, language: str = "en",
                   share_with_councillors: bool = False, contact_for_research: bool = False,
                   roles: tuple[Role, ...] = (Role.RESIDENT,)) -> User:
    user = User(council_id=council.id, email=normalise_email(email), display_name=display_name.strip(),
                password_hash=hash_password(password), language=language,
                share_with_councillors=share_with_councillors, contact_for_research=contact_for_research)
    user.role_rows = [UserRole(role=r) for r in roles]
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as error:  # the same sign-up sent twice, or a race for one address
        db.session.rollback()
        raise EmailTaken(email) from error
    audit.record("account.created", obj=user, actor=user)
    db.session.commit()
    return user


class EmailTaken(ValueError):
    pass


# Reset tokens carry the session version, so they stop working once used.
def make_reset_token(user: User) -> str:
    return tokens.sign("reset", {"id": user.id, "v": user.session_version})


def user_from_reset_token(council: Council, token: str) -> User | None:
    data = tokens.unsign("reset", token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"]) or {}
    user = active_user(council, data.get("id"))
    if user is None or user.session_version != data.get("v"):
        return None
    return user


def reset_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.session_version += 1  # signs out other sessions and spends the reset link
    audit.record("account.password_reset", obj=user, actor=user)
    db.session.commit()


def make_confirm_token(user: User) -> str:
    return tokens.sign("confirm", {"id": user.id, "email": user.email})


def confirm_email(council: Council, token: str) -> User | None:
    data = tokens.unsign("confirm", token, max_age=current_app.config["EMAIL_CONFIRM_MAX_AGE"]) or {}
    user = active_user(council, data.get("id"))
    if user is None or user.email != data.get("email"):
        return None
    if user.email_confirmed_at is None:
        now = datetime.now(timezone.utc)
        user.email_confirmed_at = now
        if user.verified_at is None:
            user.verified_at = now
            user.verification_method = VerificationMethod.EMAIL
        audit.record("account.email_confirmed", obj=user, actor=user)
        db.session.commit()
    return user


def wards_for_postcode(council: Council, raw_postcode: str) -> list[Ward] | None:
    """Wards the postcode lies in (two when it straddles a boundary); None if not a postcode."""
    postcode = normalise_postcode(raw_postcode)
    if postcode is None:
        return None
    return list(db.session.scalars(
        select(Ward).join(WardPostcode, WardPostcode.ward_id == Ward.id)
        .where(Ward.council_id == council.id, WardPostcode.postcode == postcode).order_by(Ward.name)))


def council_wards(council: Council) -> list[Ward]:
    return list(db.session.scalars(select(Ward).where(Ward.council_id == council.id).order_by(Ward.name)))


def set_ward(user: User, ward: Ward) -> None:
    if ward.council_id != user.council_id:
        raise ValueError("ward belongs to another council")
    if user.ward_id != ward.id and user.verification_method in (VerificationMethod.POLLING_CARD,
                                                                VerificationMethod.STAFF):
        # Those checks said where the person lives: a move needs a new one.
        user.verified_at = None
        user.verification_method = None
    user.ward_id = ward.id
    db.session.commit()


def update_account(user: User, **fields: Any) -> None:
    for name in ("display_name", "language", "date_of_birth", "share_with_councillors", "contact_for_research"):
        if name in fields:
            setattr(user, name, fields[name])
    db.session.commit()


def export_personal_data(user: User) -> dict[str, Any]:
    """Everything held about the person, for "download my data"; modules add their parts."""
    orgs = db.session.scalars(select(Organisation).where(Organisation.members.contains(user))).all()
    audit_rows = db.session.scalars(select(AuditEntry).where(
        (AuditEntry.actor_id == user.id) |
        ((AuditEntry.object_type == "User") & (AuditEntry.object_id == str(user.id))))
        .order_by(AuditEntry.seq)).all()
    data: dict[str, Any] = {
        "account": {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "language": user.language,
            "ward": {"name": user.ward.name, "code": user.ward.code} if user.ward else None,
            "date_of_birth": user.date_of_birth.isoformat() if user.date_of_birth else None,
            "share_with_councillors": user.share_with_councillors,
            "contact_for_research": user.contact_for_research,
            "email_confirmed_at": _iso(user.email_confirmed_at),
            "verified_at": _iso(user.verified_at),
            "verification_method": user.verification_method.value if user.verification_method else None,
            "created_at": _iso(user.created_at),
            "roles": sorted(r.value for r in user.roles),
            "teams": sorted(t.name for t in user.teams),
        },
        "organisations": [{"name": o.name, "company_number": o.company_number,
                           "charity_number": o.charity_number} for o in orgs],
        "audit_log_about_you": [{"when": _iso(a.at), "action": a.action, "by_you": a.actor_id == user.id}
                                for a in audit_rows],
    }
    for key, value in personal_data_exporters.collect(user):
        data[key] = value
    return data


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def delete_account(user: User) -> None:
    """Tombstone: personal fields erased, the id kept so votes and audit rows stay consistent."""
    account_erasers.collect(user)
    audit.record("account.deleted", obj=user, actor=user)
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.display_name = "—"
    user.password_hash = None
    user.date_of_birth = None
    user.ward_id = None
    user.share_with_councillors = False
    user.contact_for_research = False
    user.deleted_at = datetime.now(timezone.utc)
    user.session_version += 1
    user.role_rows = []
    user.teams = []
    for org in db.session.scalars(select(Organisation).where(Organisation.members.contains(user))):
        org.members.remove(user)
    db.session.commit()


# --- Two-factor sign-in (TOTP, RFC 6238) with one-time recovery codes -------------------------
import secrets  # noqa: E402
import time  # noqa: E402

import pyotp  # noqa: E402

from app.core.models import RecoveryCode  # noqa: E402

RECOVERY_CODES = 10


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def check_totp(user: User, code: str) -> bool:
    """A code from this or the neighbouring 30-second step, never one already used."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    secret = user.totp_secret
    if not secret or len(code) != 6:
        return False
    totp = pyotp.TOTP(secret)
    now_step = int(time.time()) // 30
    for step in (now_step - 1, now_step, now_step + 1):
        if secrets.compare_digest(totp.at(step * 30), code):
            # Claim the step in one UPDATE, so a replayed or simultaneous second use fails.
            claimed = db.session.execute(update(User).where(
                User.id == user.id, (User.last_totp_step.is_(None)) | (User.last_totp_step < step))
                .values(last_totp_step=step)).rowcount
            db.session.commit()
            db.session.refresh(user)
            return claimed == 1
    return False


def _hash_code(code: str) -> str:
    return tokens.code_hash(code)


def pending_totp_secret(user: User) -> str:
    if not user.totp_secret:
        user.totp_secret = new_totp_secret()
        db.session.commit()
    return user.totp_secret


def confirm_totp(user: User, code: str) -> list[str] | None:
    """Turn two-factor on once the person shows a working code; return fresh recovery codes."""
    if not user.totp_secret or not check_totp(user, code):
        return None
    user.totp_confirmed_at = datetime.now(timezone.utc)
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    for code_text in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_code(code_text)))
    audit.record("account.two_factor_enabled", obj=user, actor=user)
    db.session.commit()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    # One UPDATE that only succeeds on an unused code: two requests cannot both spend it.
    spent = db.session.execute(update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_code(code or ""),
        RecoveryCode.used_at.is_(None)).values(used_at=datetime.now(timezone.utc))).rowcount
    if spent != 1:
        db.session.rollback()
        return False
    audit.record("account.recovery_code_used", obj=user, actor=user)
    db.session.commit()
    return True


SECOND_FACTOR_LOCK_AFTER = 10
SECOND_FACTOR_LOCK_FOR = timedelta(minutes=15)


def second_factor_locked(user: User) -> bool:
    until = user.second_factor_locked_until
    if until is None:
        return False
    if until.tzinfo is None:  # SQLite hands back naive UTC
        until = until.replace(tzinfo=timezone.utc)
    return until > datetime.now(timezone.utc)


def record_failed_second_factor(user: User) -> None:
    """The rate limit slows guessing; ten wrong codes in a row stop it for a while, and say so."""
    user.second_factor_failures = (user.second_factor_failures or 0) + 1
    audit.record("account.second_factor_failed", obj=user, actor=user)
    if user.second_factor_failures >= SECOND_FACTOR_LOCK_AFTER:
        user.second_factor_failures = 0
        user.second_factor_locked_until = datetime.now(timezone.utc) + SECOND_FACTOR_LOCK_FOR
        audit.record("account.second_factor_locked", obj=user, actor=user)
    db.session.commit()


def record_second_factor_success(user: User) -> None:
    if user.second_factor_failures:
        user.second_factor_failures = 0
        db.session.commit()



def purge_unconfirmed_accounts(council_id: int, cutoff: datetime) -> int:
    """Accounts whose email was never confirmed and that hold no role beyond resident."""
    stale = db.session.scalars(select(User).where(
        User.council_id == council_id, User.email_confirmed_at.is_(None), User.verified_at.is_(None),
        User.deleted_at.is_(None), User.created_at < cutoff)).all()
    purged = 0
    for user in stale:
        if user.roles <= {Role.RESIDENT}:
            delete_account(user)
            purged += 1
    return purged


# --- Polling cards: an extract of the electoral register, to verify residents of a ward ---------

POLLING_CARD_COLUMNS = ["name", "address", "ward", "code"]
POLLING_CARD_MAX_ROWS = 100_000


def import_polling_cards(council: Council, text: str, actor: User, messages: dict[str, str]) -> tuple[int, list]:
    """Add the cards in a CSV (name, address, ward code or name, the code printed on the card).
    Every row is checked and nothing is saved unless every row is right; `messages` holds the
    translated texts. Returns (cards added, [(row, column, message)])."""
    wards = {key: ward.id for ward in db.session.scalars(select(Ward).where(Ward.council_id == council.id))
             for key in (ward.code.lower(), ward.name.lower())}
    held = set(db.session.scalars(select(PollingCard.code_hash).where(PollingCard.council_id == council.id)))
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in POLLING_CARD_COLUMNS if c not in header]
    if missing:
        return 0, [(1, column, messages["missing_column"]) for column in missing]
    cards, errors, seen = [], [], set()
    for number, raw in enumerate(reader, start=2):
        if number - 1 > POLLING_CARD_MAX_ROWS:
            errors.append((number, "", messages["too_many_rows"]))
            break
        values = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if not any(values.values()):
            continue
        for column in POLLING_CARD_COLUMNS:
            if not values.get(column):
                errors.append((number, column, messages["required"]))
        ward_id = wards.get(values.get("ward", "").lower())
        if values.get("ward") and ward_id is None:
            errors.append((number, "ward", messages["unknown_ward"]))
        code = values.get("code", "")
        if code and not (6 <= len(code.replace("-", "").replace(" ", "")) <= 20):
            errors.append((number, "code", messages["code_length"]))
        code_hash = _hash_code(code)
        if code and (code_hash in held or code_hash in seen):
            errors.append((number, "code", messages["duplicate_code"]))
        seen.add(code_hash)
        cards.append(PollingCard(council_id=council.id, ward_id=ward_id, name=values.get("name", "")[:200],
                                 address=values.get("address", ""), code_hash=code_hash))
    if errors:
        return 0, errors
    db.session.add_all(cards)
    audit.record("polling_cards.imported", object_type="council", object_id=council.id, actor=actor,
                 council_id=council.id, details={"cards": len(cards)})
    db.session.commit()
    return len(cards), []


def polling_card_counts(council: Council) -> tuple[int, int]:
    """(cards held, cards used)."""
    held, used = db.session.execute(select(func.count(PollingCard.id), func.count(PollingCard.used_at)).where(
        PollingCard.council_id == council.id)).one()
    return held, used


def verify_with_polling_card(user: User, code: str) -> bool:
    """Verify the person as a resident of their ward with the code on their polling card: an
    unused card of that ward. One UPDATE claims it, so a card verifies one account only."""
    if user.ward_id is None or not code.strip():
        return False
    now = datetime.now(timezone.utc)
    claimed = db.session.execute(update(PollingCard).where(
        PollingCard.council_id == user.council_id, PollingCard.ward_id == user.ward_id,
        PollingCard.code_hash == _hash_code(code), PollingCard.used_at.is_(None),
        PollingCard.expires_at.is_(None) | (PollingCard.expires_at > now))
        .values(used_at=now, used_by_id=user.id).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        db.session.rollback()
        return False
    user.verified_at = now
    user.verification_method = VerificationMethod.POLLING_CARD
    audit.record("account.verified_by_polling_card", obj=user, actor=user)
    db.session.commit()
    return True


def _forget_polling_card(user: User) -> None:
    """A deleted account lets go of its card (the register line stays: it is the council's)."""
    db.session.execute(update(PollingCard).where(PollingCard.used_by_id == user.id).values(used_by_id=None))


account_erasers.register("polling_cards", _forget_polling_card)
