"""Language: the reader's choice, then the browser; formatting of dates and money per locale."""
from __future__ import annotations

from decimal import Decimal

from flask import Flask
from flask_babel import Babel, format_currency, format_date, format_datetime, format_decimal, get_locale

from app.core.web import RTL_LANGUAGES, select_locale

LANGUAGE_NAMES = {"en": "English", "cy": "Cymraeg"}


def text_direction() -> str:
    return "rtl" if str(get_locale()).split("_")[0] in RTL_LANGUAGES else "ltr"


_LABELS: dict[tuple[str, str], dict[str, str]] = {}


def labels(name: str, pairs) -> dict[str, str]:
    """{key: label in the reader's language} for a fixed list of (key, lazy label) pairs.

    Looking up a translation costs tens of microseconds; a list page showing a status and a
    topic on each of 20 cards, and menus of them, paid for a hundred lookups. These lists and
    the catalogues never change while the process runs, so each is translated once per language."""
    locale = str(get_locale() or "en")
    cached = _LABELS.get((name, locale))
    if cached is None:
        cached = _LABELS[(name, locale)] = {key: str(label) for key, label in pairs}
    return cached


def money(amount: Decimal | float | int, currency: str = "GBP") -> str:
    return format_currency(amount, currency)


def install(app: Flask, babel: Babel) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(app.root_path + "/../translations"))
    from app.core.bilingual import pick_for_reader

    app.jinja_env.globals.update(
        bilingual=pick_for_reader,
        get_locale=get_locale,
        text_direction=text_direction,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )
    app.jinja_env.filters.update(
        date=format_date,
        datetime=format_datetime,
        money=money,
        number=format_decimal,
    )
