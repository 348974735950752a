from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.core.categories import category_choices
from app.core.forms import TextForm, choices
from app.ideas.models import AppealOutcome, FlagReason, IdeaStatus, Side


STATUS_LABELS = [
    (IdeaStatus.OPEN.value, _l("Open for support")), (IdeaStatus.UNDER_REVIEW.value, _l("Under review")),
    (IdeaStatus.ACCEPTED.value, _l("Accepted")), (IdeaStatus.DECLINED.value, _l("Declined")),
    (IdeaStatus.MERGED.value, _l("Joined with a similar idea")), (IdeaStatus.BUDGET.value, _l("Moved to a ward budget")),
    (IdeaStatus.DONE.value, _l("Done")),
]


def status_labels() -> dict[str, str]:
    """{status value: label in the reader's language}."""
    from app.core.i18n import labels

    return labels("idea-status", STATUS_LABELS)


def status_choices(include_merged: bool = False):
    return [(value, label) for value, label in status_labels().items()
            if include_merged or value != IdeaStatus.MERGED.value]


class IdeaForm(TextForm):
    title = StringField(_l("Your idea in a sentence"), validators=[
        InputRequired(_l("Enter your idea in a sentence")),
        Length(min=8, max=150, message=_l("Use between 8 and 150 characters"))],
        description=_l("For example: Plant fruit trees in Victoria Park"))
    body = TextAreaField(_l("Tell us more"), validators=[
        InputRequired(_l("Describe your idea")),
        Length(min=20, max=5000, message=_l("Use between 20 and 5,000 characters"))],
        description=_l("What is the problem, what would you do, and who would it help? You can use *italics*, "
                       "**bold**, lists starting with - and links."))
    category = SelectField(_l("Topic"), validators=[InputRequired(_l("Choose a topic"))])
    ward = SelectField(_l("Where"), validators=[Optional()])
    place_name = StringField(_l("Place (optional)"), validators=[Optional(), Length(max=120, message=_l(
        "Use 120 characters or fewer"))], description=_l("A street, park or building, if your idea is about one place"))
    image = FileField(_l("Photo (optional)"), description=_l(
        "A JPG or PNG under 5 MB. We remove the location and camera details stored inside photos."))
    image_alt = StringField(_l("What the photo shows"), validators=[Length(max=200, message=_l(
        "Use 200 characters or fewer"))], description=_l("For people who cannot see it, for example: "
                                                          "the broken bench by the pond"))
    checked_similar = HiddenField()

    def validate_image_alt(self, field):
        from flask import request
        from wtforms.validators import ValidationError

        upload = request.files.get(self.image.name)
        if upload and upload.filename and not (field.data or "").strip():
            raise ValidationError(_l("Say what the photo shows, for people who cannot see it"))

    def __init__(self, *args, wards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = choices([("", _l("Choose a topic"))] + category_choices())
        self.ward.choices = choices([("", _l("The whole council area"))] + [(str(w.id), w.name) for w in wards])


class ListForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    FIELDS = ("q", "sort", "ward", "category", "status")

    q = StringField(_l("Search ideas"), validators=[Optional(), Length(max=100)])
    sort = SelectField(_l("Order"), choices=choices([("supported", _l("Most supported")), ("newest", _l("Newest")),
                                                     ("trending", _l("Trending (last 14 days)"))]),
                       validators=[Optional()])
    ward = SelectField(_l("Ward"), validators=[Optional()])
    category = SelectField(_l("Topic"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])

    def __init__(self, *args, wards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.ward.choices = choices([("", _l("All wards")), ("all", _l("Whole council area only"))] +
                                    [(str(w.id), w.name) for w in wards])
        self.category.choices = choices([("", _l("All topics"))] + category_choices())
        self.status.choices = choices([("", _l("Any status"))] + status_choices())


class ArgumentForm(TextForm):
    side = RadioField(_l("Is your argument for or against the idea?"),
                      choices=choices([(Side.FOR.value, _l("For")), (Side.AGAINST.value, _l("Against"))]),
                      validators=[InputRequired(_l("Choose for or against"))])
    body = TextAreaField(_l("Your argument"), validators=[
        InputRequired(_l("Enter your argument")),
        Length(min=5, max=500, message=_l("Use between 5 and 500 characters"))],
        description=_l("One point, in up to 500 characters."))


class CommentForm(TextForm):
    body = TextAreaField(_l("Your comment"), validators=[
        InputRequired(_l("Enter your comment")),
        Length(min=2, max=2000, message=_l("Use between 2 and 2,000 characters"))])
    parent_id = HiddenField()


FLAG_REASONS = [
    (FlagReason.OFFENSIVE.value, _l("It is offensive or abusive")),
    (FlagReason.PERSONAL.value, _l("It shares someone's personal information")),
    (FlagReason.SPAM.value, _l("It is advertising or spam")),
    (FlagReason.DUPLICATE.value, _l("It repeats another idea")),
    (FlagReason.OTHER.value, _l("Something else")),
]


class FlagForm(TextForm):
    reason = RadioField(_l("What is wrong with it?"), choices=choices(FLAG_REASONS),
                        validators=[InputRequired(_l("Choose what is wrong"))])
    detail = TextAreaField(_l("Tell the moderators more (optional)"), validators=[
        Optional(), Length(max=500, message=_l("Use 500 characters or fewer"))], render_kw={"rows": 3})


class HideForm(TextForm):
    reason = StringField(_l("Reason, shown to everyone"), validators=[
        InputRequired(_l("Give the reason readers will see")),
        Length(min=5, max=500, message=_l("Use between 5 and 500 characters"))],
        description=_l("For example: it named a neighbour and their address"))


class AppealForm(TextForm):
    statement = TextAreaField(_l("Why should it be shown again?"), validators=[
        InputRequired(_l("Say why it should be shown again")),
        Length(min=5, max=2000, message=_l("Use between 5 and 2,000 characters"))])


class AppealDecisionForm(TextForm):
    outcome = RadioField(_l("Decision"), choices=choices([
        (AppealOutcome.RESTORED.value, _l("Show it again")),
        (AppealOutcome.UPHELD.value, _l("Keep it hidden"))]), validators=[InputRequired(_l("Choose a decision"))])
    reason = StringField(_l("Reason, sent to the author"), validators=[
        InputRequired(_l("Give a reason")), Length(max=500, message=_l("Use 500 characters or fewer"))])


class MergeForm(FlaskForm):
    target = IntegerField(_l("Number of the idea to join it with"), validators=[
        InputRequired(_l("Enter the number of the idea to join it with"))],
        description=_l("The number is in the idea's address, for example 42 in /ideas/42"))


class ResponseForm(TextForm):
    decision = RadioField(_l("Decision"), validators=[InputRequired(_l("Choose a decision"))])
    reason = TextAreaField(_l("The reason, in plain words"), validators=[
        InputRequired(_l("Give the reason for the decision")),
        Length(min=10, max=3000, message=_l("Use between 10 and 3,000 characters"))])
    next_step = TextAreaField(_l("What happens next"), validators=[
        Optional(), Length(max=1000, message=_l("Use 1,000 characters or fewer"))], render_kw={"rows": 3})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = choices([(s, label) for s, label in status_choices()
                                         if s != IdeaStatus.OPEN.value])


class SettingsForm(FlaskForm):
    support_threshold = IntegerField(_l("Supports that oblige a council response"), validators=[
        InputRequired(_l("Enter a number of supports")),
        NumberRange(min=1, max=1_000_000, message=_l("Enter a number from 1 to 1,000,000"))])
    response_days = IntegerField(_l("Days the council has to respond"), validators=[
        InputRequired(_l("Enter a number of days")),
        NumberRange(min=1, max=365, message=_l("Enter a number of days from 1 to 365"))])
