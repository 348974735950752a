from flask import Blueprint

bp = Blueprint("ideas", __name__, template_folder="templates", url_prefix="/ideas")

from app.ideas import notices, platform, routes  # noqa: E402,F401

