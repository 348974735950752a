from flask import Blueprint

bp = Blueprint("consultations", __name__, template_folder="templates", url_prefix="/consultations")

from app.consultations import notices, platform, routes  # noqa: E402,F401
