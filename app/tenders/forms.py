"""Forms for challenges, supplier profiles, bids, clarifications, alerts, partners and evaluation."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateTimeLocalField, DecimalField, HiddenField, IntegerField, RadioField,
                     SelectField, StringField, TextAreaField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from app.core.bilingual import BilingualField
from app.core.forms import DateField, MultiCheckboxField, TextForm, choices, web_address
from app.core.models import SizeBand
from app.tenders.models import StageKind

STAGES = 3
CRITERIA = 5
STAGE_KIND_LABELS = {StageKind.FEASIBILITY: _l("Feasibility"), StageKind.PROTOTYPE: _l("Prototype"),
                     StageKind.PILOT: _l("Pilot"), StageKind.DELIVERY: _l("Delivery")}
SIZE_LABELS = [(SizeBand.MICRO.value, _l("Micro (fewer than 10 people)")),
               (SizeBand.SMALL.value, _l("Small (fewer than 50 people)")),
               (SizeBand.MEDIUM.value, _l("Medium (fewer than 250 people)")),
               (SizeBand.LARGE.value, _l("Large (250 people or more)"))]


def local_to_utc(value: datetime) -> datetime:
    """A time typed in the council's time zone, as UTC (deadlines are stored in UTC)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return value.replace(tzinfo=zone).astimezone(timezone.utc)


def utc_to_local(value: datetime) -> datetime:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(zone).replace(tzinfo=None)


def _stage_fields(number: int) -> dict:
    required = number == 1
    kinds = [] if required else [("", _l("No stage %(n)s", n=number))]
    kinds += [(k.value, label) for k, label in STAGE_KIND_LABELS.items()]
    return {
        f"stage{number}_kind": SelectField(_l("Stage %(n)s", n=number), choices=choices(kinds),
                                           default="" if not required else StageKind.FEASIBILITY.value),
        f"stage{number}_deadline": DateTimeLocalField(
            _l("Stage %(n)s: bid deadline", n=number), validators=[Optional()], format="%Y-%m-%dT%H:%M",
            description=_l("UK time, for example 2027-03-31T12:00")),
        f"stage{number}_awards": IntegerField(_l("Stage %(n)s: how many bids can win", n=number),
                                              validators=[Optional(), NumberRange(1, 50, _l("Enter a number from 1 to 50"))]),
        f"stage{number}_budget": DecimalField(_l("Stage %(n)s: budget in pounds", n=number), places=2,
                                              validators=[Optional(), NumberRange(min=Decimal("0.01"),
                                                                                  message=_l("Enter an amount more than zero"))]),
        f"stage{number}_months": IntegerField(_l("Stage %(n)s: contract length in months", n=number),
                                              validators=[Optional(), NumberRange(1, 120, _l("Enter a number of months from 1 to 120"))]),
    }


def _criterion_fields(number: int) -> dict:
    return {
        f"criterion{number}_name": BilingualField(_l("Criterion %(n)s", n=number), optional=True),
        f"criterion{number}_weight": IntegerField(_l("Criterion %(n)s: weight in percent", n=number),
                                                  validators=[Optional(), NumberRange(1, 100, _l("Enter a weight from 1 to 100"))]),
    }


