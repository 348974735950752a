"""Open data: the catalogue of every dataset the modules register, its downloads, a DCAT
description of it, and the read-only JSON API over the same datasets (`/api/v1/`)."""
from flask import Blueprint

bp = Blueprint("opendata", __name__, template_folder="templates")
api_bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.opendata import api, routes  # noqa: E402,F401
