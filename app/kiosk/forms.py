from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

from app.core.forms import choices

_EMAIL_FORMAT = _l("Enter an email address in the correct format, like name@example.com")


class DeviceForm(FlaskForm):
    name = StringField(_l("Name of this kiosk"), validators=[
        InputRequired(_l("Enter a name for the kiosk")), Length(max=120, message=_l("Use 120 characters or fewer"))],
        description=_l("So staff can tell kiosks apart, like “Kiosk by the front desk”."))
    location = StringField(_l("Where it is"), validators=[
        InputRequired(_l("Enter where the kiosk is")), Length(max=200, message=_l("Use 200 characters or fewer"))],
        description=_l("The building, as residents know it, like “Central Library”."))
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=500)])
    opening_hours = TextAreaField(_l("Opening hours"), validators=[Optional(), Length(max=500)],
                                  description=_l("As the building publishes them. Shown to residents."))
    team = SelectField(_l("Staff told when someone asks for help"), validators=[Optional()])
    idle_minutes = IntegerField(_l("End a session after this many minutes without activity"), default=10,
                                validators=[InputRequired(_l("Enter a number of minutes")),
                                            NumberRange(min=2, max=60, message=_l("Enter a number from 2 to 60"))])

    def __init__(self, *args, teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.team.choices = choices([("", _l("All council staff"))] + [(str(t.id), t.name) for t in teams])


class CodeSignInForm(FlaskForm):
    code = StringField(_l("Your code"), validators=[
        InputRequired(_l("Enter the code from your letter, email or the member of staff")), Length(max=40)],
        description=_l("8 letters and numbers, like K7MX-Q2PD. Capitals, spaces and dashes do not matter."))


class EmailCodeForm(FlaskForm):
    email = StringField(_l("Your email address"), validators=[
        InputRequired(_l("Enter your email address")), Length(max=254), Email(_EMAIL_FORMAT, check_deliverability=False)])


class FindResidentForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search

    q = StringField(_l("Name or email address"), validators=[Optional(), Length(max=100)])


class AssistedAccountForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[
        InputRequired(_l("Enter the resident's name")), Length(max=120, message=_l("Use 120 characters or fewer"))])
    ward = SelectField(_l("Ward they live in"), validators=[InputRequired(_l("Choose the ward they live in"))])
    email = StringField(_l("Email address (if they have one)"), validators=[
        Optional(), Length(max=254), Email(_EMAIL_FORMAT, check_deliverability=False)])
    checked = RadioField(_l("How did you confirm who they are and where they live?"), choices=choices([
        ("document", _l("I saw a document with their name and address")),
        ("known", _l("I know them, or a colleague vouched for them"))]),
        validators=[InputRequired(_l("Say how you confirmed who they are"))])

    def __init__(self, *args, wards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.ward.choices = choices([("", _l("Choose a ward"))] + [(str(w.id), w.name) for w in wards])


class IssueCodeForm(FlaskForm):
    checked = RadioField(_l("How did you confirm who they are?"), choices=choices([
        ("document", _l("I saw a document with their name and address")),
        ("known", _l("I know them, or a colleague vouched for them"))]),
        validators=[InputRequired(_l("Say how you confirmed who they are"))])


class LettersForm(FlaskForm):
    file = FileField(_l("Register extract (CSV)"),
                     description=_l("Columns: name, address, ward (the ward's code or name). One row per resident."))
    valid_days = IntegerField(_l("Codes work for this many days"), default=90, validators=[
        InputRequired(_l("Enter a number of days")), NumberRange(min=7, max=365, message=_l("Enter a number from 7 to 365"))])
    output = RadioField(_l("Make"), default="letters", choices=choices([
        ("letters", _l("Letters to print (a page with one letter per sheet)")),
        ("csv", _l("A CSV file for a mail merge"))]), validators=[InputRequired()])


class HelpAtHomeForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[
        InputRequired(_l("Enter your name")), Length(max=120, message=_l("Use 120 characters or fewer"))])
    phone = StringField(_l("Phone number"), validators=[Optional(), Length(max=40)],
                        description=_l("We will phone you to arrange a visit. Give a phone number or an email address."))
    email = StringField(_l("Email address"), validators=[
        Optional(), Length(max=254), Email(_EMAIL_FORMAT, check_deliverability=False)])
    address = TextAreaField(_l("Your address"), validators=[
        InputRequired(_l("Enter your address, so a volunteer can visit")), Length(max=500)])
    ward = SelectField(_l("Your ward (if you know it)"), validators=[Optional()])
    needs = TextAreaField(_l("What would you like help with?"), validators=[
        InputRequired(_l("Say what you would like help with")), Length(max=2000)],
        description=_l("For example: voting on the ward budget, answering a consultation, setting up email."))
    best_times = StringField(_l("Best days and times for a visit"), validators=[Optional(), Length(max=200)])

    def __init__(self, *args, wards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.ward.choices = choices([("", _l("I don't know"))] + [(str(w.id), w.name) for w in wards])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not (self.phone.data or "").strip() and not (self.email.data or "").strip():
            self.phone.errors.append(_l("Give a phone number or an email address, so we can arrange the visit"))
            return False
        return ok


class HelpAtHomeUpdateForm(FlaskForm):
    status = SelectField(_l("Status"), validators=[InputRequired()])
    note = TextAreaField(_l("Note for colleagues"), validators=[Optional(), Length(max=2000)])


class AccessibilityReportForm(FlaskForm):
    page = StringField(_l("Which page or part of the site?"), validators=[Optional(), Length(max=500)])
    problem = TextAreaField(_l("What was the problem?"), validators=[
        InputRequired(_l("Tell us what the problem was")), Length(max=4000)])
    assistive_technology = StringField(_l("Do you use assistive technology? (optional)"),
                                       validators=[Optional(), Length(max=200)],
                                       description=_l("For example a screen reader, magnifier or voice control."))
    reply_to = StringField(_l("Email address for our reply (optional)"), validators=[
        Optional(), Length(max=254), Email(_EMAIL_FORMAT, check_deliverability=False)])


class ResolveReportForm(FlaskForm):
    note = TextAreaField(_l("What was done"), validators=[InputRequired(_l("Say what was done")), Length(max=2000)])


class DisplayForm(FlaskForm):
    text = RadioField(_l("Text size"), default="normal", choices=choices([
        ("normal", _l("Standard")), ("large", _l("Large")), ("larger", _l("Largest"))]), validators=[InputRequired()])
    contrast = RadioField(_l("Contrast"), default="normal", choices=choices([
        ("normal", _l("Standard colours")), ("high", _l("High contrast: black on white, thicker lines"))]),
        validators=[InputRequired()])
    motion = RadioField(_l("Movement"), default="normal", choices=choices([
        ("normal", _l("Standard")), ("reduce", _l("Reduce movement and animation"))]), validators=[InputRequired()])
    next = HiddenField()
