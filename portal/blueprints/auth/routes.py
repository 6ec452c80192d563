from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.auth import bp
from portal.blueprints.auth.forms import (
    AcceptInvitationForm,
    JoinForm,
    LoginForm,
    NewPasswordForm,
    ResetRequestForm,
    SignUpForm,
    country_choices,
    options,
)
from portal.blueprints.forms import place_errors
from portal.blueprints.guards import login_required
from portal.blueprints.pages import safe_next
from portal.domain import accounts, two_factor
from portal.domain.territories import communes_named
from portal.errors import Refused
from portal.models import Commune


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form; goes back to `next` (a local path) afterwards. Everyone."""
    form = LoginForm()
    next_url = safe_next(request.values.get("next"), url_for("main.home"))
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.email.data, form.password.data, request.remote_addr)
        except Refused as error:
            if error.code != "invalid_credentials":
                raise  # too many failures: 429 with Retry-After
            form.password.errors = [error.text()]
            return render_template("auth/login.html", form=form, next_url=next_url), 200
        step = two_factor.after_password(user, next_url)
        if step == "code":
            return redirect(url_for("two_factor.verify"), code=303)
        if step == "enrol":
            return redirect(url_for("two_factor.manage"), code=303)
        flash(_("You are signed in as %(name)s.", name=user.name), "info")
        return redirect(next_url, code=303)
    return render_template("auth/login.html", form=form, next_url=next_url), 422 if form.errors else 200


@bp.post("/logout")
def logout():
    """Ends this browser's session on the server. Everyone (nothing happens when signed out)."""
    accounts.end_current_session("logout")
    flash(_("You are signed out."), "info")
    return redirect(url_for("main.home"), code=303)


@bp.route("/reset-password", methods=["GET", "POST"])
def reset_password_request():
    """Asks for a password-reset link; always answers the same, whether the account exists or not. Everyone."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        return render_template("auth/reset_sent.html", email=form.email.data)
    return render_template("auth/reset_request.html", form=form), 422 if form.errors else 200


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token):
    """Chooses a new password from a mailed link (single use, expiring). Whoever holds the link."""
    user = accounts.user_for_reset(token)
    if user is None:
        return render_template("auth/link_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        accounts.set_password(user, form.password.data, "password_reset")
        if two_factor.after_reset(user, url_for("main.home")) == "code":
            flash(_("Your password has been changed. Give your code to sign in."), "info")
            return redirect(url_for("two_factor.verify"), code=303)
        flash(_("Your password has been changed. You are signed in."), "info")
        return redirect(url_for("main.home"), code=303)
    return render_template("auth/reset_password.html", form=form)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token):
    """Confirms an email address from the mailed link, with a button (mail scanners open links, they do not
    press buttons). Whoever holds the link."""
    found = accounts.confirmation_for(token)
    if found is None:
        return render_template("auth/link_invalid.html"), 404
    form = JoinForm()
    if form.validate_on_submit():
        user = accounts.confirm_email(token)
        return render_template("auth/confirmed.html", user=user, done=True)
    return render_template("auth/confirmed.html", user=found[0], email=found[1], form=form, done=False)


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Sign-up for an association representative, who creates the association (pending verification). Everyone."""
    form = SignUpForm()
    form.country.choices = country_choices()
    named, matches = None, []
    if request.method == "POST" and form.commune_query.data:
        named, matches = communes_named(form.commune_query.data)
        form.commune_id.choices = options(
            (str(c.id), f"{c.display_name} ({c.cercle.display_name}, {c.cercle.region.display_name})") for c in matches
        )
    if form.validate_on_submit():
        commune = _chosen_commune(form, named, matches)
        if commune is not None:
            try:
                accounts.sign_up_association(
                    name=form.name.data,
                    email=form.email.data,
                    password=form.password.data,
                    locale=str(get_locale()),
                    association_name=form.association_name.data,
                    country=form.country.data,
                    city=form.city.data,
                    registration_number=form.registration_number.data,
                    commune=commune,
                    villages=form.villages.data,
                )
            except Refused as error:
                if place_errors(form, error):
                    raise  # a refusal about no field of the form
            else:
                # The same answer whether the address was free or not: the mail says which.
                return render_template("auth/signup_sent.html", email=form.email.data)
    return render_template("auth/signup.html", form=form, matches=matches), 422 if form.errors else 200


def _chosen_commune(form, named: Commune | None, matches: list[Commune]) -> Commune | None:
    """The commune the visitor meant: the one they ticked, else the one their text names."""
    if form.commune_id.data:
        chosen = next((c for c in matches if str(c.id) == form.commune_id.data), None)
        if chosen is not None:
            return chosen
    if named is not None:
        return named
    if not matches:
        form.commune_query.errors = [_("No commune of that name. Try another spelling.")]
    else:
        form.commune_id.errors = [_("Several communes match: choose one.")]
    return None


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token):
    """Accepts an invitation: joins with the signed-in account, or creates one. Whoever holds the link."""
    invitation = accounts.open_invitation(token)
    if invitation is None:
        return render_template("auth/link_invalid.html"), 404
    signed_in = current_user.is_authenticated
    if signed_in and current_user.email != invitation.email:
        return render_template("auth/invitation_other_account.html", invitation=invitation), 403
    existing = accounts.user_by_email(invitation.email)
    if not signed_in and existing is not None:
        flash(_("Sign in to accept the invitation."), "info")
        return redirect(url_for("auth.login", next=request.path))
    form = JoinForm() if signed_in else AcceptInvitationForm()
    if not signed_in and request.method == "GET" and invitation.name:
        form.name.data = invitation.name
    if form.validate_on_submit():
        if signed_in:
            accounts.accept_invitation(invitation, current_user)
        else:
            user = accounts.accept_invitation(invitation, None, name=form.name.data, password=form.password.data)
            accounts.start_session(user)
        flash(_("Welcome to %(name)s.", name=invitation.organisation.name), "info")
        return redirect(f"/organisations/{invitation.organisation_id}", code=303)
    return render_template("auth/invitation.html", form=form, invitation=invitation, signed_in=signed_in)


@bp.post("/confirm/resend")
@login_required
def resend_confirmation():
    """Sends the confirmation link again. The signed-in user."""
    if current_user.email_confirmed_at is None:
        accounts.send_confirmation(current_user)
    flash(_("We sent the link again to %(email)s.", email=current_user.email), "info")
    return redirect(url_for("account.show"), code=303)
