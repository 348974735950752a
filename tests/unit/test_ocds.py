"""The OCDS mapping on its own: plain data in, schema-valid releases and records out."""
from __future__ import annotations

import copy
from datetime import date, datetime, timezone
from decimal import Decimal

from app.contracts import ocds
from tests.ocds_validation import schema_errors

CONTRACT = {
    "ocid": "ocds-xxxxxx-test-000001", "title": "Library cleaning", "description": "Three branch libraries",
    "buyer": {"id": "buyer-test", "name": "Testshire Council"}, "department": "Leisure", "procedure": "open",
    "cpv_codes": ["90910000"], "amount": Decimal("48000.50"), "currency": "GBP",
    "date_awarded": date(2026, 1, 15), "date_signed": date(2026, 1, 20), "start_date": date(2026, 2, 1),
    "end_date": date(2027, 1, 31), "status": "active",
    "suppliers": [{"id": 7, "name": "Castell Facilities Ltd", "company_number": "87654321", "charity_number": None},
                  {"id": 8, "name": "Age Well", "company_number": None, "charity_number": "1122334"},
                  {"id": 9, "name": "No Number Co-op", "company_number": None, "charity_number": None}],
    "amendments": [], "payments": [], "related": [],
}
WHEN = datetime(2026, 1, 15, 9, 0, tzinfo=timezone.utc)


def release(contract=CONTRACT, rid="ocds-xxxxxx-test-000001-0001", when=WHEN, tags=("award", "contract")):
    return ocds.build_release(contract, release_id=rid, release_date=when, tags=list(tags))


def package(*releases):
    meta = ocds.package_metadata(uri="https://example.org/contracts/ocds.json", published_date=WHEN,
                                 publisher_name="Testshire Council", publication_policy="https://example.org/policy")
    return {**meta, "releases": list(releases)}


def test_a_release_carries_suppliers_with_identifiers_value_period_and_date_signed():
    r = release()
    parties = {p["name"]: p for p in r["parties"]}
    assert parties["Castell Facilities Ltd"]["identifier"] == {"scheme": "GB-COH", "id": "87654321",
                                                               "legalName": "Castell Facilities Ltd"}
    assert parties["Castell Facilities Ltd"]["id"] == "GB-COH-87654321"
    assert parties["Age Well"]["identifier"]["scheme"] == "GB-CHC"
    assert "identifier" not in parties["No Number Co-op"] and parties["No Number Co-op"]["roles"] == ["supplier"]
    assert parties["Testshire Council"]["roles"] == ["buyer"]
    contract = r["contracts"][0]
    assert contract["value"] == {"amount": 48000.5, "currency": "GBP"}
    assert contract["period"] == {"startDate": "2026-02-01T00:00:00Z", "endDate": "2027-01-31T00:00:00Z"}
    assert contract["dateSigned"] == "2026-01-20T00:00:00Z"
    assert r["awards"][0]["suppliers"][0]["id"] == "GB-COH-87654321"
    assert r["contracts"][0]["items"][0]["classification"] == {"scheme": "CPV", "id": "90910000"}
    assert schema_errors(package(r), "release") == []


def test_ended_contracts_use_the_ocds_status_for_a_closed_contract():
    assert release({**CONTRACT, "status": "ended"})["contracts"][0]["status"] == "terminated"


def test_removing_a_required_field_fails_validation():
    for field in ("ocid", "id", "date", "tag", "initiationType"):
        broken = copy.deepcopy(release())
        del broken[field]
        assert schema_errors(package(broken), "release"), field
    no_currency = copy.deepcopy(release())
    no_currency["contracts"][0]["value"]["currency"] = "POUNDS"
    assert schema_errors(package(no_currency), "release")


def test_compiled_release_takes_the_newest_values_and_keeps_every_amendment():
    first = release()
    amended = {**CONTRACT, "amount": Decimal("52000"), "end_date": date(2027, 7, 31),
               "amendments": [{"id": 1, "date": datetime(2026, 6, 1, tzinfo=timezone.utc),
                               "rationale": "Extended for six months", "description": "end_date", "release_id": None}]}
    second = release(amended, rid="ocds-xxxxxx-test-000001-0002", when=datetime(2026, 6, 1, tzinfo=timezone.utc),
                     tags=("awardUpdate", "contractAmendment"))
    record = ocds.record_package(CONTRACT["ocid"], [first, second], ["https://e/1.json", "https://e/2.json"],
                                 uri="https://e/r.json", published_date=WHEN, publisher_name="T",
                                 publication_policy=None)
    compiled = record["records"][0]["compiledRelease"]
    assert compiled["tag"] == ["compiled"]
    assert compiled["contracts"][0]["value"]["amount"] == 52000
    assert compiled["contracts"][0]["period"]["endDate"] == "2027-07-31T00:00:00Z"
    assert compiled["contracts"][0]["amendments"][0]["rationale"] == "Extended for six months"
    assert len(compiled["parties"]) == 4  # merged by id, not duplicated
    assert schema_errors(record, "record") == []
    del record["records"][0]["ocid"]
    assert schema_errors(record, "record")


def test_the_streamed_package_is_the_same_json_as_a_built_one():
    import json

    bodies = [ocds.dumps(release()), ocds.dumps(release(rid="ocds-xxxxxx-test-000001-0002"))]
    streamed = json.loads("".join(ocds.stream_release_package(
        bodies, uri="https://example.org/contracts/ocds.json", published_date=WHEN, publisher_name="Testshire Council",
        publication_policy="https://example.org/policy")))
    assert streamed["license"] == ocds.OGL_URL and streamed["publicationPolicy"] == "https://example.org/policy"
    assert [r["id"] for r in streamed["releases"]] == ["ocds-xxxxxx-test-000001-0001", "ocds-xxxxxx-test-000001-0002"]
    assert schema_errors(streamed, "release") == []
