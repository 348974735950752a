from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DecimalField, SearchField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.core.bilingual import BilingualField
from app.core.forms import DateField, MultiCheckboxField, choices, web_address

AMOUNT = dict(places=2, validators=[InputRequired(_l("Enter the value in pounds, like 25000.00")),
                                    NumberRange(min=0.01, message=_l("The value must be more than zero"))])


def _end_after_start(form, field):
    if field.data and form.start_date.data and field.data < form.start_date.data:
        raise ValidationError(_l("The end date must be on or after the start date"))


def _cpv_codes(form, field):
    for code in [c.strip() for c in (field.data or "").replace(";", ",").split(",") if c.strip()]:
        digits = code.replace("-", "")
        if not digits.isdigit() or not 8 <= len(digits) <= 9:
            raise ValidationError(_l("Enter CPV codes as 8 digits, separated by commas, like 90910000"))


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search

    q = SearchField(_l("Words in the title or description"), validators=[Optional(), Length(max=100)])
    supplier = StringField(_l("Supplier"), validators=[Optional(), Length(max=100)])
    department = SelectField(_l("Department"), validators=[Optional()])
    min_value = DecimalField(_l("Value from (£)"), validators=[Optional(), NumberRange(min=0, message=_l("Enter a value of 0 or more"))])
    max_value = DecimalField(_l("Value up to (£)"), validators=[Optional(), NumberRange(min=0, message=_l("Enter a value of 0 or more"))])
    awarded_from = DateField(_l("Awarded from"), validators=[Optional()])
    awarded_to = DateField(_l("Awarded up to"), validators=[Optional()])
    sme = BooleanField(_l("Only contracts with small or medium firms"))
    vcse = BooleanField(_l("Only contracts with charities and social enterprises"))
    sort = SelectField(_l("Sort by"), validators=[Optional()], choices=choices([
        ("awarded", _l("Newest first")), ("awarded-oldest", _l("Oldest first")), ("value", _l("Highest value")),
        ("value-lowest", _l("Lowest value")), ("title", _l("Title A to Z"))]))


class ContractForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter the contract's title")), Length(max=300, message=_l("Use 300 characters or fewer"))])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000, message=_l("Use 5000 characters or fewer"))])
    department = SelectField(_l("Department"), validators=[DataRequired(_l("Choose the department"))])
    procedure = SelectField(_l("How it was awarded"), choices=choices([
        ("open", _l("Open procedure")), ("selective", _l("Selective (restricted) procedure")),
        ("limited", _l("Limited competition")), ("direct", _l("Direct award"))]))
    cpv_codes = StringField(_l("CPV codes"), validators=[Optional(), _cpv_codes],
                            description=_l("The Common Procurement Vocabulary codes, separated by commas."))
    amount = DecimalField(_l("Value (£)"), **AMOUNT)
    vat_included = BooleanField(_l("This value includes VAT"))
    date_awarded = DateField(_l("Date awarded"), validators=[InputRequired(_l("Enter the date the contract was awarded"))])
    date_signed = DateField(_l("Date signed (optional)"), validators=[Optional()])
    start_date = DateField(_l("Start date"), validators=[InputRequired(_l("Enter the start date"))])
    end_date = DateField(_l("End date"), validators=[InputRequired(_l("Enter the end date")), _end_after_start])
    suppliers = MultiCheckboxField(_l("Suppliers"), validators=[DataRequired(_l("Choose at least one supplier"))])


class AmendmentForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter the contract's title")), Length(max=300, message=_l("Use 300 characters or fewer"))])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000, message=_l("Use 5000 characters or fewer"))])
    amount = DecimalField(_l("Value (£)"), **AMOUNT)
    end_date = DateField(_l("End date"), validators=[InputRequired(_l("Enter the end date"))])
    status = SelectField(_l("Status"), choices=choices([("active", _l("Active")), ("ended", _l("Ended")),
                                                        ("terminated", _l("Terminated early"))]))
    rationale = TextAreaField(_l("Why is it changing?"), validators=[
        DataRequired(_l("Say why the contract is changing")), Length(max=2000, message=_l("Use 2000 characters or fewer"))],
        description=_l("This is published with the amendment."))

    contract_start = None  # set by the view: the end date cannot move before the start

    def validate_end_date(self, field):
        if field.data and self.contract_start and field.data < self.contract_start:
            raise ValidationError(_l("The end date must be on or after the start date"))


class PaymentForm(FlaskForm):
    invoice_reference = StringField(_l("Invoice reference"), validators=[DataRequired(_l("Enter the invoice reference")), Length(max=60, message=_l("Use 60 characters or fewer"))])
    supplier = SelectField(_l("Paid to"))
    amount = DecimalField(_l("Amount (£)"), **AMOUNT)
    invoice_date = DateField(_l("Invoice received"), validators=[InputRequired(_l("Enter the date the invoice was received"))])
    paid_date = DateField(_l("Paid on (leave empty if not paid yet)"), validators=[Optional()])

    def validate_paid_date(self, field):
        if field.data and self.invoice_date.data and field.data < self.invoice_date.data:
            raise ValidationError(_l("The payment date cannot be before the invoice date"))


class DocumentForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Enter the document's title")), Length(max=300, message=_l("Use 300 characters or fewer"))])
    url = StringField(_l("Web address of the document"), validators=[
        DataRequired(_l("Enter the web address of the document")), Length(max=500, message=_l("Use 500 characters or fewer")), web_address],
        description=_l("A link to where the document is published, starting with https://"))
    document_type = SelectField(_l("Kind of document"), choices=choices([
        ("contractSigned", _l("The signed contract")), ("awardNotice", _l("Award notice")),
        ("contractNotice", _l("Contract notice")), ("contractSchedule", _l("Schedule to the contract")),
        ("contractAnnexe", _l("Annex to the contract")), ("completionCertificate", _l("Completion certificate")),
        ("evaluationReports", _l("Evaluation report"))]))


class KpiForm(FlaskForm):
    name = BilingualField(_l("What is measured"), description=_l("For example: calls answered within 2 days"))
    target = DecimalField(_l("Target"), places=2, validators=[InputRequired(_l("Enter the target"))])
    unit = StringField(_l("Unit"), validators=[DataRequired(_l("Enter the unit, like % or days")), Length(max=40, message=_l("Use 40 characters or fewer"))])
    higher_is_better = BooleanField(_l("Higher values are better"), default=True)
    frequency = SelectField(_l("How often the supplier reports"), choices=choices([
        ("monthly", _l("Every month")), ("quarterly", _l("Every quarter"))]))


class KpiReportForm(FlaskForm):
    period_end = SelectField(_l("Period"), validators=[DataRequired(_l("Choose the period this report covers"))])
    value = DecimalField(_l("Value"), places=2, validators=[InputRequired(_l("Enter the value you measured"))])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=2000, message=_l("Use 2000 characters or fewer"))],
                            description=_l("Published with the figure. Explain anything unusual."))


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), description=_l("Use the template. The file can have up to 5,000 rows."))


class SettingsForm(FlaskForm):
    sme_vcse_target_percent = DecimalField(_l("Target share of contract value for small firms and VCSEs (%)"), places=2,
                                           validators=[InputRequired(_l("Enter a target between 0 and 100")),
                                                       NumberRange(min=0, max=100, message=_l("Enter a target between 0 and 100"))])
    publication_policy_url = StringField(_l("Link to the publication policy"), validators=[
        Optional(), Length(max=500, message=_l("Use 500 characters or fewer")), web_address])
