from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from app.core.forms import DateField, TextForm, choices

SEVERITY_LABELS = [("low", _l("Low")), ("medium", _l("Medium")), ("high", _l("High"))]
OUTCOME_LABELS = [("no_further_action", _l("No further action")), ("early_support", _l("Offer early support")),
                  ("refer", _l("Refer to a service that can act"))]


def _max(n: int):
    return Length(max=n, message=_l("Use %(n)s characters or fewer", n=n))


def _reason(label=_l("Why are you doing this?"), hint=None):
    return TextAreaField(label, description=hint, validators=[
        DataRequired(_l("Give your reason")), Length(min=5, max=1000, message=_l("Give your reason in 5 to 1000 characters"))])


class ReasonForm(TextForm):
    """Asked before any view of case-flag data; written to the audit log with the view."""
    key = HiddenField()
    next = HiddenField()
    reason = _reason(_l("Why are you opening this record?"),
                     _l("For example: preparing for a home visit on Tuesday. This is recorded with your name, and the person can ask to see it."))


class SearchForm(TextForm):
    q = StringField(_l("Name, address, UPRN or reference"), validators=[
        DataRequired(_l("Enter a name, address, UPRN or reference")), _max(100)])
    reason = _reason(_l("Why are you searching?"), _l("Recorded with your name and the search."))


class SubjectForm(TextForm):
    kind = RadioField(_l("Is this a person or a household?"), choices=choices([
        ("person", _l("A person")), ("household", _l("A household or family"))]),
        validators=[InputRequired(_l("Choose a person or a household"))])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the name")), _max(200)],
                       description=_l("For a household, the family name, for example: the Jones family."))
    date_of_birth = DateField(_l("Date of birth (if known)"), validators=[Optional()])
    address = TextAreaField(_l("Address"), validators=[Optional(), _max(500)])
    uprn = StringField(_l("UPRN (if known)"), validators=[
        Optional(), Regexp(r"^\d{1,12}$", message=_l("A UPRN is up to 12 digits"))],
        description=_l("The Unique Property Reference Number of the address: it helps to match records."))
    ward = SelectField(_l("Ward"), validators=[Optional()])
    team = SelectField(_l("Your service"), validators=[DataRequired(_l("Choose your service"))])


class FlagForm(TextForm):
    team = SelectField(_l("Your service"), validators=[DataRequired(_l("Choose your service"))])
    category = RadioField(_l("Category"), validators=[InputRequired(_l("Choose a category"))])
    severity = RadioField(_l("How serious is it?"), choices=choices(SEVERITY_LABELS),
                          validators=[InputRequired(_l("Choose how serious it is"))])
    observed = TextAreaField(_l("What did you observe?"), validators=[
        DataRequired(_l("Say what you observed")), _max(3000)],
        description=_l("Facts, not opinions: what, when, who told you. The person can ask to see this."))
    observed_on = DateField(_l("Date observed"), validators=[InputRequired(_l("Enter the date you observed it"))])
    expires_on = DateField(_l("Lapses on (optional)"), validators=[Optional()],
                           description=_l("Leave empty for the usual 12 months. Flags lapse and stop counting."))

    def validate_observed_on(self, field):
        from datetime import date

        from wtforms.validators import ValidationError

        if field.data and field.data > date.today():
            raise ValidationError(_l("The date observed cannot be in the future"))

    def validate_expires_on(self, field):
        from wtforms.validators import ValidationError

        if field.data and self.observed_on.data and field.data <= self.observed_on.data:
            raise ValidationError(_l("The lapse date must be after the date observed"))


class WithdrawForm(TextForm):
    reason = _reason(_l("Why are you withdrawing this flag?"))


class OptOutForm(TextForm):
    opted_out = BooleanField(_l("The person has opted out of data sharing"))
    note = _reason(_l("Note"), _l("What the person asked for, and the legal basis for respecting or not respecting it."))


class SensitiveRequestForm(TextForm):
    reason = _reason(_l("Why do you need to see flags in restricted categories?"))


class DecisionForm(TextForm):
    outcome = RadioField(_l("Your decision"), choices=choices(OUTCOME_LABELS),
                         validators=[InputRequired(_l("Choose your decision"))])
    reason = _reason(_l("Why?"), _l("Your professional judgement: the rule only brought this case to you."))


class MatchForm(TextForm):
    same = RadioField(_l("Do these records describe the same person or household?"), choices=choices([
        ("yes", _l("Yes: combine them")), ("no", _l("No: keep them apart"))]),
        validators=[InputRequired(_l("Choose yes or no"))])
    note = _reason(_l("How did you decide?"))


class ApproveForm(FlaskForm):
    decision = HiddenField(validators=[InputRequired()])


