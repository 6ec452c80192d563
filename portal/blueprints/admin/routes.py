from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import DateField, SelectField, StringField, SubmitField

from portal import money
from portal.blueprints.admin import bp
from portal.blueprints.forms import ButtonForm, options, place_errors, required, short_text, typed_amount
from portal.blueprints.guards import admin_required
from portal.domain import accounts
from portal.domain.organisations import create_organisation as create
from portal.domain.rates import add_rate as add
from portal.domain.settings import SETTINGS, get_setting, set_setting
from portal.domain.territories import communes_named
from portal.errors import Refused
from portal.extensions import db
from portal.ids import is_id
from portal.labels import KIND_LABELS
from portal.models import CurrencyRate, Membership, Organisation, User
from portal.paging import page_number

PER_PAGE = 50


class OrganisationForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=options((k, v) for k, v in KIND_LABELS.items() if k != "association"))
    name = StringField(_l("Name"), validators=[required(), short_text()])
    commune = StringField(_l("Commune (for a commune or a committee)"), validators=[short_text()])
    submit = SubmitField(_l("Create the organisation"))


def _page_arg() -> int:
    return page_number(request.args.get("page"))


@bp.get("/")
@admin_required
def index():
    """The admin's table of contents with a few counts. Admins."""
    counts = {
        "users": db.session.scalar(select(func.count()).select_from(User)),
        "organisations": db.session.scalar(select(func.count()).select_from(Organisation)),
    }
    return render_template("admin/index.html", counts=counts)


@bp.get("/users")
@admin_required
def users():
    """Accounts, searchable by name or address, paginated. Admins."""
    q = (request.args.get("q") or "").strip()[:200]
    page = _page_arg()
    rows = db.session.scalars(
        accounts.find_users(q).order_by(User.id).limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)
    ).all()
    user_ids = [u.id for u in rows]
    membership_counts = (
        dict(
            db.session.execute(
                select(Membership.user_id, func.count())
                .where(Membership.user_id.in_(user_ids))
                .group_by(Membership.user_id)
            ).all()
        )
        if user_ids
        else {}
    )
    return render_template(
        "admin/users.html",
        users=rows[:PER_PAGE],
        has_next=len(rows) > PER_PAGE,
        page=page,
        q=q,
        membership_counts=membership_counts,
        button=ButtonForm(),
    )


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id) if is_id(user_id) else None
    if user is None:
        abort(404)
    return user


@bp.post("/users/<id:user_id>/disable")
@admin_required
def disable_user(user_id):
    """Disables an account and ends its sessions and tokens. Admins."""
    return _user_action(
        lambda user: accounts.set_disabled(current_user, user, True),
        user_id,
        _("The account is disabled and signed out everywhere."),
    )


@bp.post("/users/<id:user_id>/enable")
@admin_required
def enable_user(user_id):
    """Enables a disabled account. Admins."""
    return _user_action(
        lambda user: accounts.set_disabled(current_user, user, False), user_id, _("The account is enabled.")
    )


@bp.post("/users/<id:user_id>/admin")
@admin_required
def toggle_admin(user_id):
    """Grants or withdraws platform administration. Admins (not for themselves)."""
    return _user_action(
        lambda user: accounts.set_admin(current_user, user, not user.is_admin),
        user_id,
        _("The account's administration right is changed."),
    )


def _user_action(action, user_id, message):
    user = _user(user_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        action(user)
    except Refused as error:
        flash(error.text(), "error")
    else:
        flash(message, "info")
    return redirect(url_for("admin.users", q=request.args.get("q") or None), code=303)


def _organisations_page(form=None, status=200):
    page = _page_arg()
    rows = db.session.scalars(
        select(Organisation)
        .order_by(Organisation.kind, Organisation.name, Organisation.id)
        .limit(PER_PAGE + 1)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return render_template(
        "admin/organisations.html",
        organisations=rows[:PER_PAGE],
        has_next=len(rows) > PER_PAGE,
        page=page,
        form=form or OrganisationForm(),
    ), status


@bp.get("/organisations")
@admin_required
def organisations():
    """Every organisation, and a form to create ministries, partners, communes and committees. Admins."""
    return _organisations_page()


@bp.post("/organisations")
@admin_required
def create_organisation():
    """Creates an organisation. Admins."""
    form = OrganisationForm()
    if form.validate_on_submit():
        commune, _matches = communes_named(form.commune.data) if form.commune.data else (None, [])
        try:
            organisation = create(current_user, form.kind.data, form.name.data, commune)
        except Refused as error:
            for message in place_errors(form, error):
                flash(message, "error")
        else:
            flash(_("The organisation is created."), "info")
            return redirect(url_for("organisations.show", organisation_id=organisation.id), code=303)
    return _organisations_page(form, 422)


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    """Platform settings (deadlines of the workflows). Admins."""
    errors: dict[str, list[str]] = {}
    values = {key: get_setting(key) for key in SETTINGS}
    if request.method == "POST":
        if not ButtonForm().validate_on_submit():
            abort(400)
        for key in SETTINGS:
            raw = request.form.get(key, "")
            values[key] = raw
            if str(raw).strip() == str(get_setting(key)):
                continue
            try:
                set_setting(current_user, key, raw)
            except Refused as error:
                errors.update(error.fields or {})
        if not errors:
            flash(_("The settings are saved."), "info")
            return redirect(url_for("admin.settings"), code=303)
    return render_template(
        "admin/settings.html", specs=SETTINGS, values=values, errors=errors, button=ButtonForm()
    ), 422 if errors else 200


class RateForm(FlaskForm):
    currency = StringField(_l("Currency (ISO code)"), validators=[required(), short_text(3)])
    valid_from = DateField(_l("Valid from"), validators=[required()])
    rate_to_xof = StringField(_l("Value of one unit in F CFA"), validators=[required(), short_text(30)])
    submit = SubmitField(_l("Add the rate"))


def _rates_page(form=None, status=200):
    rates = db.session.scalars(
        select(CurrencyRate).order_by(CurrencyRate.currency, CurrencyRate.valid_from.desc()).limit(200)
    ).all()
    return render_template("admin/rates.html", rates=rates, form=form or RateForm(), parity=money.EUR_PARITY), status


@bp.get("/rates")
@admin_required
def rates():
    """The dated table of exchange rates to XOF (EUR is fixed by the CFA parity). Admins."""
    return _rates_page()


@bp.post("/rates")
@admin_required
def add_rate():
    """Adds a rate from a date on; lines already entered keep the rate of their day. Admins."""
    form = RateForm()
    if form.validate_on_submit():
        try:
            add(current_user, form.currency.data, form.valid_from.data, typed_amount(form.rate_to_xof.data))
        except Refused as error:
            for message in place_errors(form, error):
                flash(message, "error")
        else:
            flash(_("The rate is added."), "info")
            return redirect(url_for("admin.rates"), code=303)
    return _rates_page(form, 422)
