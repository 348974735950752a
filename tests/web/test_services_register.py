"""The services register: the public directory, staff edits (role-checked), channel shift, the
all-or-nothing figures upload, and the Open Referral UK export validated against its schemas."""
from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import func, select

from app.core.models import AuditEntry, Role, Team
from app.extensions import db
from app.services import services
from app.services.models import ChannelVolume, Measure, MeasureValue, Service
from tests.helpers import validate_html

ORUK = Path(__file__).resolve().parents[3] / "shared" / "data" / "oruk-3.0" / "schema" / "compiled"


@pytest.fixture
def register(app, council):
    """Two services: council tax (whole area) and school transport (North ward only)."""
    with app.app_context():
        from app.core.models import Council
        c = db.session.get(Council, council.id)
        team = Team(council_id=c.id, name="Revenues")
        db.session.add(team)
        db.session.flush()
        tax = services.create_service(c, services.ServiceInput(
            name="Council tax", description="Pay and manage your council tax.", team_id=team.id,
            channels=["online", "phone", "face_to_face"], needs="money, bills", email="tax@example.org",
            url="https://example.org/tax", opening_hours="Weekdays 9 to 5"), commit=False)
        transport = services.create_service(c, services.ServiceInput(
            name="School transport", description="Buses to school.", team_id=team.id, channels=["online", "phone"],
            needs="schools, bus", ward_ids=[council.wards[0].id]), commit=False)
        db.session.add(Measure(service=tax, name="Days to resolve", unit="days", higher_is_better=False))
        db.session.commit()
        return {"tax": tax.id, "transport": transport.id, "team": team.id, "tax_uuid": tax.uuid}


def test_directory_searches_by_need_and_ward(client, register, council):
    page = client.get("/services/?q=bills").get_data(as_text=True)
    assert "Council tax" in page and "School transport" not in page
    north, south = council.wards
    page = client.get(f"/services/?ward={south.id}").get_data(as_text=True)
    assert "Council tax" in page and "School transport" not in page  # transport is North only
    page = client.get(f"/services/?ward={north.id}").get_data(as_text=True)
    assert "Council tax" in page and "School transport" in page
    detail = client.get(f"/services/{register['tax']}").get_data(as_text=True)
    assert "Pay and manage your council tax." in detail and "Weekdays 9 to 5" in detail


STAFF_PAGES = ["/services/staff", "/services/new", "/services/{tax}/edit", "/services/{tax}/measures",
               "/services/channel-shift", "/services/{tax}/channel-shift", "/services/costs", "/services/import",
               "/services/import/template.csv"]


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.CASEWORKER, Role.COUNCILLOR, Role.SUPPLIER])
def test_staff_pages_are_refused_to_other_roles(client, register, login_as, role):
    login_as(role)
    for path in STAFF_PAGES:
        assert client.get(path.format(**register)).status_code == 403, path
    assert client.submit(f"/services/{register['tax']}/edit", {"name": "x"}).status_code == 403


def test_staff_pages_open_for_staff(client, register, login_as):
    login_as(Role.STAFF)
    for path in STAFF_PAGES:
        assert client.get(path.format(**register)).status_code == 200, path


def test_staff_add_and_edit_a_service_with_an_audit_row(app, client, register, login_as):
    login_as(Role.STAFF)
    bad = client.submit("/services/new", {"name": "Council tax", "team": str(register["team"]), "description": "x",
                                          "channels": ["online"], "status": "active"})
    assert "A service with this name is already in the register" in bad.get_data(as_text=True)
    ok = client.submit("/services/new", {"name": "Pest control", "team": str(register["team"]),
                                         "description": "Rats and wasps.", "channels": ["phone"], "status": "active"})
    assert ok.status_code == 303
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.name == "Pest control"))
        assert service.channels == ["phone"]
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "services.created")) == 3


