from flask import Blueprint

bp = Blueprint("services", __name__, template_folder="templates", url_prefix="/services")

from app.services import platform, routes  # noqa: E402,F401
from app.services.demo import load as _load_demo  # noqa: E402
from app.core.registry import demo_loaders  # noqa: E402

demo_loaders.register("services", _load_demo, order=60)
