"""Two-factor authentication pages: the second step of signing in, and enrolment on the account page."""

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.forms import ButtonForm, place_errors
from portal.blueprints.guards import admin_required, login_required
from portal.blueprints.two_factor import bp
from portal.blueprints.two_factor.forms import CodeForm, DisableForm, EnrolForm, RecoveryCodesForm
from portal.domain import two_factor
from portal.errors import Refused, is_api_request
from portal.extensions import db
from portal.models import User

# What an account that must enrol may still open: enrolment itself, signing out, the files of the pages.
OPEN_WHILE_ENROLLING = frozenset(
    {
        "static",
        "auth.logout",
        "two_factor.manage",
        "two_factor.start",
        "two_factor.enrol",
        "two_factor.qr_code",
    }
)


@bp.before_app_request
def require_enrolment():
    """An account that must use two-factor authentication and has not enrolled uses nothing else until it has."""
    if not current_app.config["MFA_REQUIRED"] or is_api_request() or request.endpoint in OPEN_WHILE_ENROLLING:
        return None
    if current_user.is_authenticated and two_factor.must_enrol(current_user):
        flash(_("Your account must use two-factor authentication: set it up to go on."), "info")
        return redirect(url_for("two_factor.manage"), code=303)
    return None


@bp.app_context_processor
def _two_factor_helpers():
    return {"two_factor_on": two_factor.is_enabled, "users_with_two_factor": two_factor.users_with_two_factor}


@bp.route("/auth/two-factor", methods=["GET", "POST"])
def verify():
    """The second step of signing in: the code of the authenticator app, or a recovery code. Whoever has just
    given the right password of an account with two-factor on, for a few minutes."""
    if two_factor.pending_second_step() is None:
        flash(_("Give your password again: the sign-in took too long, or too many wrong codes were sent."), "info")
        return redirect(url_for("auth.login"), code=303)
    form = CodeForm()
    if form.validate_on_submit():
        try:
            _user, next_url = two_factor.finish_second_step(form.code.data)
        except Refused as error:
            if error.code != "invalid_otp":
                raise  # too many attempts: 429 with Retry-After
            if two_factor.pending_second_step() is None:  # that was one wrong code too many for this step
                flash(_("Too many wrong codes: give your password again."), "error")
                return redirect(url_for("auth.login"), code=303)
            form.code.errors = [error.text()]
            return render_template("two_factor/verify.html", form=form), 200
        return redirect(next_url, code=303)
    return render_template("two_factor/verify.html", form=form), 422 if form.errors else 200


def _render_manage(status=200, enrol_form=None, codes_form=None, disable_form=None):
    secret = two_factor.pending_secret(current_user)
    response = make_response(
        render_template(
            "two_factor/manage.html",
            enabled=two_factor.is_enabled(current_user),
            required=two_factor.is_required(current_user),
            secret=two_factor.format_secret(secret) if secret else None,
            codes_left=two_factor.recovery_codes_left(current_user),
            start_form=ButtonForm(prefix="start"),
            enrol_form=enrol_form or EnrolForm(prefix="enrol"),
            codes_form=codes_form or RecoveryCodesForm(prefix="codes"),
            disable_form=disable_form or DisableForm(prefix="disable"),
        ),
        status,
    )
    response.headers["Cache-Control"] = "private, no-store"  # the secret is on it while enrolling
    return response


def _render_codes(codes: list[str]):
    response = make_response(render_template("two_factor/recovery_codes.html", codes=codes))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/account/two-factor")
@login_required
def manage():
    """Two-factor authentication of one's account: set it up, make new recovery codes, turn it off. The signed-in
    user."""
    return _render_manage()


@bp.post("/account/two-factor/start")
@login_required
def start():
    """Starts the set-up: a new secret, shown as a QR code and as text. The signed-in user."""
    if not ButtonForm(prefix="start").validate_on_submit():
        abort(400)
    try:
        two_factor.start_enrolment(current_user)
    except Refused as error:
        flash(error.text(), "error")
    return redirect(url_for("two_factor.manage"), code=303)


@bp.get("/account/two-factor/qr.svg")
@login_required
def qr_code():
    """The QR code of the secret being set up, as an SVG image. The signed-in user, while enrolling."""
    secret = two_factor.pending_secret(current_user)
    if secret is None:
        abort(404)
    response = make_response(two_factor.qr_code_svg(two_factor.provisioning_uri(current_user, secret)))
    response.mimetype = "image/svg+xml"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/account/two-factor/enrol")
@login_required
def enrol():
    """Turns two-factor authentication on with the password and a first code of the app; shows the recovery codes
    once. The signed-in user."""
    form = EnrolForm(prefix="enrol")
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_enrolment(
                current_user, form.current_password.data, form.code.data, form.sign_out_others.data
            )
        except Refused as error:
            for message in place_errors(form, error):
                flash(message, "error")
        else:
            return _render_codes(codes)
    return _render_manage(422, enrol_form=form)


@bp.post("/account/two-factor/recovery-codes")
@login_required
def recovery_codes():
    """New recovery codes after the password (the old ones stop working); shown once. The signed-in user."""
    form = RecoveryCodesForm(prefix="codes")
    if form.validate_on_submit():
        try:
            codes = two_factor.regenerate_recovery_codes(
                current_user, form.current_password.data, form.sign_out_others.data
            )
        except Refused as error:
            for message in place_errors(form, error):
                flash(message, "error")
        else:
            return _render_codes(codes)
    return _render_manage(422, codes_form=form)


@bp.post("/account/two-factor/disable")
@login_required
def disable():
    """Turns two-factor authentication off after the password and a code. The signed-in user."""
    form = DisableForm(prefix="disable")
    if form.validate_on_submit():
        try:
            two_factor.disable(current_user, form.current_password.data, form.code.data, form.sign_out_others.data)
        except Refused as error:
            for message in place_errors(form, error):
                flash(message, "error")
        else:
            flash(_("Two-factor authentication is off."), "info")
            return redirect(url_for("account.show"), code=303)
    return _render_manage(422, disable_form=form)


@bp.post("/admin/users/<id:user_id>/two-factor/reset")
@admin_required
def reset(user_id):
    """Turns another account's two-factor authentication off, for someone who lost phone and recovery codes. Admins."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        two_factor.reset_by_admin(current_user, user)
    except Refused as error:
        if error.status == 403:
            raise
        flash(error.text(), "error")
    else:
        flash(_("Two-factor authentication of %(name)s is off; they were told by mail.", name=user.name), "info")
    return redirect(url_for("admin.users", q=request.args.get("q") or None), code=303)
