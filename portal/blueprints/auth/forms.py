from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import Optional

from portal.blueprints.forms import email_validators, new_password_validators, options, required, short_text
from portal.i18n import countries_by_name


def country_choices():
    """Countries by name in the viewer's language, the ones the diaspora lives in most first."""
    return options(countries_by_name())


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[required(), short_text(254)])
    password = PasswordField(_l("Password"), validators=[required(), short_text(200)])
    submit = SubmitField(_l("Sign in"))


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=email_validators())
    submit = SubmitField(_l("Send me a link"))


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=new_password_validators())
    submit = SubmitField(_l("Save the new password"))


class SignUpForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[required(), short_text()])
    email = EmailField(_l("Email address"), validators=email_validators())
    password = PasswordField(_l("Password"), validators=new_password_validators())
    association_name = StringField(_l("Name of the association"), validators=[required(), short_text()])
    country = SelectField(_l("Country of residence"), validators=[required()])
    city = StringField(_l("City"), validators=[required(), short_text()])
    registration_number = StringField(_l("Registration number (optional)"), validators=[Optional(), short_text()])
    commune_query = StringField(_l("Home commune in Mali"), validators=[required(), short_text()])
    commune_id = RadioField(_l("Which commune?"), choices=[], validate_choice=False, validators=[Optional()])
    villages = StringField(_l("Villages (optional)"), validators=[Optional(), short_text(500)])
    submit = SubmitField(_l("Create the account and the association"))


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[required(), short_text()])
    password = PasswordField(_l("Password"), validators=new_password_validators())
    submit = SubmitField(_l("Join"))


class JoinForm(FlaskForm):
    submit = SubmitField(_l("Join"))
