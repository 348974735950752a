"""Reading and checking answers from a submitted page, one question kind at a time.

Pure: no Flask, no database. A question is anything with `id`, `kind`, `required`, `options`
([{"key": ...}]) and `budget_total`; the form is anything with `get(name)` and `getlist(name)`.
Every answer given is kept, even when another on the page is wrong, so a person never types
anything twice.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from flask_babel import lazy_gettext as _l

from app.core.postcodes import normalise_postcode

SHORT_TEXT_MAX = 500
LONG_TEXT_MAX = 5000
RATING_VALUES = ("1", "2", "3", "4", "5")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class _Cleaned:
    """The form with control characters dropped from every value: a NUL is refused by PostgreSQL
    and a vertical tab (Word's Shift+Enter) by spreadsheets."""

    def __init__(self, form):
        self._form = form

    def get(self, name, default=None):
        value = self._form.get(name, default)
        return _CONTROL.sub("", value) if isinstance(value, str) else value

    def getlist(self, name):
        return [_CONTROL.sub("", v) for v in self._form.getlist(name)]


@dataclass
class Parsed:
    text: str | None = None
    data: Any = None
    error: Any = None  # a message for the person, or None
    ward_id: int | None = None  # from a postcode answer

    @property
    def empty(self) -> bool:
        return self.text in (None, "") and self.data in (None, [], {})


def field_name(question) -> str:
    return f"q{question.id}"


def option_field(question, key: str) -> str:
    return f"q{question.id}-{key}"


def keys_of(question) -> list[str]:
    return [o["key"] for o in question.options or []]


def _int(value: str | None) -> int | None:
    value = (value or "").strip().replace(",", "").replace("£", "")
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def parse(question, form, *, wards_for_postcode: Callable[[str], list[int]] | None = None,
          required: bool | None = None) -> Parsed:
    """`required` overrides the question's own setting (saving a draft for later, say)."""
    kind = getattr(question.kind, "value", question.kind)
    name = field_name(question)
    result = _PARSERS[kind](question, _Cleaned(form), name, wards_for_postcode)
    if required is None:
        required = question.required
    if result.error is None and required and result.empty:
        result.error = _REQUIRED[kind]
    return result


def _text(limit: int):
    def parse_text(question, form, name, _wards) -> Parsed:
        value = (form.get(name) or "").strip()
        if len(value) > limit:
            return Parsed(text=value, error=_l("Use %(num)s characters or fewer", num=f"{limit:,}"))
        return Parsed(text=value or None)
    return parse_text


def _single(question, form, name, _wards) -> Parsed:
    value = form.get(name) or ""
    if value and value not in keys_of(question):
        return Parsed(error=_l("Choose one of the options"))
    return Parsed(text=value or None)


def _multiple(question, form, name, _wards) -> Parsed:
    keys = keys_of(question)
    chosen = [k for k in keys if k in set(form.getlist(name))]  # in the options' order, no repeats
    return Parsed(data=chosen or None)


def _rating(question, form, name, _wards) -> Parsed:
    value = form.get(name) or ""
    if value and value not in RATING_VALUES:
        return Parsed(error=_l("Choose a rating from 1 to 5"))
    return Parsed(text=value or None)


def _ranking(question, form, name, _wards) -> Parsed:
    """Each item gets a place (1 = most important). Places must be different and all given."""
    keys = keys_of(question)
    places = {key: (form.get(option_field(question, key)) or "").strip() for key in keys}
    given = {key: p for key, p in places.items() if p}
    kept = {key: p for key, p in places.items()}  # shown back exactly as typed
    if not given:
        return Parsed(data=None)
    numbers = {key: _int(p) for key, p in given.items()}
    if len(given) < len(keys) or any(n is None or not 1 <= n <= len(keys) for n in numbers.values()):
        return Parsed(data=kept, error=_l("Give every item a place from 1 to %(num)s", num=len(keys)))
    if len(set(numbers.values())) != len(keys):
        return Parsed(data=kept, error=_l("Give each item a different place: two items cannot share one"))
    return Parsed(data=sorted(keys, key=lambda k: numbers[k]))


def _budget(question, form, name, _wards) -> Parsed:
    """Pounds per line; the lines must add up to exactly the sum to share."""
    keys = keys_of(question)
    raw = {key: (form.get(option_field(question, key)) or "").strip() for key in keys}
    if not any(raw.values()):
        return Parsed(data=None)
    amounts = {key: _int(v) if v else 0 for key, v in raw.items()}
    if any(a is None or a < 0 for a in amounts.values()):
        return Parsed(data=raw, error=_l("Enter each amount in whole pounds, like 250"))
    total, target = sum(amounts.values()), question.budget_total or 0
    if total != target:
        return Parsed(data=raw, error=_l("Your amounts add up to £%(total)s: they must add up to £%(target)s",
                                         total=f"{total:,}", target=f"{target:,}"))
    return Parsed(data=amounts)


def _postcode(question, form, name, wards_for_postcode) -> Parsed:
    value = (form.get(name) or "").strip()
    if not value:
        return Parsed()
    postcode = normalise_postcode(value)
    if postcode is None:
        return Parsed(text=value, error=_l("Enter a real postcode, like CC1 1AA"))
    wards = wards_for_postcode(postcode) if wards_for_postcode else []
    if not wards:
        return Parsed(text=postcode, error=_l("Enter a postcode in the council's area"))
    # A postcode on a ward boundary is kept, but counted in no single ward.
    return Parsed(text=postcode, ward_id=wards[0] if len(wards) == 1 else None)


_PARSERS = {
    "short_text": _text(SHORT_TEXT_MAX), "long_text": _text(LONG_TEXT_MAX), "single": _single,
    "multiple": _multiple, "rating": _rating, "ranking": _ranking, "budget": _budget, "postcode": _postcode,
}
_REQUIRED = {
    "short_text": _l("Answer this question"), "long_text": _l("Answer this question"),
    "single": _l("Choose an option"), "multiple": _l("Choose at least one option"),
    "rating": _l("Choose a rating from 1 to 5"), "ranking": _l("Put the items in order"),
    "budget": _l("Share out the budget"), "postcode": _l("Enter your postcode"),
}


def page_visible(page, answer_of: Callable[[int], Any]) -> bool:
    """A conditional page shows when the earlier answer includes the option it names."""
    if not page.show_if_question_id:
        return True
    answer = answer_of(page.show_if_question_id)
    if answer is None:
        return False
    text, data = answer
    return text == page.show_if_option or (isinstance(data, list) and page.show_if_option in data)


def moved(order: list[str], key: str, direction: str) -> list[str]:
    """The ranking with `key` one place up or down (the no-JS buttons)."""
    order = list(order)
    if key not in order:
        return order
    i = order.index(key)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
    return order


@dataclass
class Tally:
    """What a question's answers add up to, for charts and the outcome page."""
    question_id: int
    kind: str
    answered: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # choices, ratings
    average_place: dict[str, float] = field(default_factory=dict)  # ranking
    average_amount: dict[str, float] = field(default_factory=dict)  # budget
    ward_counts: dict[int, int] = field(default_factory=dict)  # postcode


def tally(question, answers) -> Tally:
    """answers: (text, data, ward_id) of every submitted answer to `question`."""
    kind = getattr(question.kind, "value", question.kind)
    result = Tally(question.id, kind)
    keys = keys_of(question)
    places: dict[str, int] = {k: 0 for k in keys}
    amounts: dict[str, int] = {k: 0 for k in keys}
    for text, data, ward_id in answers:
        if text in (None, "") and not data:
            continue
        result.answered += 1
        if kind in ("single", "rating"):
            result.counts[text] = result.counts.get(text, 0) + 1
        elif kind == "multiple":
            for key in data or []:
                result.counts[key] = result.counts.get(key, 0) + 1
        elif kind == "ranking" and isinstance(data, list):
            for place, key in enumerate(data, 1):
                places[key] = places.get(key, 0) + place
        elif kind == "budget" and isinstance(data, dict):
            for key, amount in data.items():
                amounts[key] = amounts.get(key, 0) + int(amount)
        elif kind == "postcode" and ward_id:
            result.ward_counts[ward_id] = result.ward_counts.get(ward_id, 0) + 1
    if result.answered:
        if kind == "ranking":
            result.average_place = {k: round(places[k] / result.answered, 2) for k in keys}
        if kind == "budget":
            result.average_amount = {k: round(amounts[k] / result.answered, 2) for k in keys}
    return result


SMALL_NUMBER = 5


def suppress_small(counts: dict[str, int]) -> dict[str, int | None]:
    """Equality figures: any count below 5 could point at a person, so it becomes None, shown
    as "fewer than 5"."""
    return {k: (n if n >= SMALL_NUMBER else None) for k, n in counts.items()}
