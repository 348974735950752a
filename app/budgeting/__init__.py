"""Ward budgets: participatory budgeting from proposals to a verifiable result.

`rules.py` (counting), `allocation.py` (sharing a total between wards) and `pabulib.py` (the
open ballot file) are plain code with no Flask; `cli.py` gives `flask pb count` over any Pabulib
file; `models.py` and `services.py` hold processes, projects and secret ballots (casting,
changing, publishing a result anyone can recount); `routes.py` the residents' pages. Staff
pages, paper and assisted ballots are still to come."""
from flask import Blueprint

bp = Blueprint("budgeting", __name__, template_folder="templates", url_prefix="/budgets")

from app.budgeting import models, platform, routes  # noqa: E402,F401