def _csv(*rows: str) -> dict:
    text = "\n".join(rows) + "\n"
    return {"file": (io.BytesIO(text.encode()), "figures.csv")}


def test_a_bad_row_saves_nothing_and_every_error_is_reported(app, client, register, login_as):
    login_as(Role.STAFF)
    response = client.submit("/services/import", {**_csv(
        "service,month,online,phone,face_to_face,Days to resolve",
        "Council tax,2025-01,100,50,10,4.5",
        "Council tex,2025-13,ten,5,,",
        "School transport,2025-01,10,5,,3",
        "Council tax,2025-01,1,1,1,"), "csrf_token": client.csrf_token()}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert "Nothing was saved" in page
    assert "No service in the register has this name" in page
    assert "Enter the month as year and month" in page
    assert "Enter a whole number of transactions" in page
    assert "does not publish a measure with this name" in page
    assert "already in an earlier row" in page
    assert "5 problems found" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ChannelVolume)) == 0
        assert db.session.scalar(select(func.count()).select_from(MeasureValue)) == 0


def test_good_figures_are_saved_and_the_channel_shift_page_shows_the_costs_that_follow(app, client, register, login_as):
    login_as(Role.STAFF)
    response = client.submit("/services/import", {**_csv(
        "service,month,online,phone,face_to_face,Days to resolve",
        "Council tax,2025-01,400,500,100,4.5",
        "Council tax,2025-02,600,300,100,3"), "csrf_token": client.csrf_token()}, content_type="multipart/form-data")
    assert response.status_code == 303
    # 2,000 transactions: 1,000 online (50%) at 0.15 = 150.00, 800 by phone at 2.83 = 2,264.00,
    # 200 face to face at 8.62 = 1,724.00; total 4,138.00.
    page = client.get(f"/services/{register['tax']}/channel-shift?target=75").get_data(as_text=True)
    assert "Cost now: £4,138.00" in page
    # 75% online = 1,500: 500 move, 400 from phone and 100 from face to face:
    # 1,500 x 0.15 + 400 x 2.83 + 100 x 8.62 = 225 + 1,132 + 862 = 2,219.00; saving 1,919.00.
    assert "£2,219.00" in page and "£1,919.00" in page
    assert "<svg" in page and "50.0%" in page
    client.submit("/services/costs", {"online": "0.15", "phone": "3.00", "face_to_face": "8.62", "kiosk": "0.15",
                                      "post": "8.62"})
    page = client.get("/services/channel-shift?target=50").get_data(as_text=True)
    assert "Cost now: £4,274.00" in page  # 800 x 3.00 = 2,400 instead of 2,264
    assert "Days to resolve" in client.get(f"/services/{register['tax']}").get_data(as_text=True)


def test_a_target_out_of_range_is_explained(client, register, login_as):
    login_as(Role.STAFF)
    page = client.get("/services/channel-shift?target=150").get_data(as_text=True)
    assert "Enter a target between 0 and 100" in page


def _schema(name: str) -> dict:
    return json.loads((ORUK / name).read_text())


def test_oruk_export_validates_against_the_open_referral_uk_schemas(client, register):
    checker = jsonschema.FormatChecker()
    listing = client.get("/services/oruk/services.json").get_json()
    assert listing["total_items"] == 2 and listing["page_number"] == 1 and listing["first_page"] is True
    # The list endpoint's shape in ORUK's OpenAPI description: a Page with contents of service_list items.
    openapi = json.loads((ORUK.parent / "openapi.json").read_text())
    page_schema = {"allOf": [openapi["components"]["schemas"]["Page"]],
                   "required": ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty",
                                "contents"],
                   "properties": {"contents": {"type": "array", "items": _schema("service_list.json")}}}
    jsonschema.validate(listing, page_schema, format_checker=checker)
    searched = client.get("/services/oruk/services.json?search=bus&per_page=1").get_json()
    jsonschema.validate(searched, page_schema, format_checker=checker)
    assert [s["name"] for s in searched["contents"]] == ["School transport"] and searched["total_items"] == 1
    full = client.get(f"/services/oruk/services/{register['tax_uuid']}.json").get_json()
    jsonschema.validate(full, _schema("service.json"), format_checker=checker)
    assert full["name"] == "Council tax" and {s["attending_type"] for s in full["schedules"]} == {"online", "phone", "in_person"}
    transport = next(i for i in listing["contents"] if i["name"] == "School transport")
    transport_full = client.get(f"/services/oruk/services/{transport['id']}.json").get_json()
    jsonschema.validate(transport_full, _schema("service.json"), format_checker=checker)
    assert transport_full["service_areas"][0]["name"] == "North"
    assert client.get("/services/oruk/services/nope.json").status_code == 404


