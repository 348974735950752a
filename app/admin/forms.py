from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SearchField, SelectField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from app.core.bilingual import BilingualField
from app.core.forms import MultiCheckboxField


class PeopleSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search

    q = SearchField(_l("Search by name or email address"), validators=[Optional(), Length(max=100)])


class PersonAccessForm(FlaskForm):
    roles = MultiCheckboxField(_l("Roles"), description=_l(
        "Staff, caseworker, evaluator and administrator roles need two-factor sign-in."))
    teams = MultiCheckboxField(_l("Teams"))
    represents = SelectField(_l("Ward this councillor represents"), validators=[Optional()],
                             description=_l("Only for councillors. Their page appears on this ward's page."))


class TeamForm(FlaskForm):
    name = StringField(_l("Team name"), validators=[DataRequired(_l("Enter the team's name")),
                                                   Length(max=120, message=_l("Use 120 characters or fewer"))])


class CouncilSettingsForm(FlaskForm):
    name_en = StringField(_l("Council name in English"), validators=[
        DataRequired(_l("Enter the council's name")), Length(max=200, message=_l("Use 200 characters or fewer"))])
    name_cy = StringField(_l("Council name in Welsh"), validators=[
        Optional(), Length(max=200, message=_l("Use 200 characters or fewer"))])
    contact_email = StringField(_l("Contact email address"), validators=[
        Optional(), Length(max=254, message=_l("Use 254 characters or fewer")), Email(_l("Enter an email address in the correct format, like name@example.com"),
                          check_deliverability=False)])
    contact_phone = StringField(_l("Contact phone number"), validators=[Optional(), Length(max=40)])
    welsh_required = BooleanField(_l("Staff must give Welsh as well as English for everything they publish"))
    pre_election = BooleanField(_l("Pre-election period: pause publishing new ideas and consultations"))
    pre_election_notice = BilingualField(_l("Notice shown during the pre-election period"), multiline=True,
                                         optional=True)


def retention_field(label) -> IntegerField:
    return IntegerField(label, validators=[
        InputRequired(_l("Enter a number of days")),
        NumberRange(min=1, max=3650, message=_l("Enter a number of days between 1 and 3650"))])


class PollingCardImportForm(FlaskForm):
    file = FileField(_l("CSV file"), description=_l(
        "Columns: name, address, ward (its code or name), code (the code printed on the polling card). "
        "Up to 100,000 rows."))
