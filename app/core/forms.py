"""Form kit shared by every module: choice lists and fields whose messages are ours to translate."""
from __future__ import annotations

import re
from typing import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
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


def per_item_form(items, key, make_field):
    """A form with one field per registered item (kinds of notification, of personal data...).

    Fields are named after each item's key, not its position, so a registry that changes
    between showing the form and posting it cannot put an answer on the wrong item.
    Returns (form, [(item, field name)])."""
    from flask_wtf import FlaskForm

    named = [(item, "f_" + re.sub(r"[^0-9A-Za-z]", "_", key(item))) for item in items]
    form_class = type("PerItemForm", (FlaskForm,), {name: make_field(item) for item, name in named})
    return form_class(), named


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_control_characters(value):
    """Control characters (a NUL, a form feed) have no place in people's text: they break XML
    feeds and PostgreSQL refuses NUL. Tabs and line breaks stay."""
    return _CONTROL_CHARACTERS.sub("", value) if isinstance(value, str) else value


class TextForm(FlaskForm):
    """A form whose every text field drops control characters: use it for people's writing."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            from wtforms import StringField

            if issubclass(unbound_field.field_class, StringField):
                options["filters"] = [*unbound_field.kwargs.get("filters", ()), strip_control_characters]
            return unbound_field.bind(form=form, **options)


class MultiCheckboxField(SelectMultipleField):
    """Several choices shown as checkboxes in a fieldset (the field macro renders it)."""


# --- Forms for core's own pages ---------------------------------------------------------------
from wtforms import HiddenField, RadioField, StringField, URLField  # noqa: E402
from wtforms.validators import Email, InputRequired, Length, Optional, URL  # noqa: E402

from app.core.bilingual import BilingualField  # noqa: E402


class InterestsForm(FlaskForm):
    categories = MultiCheckboxField(_l("Topics you care about"))
    wards = MultiCheckboxField(_l("Wards you want to hear about"),
                               description=_l("You always hear about your own ward."))


class FollowForm(FlaskForm):
    object_type = HiddenField(validators=[InputRequired()])
    object_id = HiddenField(validators=[InputRequired()])
    action = HiddenField(validators=[InputRequired()])
    next = HiddenField()


def delivery_field(label) -> RadioField:
    return RadioField(label, choices=choices([("instant", _l("Email me as it happens")),
                                              ("weekly", _l("One email a week")),
                                              ("off", _l("No emails or messages"))]),
                      validators=[InputRequired(_l("Choose how you want to hear about this"))])


def web_address(form, field) -> None:
    """Only http(s): a javascript: or data: link saved here would run in readers' browsers."""
    from wtforms.validators import ValidationError

    if field.data and not field.data.lower().startswith(("https://", "http://")):
        raise ValidationError(_l("Enter a full web address starting with https://"))


class CouncillorProfileForm(FlaskForm):
    party = StringField(_l("Party or group"), validators=[Optional(), Length(max=120)])
    public_email = StringField(_l("Email address for residents"), validators=[
        Optional(), Length(max=254, message=_l("Use 254 characters or fewer")), Email(_l("Enter an email address in the correct format, like name@example.com"),
                          check_deliverability=False)])
    phone = StringField(_l("Phone number for residents"), validators=[Optional(), Length(max=40)])
    interests_url = URLField(_l("Link to your register of interests"), validators=[
        Optional(), Length(max=500, message=_l("Use 500 characters or fewer")),
        URL(message=_l("Enter a full web address starting with https://")), web_address])
    bio = BilingualField(_l("About you"), multiline=True, optional=True,
                         description=_l("A few sentences residents will see on your ward page."))


def uploaded_csv_text(field) -> str | None:
    """The text of the CSV uploaded in a file field, or None with the reason added to the field's
    errors (no file chosen, or not UTF-8). One place, for every CSV import page."""
    upload = field.data
    if not upload or not upload.filename:
        field.errors.append(_l("Choose a CSV file to import"))
        return None
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        field.errors.append(_l("The file must be a CSV saved as UTF-8"))
        return None
