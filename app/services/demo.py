"""Demo services register: 40 services with two years of monthly transactions per channel, the
online share rising as services move online, and a performance measure on some of them."""
from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from app.core.models import Council, Team, Ward
from app.extensions import db
from app.services import services
from app.services.models import ChannelVolume, Measure, MeasureValue

# name, team, needs, channels, base monthly transactions
SERVICES = [
    ("Council tax", "Revenues and Benefits", "money, bills, council tax, discount", "online phone face_to_face post", 6000),
    ("Council Tax Reduction", "Revenues and Benefits", "money, help with bills, low income", "online phone face_to_face post", 900),
    ("Housing Benefit", "Revenues and Benefits", "money, rent, low income", "online phone face_to_face post", 700),
    ("Business rates", "Revenues and Benefits", "business, rates, money", "online phone post", 400),
    ("Bin collections", "Waste and Recycling", "bins, rubbish, collection day", "online phone kiosk", 3000),
    ("Missed bin reports", "Waste and Recycling", "bins, missed collection", "online phone kiosk", 1200),
    ("Bulky waste collection", "Waste and Recycling", "furniture, large items, waste", "online phone", 500),
    ("Garden waste subscription", "Waste and Recycling", "garden, green waste, bins", "online phone", 800),
    ("Recycling centres", "Waste and Recycling", "recycling, tip, waste", "online phone face_to_face", 300),
    ("Report a pothole", "Highways and Transport", "roads, potholes, pavements", "online phone kiosk", 600),
    ("Street lighting faults", "Highways and Transport", "street lights, roads, safety", "online phone", 250),
    ("Blue Badge parking", "Highways and Transport", "parking, disability, blue badge", "online phone face_to_face post", 350),
    ("Parking permits", "Highways and Transport", "parking, permits, residents", "online phone post", 450),
    ("Concessionary bus passes", "Highways and Transport", "bus, travel, older people", "online phone face_to_face post", 400),
    ("School admissions", "Schools", "schools, children, admissions", "online phone post", 500),
    ("Free school meals", "Schools", "schools, food, children, low income", "online phone face_to_face", 300),
    ("School transport", "Schools", "schools, transport, bus", "online phone", 200),
    ("Childcare Offer", "Schools", "childcare, children, early years", "online phone", 250),
    ("Housing advice and homelessness", "Housing", "housing, homeless, rent, eviction", "phone face_to_face online", 450),
    ("Housing register", "Housing", "housing, social housing, waiting list", "online phone face_to_face post", 600),
    ("Repairs for council tenants", "Housing", "repairs, tenants, housing", "online phone", 1500),
    ("Disabled facilities grants", "Housing", "adaptations, disability, home", "phone face_to_face post", 60),
    ("Adult social care assessments", "Adult Social Care", "care, older people, disability, support", "phone face_to_face", 350),
    ("Carers support", "Adult Social Care", "carers, support", "phone face_to_face online", 150),
    ("Meals at home", "Adult Social Care", "food, older people, care", "phone", 120),
    ("Early help for families", "Early Help", "families, children, support, parenting", "phone face_to_face online", 180),
    ("Library membership", "Leisure and Libraries", "libraries, books, computers", "online face_to_face kiosk", 700),
    ("Library computer booking", "Leisure and Libraries", "computers, internet, libraries", "online kiosk face_to_face", 900),
    ("Leisure centre bookings", "Leisure and Libraries", "sport, swimming, gym", "online phone face_to_face kiosk", 2500),
    ("Parks and playgrounds", "Leisure and Libraries", "parks, playgrounds, green spaces", "online phone", 150),
    ("Planning applications", "Planning and Regeneration", "planning, building, extension", "online post", 300),
    ("Building control", "Planning and Regeneration", "building, safety, inspections", "online phone", 120),
    ("Pre-application planning advice", "Planning and Regeneration", "planning, advice", "online phone", 60),
    ("Births, deaths and marriages", "Registration", "registration, birth, death, wedding", "online phone face_to_face", 350),
    ("Electoral registration", "Democratic Services", "voting, elections, register", "online phone post", 500),
    ("Food hygiene and safety", "Public Protection", "food, hygiene, businesses", "online phone", 150),
    ("Noise complaints", "Public Protection", "noise, neighbours, nuisance", "online phone", 200),
    ("Pest control", "Public Protection", "pests, rats, wasps", "online phone", 180),
    ("Licensing", "Public Protection", "licences, taxis, alcohol, events", "online phone post", 160),
    ("Welsh language services", "Digital Services", "Welsh, language, Cymraeg", "online phone face_to_face", 90),
]


def load(council: Council, seed: int = 2026) -> None:
    rng = random.Random(seed)
    teams = {t.name: t for t in db.session.scalars(select(Team).where(Team.council_id == council.id))}
    wards = list(db.session.scalars(select(Ward).where(Ward.council_id == council.id).order_by(Ward.name)))
    today = date.today()
    months = []
    year, month = today.year, today.month
    for _ in range(24):  # the 24 whole months before this one, oldest first
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        months.insert(0, date(year, month, 1))
    for i, (name, team_name, needs, channel_list, base) in enumerate(SERVICES):
        if team_name not in teams:
            teams[team_name] = Team(council_id=council.id, name=team_name)
            db.session.add(teams[team_name])
            db.session.flush()
        offered = channel_list.split()
        service = services.create_service(council, services.ServiceInput(
            name=name, team_id=teams[team_name].id, needs=needs, channels=offered,
            description=f"{name}: what {council.name_en} offers, in plain words. (Demo text.)",
            eligibility="Anyone who lives in the council area." if i % 3 else "Residents on a low income.",
            how_to_access="Apply online, call us, or come to a library.", phone=f"01632 97{i:04d}",
            email=f"{name.split()[0].lower()}@glanrafon.example.org",
            url=f"https://glanrafon.example.org/services/{i + 1}",
            opening_hours="Monday to Friday, 9am to 5pm", address="Civic Centre, Stryd Fawr, Glanrafon CC1 1AA"
            if "face_to_face" in offered else None,
            ward_ids=[wards[i % len(wards)].id] if wards and i % 7 == 3 else []), commit=False)
        start_share = rng.uniform(0.2, 0.5) if "online" in offered else 0.0
        end_share = min(0.9, start_share + rng.uniform(0.05, 0.25)) if "online" in offered else 0.0
        others = [c for c in offered if c != "online"]
        weights = {"phone": 5, "face_to_face": 2, "kiosk": 1, "post": 1}
        for n, first in enumerate(months):
            seasonal = 1 + 0.15 * ((first.month in (1, 3, 4)) - (first.month in (8, 12)))
            total = int(base * seasonal * rng.uniform(0.9, 1.1))
            online = int(total * (start_share + (end_share - start_share) * n / 23)) if "online" in offered else 0
            rest = total - online
            weight_sum = sum(weights[c] for c in others) or 1
            for channel in others:
                db.session.add(ChannelVolume(service_id=service.id, month=first, channel=channel,
                                             transactions=rest * weights[channel] // weight_sum))
            if "online" in offered:
                db.session.add(ChannelVolume(service_id=service.id, month=first, channel="online", transactions=online))
        if i % 5 == 0:
            measure = Measure(service=service, name="Days to resolve a request", unit="days", higher_is_better=False)
            db.session.add(measure)
            level = rng.uniform(8, 20)
            for first in months[-12:]:
                level = max(1.0, level + rng.uniform(-1.5, 1.0))
                measure.values.append(MeasureValue(month=first, value=Decimal(f"{level:.1f}")))
    db.session.commit()
