"""The ministry's pages: associations awaiting verification, and invitations of commune officials and partners.
Thin: parse, call portal/domain, render."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, SelectField, StringField, SubmitField
from wtforms.validators import Optional

from portal.blueprints.forms import email_validators, options, place_errors, required, short_text
from portal.blueprints.guards import mediator_required
from portal.blueprints.mediation import bp
from portal.database import utcnow
from portal.domain import accounts
from portal.domain import commitments as pledges
from portal.domain import desk as desk_rules
from portal.domain import organisations as rules
from portal.domain.territories import communes_named
from portal.errors import Refused
from portal.extensions import db
from portal.ids import parse_id
from portal.labels import DESK_LABELS, DISPUTE_STATUS_LABELS
from portal.models import Organisation, OrganisationKind, commune_today
from portal.paging import page_number

DESK_PER_PAGE = 20


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


@bp.get("/commitments/overdue")
@mediator_required
def overdue_commitments():
    """Overdue commitments by region and commune, oldest due first. Mediators and admins."""
    today = commune_today()
    rows = pledges.overdue_by_place(today)
    listed = pledges.listed(current_user, [c for _region, _commune, c in rows], today)
    places = [(region, commune, row) for (region, commune, _c), row in zip(rows, listed, strict=True)]
    return render_template("mediation/overdue_commitments.html", places=places, today=today)


@bp.get("/associations")
@mediator_required
def associations():
    """Associations awaiting verification, oldest first. Mediators and admins."""
    return render_template("mediation/associations.html", pending=rules.pending_associations_with_communes(100))


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


def _send(form, organisation):
    try:
        accounts.invite(current_user, organisation, form.email.data, form.role.data, form.name.data)
    except Refused as error:
        for message in place_errors(form, error):
            flash(message, "error")
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
        elif _send(form, rules.organisation_of_commune(current_user, commune)):
            return redirect(url_for("mediation.invite"), code=303)
    return _invite_page(official_form=form, status=422)


@bp.post("/invite/partner")
@mediator_required
def invite_partner():
    """Sends an invitation to a partner's observer or representative. Mediators and admins."""
    form = PartnerInviteForm(prefix="partner")
    form.partner.choices = _partner_choices()
    if form.validate_on_submit():
        partner = db.session.get(Organisation, parse_id(form.partner.data))
        if _send(form, partner):
            return redirect(url_for("mediation.invite"), code=303)
    return _invite_page(partner_form=form, status=422)


@bp.get("/desk")
@mediator_required
def desk():
    """The mediator's desk: open disputes, unanswered projects, overdue commitments and associations to verify,
    nearest deadline first, 20 a page, by region (`?region=` its code). Mediators and admins."""
    page = page_number(request.args.get("page"))
    region = desk_rules.region_by_code(request.args.get("region"))
    items, has_next = desk_rules.desk(current_user, region.id if region else None, page, DESK_PER_PAGE)
    return render_template(
        "mediation/desk.html",
        items=items,
        has_next=has_next,
        page=page,
        region=region,
        regions=desk_rules.region_choices(),
        labels=DESK_LABELS,
        status_labels=DISPUTE_STATUS_LABELS,
        now=utcnow(),
    )
