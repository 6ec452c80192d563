"""marshmallow's own validation messages, listed so that they are extracted and translated.

`portal.errors.flatten_messages` looks every message up in the catalogue when it answers, so a French client
reads "Champ obligatoire manquant." where marshmallow wrote "Missing data for required field.". Validators'
messages, which carry values, are lazy strings of our own (below).
"""

from flask_babel import lazy_gettext as _l
from marshmallow import validate

MARSHMALLOW_MESSAGES = [
    _l("Missing data for required field."),
    _l("Field may not be null."),
    _l("Invalid value."),
    _l("Unknown field."),
    _l("Invalid input type."),
    _l("Invalid type."),
    _l("Not a valid string."),
    _l("Not a valid integer."),
    _l("Not a valid number."),
    _l("Not a valid boolean."),
    _l("Not a valid list."),
    _l("Not a valid mapping type."),
    _l("Not a valid datetime."),
    _l("Not a valid date."),
    _l("Not a valid email address."),
    _l("Number too large."),
    _l("Shorter than minimum length 1."),
]


# marshmallow's validators format their message when a value fails, so lazy strings answer in the client's
# language. Set when this module is imported, which common.py does before any schema is built (OneOf keeps
# the message it finds when it is created).
validate.Length.message_min = _l("Shorter than the minimum length of {min}.")
validate.Length.message_max = _l("Longer than the maximum length of {max}.")
validate.Length.message_all = _l("The length must be between {min} and {max}.")
validate.Length.message_equal = _l("The length must be {equal}.")
validate.OneOf.default_message = _l("Must be one of: {choices}.")


def in_range(minimum: int, maximum: int | None = None) -> validate.Range:
    """Range formats its own messages when it is built, before any request: give it ours, lazily."""
    if maximum is None:
        return validate.Range(min=minimum, error=_l("Must be {min} or more."))
    return validate.Range(min=minimum, max=maximum, error=_l("Must be from {min} to {max}."))
