from flask import Blueprint

bp = Blueprint("contracts", __name__, template_folder="templates", url_prefix="/contracts")

from app.contracts import platform, routes  # noqa: E402,F401
from app.contracts.demo import load as _load_demo  # noqa: E402
from app.core.registry import demo_loaders  # noqa: E402

demo_loaders.register("contracts", _load_demo, order=50)
