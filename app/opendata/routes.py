"""The open data catalogue, its downloads, and its DCAT description."""
from __future__ import annotations

from flask import abort, jsonify, render_template, url_for

from app.core.access import public
from app.core.datasets import datasets, export_response
from app.core.tenancy import current_council
from app.opendata import bp, services


def catalogue() -> list:
    return sorted(datasets.values(), key=lambda d: str(d.title))


@bp.get("/open-data")
@public
def index():
    return render_template("opendata/catalogue.html", datasets=catalogue())


@bp.get("/open-data/catalogue.jsonld")
@public
def dcat():
    from flask_babel import force_locale

    council = current_council()
    with force_locale("en"):  # one language, as the catalogue's title: English
        document = _dcat_document(council)
    response = jsonify(document)
    response.mimetype = "application/ld+json"
    return response


def _dcat_document(council) -> dict:
    return services.dcat_catalogue(
        catalogue(), council_name=council.name("en"), home=url_for("core.home", _external=True),
        catalogue_url=url_for("opendata.index", _external=True),
        url_for_download=lambda name, fmt: url_for("opendata.download", name=name, fmt=fmt, _external=True),
        url_for_api=lambda name: url_for("api.dataset", name=name, _external=True))


@bp.get("/open-data/<name>.<fmt>")
@public
def download(name: str, fmt: str):
    dataset = datasets.get(name)
    if dataset is None or fmt not in ("csv", "json", "xlsx"):
        abort(404)
    return export_response(fmt, name, dataset.field_names(), dataset.rows(current_council().id))


@bp.get("/open-data/api")
@public
def api_guide():
    from flask import current_app
    from limits import parse

    limit = parse(current_app.config["API_RATE_LIMIT"])
    per_minute = round(limit.amount * 60 / limit.get_expiry())
    return render_template("opendata/api.html", datasets=catalogue(), per_minute=per_minute)
