"""Form kit shared by every module: choice lists and fields whose messages are ours to translate."""
from __future__ import annotations

from typing import Iterable

from flask_babel import lazy_gettext as _l
from wtforms import DateField as _DateField
from wtforms import SelectMultipleField
from wtforms.fields.choices import SelectChoice


def choices(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """[(value, label), ...] as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class DateField(_DateField):
    """A date with our own translatable message for text that is not a date.

    Pair it with InputRequired, not DataRequired: DataRequired replaces "Enter a real date" with
    its own message when the text typed is not a date.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_value_message", _l("Enter a real date, for example 2026-03-27"))
        super().__init__(*args, **kwargs)


class MultiCheckboxField(SelectMultipleField):
    """Several choices shown as checkboxes in a fieldset (the field macro renders it)."""
