from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField
from app.core.forms import DateField, choices
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, Optional, ValidationError

# Language names are written in their own language, so they are not translated.
LANGUAGE_CHOICES = choices([("en", "English"), ("cy", "Cymraeg")])
MIN_PASSWORD = 10


class SignUpForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(_l("Enter your name")), Length(max=120, message=_l("Your name must be 120 characters or fewer"))],
                               description=_l("This is shown next to ideas and comments you post. You can use a first name only."))
    email = EmailField(_l("Email address"), validators=[
        DataRequired(_l("Enter your email address")),
        Email(_l("Enter an email address in the correct format, like name@example.com"), check_deliverability=False),
        Length(max=254)])
    password = PasswordField(_l("Create a password"), validators=[
        DataRequired(_l("Enter a password")),
        Length(min=MIN_PASSWORD, max=200, message=_l("Your password must be at least 10 characters"))],
        description=_l("At least 10 characters. A few unrelated words make a strong password you can remember."))
    confirm = PasswordField(_l("Type the password again"), validators=[
        DataRequired(_l("Type the password again")),
        EqualTo("password", _l("The passwords do not match"))])
    language = RadioField(_l("Which language would you like to use?"), choices=LANGUAGE_CHOICES, default="en",
                          validators=[InputRequired(_l("Choose a language"))])
    share_with_councillors = BooleanField(_l("Let my ward councillors see my name when I support an idea or comment"))
    contact_for_research = BooleanField(_l("The council may email me to ask about taking part in research"))


class SignInForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(_l("Enter your email address"))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password"))])


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[
        DataRequired(_l("Enter your email address")),
        Email(_l("Enter an email address in the correct format, like name@example.com"), check_deliverability=False)],
        description=_l("We will email you a link to choose a new password."))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Enter a password")),
        Length(min=MIN_PASSWORD, max=200, message=_l("Your password must be at least 10 characters"))],
        description=_l("At least 10 characters."))
    confirm = PasswordField(_l("Type the new password again"), validators=[
        DataRequired(_l("Type the password again")),
        EqualTo("password", _l("The passwords do not match"))])


class PostcodeForm(FlaskForm):
    postcode = StringField(_l("Postcode"), validators=[DataRequired(_l("Enter your postcode"))],
                           description=_l("For example, CC1 1AA. We use it only to find your ward."))


class WardChoiceForm(FlaskForm):
    ward = RadioField(_l("Which ward do you live in?"), coerce=int,
                      validators=[InputRequired(_l("Choose your ward"))])


class AccountForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(_l("Enter your name")), Length(max=120, message=_l("Your name must be 120 characters or fewer"))])
    language = RadioField(_l("Language"), choices=LANGUAGE_CHOICES, validators=[InputRequired(_l("Choose a language"))])
    date_of_birth = DateField(_l("Date of birth (optional)"), validators=[Optional()],
                              description=_l("Only needed for votes with an age limit, such as a youth budget."))
    share_with_councillors = BooleanField(_l("Let my ward councillors see my name when I support an idea or comment"))
    contact_for_research = BooleanField(_l("The council may email me to ask about taking part in research"))

    def validate_date_of_birth(self, field):
        from datetime import date
        if field.data and (field.data > date.today() or field.data.year < 1900):
            raise ValidationError(_l("Date of birth must be a real date in the past"))


class DeleteAccountForm(FlaskForm):
    confirm = BooleanField(_l("I understand that my account will be deleted and cannot be restored"),
                           validators=[DataRequired(_l("Tick the box to confirm you want to delete your account"))])


class TwoFactorForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app, or a recovery code"),
                       validators=[DataRequired(_l("Enter the code"))],
                       description=_l("The 6-digit code changes every 30 seconds."))


class TwoFactorSetupForm(FlaskForm):
    code = StringField(_l("Code from your authenticator app"), validators=[DataRequired(_l("Enter the code"))],
                       description=_l("Enter the 6-digit code the app shows, to check it is set up."))


class PollingCardForm(FlaskForm):
    code = StringField(_l("The code on your polling card"), validators=[
        InputRequired(_l("Enter the code printed on your polling card")), Length(max=40)],
        description=_l("It is printed under your name. Letters and numbers; spaces and dashes do not matter."))
