"""Organisations and memberships: who manages what, the rule that every organisation keeps a manager, creating
organisations, and the ministry's verification of associations."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.database import utcnow
from portal.domain.api_tokens import revoke_all_api_tokens
from portal.domain.audit import record
from portal.domain.territories import commune_organisation
from portal.errors import Refused
from portal.extensions import db
from portal.ids import is_id
from portal.labels import at_most_characters
from portal.models import (
    MANAGER_ROLES,
    ROLES_BY_KIND,
    Commune,
    HomeCommune,
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    User,
    Verification,
)
from portal.notifications.notify import notify
from portal.visibility import is_mediator, is_mediator_or_admin, is_signed_in, visible_organisations

# Who a manager becomes when handing their role over.
ROLE_AFTER_HANDOVER = {"officer": "member", "mayor": "deputy", "representative": "observer", "president": "member"}


def manager_role(organisation: Organisation) -> str:
    return MANAGER_ROLES[OrganisationKind(organisation.kind)]


def roles_for(organisation: Organisation) -> tuple[str, ...]:
    return ROLES_BY_KIND[OrganisationKind(organisation.kind)]


def membership_of(user: User | None, organisation: Organisation) -> Membership | None:
    if not is_signed_in(user):
        return None
    return next((m for m in user.memberships if m.organisation_id == organisation.id), None)


def load_organisation(user, organisation_id, may=None) -> Organisation:
    """The organisation if `user` may see it, else Refused("not_found"); Refused("forbidden") when `may(user,
    organisation)` says they may not do what they came for."""
    organisation = (
        db.session.scalar(visible_organisations(user).where(Organisation.id == organisation_id))
        if is_id(organisation_id)
        else None
    )
    if organisation is None:
        raise Refused("not_found")
    if may is not None and not may(user, organisation):
        raise Refused("forbidden")
    return organisation


def load_member(organisation: Organisation, membership_id) -> Membership:
    """A membership of that organisation, else Refused("not_found")."""
    membership = db.session.get(Membership, membership_id) if is_id(membership_id) else None
    if membership is None or membership.organisation_id != organisation.id:
        raise Refused("not_found")
    return membership


def can_manage(user, organisation: Organisation) -> bool:
    """Invite members and change roles: the organisation's managers and platform admins."""
    return is_signed_in(user) and (user.is_admin or is_manager(user, organisation))


def can_see_members(user, organisation: Organisation) -> bool:
    return is_mediator_or_admin(user) or membership_of(user, organisation) is not None


def is_manager(user, organisation: Organisation) -> bool:
    """The organisation's manager themselves (not an admin): who hands the role over."""
    own = membership_of(user, organisation)
    return own is not None and own.role == manager_role(organisation)


def is_member(user, organisation: Organisation) -> bool:
    return membership_of(user, organisation) is not None


def can_invite(user, organisation: Organisation, role: str) -> bool:
    """Managers invite into their organisation; mediators invite commune officials and partner observers."""
    if role not in roles_for(organisation):
        return False
    if can_manage(user, organisation):
        return True
    if is_mediator(user):
        return organisation.kind in (OrganisationKind.COMMUNE, OrganisationKind.PARTNER)
    return False


def may_still_invite(invitation: Invitation) -> bool:
    """An invitation stands only while whoever sent it may still invite into that role: a sender removed, demoted
    or disabled takes their open invitations with them."""
    inviter = invitation.invited_by
    if inviter is None or not inviter.is_active:
        return False
    db.session.refresh(inviter, ["memberships"])  # what they may do now, not what this session last read
    return can_invite(inviter, invitation.organisation, invitation.role)


def can_cancel_invitation(user, invitation: Invitation) -> bool:
    """Its sender, and whoever may invite into that role (the organisation's managers, admins, mediators for
    communes and partners)."""
    return is_signed_in(user) and (
        invitation.invited_by_id == user.id or can_invite(user, invitation.organisation, invitation.role)
    )


