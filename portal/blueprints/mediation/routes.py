from functools import wraps

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import EmailField, SelectField, StringField, SubmitField
from wtforms.validators import Optional

from portal.blueprints.auth.forms import email_validators, options, required, short_text
from portal.blueprints.guards import login_required
from portal.blueprints.mediation import bp
from portal.domain import accounts
from portal.domain import organisations as rules
from portal.domain.territories import communes_named
from portal.errors import Refused
from portal.extensions import db
from portal.models import HomeCommune, Organisation, OrganisationKind, Verification


def mediator_required(view):
    """Mediators of the ministry and admins; anyone else signed in gets 403."""

    @login_required
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not rules.can_verify_associations(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


class OfficialInviteForm(FlaskForm):
    commune = StringField(_l("Commune"), validators=[required(), short_text()])
    role = SelectField(
        _l("Role"),
        choices=options([("mayor", _l("Mayor")), ("deputy", _l("Deputy mayor")), ("clerk", _l("Secretary general"))]),
    )
    email = EmailField(_l("Email address"), validators=email_validators())
    name = StringField(_l("Name (optional)"), validators=[Optional(), short_text()])
    submit = SubmitField(_l("Invite the official"))


class PartnerInviteForm(FlaskForm):
    partner = SelectField(_l("Partner organisation"), validators=[required()])
    role = SelectField(
        _l("Role"), choices=options([("observer", _l("Observer")), ("representative", _l("Representative"))])
    )
    email = EmailField(_l("Email address"), validators=email_validators())
    name = StringField(_l("Name (optional)"), validators=[Optional(), short_text()])
    submit = SubmitField(_l("Invite"))


@bp.get("/associations")
@mediator_required
def associations():
    """Associations awaiting verification, oldest first. Mediators and admins."""
    pending = db.session.scalars(
        select(Organisation)
        .where(Organisation.kind == OrganisationKind.ASSOCIATION, Organisation.verification == Verification.PENDING)
        .options(selectinload(Organisation.home_communes).selectinload(HomeCommune.commune))
        .order_by(Organisation.created_at, Organisation.id)
        .limit(100)
    ).all()
    return render_template("mediation/associations.html", pending=pending)


def _partner_choices():
    partners = db.session.scalars(
        select(Organisation).where(Organisation.kind == OrganisationKind.PARTNER).order_by(Organisation.name)
    ).all()
    return options((str(p.id), p.name) for p in partners)


def _invite_page(official_form=None, partner_form=None, status=200):
    official_form = official_form or OfficialInviteForm(prefix="official")
    partner_form = partner_form or PartnerInviteForm(prefix="partner")
    partner_form.partner.choices = _partner_choices()
    return render_template("mediation/invite.html", official_form=official_form, partner_form=partner_form), status


@bp.get("/invite")
@mediator_required
def invite():
    """Invite commune officials and partner observers. Mediators and admins."""
    return _invite_page()


def commune_organisation(commune) -> Organisation:
    """The commune's organisation, created the first time one of its officials is invited."""
    organisation = db.session.scalar(
        select(Organisation).where(Organisation.kind == OrganisationKind.COMMUNE, Organisation.commune_id == commune.id)
    )
    if organisation is None:
        organisation = Organisation(kind=OrganisationKind.COMMUNE, name=commune.name, commune_id=commune.id)
        db.session.add(organisation)
        db.session.flush()
        accounts.record(
            "organisation.create",
            "organisation",
            organisation.id,
            actor=current_user,
            after={"kind": "commune", "commune_id": commune.id},
        )
    return organisation


def _send(form, organisation):
    try:
        accounts.invite(current_user, organisation, form.email.data, form.role.data, form.name.data)
    except Refused as error:
        if error.status == 403:
            abort(403)
        for name, messages in (error.fields or {}).items():
            getattr(form, name).errors = list(messages)
        return False
    flash(_("The invitation is sent to %(email)s.", email=form.email.data), "info")
    return True


@bp.post("/invite/official")
@mediator_required
def invite_official():
    """Sends an invitation to a commune official. Mediators and admins."""
    form = OfficialInviteForm(prefix="official")
    if form.validate_on_submit():
        commune, matches = communes_named(form.commune.data)
        if commune is None:
            form.commune.errors = [
                _("Give the exact name of one commune.")
                if matches
                else _("No commune of that name. Try another spelling.")
            ]
        elif _send(form, commune_organisation(commune)):
            return redirect(url_for("mediation.invite"), code=303)
    return _invite_page(official_form=form, status=422)


@bp.post("/invite/partner")
@mediator_required
def invite_partner():
    """Sends an invitation to a partner's observer or representative. Mediators and admins."""
    form = PartnerInviteForm(prefix="partner")
    form.partner.choices = _partner_choices()
    if form.validate_on_submit():
        partner = db.session.get(Organisation, int(form.partner.data))
        if _send(form, partner):
            return redirect(url_for("mediation.invite"), code=303)
    return _invite_page(partner_form=form, status=422)
