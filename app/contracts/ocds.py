"""Contracts as Open Contracting Data Standard 1.1 releases, records and packages.

Pure: plain data in, plain data out; no Flask and no database, so the mapping is tested on its
own and the benchmark can stream 50,000 contracts without the app.
"""
from __future__ import annotations

import copy
import json
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Iterable, Iterator

OCDS_VERSION = "1.1"
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
# Org-id.guide schemes for UK companies and charities.
COMPANY_SCHEME = "GB-COH"
CHARITY_SCHEME = "GB-CHC"
# Our procedures as OCDS procurementMethod (closed codelist: open, selective, limited, direct).
PROCUREMENT_METHOD = {"challenge": "open", "open": "open", "selective": "selective", "limited": "limited",
                      "direct": "direct"}
# OCDS contractStatus has no "ended": a contract that has come to a close is "terminated".
CONTRACT_STATUS = {"active": "active", "ended": "terminated", "terminated": "terminated"}


def ocds_datetime(value: date | datetime | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{value.isoformat()}T00:00:00Z"


def money(amount: Decimal | float | int | str, currency: str) -> dict[str, Any]:
    number = Decimal(str(amount))
    return {"amount": int(number) if number == number.to_integral_value() else float(number), "currency": currency}


def supplier_party(supplier: dict[str, Any]) -> dict[str, Any]:
    """A supplier as an OCDS party, identified by its company or charity number where it has one."""
    party: dict[str, Any] = {"name": supplier["name"], "roles": ["supplier"]}
    if supplier.get("company_number"):
        party["identifier"] = {"scheme": COMPANY_SCHEME, "id": supplier["company_number"],
                               "legalName": supplier["name"]}
    elif supplier.get("charity_number"):
        party["identifier"] = {"scheme": CHARITY_SCHEME, "id": supplier["charity_number"],
                               "legalName": supplier["name"]}
    party["id"] = (f"{party['identifier']['scheme']}-{party['identifier']['id']}" if "identifier" in party
                   else f"org-{supplier['id']}")
    if supplier.get("charity_number") and "identifier" in party and party["identifier"]["scheme"] != CHARITY_SCHEME:
        party["additionalIdentifiers"] = [{"scheme": CHARITY_SCHEME, "id": supplier["charity_number"]}]
    return party


def build_release(contract: dict[str, Any], *, release_id: str, release_date: datetime, tags: list[str]) -> dict:
    """One complete release for the contract as it stands: every release repeats the whole picture,
    so any single release can be read on its own."""
    ocid = contract["ocid"]
    currency = contract["currency"]
    buyer = {"id": contract["buyer"]["id"], "name": contract["buyer"]["name"]}
    suppliers = [supplier_party(s) for s in contract["suppliers"]]
    award_id = f"{ocid}-award-1"
    contract_id = f"{ocid}-contract-1"
    items = [{"id": str(i), "classification": {"scheme": "CPV", "id": code}}
             for i, code in enumerate(contract.get("cpv_codes") or [], start=1)]
    value = money(contract["amount"], currency)
    ocds_contract: dict[str, Any] = {
        "id": contract_id,
        "awardID": award_id,
        "title": contract["title"],
        "status": CONTRACT_STATUS[contract["status"]],
        "period": {"startDate": ocds_datetime(contract["start_date"]), "endDate": ocds_datetime(contract["end_date"])},
        "value": value,
    }
    if contract.get("description"):
        ocds_contract["description"] = contract["description"]
    if contract.get("date_signed"):
        ocds_contract["dateSigned"] = ocds_datetime(contract["date_signed"])
    if items:
        ocds_contract["items"] = items
    if contract.get("documents"):
        ocds_contract["documents"] = [
            {"id": str(d["id"]), "documentType": d["document_type"], "title": d["title"], "url": d["url"],
             "datePublished": ocds_datetime(d["date_published"])} for d in contract["documents"]]
    if contract.get("amendments"):
        ocds_contract["amendments"] = [
            {"id": str(a["id"]), "date": ocds_datetime(a["date"]), "rationale": a["rationale"],
             "description": a.get("description") or a["rationale"], **({"releaseID": a["release_id"]}
                                                                        if a.get("release_id") else {})}
            for a in contract["amendments"]]
    if contract.get("payments"):
        ocds_contract["implementation"] = {"transactions": [
            {"id": str(p["id"]), "source": p.get("source", ""), "date": ocds_datetime(p["paid_date"] or p["invoice_date"]),
             "value": money(p["amount"], currency), "payer": buyer,
             "payee": {"id": p["payee_id"], "name": p["payee_name"]}}
            for p in contract["payments"]]}
        for transaction in ocds_contract["implementation"]["transactions"]:
            if not transaction["source"]:
                del transaction["source"]
    release: dict[str, Any] = {
        "ocid": ocid,
        "id": release_id,
        "date": ocds_datetime(release_date),
        "tag": tags,
        "initiationType": "tender",
        "language": "en",
        "parties": [{**buyer, "roles": ["buyer"]}] + suppliers,
        "buyer": buyer,
        "tender": {
            "id": f"{ocid}-tender",
            "title": contract["title"],
            "status": "complete",
            "procurementMethod": PROCUREMENT_METHOD[contract["procedure"]],
            "mainProcurementCategory": contract.get("category", "services"),
        },
        "awards": [{
            "id": award_id,
            "status": "active",
            "date": ocds_datetime(contract["date_awarded"]),
            "value": value,
            "suppliers": [{"id": p["id"], "name": p["name"]} for p in suppliers],
        }],
        "contracts": [ocds_contract],
    }
    if contract.get("department"):
        release["tender"]["procuringEntity"] = buyer
        release["tender"]["description"] = f"{contract['department']}: {contract['title']}"
    if contract.get("related"):
        release["relatedProcesses"] = contract["related"]
    return release


def _merge(target: Any, update: Any) -> Any:
    """OCDS merge: objects merge field by field; arrays of objects with ids merge by id; anything
    else is replaced by the newer value."""
    if isinstance(target, dict) and isinstance(update, dict):
        merged = dict(target)
        for key, value in update.items():
            merged[key] = _merge(target.get(key), value) if key in target else copy.deepcopy(value)
        return merged
    if (isinstance(target, list) and isinstance(update, list) and update
            and all(isinstance(x, dict) and "id" in x for x in update)
            and all(isinstance(x, dict) and "id" in x for x in target)):
        by_id = {str(x["id"]): x for x in target}
        order = [str(x["id"]) for x in target]
        for item in update:
            key = str(item["id"])
            if key in by_id:
                by_id[key] = _merge(by_id[key], item)
            else:
                by_id[key] = copy.deepcopy(item)
                order.append(key)
        return [by_id[k] for k in order]
    return copy.deepcopy(update)


def compile_release(releases: list[dict]) -> dict:
    """The compiled release of a record: every release merged in date order."""
    ordered = sorted(releases, key=lambda r: (r["date"], r["id"]))
    compiled: dict = {}
    for release in ordered:
        compiled = _merge(compiled, {k: v for k, v in release.items() if k not in ("tag", "id")})
    compiled["id"] = f"{ordered[-1]['ocid']}-compiled"
    compiled["tag"] = ["compiled"]
    compiled["date"] = ordered[-1]["date"]
    return compiled


def package_metadata(*, uri: str, published_date: datetime, publisher_name: str,
                     publication_policy: str | None) -> dict[str, Any]:
    meta: dict[str, Any] = {"uri": uri, "version": OCDS_VERSION, "publishedDate": ocds_datetime(published_date),
                            "publisher": {"name": publisher_name}, "license": OGL_URL}
    if publication_policy:
        meta["publicationPolicy"] = publication_policy
    return meta


def record_package(ocid: str, releases: list[dict], release_urls: list[str], **meta: Any) -> dict:
    """One contracting process: links to its releases, and the compiled release."""
    package = package_metadata(**meta)
    package["records"] = [{"ocid": ocid, "releases": [
        {"url": url, "date": r["date"], "tag": r["tag"]} for r, url in zip(releases, release_urls)],
        "compiledRelease": compile_release(releases)}]
    return package


def stream_release_package(release_bodies: Iterable[str], **meta: Any) -> Iterator[str]:
    """A release package written piece by piece: stored release JSON is passed through as it is,
    so tens of thousands of releases never sit in memory together."""
    head = json.dumps(package_metadata(**meta), ensure_ascii=False)
    yield head[:-1] + ', "releases": ['
    first = True
    for body in release_bodies:
        yield body if first else "," + body
        first = False
    yield "]}"


def dumps(release: dict) -> str:
    return json.dumps(release, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
