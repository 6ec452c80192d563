from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField

from portal.blueprints.forms import required, short_text


class CodeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[required(), short_text(40)])
    submit = SubmitField(_l("Continue"))


SIGN_OUT_OTHERS = _l("Also sign out my other sessions and revoke my API tokens")


class EnrolForm(FlaskForm):
    current_password = PasswordField(_l("Your password"), validators=[required(), short_text()])
    code = StringField(_l("The code your app shows"), validators=[required(), short_text(40)])
    sign_out_others = BooleanField(SIGN_OUT_OTHERS, default=True)
    submit = SubmitField(_l("Turn on two-factor authentication"))


class RecoveryCodesForm(FlaskForm):
    current_password = PasswordField(_l("Your password"), validators=[required(), short_text()])
    sign_out_others = BooleanField(SIGN_OUT_OTHERS, default=True)
    submit_codes = SubmitField(_l("Make new recovery codes"))


class DisableForm(FlaskForm):
    current_password = PasswordField(_l("Your password"), validators=[required(), short_text()])
    code = StringField(_l("A code of your app, or a recovery code"), validators=[required(), short_text(40)])
    sign_out_others = BooleanField(SIGN_OUT_OTHERS, default=True)
    submit_disable = SubmitField(_l("Turn off two-factor authentication"))
