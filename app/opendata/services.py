"""Paging, filtering and describing datasets: plain functions over the dataset registry.

Cursors are opaque to clients: the key of the last row sent, as base64 JSON. Paging by key
rather than by position means rows added while someone pages through do not shift the pages:
nothing is sent twice (a new row whose key sorts before the cursor is not sent)."""
from __future__ import annotations

import base64
import binascii
import json
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterable

from app.core.datasets import OGL_URL, Dataset, json_value

MAX_LIMIT = 100
DEFAULT_LIMIT = 50
JSON_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean",
              "date": "string", "datetime": "string"}


class BadQuery(ValueError):
    """A query parameter the API cannot use; the message says which and why."""


@dataclass
class RowFilter:
    ward: str | None = None
    status: str | None = None
    since: date | None = None
    until: date | None = None


def encode_cursor(key: tuple) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key), separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, dataset: Dataset) -> tuple:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise BadQuery("cursor: not a cursor this API gave out") from None
    types = {f.name: f.type for f in dataset.fields}
    if not isinstance(values, list) or len(values) != len(dataset.key):
        raise BadQuery("cursor: not a cursor for this dataset")
    for name, value in zip(dataset.key, values):
        # Each value must be what the key field holds (a database would refuse to compare
        # a number with text), and a number must fit the database's integers.
        if types.get(name) == "integer":
            if not isinstance(value, int) or isinstance(value, bool) or not -2**63 < value < 2**63:
                raise BadQuery("cursor: not a cursor for this dataset")
        elif not isinstance(value, str) or len(value) > 300:
            raise BadQuery("cursor: not a cursor for this dataset")
    return tuple(values)


