"""marshmallow's own validation messages, listed so that they are extracted and translated.

`portal.errors.flatten_messages` looks every message up in the catalogue when it answers, so a French client
reads "Champ obligatoire manquant." where marshmallow wrote "Missing data for required field.". Messages
that carry values (lengths, ranges) are answered as marshmallow wrote them.
"""

from flask_babel import lazy_gettext as _l

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
