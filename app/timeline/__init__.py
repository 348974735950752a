"""The personal timeline on "My council": opportunities from every module, ranked by a
simple score that says why ("because you live in Afon and follow Transport"), learning from
what the person opens only if they turn that on; and participation alerts by email."""
from flask import Blueprint

bp = Blueprint("timeline", __name__, template_folder="templates", url_prefix="/my-council/timeline")

from app.timeline import platform, routes  # noqa: E402,F401
