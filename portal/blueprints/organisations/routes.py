"""Organisations as pages: the list, an organisation's page with its members, and the small forms that invite,
change roles, hand over, leave, remove, verify and refuse. Thin: parse, call portal/domain, render."""

from decimal import Decimal

from babel.numbers import format_percent
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.blueprints.forms import ButtonForm, options, place_errors
from portal.blueprints.guards import login_required
from portal.blueprints.organisations import bp
from portal.blueprints.organisations.forms import HandOverForm, InviteForm, RoleForm
from portal.domain import accounts
from portal.domain import commitments as pledges
from portal.domain import organisations as rules
from portal.errors import Refused
from portal.extensions import db
from portal.ids import parse_id
from portal.labels import ROLE_LABELS
from portal.models import HomeCommune, Invitation, Membership, Organisation, OrganisationKind, commune_today
from portal.paging import page_number, query_parameters
from portal.visibility import visible_organisations

PER_PAGE = 20


def _load(organisation_id: int, may=None) -> Organisation:
    """The organisation if the viewer may see it (else 404), and may do what they came for (else 403)."""
    return rules.load_organisation(current_user, organisation_id, may)


@bp.get("/")
@query_parameters("kind", "page")
def index():
    """The organisations on the portal, by kind, paginated. Everyone (unverified associations hidden)."""
    kind = request.args.get("kind")
    page = page_number(request.args.get("page"))
    query = visible_organisations(current_user)
    if kind in list(OrganisationKind):
        query = query.where(Organisation.kind == kind)
    rows = db.session.scalars(
        query.options(selectinload(Organisation.commune))
        .order_by(Organisation.name, Organisation.id)
        .limit(PER_PAGE + 1)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return render_template(
        "organisations/index.html",
        organisations=rows[:PER_PAGE],
        has_next=len(rows) > PER_PAGE,
        page=page,
        kind=kind if kind in list(OrganisationKind) else None,
    )


def _page(organisation: Organisation, status: int = 200, invite_form=None):
    can_manage = rules.can_manage(current_user, organisation)
    members = []
    if rules.can_see_members(current_user, organisation):
        members = db.session.scalars(
            select(Membership)
            .where(Membership.organisation_id == organisation.id)
            .options(selectinload(Membership.user))
            .order_by(Membership.id)
        ).all()
    home_communes = db.session.scalars(
        select(HomeCommune)
        .where(HomeCommune.association_id == organisation.id)
        .options(selectinload(HomeCommune.commune))
    ).all()
    invitations = []
    if can_manage:
        invitations = db.session.scalars(
            select(Invitation)
            .where(
                Invitation.organisation_id == organisation.id,
                Invitation.accepted_at.is_(None),
                Invitation.cancelled_at.is_(None),
            )
            .order_by(Invitation.id.desc())
            .limit(20)
        ).all()
    roles = [(r, ROLE_LABELS[r]) for r in rules.roles_for(organisation)]
    if invite_form is None:
        invite_form = InviteForm()
    invite_form.role.choices = options(
        (r, label) for r, label in roles if rules.can_invite(current_user, organisation, r)
    )
    own = rules.membership_of(current_user, organisation)
    hand_over_form = None
    if rules.is_manager(current_user, organisation) and len(members) > 1:
        hand_over_form = HandOverForm()
        hand_over_form.successor.choices = options((str(m.id), m.user.name) for m in members if m.id != own.id)
    role_form = RoleForm()
    role_form.role.choices = options(roles)
    accountability = pledges.organisation_commitments(current_user, organisation, commune_today())
    confirmed, counted = accountability["rate"]
    return render_template(
        "organisations/show.html",
        organisation=organisation,
        members=members,
        home_communes=home_communes,
        invitations=invitations,
        can_manage=can_manage,
        invite_form=invite_form if invite_form.role.choices else None,
        role_form=role_form,
        hand_over_form=hand_over_form,
        own=own,
        button=ButtonForm(),
        can_decide=rules.can_decide_on(current_user, organisation),
        commitments_made=accountability["made"],
        commitments_owed=accountability["owed"],
        commitments_beside=accountability["beside"],
        fulfilment=format_percent(Decimal(confirmed) / counted, locale=get_locale()) if counted else "—",
        fulfilment_counts=(confirmed, counted),
    ), status


@bp.get("/<id:organisation_id>")
def show(organisation_id):
    """An organisation's page: who it is, its home communes; members for its members, mediators and admins.
    Everyone (unverified associations: their members, mediators and admins only)."""
    return _page(_load(organisation_id))


def _apply(action, organisation: Organisation, success: str):
    """Runs a button's operation and goes back to the organisation's page, saying what happened."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        action()
    except Refused as error:
        if error.status in (403, 404):
            raise
        flash(error.text() if not error.fields else " ".join(m for ms in error.fields.values() for m in ms), "error")
    else:
        flash(success, "info")
    return redirect(url_for("organisations.show", organisation_id=organisation.id), code=303)


def _may_invite(user, organisation) -> bool:
    return any(rules.can_invite(user, organisation, role) for role in rules.roles_for(organisation))


@bp.post("/<id:organisation_id>/invitations")
@login_required
def invite(organisation_id):
    """Invites someone into the organisation by email. Its managers; mediators for communes and partners."""
    organisation = _load(organisation_id, may=_may_invite)
    form = InviteForm()
    form.role.choices = options(
        (r, ROLE_LABELS[r]) for r in rules.roles_for(organisation) if rules.can_invite(current_user, organisation, r)
    )
    if form.validate_on_submit():
        try:
            accounts.invite(current_user, organisation, form.email.data, form.role.data, form.name.data)
        except Refused as error:
            for message in place_errors(form, error):
                flash(message, "error")
        else:
            flash(_("The invitation is sent to %(email)s.", email=form.email.data), "info")
            return redirect(url_for("organisations.show", organisation_id=organisation.id), code=303)
    return _page(organisation, 422, invite_form=form)


@bp.post("/<id:organisation_id>/invitations/<id:invitation_id>/cancel")
@login_required
def cancel_invitation(organisation_id, invitation_id):
    """Cancels an invitation not yet accepted: its link stops working. Its sender, and who may invite into its role."""
    organisation = _load(organisation_id)
    invitation = rules.load_invitation(organisation, invitation_id)
    return _apply(
        lambda: rules.cancel_invitation(current_user, invitation),
        organisation,
        _("The invitation to %(email)s is cancelled.", email=invitation.email),
    )


@bp.post("/<id:organisation_id>/members/<id:membership_id>/role")
@login_required
def change_role(organisation_id, membership_id):
    """Changes a member's role. The organisation's managers and admins."""
    organisation = _load(organisation_id, may=rules.can_manage)
    membership = rules.load_member(organisation, membership_id)
    role = request.form.get("role", "")
    return _apply(lambda: rules.change_role(current_user, membership, role), organisation, _("The role is changed."))


@bp.post("/<id:organisation_id>/members/<id:membership_id>/remove")
@login_required
def remove_member(organisation_id, membership_id):
    """Removes a member. The organisation's managers and admins."""
    organisation = _load(organisation_id, may=rules.can_manage)
    membership = rules.load_member(organisation, membership_id)
    return _apply(lambda: rules.remove_member(current_user, membership), organisation, _("The member is removed."))


@bp.post("/<id:organisation_id>/hand-over")
@login_required
def hand_over(organisation_id):
    """Hands the manager's role over to another member. The organisation's manager."""
    organisation = _load(organisation_id, may=rules.is_manager)
    successor_id = parse_id(request.form.get("successor"))
    successor = next((m for m in organisation.memberships if m.id == successor_id), None)
    if successor is None:
        flash(_("Choose another member of this organisation."), "error")
        return redirect(url_for("organisations.show", organisation_id=organisation.id), code=303)
    return _apply(
        lambda: rules.hand_over(current_user, organisation, successor),
        organisation,
        _("You have handed your role over."),
    )


@bp.post("/<id:organisation_id>/leave")
@login_required
def leave(organisation_id):
    """Leaves the organisation. Its members."""
    organisation = _load(organisation_id, may=rules.is_member)
    own = rules.membership_of(current_user, organisation)
    return _apply(lambda: rules.leave(current_user, own), organisation, _("You have left the organisation."))


@bp.post("/<id:organisation_id>/verify")
@login_required
def verify(organisation_id):
    """Verifies a pending association. Mediators and admins."""
    organisation = _load(organisation_id, may=lambda user, _organisation: rules.can_verify_associations(user))
    return _apply(
        lambda: rules.verify_association(current_user, organisation),
        organisation,
        _("The association is verified; its officers are told."),
    )


@bp.post("/<id:organisation_id>/refuse")
@login_required
def refuse(organisation_id):
    """Refuses a pending association with a reason. Mediators and admins."""
    organisation = _load(organisation_id, may=lambda user, _organisation: rules.can_verify_associations(user))
    reason = (request.form.get("reason") or "").strip()[:2000]
    return _apply(
        lambda: rules.refuse_association(current_user, organisation, reason),
        organisation,
        _("The association is refused; its officers are told why."),
    )
