"""A realistic demo council for `make run`: six wards, thirty named accounts, 600 residents."""
from __future__ import annotations

import random
from datetime import datetime, timezone

from sqlalchemy import select

from app.core.models import (Council, CouncillorProfile, Organisation, Role, SizeBand, Team, User, UserRole,
                             VerificationMethod, Ward, WardPostcode)
from app.extensions import db

DEMO_SLUG = "glanrafon"
DEMO_PASSWORD = "council-demo-2026"
# Demo staff accounts share this authenticator key (never do this for real accounts):
# `flask demo-code` prints the current six-digit code.
DEMO_TOTP_SECRET = "GLANRAFONDEMOKEYGLANRAFONDEMOKEY"

WARDS = [
    # name, ONS-style code, population, postcode district
    ("Afon", "W05099901", 6120, "CC1"),
    ("Bryn Glas", "W05099902", 5480, "CC2"),
    ("Castell", "W05099903", 7310, "CC3"),
    ("Dyffryn", "W05099904", 4890, "CC4"),
    ("Glan-y-môr", "W05099905", 6650, "CC5"),
    ("Pen-y-bont", "W05099906", 5210, "CC6"),
]
# This postcode straddles the Afon / Bryn Glas boundary: people there choose their ward.
STRADDLING_POSTCODE = "CC1 9ZZ"

# email, display name, roles, ward index (or None), language, team
NAMED_ACCOUNTS = [
    ("admin@example.org", "Alys Admin", (Role.ADMIN, Role.STAFF), None, "en", "Digital Services"),
    ("moderator@example.org", "Mo Moderator", (Role.MODERATOR,), None, "en", None),
    # A second moderator: an appeal is always decided by someone other than who hid the content.
    ("moderator2@example.org", "Meinir Cymedrolwr", (Role.MODERATOR,), None, "cy", None),
    ("staff.planning@example.org", "Sam Planning", (Role.STAFF,), None, "en", "Planning and Regeneration"),
    ("staff.planning2@example.org", "Siân Cynllunio", (Role.STAFF,), None, "cy", "Planning and Regeneration"),
    ("staff.procurement@example.org", "Priya Procurement", (Role.STAFF,), None, "en", "Finance and Procurement"),
    ("staff.procurement2@example.org", "Pete Purchasing", (Role.STAFF,), None, "en", "Finance and Procurement"),
    ("caseworker1@example.org", "Cerys Caseworker", (Role.CASEWORKER,), None, "cy", "Early Help"),
    ("caseworker2@example.org", "Carl Caseworker", (Role.CASEWORKER,), None, "en", "Early Help"),
    ("evaluator1@example.org", "Eve Evaluator", (Role.EVALUATOR,), None, "en", "Finance and Procurement"),
    ("evaluator2@example.org", "Emyr Gwerthuso", (Role.EVALUATOR,), None, "cy", "Finance and Procurement"),
    ("resident@example.org", "Rhys Resident", (Role.RESIDENT,), 0, "en", None),
    ("preswylydd@example.org", "Nia Preswylydd", (Role.RESIDENT,), 1, "cy", None),
    ("resident.castell@example.org", "Ray Castell", (Role.RESIDENT,), 2, "en", None),
    ("resident.dyffryn@example.org", "Dilys Dyffryn", (Role.RESIDENT,), 3, "en", None),
    ("resident.glan@example.org", "Gwen Glan", (Role.RESIDENT,), 4, "cy", None),
    ("supplier.micro@example.org", "Mari Micro", (Role.RESIDENT, Role.SUPPLIER), 5, "en", None),
    ("supplier.charity@example.org", "Chris Charity", (Role.SUPPLIER,), None, "en", None),
    ("supplier.medium@example.org", "Morgan Medium", (Role.SUPPLIER,), None, "en", None),
]
COUNCILLOR_NAMES = [
    "Bethan Ellis", "Owen Price", "Huw Jenkins", "Sarah Lloyd", "Gareth Rees", "Ffion Morgan",
    "David Hughes", "Elin Parry", "Tom Evans", "Catrin Davies", "Rob Phillips", "Megan Thomas",
]
ORGANISATIONS = [
    ("Afon Digital Ltd", "12345678", None, SizeBand.MICRO, False, "supplier.micro@example.org"),
    ("Glanrafon Community Transport", None, "1188776", SizeBand.SMALL, True, "supplier.charity@example.org"),
    ("Castell Facilities Services Ltd", "87654321", None, SizeBand.MEDIUM, False, "supplier.medium@example.org"),
]
FIRST = ["Aled", "Bethan", "Ceri", "Dafydd", "Eleri", "Ffion", "Gethin", "Hannah", "Iwan", "Jess", "Kai", "Lowri",
         "Mohammed", "Nerys", "Oliver", "Poppy", "Rhian", "Sion", "Tegan", "Zara"]
LAST = ["Jones", "Williams", "Davies", "Evans", "Thomas", "Roberts", "Hughes", "Lewis", "Morgan", "Griffiths",
        "Khan", "Patel", "Smith", "Brown", "Walker", "Price"]


