from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, URL, ValidationError

from app.consultations.models import Channel, PhaseKind, QuestionKind, ResponseMode
from app.core.bilingual import BilingualField
from app.core.forms import DateField, MultiCheckboxField, TextForm, choices, web_address

KIND_LABELS = {
    QuestionKind.SHORT_TEXT: _l("Short text"), QuestionKind.LONG_TEXT: _l("Long text"),
    QuestionKind.SINGLE: _l("Choose one option"), QuestionKind.MULTIPLE: _l("Choose several options"),
    QuestionKind.RATING: _l("Rating from 1 to 5"), QuestionKind.RANKING: _l("Put priorities in order"),
    QuestionKind.BUDGET: _l("Share out a budget"), QuestionKind.POSTCODE: _l("Your postcode (gives the ward)"),
}


class ConsultationForm(FlaskForm):
    title = BilingualField(_l("Title"))
    summary = BilingualField(_l("Summary in plain words"), multiline=True,
                             description=_l("What is being decided, and what difference answering makes."))
    wards = MultiCheckboxField(_l("Who it is for"), description=_l("Leave every ward unticked for the whole council area."))
    opens_on = DateField(_l("Opens on"), validators=[InputRequired(_l("Enter the date it opens"))])
    closes_on = DateField(_l("Closes at the end of"), validators=[InputRequired(_l("Enter the date it closes"))])
    mode = RadioField(_l("Who can answer"), choices=choices([
        (ResponseMode.SIGNED_IN.value, _l("People signed in to an account (one answer each; they can save and come back)")),
        (ResponseMode.ANONYMOUS.value, _l("Anyone, without an account (no name, account or IP address is kept)"))]),
        validators=[InputRequired(_l("Choose who can answer"))])
    equality_monitoring = BooleanField(_l("Ask the optional equality monitoring questions"))
    published = BooleanField(_l("Published: residents can see it"))

    def validate_closes_on(self, field):
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_l("The closing date must be on or after the opening date"))


class PageForm(FlaskForm):
    title = BilingualField(_l("Page title"))
    show_if = SelectField(_l("Show this page"), validators=[Optional()])


class QuestionForm(FlaskForm):
    kind = SelectField(_l("Kind of question"), choices=choices([(k.value, label) for k, label in KIND_LABELS.items()]),
                       validators=[InputRequired(_l("Choose the kind of question"))])
    text = BilingualField(_l("Question"))
    hint = BilingualField(_l("Hint (optional)"), optional=True)
    required = BooleanField(_l("An answer is required"))
    options = TextAreaField(_l("Options, one per line"), validators=[Optional(), Length(max=4000)],
                            description=_l("For choices, priorities and budget lines. Write the Welsh after a bar: "
                                           "Parks | Parciau"))
    budget_total = IntegerField(_l("Sum to share, in pounds"), validators=[
        Optional(), NumberRange(min=1, max=1_000_000_000, message=_l("Enter a sum from £1"))])

    def validate_options(self, field):
        kind = self.kind.data
        lines = [line for line in (field.data or "").splitlines() if line.strip()]
        if kind in ("single", "multiple", "ranking", "budget") and len(lines) < 2:
            raise ValidationError(_l("Give at least two options, one per line"))
        if len(lines) > 30:
            raise ValidationError(_l("Give 30 options or fewer"))

    def validate_budget_total(self, field):
        if self.kind.data == "budget" and not field.data:
            raise ValidationError(_l("Enter the sum people share out"))


class DocumentForm(FlaskForm):
    title = BilingualField(_l("Document title"))
    url = URLField(_l("Link to the document"), validators=[
        InputRequired(_l("Enter the link")), Length(max=500), URL(message=_l("Enter a full web address starting with https://")),
        web_address])


class PhaseForm(FlaskForm):
    kind = RadioField(_l("Phase"), choices=choices([
        (PhaseKind.PROBLEM.value, _l("Map the problem")), (PhaseKind.IDEAS.value, _l("Gather ideas")),
        (PhaseKind.SCRUTINY.value, _l("Scrutinise a draft"))]), validators=[InputRequired(_l("Choose the phase"))])
    title = BilingualField(_l("Title"))
    starts_on = DateField(_l("Starts on"), validators=[InputRequired(_l("Enter the start date"))])
    ends_on = DateField(_l("Ends on"), validators=[InputRequired(_l("Enter the end date"))])
    draft = BilingualField(_l("Draft document (optional)"), multiline=True, optional=True,
                           description=_l("Separate paragraphs with a blank line: people comment on each paragraph."))

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date must be on or after the start date"))


class ParagraphCommentForm(TextForm):
    body = TextAreaField(_l("Your comment on this paragraph"), validators=[
        InputRequired(_l("Enter your comment")), Length(max=2000, message=_l("Use 2,000 characters or fewer"))])


class SubmitForm(FlaskForm):
    wants_outcome = BooleanField(_l("Tell me what the council decides"))
    email_copy = BooleanField(_l("Email me a copy of my answers"))
    copy_to = StringField(_l("Email address for the copy"), validators=[Optional(), Length(max=254)],
                          description=_l("Only used to send the copy now. It is not saved with your answers."))


class KeyInForm(FlaskForm):
    channel = RadioField(_l("How did this response reach us?"), choices=choices([
        (Channel.PAPER.value, _l("A paper form")), (Channel.PHONE.value, _l("By phone")),
        (Channel.KIOSK.value, _l("At a library or kiosk, with help"))]),
        validators=[InputRequired(_l("Choose how it reached us"))])


class ThemeForm(TextForm):
    name = StringField(_l("New theme"), validators=[InputRequired(_l("Enter a name for the theme")),
                                                    Length(max=80, message=_l("Use 80 characters or fewer"))])


class OutcomeForm(FlaskForm):
    you_said = BilingualField(_l("You said"), multiline=True,
                              description=_l("What people told us, in a few plain sentences."))
    we_did = BilingualField(_l("We did"), multiline=True, description=_l("What the council decided, and why."))


class ExportForm(FlaskForm):
    class Meta:
        csrf = False

    personal = BooleanField(_l("Include names and email addresses (recorded in the audit log)"))
