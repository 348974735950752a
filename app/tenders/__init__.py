from flask import Blueprint

bp = Blueprint("tenders", __name__, template_folder="templates", url_prefix="/tenders")

from app.tenders import cli, notices, platform, routes  # noqa: E402,F401
