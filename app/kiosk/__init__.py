"""Library kiosks and assisted digital: registered kiosk devices with a start screen, sign-in
with a one-time code (polling card, email or library staff), shared-device safety (no-store,
an idle timeout shown on every page, "Finish and clear"), help at the kiosk and at home,
display settings for everyone, and the accessibility statement."""
from flask import Blueprint

bp = Blueprint("kiosk", __name__, template_folder="templates", url_prefix="/kiosk")
help_bp = Blueprint("help", __name__, template_folder="templates")

from app.kiosk import notices, platform, routes, session  # noqa: E402,F401
