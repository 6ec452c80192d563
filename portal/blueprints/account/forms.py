from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from pytz import common_timezones
from wtforms import EmailField, PasswordField, SelectField, SubmitField

from portal.blueprints.forms import email_validators, new_password_validators, options, required, short_text
from portal.database import utcnow
from portal.money import accepted_currencies

LANGUAGE_CHOICES = [("", _l("As my browser says")), ("fr", "Français"), ("en", "English")]
# The zones our users live in come first; every other IANA zone follows.
FIRST_ZONES = ["Africa/Bamako", "Europe/Paris", "Africa/Abidjan", "Europe/Madrid", "America/New_York", "Africa/Dakar"]


def timezone_choices():
    rest = [z for z in common_timezones if z not in FIRST_ZONES]
    return options([("", _l("Bamako (default)"))] + [(z, z.replace("_", " ")) for z in FIRST_ZONES + rest])


class PreferencesForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=options(LANGUAGE_CHOICES))
    timezone = SelectField(_l("Time zone"))
    currency = SelectField(_l("Also show amounts in"))
    submit_preferences = SubmitField(_l("Save the preferences"))


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[required(), short_text()])
    password = PasswordField(_l("New password"), validators=new_password_validators())
    submit_password = SubmitField(_l("Change the password"))


class CloseAccountForm(FlaskForm):
    current_password = PasswordField(_l("Your password, to close the account"), validators=[required(), short_text()])
    submit_close = SubmitField(_l("Close my account"))


class EmailChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[required(), short_text()])
    email = EmailField(_l("New email address"), validators=email_validators())
    submit_email = SubmitField(_l("Change the address"))


def currency_choices():
    """F CFA alone, or with the euro or a currency of the rate table beside it."""
    others = [c for c in accepted_currencies(utcnow().date()) if c != "XOF"]
    return options([("", _l("F CFA only"))] + [(c, c) for c in others])
