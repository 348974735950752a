"""The directory in the Open Referral UK data standard (HSDS 3.0 UK profile). Pure: plain data in,
JSON-ready dicts out. Identifiers are UUIDs; ones derived from other rows are uuid5 of the
service's own UUID, so they stay the same from one export to the next."""
from __future__ import annotations

import math
import uuid
from datetime import datetime, timezone
from typing import Any

ATTENDING = {"online": "online", "phone": "phone", "face_to_face": "in_person", "kiosk": "in_person",
             "post": "post"}


def _derived(base: str, name: str) -> str:
    return str(uuid.uuid5(uuid.UUID(base), name))


def council_organization(council_uuid: str, name: str, description: str, email: str | None, website: str | None) -> dict:
    org: dict[str, Any] = {"id": council_uuid, "name": name, "description": description}
    if email:
        org["email"] = email
    if website:
        org["website"] = website
        org["uri"] = website
    return org


def service_record(s: dict, organization: dict) -> dict:
    """One service as ORUK's service object. `s` holds: uuid, name, description, url, email, status,
    eligibility, channels, opening_hours, wards [(code, name)], updated_at, how_to_access, phone."""
    updated = s["updated_at"]
    if updated.tzinfo is None:
        updated = updated.replace(tzinfo=timezone.utc)
    description = s["description"]
    if s.get("eligibility"):
        description += "\n\nWho can use it: " + s["eligibility"]
    if s.get("how_to_access"):
        description += "\n\nHow to use it: " + s["how_to_access"]
    if s.get("phone"):
        description += "\n\nPhone: " + s["phone"]
    record: dict[str, Any] = {
        "id": s["uuid"],
        "organization_id": organization["id"],
        "name": s["name"],
        "description": description,
        "status": "active" if s["status"] == "active" else "inactive",
        "last_modified": updated.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") +
        f"{updated.microsecond // 1000:03d}Z",
        "organization": organization,
        "schedules": [{"id": _derived(s["uuid"], f"schedule:{channel}"), "service_id": s["uuid"],
                       "attending_type": ATTENDING.get(channel, channel),
                       "description": s.get("opening_hours") or ""} for channel in s.get("channels", [])],
        "service_areas": [{"id": _derived(s["uuid"], f"area:{code}"), "service_id": s["uuid"], "name": name,
                           "extent_type": "ward", "uri": f"http://statistics.data.gov.uk/id/statistical-geography/{code}"}
                          for code, name in s.get("wards", [])],
    }
    if s.get("url"):
        record["url"] = s["url"]
    if s.get("email"):
        record["email"] = s["email"]
    return record


def service_list(records: list[dict], total: int, page: int, per_page: int) -> dict:
    """ORUK's paged list: the page's services without their nested tables, as the list endpoint gives."""
    pages = max(1, math.ceil(total / per_page)) if per_page else 1
    flat_keys = ("id", "organization_id", "name", "description", "url", "email", "status", "last_modified", "organization")
    return {"total_items": total, "total_pages": pages, "page_number": page, "size": len(records),
            "first_page": page == 1, "last_page": page >= pages, "empty": not records,
            "contents": [{k: r[k] for k in flat_keys if k in r} for r in records]}


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()