def load_invitation(organisation: Organisation, invitation_id) -> Invitation:
    """An invitation of that organisation still waiting for an answer, else Refused("not_found")."""
    invitation = db.session.get(Invitation, invitation_id) if is_id(invitation_id) else None
    if invitation is None or invitation.organisation_id != organisation.id or not is_open(invitation):
        raise Refused("not_found")
    return invitation


def is_open(invitation: Invitation) -> bool:
    return invitation.accepted_at is None and invitation.cancelled_at is None and invitation.expires_at > utcnow()


def cancel_invitation(actor, invitation: Invitation) -> None:
    if not can_cancel_invitation(actor, invitation):
        raise Refused("forbidden")
    _end_invitation(invitation, actor, "invitation.cancel")


def end_unbacked_invitations(*, organisation: Organisation | None = None, inviter: User | None = None) -> int:
    """Ends the open invitations (of an organisation, or sent by someone) whose sender may no longer invite."""
    query = select(Invitation).where(
        Invitation.accepted_at.is_(None), Invitation.cancelled_at.is_(None), Invitation.expires_at > utcnow()
    )
    if organisation is not None:
        query = query.where(Invitation.organisation_id == organisation.id)
    if inviter is not None:
        query = query.where(Invitation.invited_by_id == inviter.id)
    ended = 0
    for invitation in db.session.scalars(query).all():
        if not may_still_invite(invitation):
            _end_invitation(invitation, None, "invitation.end", "its sender may no longer invite")
            ended += 1
    return ended


def _end_invitation(invitation: Invitation, actor, action: str, comment: str | None = None) -> None:
    invitation.cancelled_at = utcnow()
    db.session.flush()
    record(
        action,
        "organisation",
        invitation.organisation_id,
        actor=actor,
        after={"invitation_id": invitation.id, "role": invitation.role},
        comment=comment,
        personal={"email": invitation.email},
    )


def can_verify_associations(user) -> bool:
    return is_mediator_or_admin(user)


def can_decide_on(user, organisation: Organisation) -> bool:
    """Whether the verify and refuse buttons are offered: a mediator or admin, before a pending association."""
    return can_verify_associations(user) and is_pending_association(organisation)


def is_pending_association(organisation: Organisation) -> bool:
    return organisation.kind == OrganisationKind.ASSOCIATION and organisation.verification == Verification.PENDING


def pending_associations():
    """select(Organisation) of the associations awaiting the ministry's verification, oldest first."""
    return (
        select(Organisation)
        .where(Organisation.kind == OrganisationKind.ASSOCIATION, Organisation.verification == Verification.PENDING)
        .order_by(Organisation.created_at, Organisation.id)
    )


def pending_associations_with_communes(limit: int = 100) -> list[Organisation]:
    return db.session.scalars(
        pending_associations()
        .options(selectinload(Organisation.home_communes).selectinload(HomeCommune.commune))
        .limit(limit)
    ).all()


def count_pending_associations() -> int:
    return db.session.scalar(select(func.count()).select_from(pending_associations().order_by(None).subquery()))


def own_pending_associations(user) -> list[Organisation]:
    """The user's own associations that still await verification."""
    return [m.organisation for m in user.memberships if is_pending_association(m.organisation)]


# Creating organisations ---------------------------------------------------------------------------------


