from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, SubmitField
from wtforms.validators import Optional

from portal.blueprints.forms import email_validators, required, short_text


class InviteForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=email_validators())
    name = StringField(_l("Name (optional)"), validators=[Optional(), short_text()])
    role = SelectField(_l("Role"), validators=[required()])
    submit = SubmitField(_l("Send the invitation"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), validators=[required()])
    submit = SubmitField(_l("Change the role"))


class HandOverForm(FlaskForm):
    successor = SelectField(_l("Hand your role over to"), validators=[required()])
    submit = SubmitField(_l("Hand over"))