def demo_sign_ins() -> list[tuple[str, str]]:
    rows = [(email, "/".join(r.value for r in roles)) for email, _n, roles, *_ in NAMED_ACCOUNTS]
    rows += [(f"cllr.{i + 1}@example.org", "councillor") for i in range(len(COUNCILLOR_NAMES))]
    return rows


def load_demo(seed: int = 2026) -> bool:
    """Create the demo council once; return False when it is already there."""
    if db.session.scalar(select(Council).where(Council.slug == DEMO_SLUG)) is not None:
        return False
    from app.auth.services import hash_password

    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    council = Council(slug=DEMO_SLUG, name_en="Glanrafon County Borough Council",
                      name_cy="Cyngor Bwrdeistref Sirol Glanrafon", host_names="localhost 127.0.0.1",
                      is_default=True, contact_email="hello@glanrafon.example.org", contact_phone="01632 960000",
                      contact_address="Civic Centre, Stryd Fawr, Glanrafon CC1 1AA")
    db.session.add(council)
    db.session.flush()
    wards = []
    for name, code, population, district in WARDS:
        ward = Ward(council_id=council.id, name=name, code=code, population=population)
        db.session.add(ward)
        db.session.flush()
        for sector in range(1, 6):
            db.session.add(WardPostcode(ward_id=ward.id, postcode=f"{district} {sector}AA"))
            db.session.add(WardPostcode(ward_id=ward.id, postcode=f"{district} {sector}AB"))
        wards.append(ward)
    db.session.add(WardPostcode(ward_id=wards[0].id, postcode=STRADDLING_POSTCODE))
    db.session.add(WardPostcode(ward_id=wards[1].id, postcode=STRADDLING_POSTCODE))

    teams: dict[str, Team] = {}
    password_hash = hash_password(DEMO_PASSWORD)  # one hash: argon2 is slow on purpose

    def person(email, name, roles, ward, language, verified=True):
        user = User(council_id=council.id, email=email, display_name=name, password_hash=password_hash,
                    language=language, ward_id=ward.id if ward else None,
                    email_confirmed_at=now if verified else None, verified_at=now if verified else None,
                    verification_method=VerificationMethod.EMAIL if verified else None)
        user.role_rows = [UserRole(role=r) for r in roles]
        if user.needs_two_factor:
            user.totp_secret = DEMO_TOTP_SECRET
            user.totp_confirmed_at = now
        db.session.add(user)
        return user

    by_email = {}
    for email, name, roles, ward_index, language, team_name in NAMED_ACCOUNTS:
        user = person(email, name, roles, None if ward_index is None else wards[ward_index], language)
        by_email[email] = user
        if team_name:
            team = teams.get(team_name) or Team(council_id=council.id, name=team_name)
            teams[team_name] = team
            team.members.append(user)
            db.session.add(team)
    parties = ["Plaid Cymru", "Labour", "Independent", "Liberal Democrats", "Conservative", "Green"]
    for i, name in enumerate(COUNCILLOR_NAMES):
        councillor = person(f"cllr.{i + 1}@example.org", f"Cllr {name}", (Role.COUNCILLOR,), wards[i // 2],
                            "cy" if i % 3 == 0 else "en")
        db.session.flush()
        ward_name = wards[i // 2].name
        # Some profiles have no Welsh yet, so the fallback note shows in the demo.
        bio = {"en": f"I have lived in {ward_name} for {10 + i} years. Ask me about parks, buses and schools.",
               "cy": f"Rydw i wedi byw yn {ward_name} ers {10 + i} mlynedd. Gofynnwch i mi am barciau, bysiau ac ysgolion."
               if i % 2 == 0 else ""}
        db.session.add(CouncillorProfile(user_id=councillor.id, ward_id=wards[i // 2].id,
                                         party=parties[i % len(parties)],
                                         public_email=f"cllr.{i + 1}@glanrafon.example.org",
                                         phone=f"01632 96{i:04d}",
                                         interests_url=f"https://glanrafon.example.org/councillors/{i + 1}/interests",
                                         bio=bio))

    for name, company, charity, band, vcse, member in ORGANISATIONS:
        org = Organisation(council_id=council.id, name=name, company_number=company, charity_number=charity,
                           size_band=band, is_vcse=vcse)
        org.members.append(by_email[member])
        db.session.add(org)

    # 600 generated residents give realistic counts; they cannot sign in (no password).
    for i in range(600):
        ward = wards[rng.randrange(len(wards))]
        user = User(council_id=council.id, email=f"resident{i + 1:04d}@generated.invalid",
                    display_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", password_hash=None,
                    language="cy" if rng.random() < 0.2 else "en", ward_id=ward.id,
                    email_confirmed_at=now, verified_at=now, verification_method=VerificationMethod.EMAIL)
        user.role_rows = [UserRole(role=Role.RESIDENT)]
        db.session.add(user)
    db.session.commit()
    from app.core.registry import demo_loaders

    for loader in demo_loaders.entries():
        loader.provider(council)
        db.session.commit()
    return True
