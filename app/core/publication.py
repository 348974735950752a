"""The pre-election switch: while it is on, nothing new is published (ideas, consultations).

Modules wrap their "submit" routes with @publication_open and hide submit buttons with the
`publication_paused()` template global; pages that would publish set
`show_pre_election_notice = true` so the layout shows the council's notice.
"""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core.tenancy import current_council


def publication_paused() -> bool:
    return bool(current_council().pre_election)


def publication_open(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args, **kwargs):
        if publication_paused():
            from app.core.errors import render_error
            return render_error(403, _l("Publishing is paused before the election"),
                                _l("You can read everything already published. New ideas and consultations "
                                   "open again after the election."))
        return view(*args, **kwargs)
    return wrapper


def install(app: Flask) -> None:
    app.jinja_env.globals["publication_paused"] = publication_paused
