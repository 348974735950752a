"""Equality monitoring questions (the council's public sector equality duty). Always optional,
kept only as counts (see models.EqualityCount), reported only in aggregate."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

PREFER_NOT = ("prefer-not", _l("Prefer not to say"))

FIELDS = [
    ("age_band", _l("Your age"), [("under-16", _l("Under 16")), ("16-24", _l("16 to 24")), ("25-44", _l("25 to 44")),
                                  ("45-64", _l("45 to 64")), ("65-74", _l("65 to 74")), ("75-plus", _l("75 or over")),
                                  PREFER_NOT]),
    ("disability", _l("Do you consider yourself to be disabled?"),
     [("yes", _l("Yes")), ("no", _l("No")), PREFER_NOT]),
    ("ethnicity", _l("Your ethnic group"), [("white", _l("White")), ("mixed", _l("Mixed or multiple ethnic groups")),
                                            ("asian", _l("Asian or Asian British")),
                                            ("black", _l("Black, Black British, Caribbean or African")),
                                            ("other", _l("Another ethnic group")), PREFER_NOT]),
    ("sex", _l("Your sex"), [("female", _l("Female")), ("male", _l("Male")), PREFER_NOT]),
    ("religion", _l("Your religion or belief"), [("none", _l("No religion")), ("christian", _l("Christian")),
                                                 ("muslim", _l("Muslim")), ("other", _l("Another religion or belief")),
                                                 PREFER_NOT]),
    ("sexual_orientation", _l("Your sexual orientation"),
     [("straight", _l("Straight or heterosexual")), ("gay-lesbian", _l("Gay or lesbian")),
      ("bisexual", _l("Bisexual")), ("other", _l("Another sexual orientation")), PREFER_NOT]),
]
FIELD_KEYS = {key: {value for value, _label in options} for key, _label, options in FIELDS}


def clean(form) -> dict[str, str]:
    """The equality answers given, keeping only known fields and values."""
    chosen = {}
    for key, allowed in FIELD_KEYS.items():
        value = form.get(f"eq-{key}") or ""
        if value in allowed:
            chosen[key] = value
    return chosen