def test_the_directory_is_in_the_open_data_catalogue(client, register):
    page = client.get("/open-data").get_data(as_text=True)
    assert "Council services directory" in page
    rows = client.get("/open-data/services.json").get_json()
    assert {r["name"] for r in rows} == {"Council tax", "School transport"}


def test_services_pages_are_valid_html(client, register, login_as, tmp_path):
    pages = {"directory": client.get("/services/?q=tax").get_data(as_text=True),
             "detail": client.get(f"/services/{register['tax']}").get_data(as_text=True)}
    login_as(Role.STAFF)
    with client.application.app_context():
        db.session.add(ChannelVolume(service_id=register["tax"], month=date(2025, 1, 1), channel="online", transactions=5))
        db.session.commit()
    for name, path in [("staff", "/services/staff"), ("new", "/services/new"), ("shift", f"/services/{register['tax']}/channel-shift"),
                       ("council-shift", "/services/channel-shift?target=x"), ("costs", "/services/costs"),
                       ("import", "/services/import"), ("measure", f"/services/{register['tax']}/measures")]:
        pages[name] = client.get(path).get_data(as_text=True)
    pages["new-errors"] = client.submit("/services/new", {"name": ""}).get_data(as_text=True)
    assert validate_html(pages, tmp_path) == []


def test_list_pages_do_not_query_per_row_and_the_directory_is_light(app, client, register, login_as):
    from tests.helpers import PAGE_BUDGET_BYTES, count_queries, page_weight

    def counts():
        with count_queries(app) as public_list:
            client.get("/services/")
        with count_queries(app) as staff_list:
            client.get("/services/staff")
        with count_queries(app) as oruk_list:
            client.get("/services/oruk/services.json")
        return public_list.n, staff_list.n, oruk_list.n

    login_as(Role.STAFF)
    few = counts()
    with app.app_context():
        from app.core.models import Council
        c = db.session.get(Council, register["team"] and db.session.scalar(select(Council.id)))
        for i in range(15):
            team = Team(council_id=c.id, name=f"Team {i}")
            db.session.add(team)
            db.session.flush()
            services.create_service(c, services.ServiceInput(name=f"Service {i}", description="x", team_id=team.id,
                                                             channels=["online"], ward_ids=[w.id for w in c.wards]), commit=False)
        db.session.commit()
    assert counts() == few
    assert page_weight(client, "/services/") < PAGE_BUDGET_BYTES


def test_numbers_the_database_cannot_hold_are_row_errors_not_a_crash(app, client, register, login_as):
    login_as(Role.STAFF)
    response = client.submit("/services/import", {**_csv(
        "service,month,online,phone,Days to resolve",
        "Council tax,2025-01,²,99999999999999999999,4.5",
        "Council tax,2025-02,10,5,1e20"), "csrf_token": client.csrf_token()}, content_type="multipart/form-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Nothing was saved" in page and "3 problems found" in page
    assert "Enter a whole number of transactions" in page and "Enter a number, like 4.5" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ChannelVolume)) == 0
        assert db.session.scalar(select(func.count()).select_from(MeasureValue)) == 0
