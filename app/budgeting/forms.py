from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import InputRequired

from app.core.forms import MultiCheckboxField, choices


class BallotForm(FlaskForm):
    projects = MultiCheckboxField(_l("Your choice of projects"), coerce=int,
                                  validators=[InputRequired(_l("Choose at least one project."))])

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.projects.choices = choices([(p.id, label) for p, label in projects])