class _ChallengeBase(TextForm):
    title = BilingualField(_l("Title"), description=_l("Say what the problem is in a few words."))
    problem = BilingualField(_l("The problem"), multiline=True,
                             description=_l("Describe the problem, not a solution: who it affects and why it matters."))
    outcomes = BilingualField(_l("Outcomes wanted"), multiline=True)
    eligibility = BilingualField(_l("Who can bid"), multiline=True, optional=True,
                                 description=_l("For example: organisations of any size, including new firms, "
                                                "social enterprises and charities."))
    cpv_codes = MultiCheckboxField(_l("Categories (CPV codes)"))
    other_cpv = StringField(_l("Other CPV codes"), validators=[Optional(), Length(max=500)],
                            description=_l("Finer codes from the full list, 8 digits each, separated by spaces, "
                                           "for example 90511000 90512000"))
    min_turnover = DecimalField(_l("Minimum yearly turnover asked of bidders, in pounds"), places=2,
                                validators=[Optional(), NumberRange(min=0, message=_l("Enter an amount of zero or more"))])
    years_of_accounts = IntegerField(_l("Years of accounts asked for"),
                                     validators=[Optional(), NumberRange(0, 10, _l("Enter a number from 0 to 10"))])
    insurance_level = DecimalField(_l("Insurance cover asked for, in pounds"), places=2,
                                   validators=[Optional(), NumberRange(min=0, message=_l("Enter an amount of zero or more"))])
    accept_warnings = BooleanField(_l("I have a reason for asking this much and will publish it in the eligibility text"))
    change_reason = TextAreaField(_l("What changed and why"), validators=[Optional(), Length(max=2000)],
                                  description=_l("Bidders see this. Bids already submitted must be confirmed again."))

    def validate_cpv_codes(self, field):
        if not field.data and not (self.other_cpv.data or "").strip():
            raise ValidationError(_l("Choose at least one category"))

    def validate_other_cpv(self, field):
        from app.tenders import rules
        from app.tenders.services import known_cpv_codes

        words = (field.data or "").replace(",", " ").split()
        codes = [rules.parse_cpv(w) for w in words]
        if None in codes:
            raise ValidationError(_l("Write each code as 8 digits, like 90511000"))
        unknown = sorted(set(codes) - known_cpv_codes(codes))
        if unknown:
            raise ValidationError(_l("These codes are not in the CPV list: %(codes)s", codes=" ".join(unknown)))
        self.other_codes = codes

    def all_cpv_codes(self) -> list[str]:
        return list(dict.fromkeys(list(self.cpv_codes.data or []) + getattr(self, "other_codes", [])))

    def stage_data(self) -> list[tuple[int, str, datetime | None, int | None, Decimal | None]]:
        return [(n, getattr(self, f"stage{n}_kind").data, getattr(self, f"stage{n}_deadline").data,
                 getattr(self, f"stage{n}_awards").data, getattr(self, f"stage{n}_budget").data,
                 getattr(self, f"stage{n}_months").data or 12)
                for n in range(1, STAGES + 1)]

    def criteria_data(self):
        return [(n, getattr(self, f"criterion{n}_name").data, getattr(self, f"criterion{n}_weight").data)
                for n in range(1, CRITERIA + 1)]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        now = datetime.now(timezone.utc)
        previous = None
        ended = False
        for n, kind, deadline, awards, budget, _months in self.stage_data():
            if not kind:
                ended = True
                continue
            if ended:
                getattr(self, f"stage{n}_kind").errors.append(_l("Fill in the stages in order, without gaps"))
                ok = False
                continue
            for name, value, message in ((f"stage{n}_deadline", deadline, _l("Enter the bid deadline for this stage")),
                                         (f"stage{n}_awards", awards, _l("Enter how many bids can win this stage")),
                                         (f"stage{n}_budget", budget, _l("Enter this stage's budget"))):
                field = getattr(self, name)
                if value is None and not field.errors:
                    field.errors.append(message)
                    ok = False
            if deadline is not None:
                utc = local_to_utc(deadline)
                field = getattr(self, f"stage{n}_deadline")
                if utc <= now and not getattr(self, "_keep_past", set()).issuperset({n}):
                    field.errors.append(_l("The deadline must be in the future"))
                    ok = False
                elif previous is not None and utc <= previous:
                    field.errors.append(_l("Each stage's deadline must be after the stage before"))
                    ok = False
                previous = utc
        total = 0
        named = 0
        for n, name, weight in self.criteria_data():
            if name and weight is None:
                getattr(self, f"criterion{n}_weight").errors.append(_l("Enter a weight for this criterion"))
                ok = False
            elif weight is not None and not name:
                getattr(self, f"criterion{n}_name").errors.append(_l("Name this criterion or clear its weight"))
                ok = False
            if name and weight is not None:
                named += 1
                total += weight
        if named == 0:
            self.criterion1_name.errors.append(_l("Enter at least one evaluation criterion"))
            ok = False
        elif total != 100:
            self.criterion1_weight.errors.append(_l("The weights must add up to 100 (they add up to %(total)s)",
                                                    total=total))
            ok = False
        return ok


