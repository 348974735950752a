"""Form kit shared by every module: choice lists and fields whose messages are ours to translate."""
from __future__ import annotations

from typing import Iterable

from flask_babel import lazy_gettext as _l
from wtforms import DateField as _DateField
from wtforms.fields.choices import SelectChoice


def choices(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """[(value, label), ...] as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class DateField(_DateField):
    """A date with our own translatable message for text that is not a date."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(_l("Enter a real date, for example 2026-03-27")) from error