def create_organisation(actor, kind: str, name: str, commune: Commune | None = None) -> Organisation:
    """An admin creates a ministry, a partner, a commune's organisation or a committee (associations sign up).

    A commune or a committee needs its commune; a commune has one organisation only.
    """
    if not (is_signed_in(actor) and actor.is_admin):
        raise Refused("forbidden")
    errors = {}
    name = (name or "").strip()
    if kind not in set(OrganisationKind) or kind == OrganisationKind.ASSOCIATION:
        errors["kind"] = [str(_l("Choose one of the kinds."))]
    if not name:
        errors["name"] = [str(_l("This field is required."))]
    elif len(name) > 200:
        errors["name"] = [str(at_most_characters(200))]
    if kind in (OrganisationKind.COMMUNE, OrganisationKind.COMMITTEE) and commune is None:
        errors["commune"] = [str(_l("Give the exact name of one commune."))]
    elif kind == OrganisationKind.COMMUNE and commune_organisation(commune) is not None:
        errors["commune"] = [str(_l("This commune already has its organisation."))]
    if errors:
        raise Refused("validation_failed", fields=errors)
    needs_commune = kind in (OrganisationKind.COMMUNE, OrganisationKind.COMMITTEE)
    return _create(actor, kind, name, commune if needs_commune else None)


def organisation_of_commune(actor, commune: Commune) -> Organisation:
    """The commune's organisation, created (under the commune's usual name, "Diéma") the first time it is needed: when a
    mediator invites its first official."""
    if not is_mediator_or_admin(actor):
        raise Refused("forbidden")
    return commune_organisation(commune) or _create(actor, OrganisationKind.COMMUNE, commune.display_name, commune)


def _create(actor, kind: str, name: str, commune: Commune | None) -> Organisation:
    organisation = Organisation(kind=kind, name=name, commune_id=commune.id if commune else None)
    db.session.add(organisation)
    db.session.flush()
    after = {"kind": organisation.kind, "name": organisation.name}
    if commune is not None:
        after["commune_id"] = commune.id
    record("organisation.create", "organisation", organisation.id, actor=actor, after=after)
    return organisation


def _managers_count(organisation: Organisation) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.organisation_id == organisation.id, Membership.role == manager_role(organisation))
    )


def _check_keeps_a_manager(membership: Membership, new_role: str | None) -> None:
    organisation = membership.organisation
    losing_manager = membership.role == manager_role(organisation) and new_role != manager_role(organisation)
    if losing_manager and _managers_count(organisation) <= 1:
        raise Refused(
            "last_manager",
            _l("An organisation always keeps at least one manager: hand the role over to another member first."),
        )


def _membership_state(membership: Membership) -> dict:
    return {"user_id": membership.user_id, "organisation_id": membership.organisation_id, "role": membership.role}


def _granted(organisation: Organisation, user: User, role: str) -> None:
    """A role that makes a mediator revokes the account's API tokens: one made before must not carry the role
    (nor skip the second factor that mediators may be required to use)."""
    if role == "mediator" and organisation.kind == OrganisationKind.MINISTRY:
        revoke_all_api_tokens(user)


def add_membership(organisation: Organisation, user: User, role: str, actor=None) -> Membership:
    if role not in roles_for(organisation):
        raise Refused("validation_failed", fields={"role": [str(_l("This role does not exist in this organisation."))]})
    existing = membership_of(user, organisation) or db.session.scalar(
        select(Membership).where(Membership.organisation_id == organisation.id, Membership.user_id == user.id)
    )
    if existing is not None:
        return existing
    membership = Membership(user_id=user.id, organisation_id=organisation.id, role=role)
    db.session.add(membership)
    db.session.flush()
    _granted(organisation, user, role)
    db.session.refresh(user)
    record("membership.add", "organisation", organisation.id, actor=actor or user, after=_membership_state(membership))
    notify("membership_added", actor=actor or user, organisation=organisation, member=user, role=role)
    return membership


def change_role(actor: User, membership: Membership, new_role: str) -> Membership:
    organisation = membership.organisation
    if not can_manage(actor, organisation):
        raise Refused("forbidden")
    if new_role not in roles_for(organisation):
        raise Refused("validation_failed", fields={"role": [str(_l("This role does not exist in this organisation."))]})
    if new_role == membership.role:
        return membership
    _check_keeps_a_manager(membership, new_role)
    before = _membership_state(membership)
    membership.role = new_role
    db.session.flush()
    _granted(organisation, membership.user, new_role)
    record(
        "membership.change_role",
        "organisation",
        organisation.id,
        actor=actor,
        before=before,
        after=_membership_state(membership),
    )
    notify(
        "membership_role_changed",
        actor=actor,
        organisation=organisation,
        member=membership.user,
        role=new_role,
        previous_role=before["role"],
    )
    end_unbacked_invitations(organisation=organisation)
    return membership


