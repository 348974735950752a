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
    council = current_council()
    document = services.dcat_catalogue(
        catalogue(), council_name=council.name("en"), home=url_for("core.home", _external=True),
        catalogue_url=url_for("opendata.index", _external=True),
        url_for_download=lambda name, fmt: url_for("opendata.download", name=name, fmt=fmt, _external=True),
        url_for_api=lambda name: url_for("api.dataset", name=name, _external=True))
    response = jsonify(document)
    response.mimetype = "application/ld+json"
    return response


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
    return render_template("opendata/api.html", datasets=catalogue())
