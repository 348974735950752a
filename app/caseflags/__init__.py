from flask import Blueprint

bp = Blueprint("caseflags", __name__, template_folder="templates", url_prefix="/caseflags")

from app.caseflags import notices, platform, routes  # noqa: E402,F401
from app.caseflags.demo import load as _load_demo  # noqa: E402
from app.core.registry import demo_loaders  # noqa: E402

demo_loaders.register("caseflags", _load_demo, order=70)