def hand_over(actor: User, organisation: Organisation, successor: Membership) -> None:
    """The manager gives their role to another member and takes the role below it."""
    own = membership_of(actor, organisation)
    if own is None or own.role != manager_role(organisation):
        raise Refused("forbidden")
    if successor.organisation_id != organisation.id or successor.id == own.id:
        raise Refused(
            "validation_failed", fields={"successor": [str(_l("Choose another member of this organisation."))]}
        )
    before = [_membership_state(own), _membership_state(successor)]
    successor.role = manager_role(organisation)
    own.role = ROLE_AFTER_HANDOVER.get(own.role, own.role)
    db.session.flush()
    _granted(organisation, successor.user, successor.role)
    record(
        "membership.hand_over",
        "organisation",
        organisation.id,
        actor=actor,
        before={"members": before},
        after={"members": [_membership_state(own), _membership_state(successor)]},
    )
    notify(
        "membership_handed_over",
        actor=actor,
        organisation=organisation,
        successor=successor.user,
        former_manager=actor,
        role=successor.role,
        former_manager_role=own.role,
    )
    end_unbacked_invitations(organisation=organisation)


def leave(actor: User, membership: Membership) -> None:
    if membership.user_id != actor.id:
        raise Refused("forbidden")
    _check_keeps_a_manager(membership, None)
    organisation = membership.organisation
    _remove(actor, membership, "membership.leave")
    notify("membership_left", actor=actor, organisation=organisation, member=actor)
    end_unbacked_invitations(organisation=organisation)


def remove_member(actor: User, membership: Membership) -> None:
    if not can_manage(actor, membership.organisation):
        raise Refused("forbidden")
    _check_keeps_a_manager(membership, None)
    organisation, member = membership.organisation, membership.user
    _remove(actor, membership, "membership.remove")
    notify("membership_removed", actor=actor, organisation=organisation, member=member)
    end_unbacked_invitations(organisation=organisation)


def _remove(actor: User, membership: Membership, action: str) -> None:
    organisation_id = membership.organisation_id
    before = _membership_state(membership)
    db.session.delete(membership)
    db.session.flush()
    record(action, "organisation", organisation_id, actor=actor, before=before)


def verify_association(actor: User, association: Organisation) -> None:
    _check_can_decide(actor, association)
    association.verification = Verification.VERIFIED
    association.verified_by_id = actor.id
    association.verified_at = utcnow()
    association.refusal_reason = None
    db.session.flush()
    record(
        "association.verify",
        "organisation",
        association.id,
        actor=actor,
        before={"verification": "pending"},
        after={"verification": "verified"},
    )
    notify("association_verified", actor=actor, organisation=association)


def refuse_association(actor: User, association: Organisation, reason: str) -> None:
    _check_can_decide(actor, association)
    if not (reason or "").strip():
        raise Refused("comment_required", fields={"reason": [str(_l("Say why the association is refused."))]})
    association.verification = Verification.REFUSED
    association.verified_by_id = actor.id
    association.verified_at = utcnow()
    association.refusal_reason = reason.strip()
    db.session.flush()
    record(
        "association.refuse",
        "organisation",
        association.id,
        actor=actor,
        before={"verification": "pending"},
        after={"verification": "refused"},
        comment=reason.strip(),
    )
    notify("association_refused", actor=actor, organisation=association, reason=reason.strip())


def _check_can_decide(actor: User, association: Organisation) -> None:
    if not can_verify_associations(actor):
        raise Refused("forbidden")
    if not is_pending_association(association):
        raise Refused("invalid_transition")
