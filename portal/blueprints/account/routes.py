from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.account import bp
from portal.blueprints.account.forms import (
    CloseAccountForm,
    EmailChangeForm,
    PasswordChangeForm,
    PreferencesForm,
    currency_choices,
    timezone_choices,
)
from portal.blueprints.forms import ButtonForm, place_errors
from portal.blueprints.guards import login_required
from portal.domain import accounts
from portal.errors import Refused


def _forms():
    preferences = PreferencesForm(prefix="pref", obj=None)
    preferences.timezone.choices = timezone_choices()
    preferences.currency.choices = currency_choices()
    if request.method == "GET":
        preferences.locale.data = current_user.locale or ""
        preferences.timezone.data = current_user.timezone or ""
        preferences.currency.data = current_user.currency or ""
    return {
        "preferences": preferences,
        "password_form": PasswordChangeForm(prefix="pw"),
        "email_form": EmailChangeForm(prefix="em"),
        "everywhere_form": ButtonForm(prefix="everywhere"),
        "close_form": CloseAccountForm(prefix="close"),
    }


def _render(forms, status=200):
    current = accounts.current_session_row()
    return render_template(
        "account/show.html",
        open_sessions=accounts.open_sessions(current_user),
        api_tokens=accounts.live_api_tokens(current_user),
        current_session_id=current.id if current else None,
        button=ButtonForm(),
        **forms,
    ), status


@bp.get("/")
@login_required
def show():
    """The account page: memberships, preferences, password, email, open sessions. The signed-in user."""
    return _render(_forms())


@bp.post("/preferences")
@login_required
def preferences():
    """Saves language and time zone. The signed-in user."""
    forms = _forms()
    form = forms["preferences"]
    if not form.validate_on_submit():
        return _render(forms, 422)
    accounts.set_preferences(current_user, form.locale.data, form.timezone.data, form.currency.data)
    flash(_("Your preferences are saved."), "info")
    return redirect(url_for("account.show"), code=303)


@bp.post("/password")
@login_required
def password():
    """Changes the password after the current one is given; signs out every other session. The signed-in user."""
    forms = _forms()
    form = forms["password_form"]
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.password.data)
        except Refused as error:
            for message in place_errors(form, error):
                flash(message, "error")
        else:
            accounts.start_session(current_user)  # this browser stays signed in, with a new session
            flash(_("Your password is changed. Your other sessions are signed out."), "info")
            return redirect(url_for("account.show"), code=303)
    return _render(forms, 422)


@bp.post("/email")
@login_required
def email():
    """Changes the email address after the password is given; the new address must be confirmed. The signed-in user."""
    forms = _forms()
    form = forms["email_form"]
    if form.validate_on_submit():
        try:
            accounts.change_email(current_user, form.current_password.data, form.email.data)
        except Refused as error:
            for message in place_errors(form, error):
                flash(message, "error")
        else:
            flash(_("We sent a link to the new address: your account moves to it when you follow the link."), "info")
            return redirect(url_for("account.show"), code=303)
    return _render(forms, 422)


@bp.post("/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    """Ends every session of the account, this one included. The signed-in user."""
    form = ButtonForm(prefix="everywhere")
    if form.validate_on_submit():
        accounts.sign_out_everywhere(current_user)
        accounts.end_current_session("sign_out_everywhere")
        flash(_("You are signed out everywhere."), "info")
    return redirect(url_for("main.home"), code=303)


@bp.post("/sessions/<id:session_id>/end")
@login_required
def end_session(session_id):
    """Signs one of your browser sessions out (a phone left at a cybercafé). The signed-in user, for their own."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    accounts.end_session(current_user, session_id)
    flash(_("That session is signed out."), "info")
    return redirect(url_for("account.show", _anchor="sessions-title"), code=303)


@bp.post("/tokens/<id:token_id>/revoke")
@login_required
def revoke_token(token_id):
    """Revokes one of your API tokens: the program using it is refused from now on. The signed-in user."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    accounts.revoke_own_api_token(current_user, token_id)
    flash(_("That API token is revoked."), "info")
    return redirect(url_for("account.show", _anchor="tokens-title"), code=303)


@bp.get("/data")
@login_required
def data():
    """Everything the portal keeps about you, as a JSON file to download. The signed-in user."""
    response = jsonify(accounts.personal_data(current_user))
    response.headers["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/close")
@login_required
def close():
    """Closes the account after its password: what you did stays on the record, under "former member". The
    signed-in user."""
    forms = _forms()
    form = forms["close_form"]
    if form.validate_on_submit():
        try:
            accounts.close_account(current_user, form.current_password.data)
        except Refused as error:
            for message in place_errors(form, error):
                flash(message, "error")
        else:
            accounts.end_current_session("account_closed")
            flash(_("Your account is closed. Thank you for what you did on the portal."), "info")
            return redirect(url_for("main.home"), code=303)
    return _render(forms, 422)
