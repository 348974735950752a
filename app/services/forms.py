from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DecimalField, SearchField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from app.core.forms import MultiCheckboxField, TextForm, choices, web_address

CHANNEL_LABELS = [("online", _l("Online")), ("phone", _l("Phone")), ("face_to_face", _l("Face to face")),
                  ("kiosk", _l("Library kiosk")), ("post", _l("Post"))]


def _max(n: int):
    return Length(max=n, message=_l("Use %(n)s characters or fewer", n=n))


class DirectorySearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search

    q = SearchField(_l("What do you need help with?"), validators=[Optional(), Length(max=100)],
                    description=_l("For example: bins, council tax, school transport"))
    ward = SelectField(_l("Ward"), validators=[Optional()])


class ServiceForm(TextForm):
    name = StringField(_l("Name of the service"), validators=[DataRequired(_l("Enter the name of the service")), _max(200)])
    team = SelectField(_l("Owner team"), validators=[DataRequired(_l("Choose the team that runs the service"))])
    description = TextAreaField(_l("What it does, in plain words"), validators=[
        DataRequired(_l("Say what the service does")), _max(3000)],
        description=_l("Write for a resident: short sentences, no jargon."))
    eligibility = TextAreaField(_l("Who can use it"), validators=[Optional(), _max(2000)])
    how_to_access = TextAreaField(_l("How to use it"), validators=[Optional(), _max(2000)])
    channels = MultiCheckboxField(_l("Ways to use it"), choices=choices(CHANNEL_LABELS),
                                  validators=[DataRequired(_l("Choose at least one way to use the service"))])
    needs = StringField(_l("Needs it meets"), validators=[Optional(), _max(300)],
                        description=_l("Words residents might search for, separated by commas: bins, recycling"))
    email = StringField(_l("Email address"), validators=[
        Optional(), _max(254), Email(_l("Enter an email address in the correct format, like name@example.com"),
                                     check_deliverability=False)])
    phone = StringField(_l("Phone number"), validators=[Optional(), _max(40)])
    url = StringField(_l("Web page"), validators=[Optional(), _max(500), web_address])
    address = TextAreaField(_l("Where to go in person"), validators=[Optional(), _max(500)])
    opening_hours = TextAreaField(_l("Opening hours"), validators=[Optional(), _max(1000)])
    wards = MultiCheckboxField(_l("Wards covered"), description=_l("Leave all empty if the service covers the whole council area."))
    status = SelectField(_l("Status"), choices=choices([("active", _l("Running")), ("inactive", _l("Not running"))]))


class MeasureForm(TextForm):
    name = StringField(_l("What is measured"), validators=[DataRequired(_l("Enter what is measured")), _max(120)],
                       description=_l("For example: days to resolve a request"))
    unit = StringField(_l("Unit"), validators=[Optional(), _max(40)], description=_l("For example: days, %"))
    higher_is_better = BooleanField(_l("Higher values are better"))


class TargetForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it only changes what is shown

    target = DecimalField(_l("Target share of transactions online (%)"), places=0, validators=[
        InputRequired(_l("Enter a target between 0 and 100")),
        NumberRange(min=0, max=100, message=_l("Enter a target between 0 and 100"))])


def _cost_field(label):
    return DecimalField(label, places=2, validators=[
        InputRequired(_l("Enter a cost in pounds, like 2.83")),
        NumberRange(min=0, max=10000, message=_l("Enter a cost between 0 and 10,000 pounds"))])


class CostsForm(FlaskForm):
    online = _cost_field(_l("Online (£ per transaction)"))
    phone = _cost_field(_l("Phone (£ per transaction)"))
    face_to_face = _cost_field(_l("Face to face (£ per transaction)"))
    kiosk = _cost_field(_l("Library kiosk (£ per transaction)"))
    post = _cost_field(_l("Post (£ per transaction)"))


class FiguresImportForm(FlaskForm):
    file = FileField(_l("CSV file"), description=_l("Use the template. The file can have up to 5,000 rows."))
