"""The read-only JSON API under /api/v1/: the catalogue's datasets, paged by cursor.

Every answer carries an ETag (304 for a matching If-None-Match), may be read from any site
(CORS, GET only) and counts against a per-address limit (API_RATE_LIMIT)."""
from __future__ import annotations

from flask import Response, current_app, json, request, url_for
from flask_babel import force_locale

from app.core.access import public
from app.core.datasets import datasets
from app.core.tenancy import current_council
from app.extensions import limiter
from app.opendata import api_bp, services
from app.opendata.routes import catalogue


def _limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


limiter.limit(_limit, error_message="rate limit")(api_bp)


def _json(document: dict, status: int = 200) -> Response:
    response = Response(json.dumps(document, ensure_ascii=False), status=status, mimetype="application/json")
    if status == 200:
        response.add_etag()
        response.cache_control.public = True
        response.cache_control.max_age = 60
        response.make_conditional(request)
    return response


def _error(status: int, error: str, message: str) -> Response:
    return _json({"error": error, "message": message}, status)


@api_bp.after_request
def cors(response: Response) -> Response:
    # Open data: any site may read it. GET only; nothing here uses cookies.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "If-None-Match"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining"
    response.vary.discard("Cookie")
    return response


@api_bp.errorhandler(429)
def too_many(_exception) -> Response:
    # Flask-Limiter adds Retry-After and the X-RateLimit headers to this answer.
    return _error(429, "too_many_requests", f"Too many requests from this address: the limit is {_limit()}.")


@api_bp.errorhandler(404)
def not_found(_exception=None) -> Response:
    return _error(404, "not_found", "No such dataset: GET /api/v1/ lists them.")


@api_bp.get("/")
@public
def datasets_index():
    with force_locale("en"):
        data = [{"name": d.name, "title": str(d.title), "description": str(d.description),
                 "url": url_for("api.dataset", name=d.name, _external=True), "licence": d.licence,
                 "filters": d.filters()}
                for d in catalogue()]
    return _json({"data": data})


@api_bp.get("/openapi.json")
@public
def openapi():
    with force_locale("en"):
        document = services.openapi_document(
            catalogue(), title=f"{current_council().name('en')} open data API",
            server_url=url_for("api.datasets_index", _external=True).rstrip("/"), limit_text=_limit())
    return _json(document)


@api_bp.get("/<name>")
@public
def dataset(name: str):
    found = datasets.get(name)
    if found is None:
        return not_found()
    # An empty parameter is no filter; one this dataset cannot filter on is an error, not ignored.
    args = {k: v for k, v in request.args.items() if v != ""}
    unknown = sorted(set(args) - {"limit", "cursor"} - set(found.filters()))
    if unknown:
        return _error(400, "bad_request", f"{unknown[0]}: this dataset cannot be filtered by it "
                                          f"(it takes: {', '.join(found.filters()) or 'no filters'})")
    try:
        f = services.RowFilter(ward=args.get("ward"), status=args.get("status"),
                               since=services.parse_date("since", args.get("since")),
                               until=services.parse_date("until", args.get("until")))
        after = services.decode_cursor(args["cursor"], found) if args.get("cursor") else None
        limit = services.parse_limit(args.get("limit"))
    except services.BadQuery as problem:
        return _error(400, "bad_request", str(problem))
    rows, next_cursor = services.page(found, current_council().id, f, after, limit)
    next_url = None
    if next_cursor:
        kept = {k: v for k, v in args.items() if k in ("limit", "ward", "status", "since", "until")}
        next_url = url_for("api.dataset", name=name, _external=True, **kept, cursor=next_cursor)
    return _json({"data": [services.public_row(found, row) for row in rows], "next_cursor": next_cursor,
                  "next": next_url})