ChallengeForm = type("ChallengeForm", (_ChallengeBase,), {
    **{k: v for n in range(1, STAGES + 1) for k, v in _stage_fields(n).items()},
    **{k: v for n in range(1, CRITERIA + 1) for k, v in _criterion_fields(n).items()},
})


class ConfirmForm(TextForm):
    """A button with CSRF and nothing else: publish, withdraw, submit, open."""


class DocumentForm(TextForm):
    title = StringField(_l("Document title"), validators=[InputRequired(_l("Enter a title for the document")),
                                                          Length(max=200)])
    file = FileField(_l("File"), description=_l("PDF, Word, OpenDocument, Excel, PNG or JPG, up to 5 MB."))


class SearchForm(TextForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    cpv = SelectField(_l("Category"), validators=[Optional()])
    min_value = DecimalField(_l("Budget at least (£)"), places=0, validators=[Optional(), NumberRange(min=0)])
    max_value = DecimalField(_l("Budget at most (£)"), places=0, validators=[Optional(), NumberRange(min=0)])
    closes_before = DateField(_l("Closing on or before"), validators=[Optional()])
    stage = SelectField(_l("Stage"), validators=[Optional()],
                        choices=choices([("", _l("Any stage"))] + [(k.value, v) for k, v in STAGE_KIND_LABELS.items()]))


class OrganisationForm(TextForm):
    name = StringField(_l("Organisation name"), validators=[InputRequired(_l("Enter the organisation's name")),
                                                            Length(max=200)])
    company_number = StringField(_l("Company number (if any)"), validators=[Optional(), Length(max=20)])
    charity_number = StringField(_l("Charity number (if any)"), validators=[Optional(), Length(max=20)])
    size_band = RadioField(_l("Size"), choices=choices(SIZE_LABELS),
                           validators=[InputRequired(_l("Choose the organisation's size"))])
    is_vcse = BooleanField(_l("We are a charity, social enterprise or community group (VCSE)"))
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=1000)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300), web_address])
    about = TextAreaField(_l("About the organisation"), validators=[Optional(), Length(max=5000)],
                          description=_l("Every bid starts from this, so you do not type it again."))
    policies = TextAreaField(_l("Policies"), validators=[Optional(), Length(max=5000)],
                             description=_l("For example equality, environment, safeguarding and data protection."))


class CertificateForm(TextForm):
    name = StringField(_l("Certificate or accreditation"), validators=[InputRequired(_l("Enter the certificate's name")),
                                                                       Length(max=200)])
    issuer = StringField(_l("Issued by"), validators=[Optional(), Length(max=200)])
    expires_on = DateField(_l("Expires on"), validators=[Optional()], description=_l("For example 2027-06-30"))


class CaseStudyForm(TextForm):
    title = StringField(_l("Case study title"), validators=[InputRequired(_l("Enter a title")), Length(max=200)])
    client = StringField(_l("Client"), validators=[Optional(), Length(max=200)])
    summary = TextAreaField(_l("What you did and what changed"), validators=[Optional(), Length(max=5000)])


class BidForm(TextForm):
    """Answers are added per criterion by the view (answer_<criterion id>)."""
    about = TextAreaField(_l("About your organisation"), validators=[Optional(), Length(max=20000)],
                          description=_l("Filled in from your profile, certificates and case studies. Change it "
                                         "for this bid if you need to: your profile stays as it is."))
    price = StringField(_l("Your price for this stage, in pounds"), validators=[Optional(), Length(max=20)])
    consortium = BooleanField(_l("We are bidding as a consortium"))
    partners = TextAreaField(_l("Consortium partners and what each does"), validators=[Optional(), Length(max=3000)])
    document = FileField(_l("Add a document"),
                         description=_l("PDF, Word, OpenDocument, Excel, PNG or JPG, up to 5 MB each."))


