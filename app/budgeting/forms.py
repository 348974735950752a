from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from app.core.bilingual import BilingualField
from app.core.forms import DateField, MultiCheckboxField, TextForm, choices


class BallotForm(FlaskForm):
    projects = MultiCheckboxField(_l("Your choice of projects"), coerce=int,
                                  validators=[InputRequired(_l("Choose at least one project."))])

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.projects.choices = choices([(p.id, label) for p, label in projects])


# --- Staff -------------------------------------------------------------------------------------


FORMULAS = [("equal", _l("The same for every ward")), ("population", _l("By population")),
            ("deprivation", _l("By population, weighted by deprivation"))]
KINDS = [("knapsack", _l("Choose projects up to the budget")), ("approval", _l("Choose up to a number of projects"))]
RULES = [("equal-shares", _l("Method of Equal Shares (proportional)")),
         ("greedy", _l("Most votes first"))]
VERIFICATION = [("", _l("Signed in, nothing more")), ("email", _l("A confirmed email address")),
                ("polling_card", _l("A polling-card code")), ("staff", _l("Checked by staff"))]


class ProcessForm(FlaskForm):
    wards = MultiCheckboxField(_l("Wards"), coerce=int, validators=[InputRequired(_l("Choose at least one ward"))],
                               description=_l("One budget process is created for each ward."))
    title = BilingualField(_l("Title"), description=_l("The ward's name is added to it, e.g. “Ward budget 2027: Afon”."))
    summary = BilingualField(_l("What it is about, in plain words"), multiline=True, optional=True)
    total = IntegerField(_l("Total to share between these wards, in pounds"), validators=[
        InputRequired(_l("Enter the total in whole pounds")), NumberRange(min=1, message=_l("Enter an amount above £0"))])
    formula = RadioField(_l("How the total is shared"), choices=choices(FORMULAS), default="population",
                         validators=[InputRequired(_l("Choose how the total is shared"))])
    ballot_kind = RadioField(_l("Ballot"), choices=choices(KINDS), default="knapsack",
                             validators=[InputRequired(_l("Choose a ballot"))])
    max_choices = IntegerField(_l("Most projects a voter may choose (approval ballots)"),
                               validators=[Optional(), NumberRange(min=1, max=50, message=_l("Enter 1 to 50"))])
    rule = SelectField(_l("Counting rule"), choices=choices(RULES), default="equal-shares")
    proposals_from = DateField(_l("Proposals from"), validators=[InputRequired(_l("Enter the date proposals open"))])
    costing_from = DateField(_l("Costing from"), validators=[InputRequired(_l("Enter the date costing starts"))])
    voting_from = DateField(_l("Voting from"), validators=[InputRequired(_l("Enter the date voting opens"))])
    voting_until = DateField(_l("Voting until the end of"), validators=[InputRequired(_l("Enter the last day of voting"))])
    verification = SelectField(_l("Who may vote, besides living in the ward"), choices=choices(VERIFICATION), default="")
    minimum_age = IntegerField(_l("Minimum age (leave empty for none)"),
                               validators=[Optional(), NumberRange(min=10, max=25, message=_l("Enter an age from 10 to 25"))])

    def __init__(self, *args, wards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.wards.choices = choices([(w.id, w.name) for w in wards])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Checked here: an empty optional field stops its own validators before any would run.
        if self.ballot_kind.data == "approval" and not self.max_choices.data and not self.max_choices.errors:
            self.max_choices.errors = [*self.max_choices.errors, _l("Enter how many projects a voter may choose")]
            valid = False
        return valid

    def validate_voting_until(self, field):
        dates = [self.proposals_from.data, self.costing_from.data, self.voting_from.data, field.data]
        if all(dates) and not dates[0] <= dates[1] <= dates[2] <= dates[3]:
            raise ValidationError(_l("The dates must follow each other: proposals, costing, voting, end of voting"))


class ProjectForm(TextForm):
    title = BilingualField(_l("Project"))
    description = BilingualField(_l("Description"), multiline=True, optional=True)
    cost = IntegerField(_l("Cost, in pounds"), validators=[Optional(), NumberRange(min=0, message=_l("Enter £0 or more"))])
    status = RadioField(_l("Feasibility"), default="proposed", choices=choices([
        ("proposed", _l("Not decided yet")), ("feasible", _l("Feasible: it goes on the ballot")),
        ("infeasible", _l("Not feasible"))]), validators=[InputRequired(_l("Choose the feasibility"))])
    feasibility_note = TextAreaField(_l("Note on feasibility (for staff)"), validators=[Length(max=2000)])
    infeasible_reason = TextAreaField(_l("Why it is not feasible (shown publicly)"), validators=[Length(max=1000)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Checked here: an empty optional field stops its own validators before any would run.
        if self.status.data == "feasible" and self.cost.data is None and not self.cost.errors:
            self.cost.errors = [*self.cost.errors, _l("Enter the cost: a feasible project needs one to go on the ballot")]
            valid = False
        return valid

    def validate_infeasible_reason(self, field):
        if self.status.data == "infeasible" and not (field.data or "").strip():
            raise ValidationError(_l("Say why it is not feasible: residents see the reason"))


PHASES = [("", _l("Follow the dates")), ("proposals", _l("Proposals")), ("costing", _l("Costing")),
          ("voting", _l("Voting")), ("counting", _l("Voting closed"))]


class PhaseForm(FlaskForm):
    phase = SelectField(_l("Phase"), choices=choices(PHASES), default="")


class PaperBallotForm(FlaskForm):
    paper = StringField(_l("Ballot paper number"), validators=[
        InputRequired(_l("Enter the number printed on the ballot paper")), Length(max=40)])
    email = StringField(_l("The voter's email address, if they have an account (optional)"),
                        validators=[Optional(), Length(max=254)],
                        description=_l("If they also voted online, their online vote counts and this paper is listed "
                                       "as a conflict."))
    projects = MultiCheckboxField(_l("Projects marked on the paper"), coerce=int,
                                  validators=[InputRequired(_l("Tick the projects marked on the paper"))])

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.projects.choices = choices([(p.id, label) for p, label in projects])


class FindResidentForm(FlaskForm):
    email = StringField(_l("The resident's email address"), validators=[
        InputRequired(_l("Enter the resident's email address")), Length(max=254)])


IN_PERSON_CHANNELS = [("kiosk", _l("At a library kiosk: the resident chose on the screen")),
                      ("assisted", _l("With my help: I entered the resident's choices for them"))]


class InPersonBallotForm(FlaskForm):
    channel = RadioField(_l("How the ballot is cast"), choices=choices(IN_PERSON_CHANNELS),
                         validators=[InputRequired(_l("Say how the ballot is cast"))])
    projects = MultiCheckboxField(_l("The resident's choice of projects"), coerce=int,
                                  validators=[InputRequired(_l("Choose at least one project."))])
    code = StringField(_l("The resident's confirmation code"), validators=[
        InputRequired(_l("Enter the confirmation code the resident was sent")), Length(max=20)],
        description=_l("Six digits, sent to the resident's email. It shows they are here and agree."))

    def __init__(self, *args, projects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.projects.choices = choices([(p.id, label) for p, label in projects])
