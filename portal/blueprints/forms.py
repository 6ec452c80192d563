"""What every page's forms share: choices, validators with our messages, the one-button form, and putting a
refusal's messages next to the fields they are about."""

from babel.numbers import get_decimal_symbol
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length

from portal import money
from portal.domain.accounts import MIN_PASSWORD_LENGTH
from portal.errors import Refused

REQUIRED = _l("This field is required.")
TOO_LONG = _l("At most %(max)d characters.")


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the choices of a select or radio field."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]


def required():
    return DataRequired(message=REQUIRED)


def short_text(max_length: int = 200):
    return Length(max=max_length, message=TOO_LONG)


def email_validators():
    return [required(), Email(message=_l("Enter a valid email address."), check_deliverability=False), short_text(254)]


def new_password_validators():
    return [
        required(),
        Length(min=MIN_PASSWORD_LENGTH, max=200, message=_l("Choose a password of at least %(min)d characters.")),
    ]


def typed_amount(raw: str | None) -> str:
    """An amount typed on a page, read as its viewer writes numbers ("5 000,00" in French) into the decimal
    string the domain reads (money.amount_text: the one reader, style rule 18)."""
    return money.amount_text(raw or "", get_decimal_symbol(get_locale()))


class ButtonForm(FlaskForm):
    """A form that is only a button (verify, remove, mark read…): its CSRF token is all it carries."""

    submit = SubmitField(_l("Confirm"))


def place_errors(form, error: Refused, fields: dict | None = None) -> list[str]:
    """Puts each field message of a refusal next to its field; returns the messages that belong to no field.

    `fields` maps each refusal key a field shows to that field (a dotted API path to a row of a list); by
    default, the form's fields by name. A refusal without field messages is one general message. A refusal that
    is not about what was typed — not found, forbidden, too many attempts — is raised again: the page's answer.
    """
    if error.status in (403, 404, 429):
        raise error
    if not error.fields:
        return [error.text()]
    targets = form._fields if fields is None else fields
    general = []
    for key, messages in error.fields.items():
        target = targets.get(key)
        if target is None:
            general.extend(messages)
        else:
            target.errors = list(target.errors or []) + list(messages)
    return general