def bid_form_class(criteria):
    fields = {f"answer_{c.id}": TextAreaField(validators=[Optional(), Length(max=20000)]) for c in criteria}
    return type("ChallengeBidForm", (BidForm,), fields)


class QuestionForm(TextForm):
    question = TextAreaField(_l("Your question"), validators=[InputRequired(_l("Enter your question")),
                                                              Length(max=3000)],
                             description=_l("Only council staff see your question and who asked it. If it is "
                                            "answered, everyone sees it without your name."))


class AnswerForm(TextForm):
    public_question = TextAreaField(_l("The question as everyone will see it"),
                                     validators=[InputRequired(_l("Enter the question without the asker's details")),
                                                 Length(max=3000)])
    answer = TextAreaField(_l("Answer"), validators=[InputRequired(_l("Enter the answer")), Length(max=5000)])


class AlertForm(TextForm):
    cpv = SelectField(_l("Category"), validators=[Optional()])
    min_value = DecimalField(_l("Budget at least (£)"), places=0, validators=[Optional(), NumberRange(min=0)])
    max_value = DecimalField(_l("Budget at most (£)"), places=0, validators=[Optional(), NumberRange(min=0)])


class PartnerForm(TextForm):
    offers = TextAreaField(_l("What you offer"), validators=[InputRequired(_l("Say what you offer")), Length(max=2000)])
    needs = TextAreaField(_l("What you are looking for"), validators=[InputRequired(_l("Say what you are looking for")),
                                                                       Length(max=2000)])


class ContactForm(TextForm):
    listing_id = HiddenField()
    message = TextAreaField(_l("Your message"), validators=[InputRequired(_l("Enter a message")), Length(max=3000)],
                            description=_l("They get your organisation's name and your email address to reply to."))


class ConflictForm(TextForm):
    has_conflict = RadioField(_l("Do you have a conflict of interest with any bidder?"),
                              choices=choices([("no", _l("No")), ("yes", _l("Yes"))]),
                              validators=[InputRequired(_l("Say whether you have a conflict of interest"))])
    details = TextAreaField(_l("Details"), validators=[Optional(), Length(max=2000)],
                            description=_l("If yes, say which bidder and why. You will not score this stage."))


def score_form_class(criteria):
    fields = {}
    for c in criteria:
        fields[f"score_{c.id}"] = IntegerField(_l("Score out of 10"), validators=[
            InputRequired(_l("Enter a score from 0 to 10")), NumberRange(0, 10, _l("Enter a score from 0 to 10"))])
        fields[f"reason_{c.id}"] = TextAreaField(_l("Reason"), validators=[
            InputRequired(_l("Give the reason for this score")), Length(max=3000)])
    return type("ScoreForm", (TextForm,), fields)


class AwardForm(TextForm):
    bids = MultiCheckboxField(_l("Bids to award"))


class SettingsForm(TextForm):
    standstill_working_days = IntegerField(_l("Standstill period in working days"),
                                           validators=[InputRequired(_l("Enter a number of days")), NumberRange(0, 60)])
    bank_holidays = TextAreaField(_l("Bank holidays"), validators=[Optional(), Length(max=4000)],
                                  description=_l("One date per line, like 2026-12-25. They do not count as working days."))
    clarification_days = IntegerField(_l("Questions close this many days before a bid deadline"),
                                      validators=[InputRequired(_l("Enter a number of days")), NumberRange(0, 60)])
    late_change_days = IntegerField(_l("Changes are late in the last this many days before a deadline"),
                                    validators=[InputRequired(_l("Enter a number of days")), NumberRange(0, 60)])
    late_change_min_extension_days = IntegerField(_l("A late change must move the deadline by at least (days)"),
                                                  validators=[InputRequired(_l("Enter a number of days")),
                                                              NumberRange(0, 120)])