def parse_date(name: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadQuery(f"{name}: use a date as YYYY-MM-DD") from None


def parse_limit(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_LIMIT
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_LIMIT:
        raise BadQuery(f"limit: a whole number from 1 to {MAX_LIMIT}")
    return int(value)


def row_key(dataset: Dataset, row: dict) -> tuple:
    return tuple(_key_value(row.get(name)) for name in dataset.key)


def _key_value(value: Any) -> int | str:
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return value
    return "" if value is None else str(value)


def _day_of(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def matches(dataset: Dataset, row: dict, f: RowFilter) -> bool:
    if f.ward is not None and dataset.ward_field:
        codes = [c.strip() for c in str(row.get(dataset.ward_field) or "").split(";")]
        if f.ward not in codes:
            return False
    if f.status is not None and dataset.status_field and row.get(dataset.status_field) != f.status:
        return False
    if (f.since or f.until) and dataset.date_field:
        day = _day_of(row.get(dataset.date_field))
        if day is None or (f.since and day < f.since) or (f.until and day > f.until):
            return False
    return True


def rows_in_key_order(dataset: Dataset, council_id: int, after: tuple | None) -> Iterable[dict]:
    """Rows after `after`, in key order: read from the database from there when the dataset can
    (large ones), otherwise sorted here (small ones: wards, yearly totals, published results)."""
    if dataset.rows_after is not None:
        yield from dataset.rows_after(council_id, after) if after else dataset.rows(council_id)
        return
    for row in sorted(dataset.rows(council_id), key=lambda r: row_key(dataset, r)):
        if after is None or row_key(dataset, row) > after:
            yield row


MAX_SCAN = 5000  # rows read for one page: a filter that matches little ends a page early instead


def page(dataset: Dataset, council_id: int, f: RowFilter, after: tuple | None, limit: int) -> tuple[list[dict], str | None]:
    """Up to `limit` matching rows after the cursor, and the cursor of the next page (None at the end).

    Filters are applied to rows as they are read, so a filter that matches few rows could read
    a whole dataset for one page; after MAX_SCAN rows the page ends with what it found and a
    cursor to go on from, so each request costs a bounded amount."""
    found: list[dict] = []
    with closing(rows_in_key_order(dataset, council_id, after)) as rows:  # stopping early closes the query
        for scanned, row in enumerate(rows, start=1):
            if matches(dataset, row, f):
                if len(found) == limit:
                    return found, encode_cursor(row_key(dataset, found[-1]))
                found.append(row)
            if scanned >= MAX_SCAN:
                return found, encode_cursor(row_key(dataset, row))
    return found, None


def public_row(dataset: Dataset, row: dict) -> dict:
    """Only the fields the data dictionary lists, as JSON values (as in the JSON download)."""
    return {name: json_value(row.get(name)) for name in dataset.field_names()}


# --- Descriptions: DCAT for catalogues, OpenAPI for the API ---------------------------------------

def dcat_catalogue(datasets: list[Dataset], *, council_name: str, home: str, url_for_download, url_for_api,
                   catalogue_url: str) -> dict:
    """The catalogue as DCAT in JSON-LD (W3C Data Catalog Vocabulary, version 3)."""
    return {
        "@context": {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
                     "foaf": "http://xmlns.com/foaf/0.1/", "xsd": "http://www.w3.org/2001/XMLSchema#",
                     "@language": "en"},
        "@id": catalogue_url, "@type": "dcat:Catalog",
        "dct:title": f"{council_name} open data",
        "dct:publisher": {"@type": "foaf:Organization", "foaf:name": council_name, "foaf:homepage": {"@id": home}},
        "dct:license": {"@id": OGL_URL},
        "dcat:dataset": [{
            "@id": f"{catalogue_url}#{d.name}", "@type": "dcat:Dataset", "dct:identifier": d.name,
            "dct:title": str(d.title), "dct:description": str(d.description),
            "dct:license": {"@id": OGL_URL},
            "dct:accrualPeriodicity": {"@id": d.frequency_uri},
            "dcat:distribution": [
                *({"@type": "dcat:Distribution", "dct:format": fmt.upper(),
                   "dcat:mediaType": {"@id": f"https://www.iana.org/assignments/media-types/{media}"},
                   "dcat:downloadURL": {"@id": url_for_download(d.name, fmt)}, "dct:license": {"@id": OGL_URL}}
                  for fmt, media in (("csv", "text/csv"), ("json", "application/json"))),
                {"@type": "dcat:Distribution", "dct:title": "API",
                 "dcat:mediaType": {"@id": "https://www.iana.org/assignments/media-types/application/json"},
                 "dcat:accessURL": {"@id": url_for_api(d.name)}, "dct:license": {"@id": OGL_URL}},
            ],
        } for d in datasets],
    }


def _row_schema(dataset: Dataset) -> dict:
    properties = {}
    for f in dataset.fields:
        schema: dict[str, Any] = {"type": [JSON_TYPES.get(f.type, "string"), "null"], "description": str(f.meaning)}
        if f.type in ("date", "datetime"):
            schema["format"] = "date" if f.type == "date" else "date-time"
        properties[f.name] = schema
    return {"type": "object", "properties": properties, "required": dataset.field_names(),
            "additionalProperties": False}


def openapi_document(datasets: list[Dataset], *, title: str, server_url: str, limit_text: str) -> dict:
    """OpenAPI 3.1 for the API: one path per dataset, from the same registry as the catalogue."""
    error = {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

    def responses(ok_schema: dict, conditional: bool = True) -> dict:
        out = {"200": {"description": "OK", "headers": {"ETag": {"schema": {"type": "string"}}},
                       "content": {"application/json": {"schema": ok_schema}}},
               "429": {**error, "description": f"Too many requests from this address ({limit_text})"}}
        if conditional:
            out["304"] = {"description": "Not modified: the ETag sent in If-None-Match is still current"}
        return out

    if_none_match = {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
                     "description": "An ETag from an earlier answer: 304 if nothing changed"}
    paths: dict[str, Any] = {
        "/": {"get": {"operationId": "listDatasets", "summary": "The datasets this API serves",
                      "parameters": [if_none_match],
                      "responses": responses({"$ref": "#/components/schemas/DatasetList"})}},
    }
    schemas: dict[str, Any] = {
        "Error": {"type": "object", "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
                  "required": ["error", "message"]},
        "DatasetList": {"type": "object", "required": ["data"], "properties": {"data": {"type": "array", "items": {
            "type": "object", "required": ["name", "title", "url"],
            "properties": {"name": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
                           "url": {"type": "string"}, "licence": {"type": "string"},
                           "filters": {"type": "array", "items": {"type": "string"}}}}}}},
    }
    for d in datasets:
        params: list[dict] = [
            if_none_match,
            {"name": "limit", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
             "description": "Rows per page"},
            {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"},
             "description": "From `next_cursor` of the page before"},
        ]
        if "ward" in d.filters():
            params.append({"name": "ward", "in": "query", "required": False, "schema": {"type": "string"},
                           "description": "Only rows for this ward code"})
        if "status" in d.filters():
            params.append({"name": "status", "in": "query", "required": False, "schema": {"type": "string"},
                           "description": f"Only rows whose {d.status_field} is this"})
        if "since" in d.filters():
            for name, word in (("since", "on or after"), ("until", "on or before")):
                params.append({"name": name, "in": "query", "required": False,
                               "schema": {"type": "string", "format": "date"},
                               "description": f"Only rows whose {d.date_field} is {word} this date"})
        schema_name = "".join(part.capitalize() for part in d.name.split("-"))
        schemas[schema_name] = _row_schema(d)
        paths[f"/{d.name}"] = {"get": {
            "operationId": f"list{schema_name}", "summary": str(d.title), "description": str(d.description),
            "parameters": params,
            "responses": {**responses({
                "type": "object", "required": ["data", "next_cursor"],
                "properties": {"data": {"type": "array", "items": {"$ref": f"#/components/schemas/{schema_name}"}},
                               "next_cursor": {"type": ["string", "null"]},
                               "next": {"type": ["string", "null"]}}}),
                "400": {**error, "description": "A parameter the API cannot use; the message says which"}},
        }}
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1.0.0",
                 "description": "Read-only open data. No personal data: residents never appear by name.",
                 "license": {"name": "Open Government Licence v3.0", "url": OGL_URL}},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": schemas},
    }
