from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField
from wtforms.validators import ValidationError

from portal.blueprints.forms import options
from portal.labels import MAIL_MODE_LABELS

CHOOSE_ONE = _l("Choose one of the options.")


class ModeField(SelectField):
    """Immediate, digest or none, with our own message for anything else."""

    def __init__(self, label, **kwargs):
        super().__init__(label, choices=options(MAIL_MODE_LABELS.items()), **kwargs)

    def pre_validate(self, form):
        if self.data not in MAIL_MODE_LABELS:
            raise ValidationError(str(CHOOSE_ONE))


def field_name(kind: str) -> str:
    return f"kind_{kind}"


def preferences_form(kinds: dict, current: dict) -> FlaskForm:
    """A select per kind of event, labelled with the kind, showing `current` until the user submits."""

    class PreferencesForm(FlaskForm):
        submit = SubmitField(_l("Save my choices"))

    for kind, label in kinds.items():
        setattr(PreferencesForm, field_name(kind), ModeField(label, default=current.get(kind)))
    return PreferencesForm()
