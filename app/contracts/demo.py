"""Demo contracts: about 300 over three years, across departments and supplier sizes, with
amendments, payments, performance reports and a target for spend with small firms."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select

from app.contracts import services
from app.contracts.models import ContractStatus, Kpi, KpiFrequency, KpiReport, Procedure
from app.core.models import Council, Organisation, SizeBand, Team
from app.extensions import db

DEPARTMENTS = ["Highways and Transport", "Leisure and Libraries", "Waste and Recycling", "Adult Social Care",
               "Finance and Procurement", "Digital Services"]
WORK = [
    ("Grass cutting in parks", "77314000", "Leisure and Libraries"), ("Library cleaning", "90910000", "Leisure and Libraries"),
    ("Pothole repairs", "45233142", "Highways and Transport"), ("Street lighting maintenance", "50232100", "Highways and Transport"),
    ("Home to school transport", "60130000", "Highways and Transport"), ("Recycling collection", "90511000", "Waste and Recycling"),
    ("Bulky waste collection", "90511000", "Waste and Recycling"), ("Domiciliary care", "85312000", "Adult Social Care"),
    ("Day services for older people", "85311100", "Adult Social Care"), ("Payroll software", "48450000", "Finance and Procurement"),
    ("Internal audit services", "79212200", "Finance and Procurement"), ("Website accessibility audit", "72000000", "Digital Services"),
    ("Library public computers", "30213000", "Digital Services"), ("Community transport", "60140000", "Adult Social Care"),
]
SUPPLIERS = [
    ("Afon Digital Ltd", "12345678", None, SizeBand.MICRO, False), ("Glanrafon Community Transport", None, "1188776", SizeBand.SMALL, True),
    ("Castell Facilities Services Ltd", "87654321", None, SizeBand.MEDIUM, False), ("Bryn Green Spaces CIC", "11223344", None, SizeBand.MICRO, True),
    ("Valley Care Co-operative", "22334455", None, SizeBand.SMALL, True), ("Dyffryn Roadworks Ltd", "33445566", None, SizeBand.MEDIUM, False),
    ("National Highways Contracting plc", "00445566", None, SizeBand.LARGE, False), ("Big Outsourcing Group plc", "00998877", None, SizeBand.LARGE, False),
    ("Coastline Cleaning Ltd", "44556677", None, SizeBand.SMALL, False), ("Age Well Glanrafon", None, "1122334", SizeBand.SMALL, True),
    ("Pen-y-bont Print and Post Ltd", "55667788", None, SizeBand.MICRO, False), ("Enterprise Software UK Ltd", "06677889", None, SizeBand.LARGE, False),
    ("Recycle Right Wales", None, "1199887", SizeBand.MEDIUM, True), ("Clear Audit LLP", "OC123456", None, SizeBand.SMALL, False),
]


def load(council: Council, seed: int = 2026) -> None:
    rng = random.Random(seed)
    teams = {t.name: t for t in db.session.scalars(select(Team).where(Team.council_id == council.id))}
    for name in DEPARTMENTS:
        if name not in teams:
            teams[name] = Team(council_id=council.id, name=name)
            db.session.add(teams[name])
    orgs = {o.name: o for o in db.session.scalars(select(Organisation).where(Organisation.council_id == council.id))}
    for name, company, charity, band, vcse in SUPPLIERS:
        if name not in orgs:
            orgs[name] = Organisation(council_id=council.id, name=name, company_number=company, charity_number=charity,
                                      size_band=band, is_vcse=vcse)
            db.session.add(orgs[name])
    db.session.flush()
    settings = services.settings_for(council.id)
    settings.sme_vcse_target_percent = Decimal("33")
    db.session.add(settings)
    today = date.today()
    suppliers = list(orgs.values())
    for i in range(300):
        title, cpv, department = WORK[i % len(WORK)]
        awarded = today - timedelta(days=rng.randrange(30, 3 * 365))
        start = awarded + timedelta(days=rng.randrange(5, 40))
        end = start + timedelta(days=rng.choice([180, 365, 730, 1095]))
        supplier = rng.choice(suppliers)
        amount = Decimal(rng.choice([4500, 12000, 25000, 48000, 90000, 180000, 450000, 1200000])) + Decimal(rng.randrange(0, 999))
        status = ContractStatus.ENDED if end < today else ContractStatus.ACTIVE
        when = datetime.combine(awarded, datetime.min.time(), tzinfo=timezone.utc)
        contract = services.create_contract(council, services.ContractInput(
            title=f"{title} ({['north', 'south', 'east', 'west', 'central'][i % 5]})",
            description=f"{title} for {council.name_en}.", team_id=teams[department].id,
            procedure=rng.choice([Procedure.OPEN, Procedure.OPEN, Procedure.SELECTIVE, Procedure.LIMITED, Procedure.DIRECT]),
            cpv_codes=[cpv], amount=amount, vat_included=False, date_awarded=awarded,
            date_signed=awarded + timedelta(days=3), start_date=start, end_date=end, supplier_ids=[supplier.id],
            reference=f"GLAN-{awarded.year}-{i + 1:03d}", status=status), when=when, commit=False)
        if i % 4 == 0:
            from app.contracts.models import ContractDocument
            contract.documents.append(ContractDocument(
                title="Signed contract", document_type="contractSigned", date_published=when,
                url=f"https://glanrafon.example.org/contracts/{contract.reference}/signed.pdf"))
        # Events in date order, so each release shows the contract as it stood on its date.
        events = []
        for n in range(rng.randrange(0, 4)):
            invoice = start + timedelta(days=30 * (n + 1))
            if invoice < today:
                paid = invoice + timedelta(days=rng.choice([7, 14, 21, 28, 35, 60]))
                events.append((invoice, "payment", (n, invoice, paid if paid < today else None)))
        if i % 10 == 3 and status == ContractStatus.ACTIVE:
            events.append((awarded + timedelta(days=120), "amendment", None))
        for day, kind, data in sorted(events, key=lambda e: e[0]):
            moment = datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc)
            if kind == "payment":
                n, invoice, paid = data
                services.record_payment(contract, council, invoice_reference=f"INV-{i + 1:03d}-{n + 1}",
                                        amount=(amount / 4).quantize(Decimal("0.01")), invoice_date=invoice,
                                        paid_date=paid, commit=False, when=moment)
            else:
                db.session.flush()
                services.amend_contract(contract, council, {"end_date": end + timedelta(days=180),
                                                            "amount": amount + Decimal("5000")},
                                        "Extended by six months while the service is re-procured.", when=moment)
        if i % 7 == 0:
            kpi = Kpi(contract=contract, name={"en": "Calls answered within 2 working days",
                                               "cy": "Galwadau a atebwyd o fewn 2 ddiwrnod gwaith"},
                      target=Decimal("95"), unit="%", frequency=KpiFrequency.QUARTERLY)
            db.session.add(kpi)
            db.session.flush()
            period = services.next_period_end(kpi, start - timedelta(days=1))
            while services.report_due_date(period) < today and period <= end:
                if rng.random() < 0.85:
                    db.session.add(KpiReport(kpi=kpi, period_end=period, value=Decimal(rng.randrange(82, 100)),
                                             late=rng.random() < 0.15, comment=""))
                period = services.next_period_end(kpi, period)
    db.session.commit()
