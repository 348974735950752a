from flask import Blueprint

bp = Blueprint("auth", __name__, template_folder="templates")

from app.auth import routes  # noqa: E402,F401

from flask_babel import lazy_gettext as _l  # noqa: E402

from app.auth.services import purge_unconfirmed_accounts  # noqa: E402
from app.core.retention import RetentionKind, register_retention  # noqa: E402

register_retention(RetentionKind("unconfirmed_accounts", _l("Accounts whose email address was never confirmed"),
                                 30, purge_unconfirmed_accounts))
