"""Language: the reader's choice, then the browser; formatting of dates and money per locale."""
from __future__ import annotations

from decimal import Decimal

from flask import Flask
from jinja2 import pass_context
from markupsafe import Markup
from flask_babel import Babel, format_currency, format_date, format_datetime, format_decimal, get_locale

from app.core.web import RTL_LANGUAGES, select_locale

LANGUAGE_NAMES = {"en": "English", "cy": "Cymraeg"}


def text_direction() -> str:
    return "rtl" if str(get_locale()).split("_")[0] in RTL_LANGUAGES else "ltr"


_LABELS: dict[tuple[str, str], dict[str, str]] = {}


def _translations():
    """The reader's translations, looked up once per request and language.

    Flask-Babel finds them again for every `_()` in a template (several context lookups each);
    a list page with 20 cards made about 250 such lookups. Kept beside Flask-Babel's own locale
    for this request, so `force_locale` (emails in the recipient's language) still switches."""
    from flask import g, has_app_context
    from flask_babel import get_translations

    if not has_app_context():
        return get_translations()
    state = g.get("_flask_babel")
    if state is None:
        return get_translations()
    locale = getattr(state, "babel_locale", None)
    cached = getattr(state, "cc_translations", None)
    if cached is not None and locale is not None and cached[0] is locale:
        return cached[1]
    found = get_translations()
    state.cc_translations = (getattr(state, "babel_locale", None), found)
    return found


@pass_context
def _template_gettext(context, string: str, **variables) -> str:
    found = _translations().ugettext(string)
    if context.eval_ctx.autoescape:
        found = Markup(found)
    # Every translation is a format string (a literal "%" is written "%%"), as in Jinja's own.
    return found % variables if variables or "%" in found else found


@pass_context
def _template_ngettext(context, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    found = _translations().ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        found = Markup(found)
    return found % variables


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


def _from_iso(value):
    """A date kept as text (in a notification's parameters) back as a date, for `|date`."""
    from datetime import date

    try:
        return date.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return value


def money(amount: Decimal | float | int, currency: str = "GBP") -> str:
    return format_currency(amount, currency)


def install(app: Flask, babel: Babel) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(app.root_path + "/../translations"))
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True)
    # `_()` and `ngettext()` are the calls a page makes most (about 50 on a list page). Jinja's
    # own newstyle wrappers reach the catalogue through three nested template calls; these do
    # the same in one, with the same escaping rules.
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)
    from app.core.bilingual import pick_for_reader

    app.jinja_env.globals.update(
        bilingual=pick_for_reader,
        get_locale=get_locale,
        text_direction=text_direction,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )
    app.jinja_env.filters.update(
        from_iso=_from_iso,
        date=format_date,
        datetime=format_datetime,
        money=money,
        number=format_decimal,
    )