class AccessRequestForm(TextForm):
    name = StringField(_l("Your full name"), validators=[DataRequired(_l("Enter your full name")), _max(200)])
    date_of_birth = DateField(_l("Your date of birth"), validators=[InputRequired(_l("Enter your date of birth"))])
    address = TextAreaField(_l("Your address, and any earlier addresses in the last 5 years"),
                            validators=[DataRequired(_l("Enter your address")), _max(1000)])
    details = TextAreaField(_l("Anything that helps us find your records (optional)"),
                            validators=[Optional(), _max(2000)])


class VerifyForm(TextForm):
    step = HiddenField(default="verify")
    note = _reason(_l("How was identity checked?"), _l("For example: passport seen at the Civic Centre."))


class LinkForm(TextForm):
    step = HiddenField(default="link")
    subject = StringField(_l("Reference of the matching record"), validators=[
        Optional(), Regexp(r"^\d{1,9}$", message=_l("Enter the record's reference number"))],
        description=_l("Leave empty if nothing is held about this person."))


class RefuseForm(TextForm):
    step = HiddenField(default="refuse")
    reason = _reason(_l("Why is the request refused?"))


class OptOutAskForm(TextForm):
    note = TextAreaField(_l("Anything you want us to know (optional)"), validators=[Optional(), _max(2000)])


class AppealForm(TextForm):
    grounds = TextAreaField(_l("What is wrong with this flag?"), validators=[
        DataRequired(_l("Say what is wrong and what should change")), _max(3000)],
        description=_l("Say whether it should be removed or corrected, and why."))


class AppealDecisionForm(TextForm):
    status = RadioField(_l("Your decision"), choices=choices([
        ("upheld", _l("Uphold: withdraw the flag")), ("corrected", _l("Correct what the flag says")),
        ("dismissed", _l("Dismiss: the flag stays as it is"))]),
        validators=[InputRequired(_l("Choose your decision"))])
    corrected_text = TextAreaField(_l("Corrected text (when correcting)"), validators=[Optional(), _max(3000)])
    reason = _reason(_l("Why?"), _l("The person sees this."))

    def validate_corrected_text(self, field):
        from wtforms.validators import ValidationError

        if self.status.data == "corrected" and not (field.data or "").strip():
            raise ValidationError(_l("Enter the corrected text"))


class CategoryForm(TextForm):
    code = StringField(_l("Code"), validators=[DataRequired(_l("Enter a short code")), Regexp(
        r"^[a-z0-9_]{2,40}$", message=_l("Use 2 to 40 lower-case letters, digits or underscores"))])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the name")), _max(120)])
    description = TextAreaField(_l("What it covers"), validators=[DataRequired(_l("Say what the category covers")), _max(2000)])
    sensitive = BooleanField(_l("Sensitive: a second person must approve before anyone sees these flags"))
    active = BooleanField(_l("In use"), default=True)


class SettingsForm(FlaskForm):
    review_team = SelectField(_l("Review team"), validators=[DataRequired(_l("Choose the review team"))],
                              description=_l("Its caseworkers review cases, matches, requests and appeals."))
    default_expiry_months = IntegerField(_l("Flags lapse after (months)"), validators=[
        InputRequired(_l("Enter a number of months")), NumberRange(min=1, max=36, message=_l("Enter 1 to 36 months"))])


def rule_form(categories, config):
    """The rule's numbers, and optional points per category and severity (empty: the default)."""
    def number(label, default, low, high):
        return IntegerField(label, default=default, validators=[
            InputRequired(_l("Enter a whole number")),
            NumberRange(min=low, max=high, message=_l("Enter a number from %(low)s to %(high)s", low=low, high=high))])

    fields = {
        "window_days": number(_l("Window (days)"), config.window_days, 1, 1095),
        "threshold": number(_l("Points needed to reach review"), config.threshold, 1, 100),
        "min_services": number(_l("Different services needed"), config.min_services, 1, 10),
        "note": TextAreaField(_l("What changed and why"), validators=[
            DataRequired(_l("Say what changed and why")), _max(2000)]),
    }
    for severity, label in SEVERITY_LABELS:
        fields[f"points_{severity}"] = number(_l("Points for a %(severity)s flag", severity=label),
                                              config.default_points[severity], 0, 100)
    for category in categories:
        for severity, label in SEVERITY_LABELS:
            fields[f"cat_{category.id}_{severity}"] = IntegerField(
                _l("%(category)s: %(severity)s", category=category.name, severity=label),
                default=config.category_points.get(category.code, {}).get(severity),
                validators=[Optional(), NumberRange(min=0, max=100, message=_l("Enter a number from 0 to 100"))])
    return type("RuleForm", (TextForm,), fields)()
