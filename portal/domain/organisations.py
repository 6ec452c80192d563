"""Organisations and memberships: who manages what, and the rule that every organisation keeps a manager."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.database import utcnow
from portal.domain.audit import record
from portal.errors import Refused
from portal.extensions import db
from portal.models import MANAGER_ROLES, ROLES_BY_KIND, Membership, Organisation, OrganisationKind, User, Verification
from portal.notifications.events import notify

KIND_LABELS = {
    "commune": _l("Commune"),
    "association": _l("Diaspora association"),
    "ministry": _l("Ministry"),
    "partner": _l("Partner"),
    "committee": _l("Management committee"),
}
ROLE_LABELS = {
    "officer": _l("Officer"),
    "member": _l("Member"),
    "mayor": _l("Mayor"),
    "deputy": _l("Deputy mayor"),
    "clerk": _l("Secretary general"),
    "mediator": _l("Mediator"),
    "representative": _l("Representative"),
    "observer": _l("Observer"),
    "president": _l("President"),
}
VERIFICATION_LABELS = {
    "pending": _l("Awaiting verification"),
    "verified": _l("Verified"),
    "refused": _l("Refused"),
}
# Who a manager becomes when handing their role over.
ROLE_AFTER_HANDOVER = {"officer": "member", "mayor": "deputy", "representative": "observer", "president": "member"}


def manager_role(organisation: Organisation) -> str:
    return MANAGER_ROLES[OrganisationKind(organisation.kind)]


def roles_for(organisation: Organisation) -> tuple[str, ...]:
    return ROLES_BY_KIND[OrganisationKind(organisation.kind)]


def membership_of(user: User | None, organisation: Organisation) -> Membership | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return next((m for m in user.memberships if m.organisation_id == organisation.id), None)


def is_mediator(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and any(
        m.role == "mediator" and m.organisation.kind == OrganisationKind.MINISTRY for m in user.memberships
    )


def can_manage(user, organisation: Organisation) -> bool:
    """Invite members and change roles: the organisation's managers and platform admins."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    membership = membership_of(user, organisation)
    return membership is not None and membership.role == manager_role(organisation)


def can_see_members(user, organisation: Organisation) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_admin or is_mediator(user) or membership_of(user, organisation) is not None


def can_invite(user, organisation: Organisation, role: str) -> bool:
    """Managers invite into their organisation; mediators invite commune officials and partner observers."""
    if role not in roles_for(organisation):
        return False
    if can_manage(user, organisation):
        return True
    if is_mediator(user):
        return organisation.kind in (OrganisationKind.COMMUNE, OrganisationKind.PARTNER)
    return False


def can_verify_associations(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (user.is_admin or is_mediator(user))


def visible_organisations(user):
    """select(Organisation) of what `user` may see: every organisation but associations not (yet) verified,
    which only their members, mediators and admins see."""
    query = select(Organisation)
    if can_verify_associations(user):
        return query
    member_of = [m.organisation_id for m in user.memberships] if getattr(user, "is_authenticated", False) else []
    return query.where((Organisation.verification == Verification.VERIFIED) | Organisation.id.in_(member_of))


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


def leave(actor: User, membership: Membership) -> None:
    if membership.user_id != actor.id:
        raise Refused("forbidden")
    _check_keeps_a_manager(membership, None)
    organisation = membership.organisation
    _remove(actor, membership, "membership.leave")
    notify("membership_left", actor=actor, organisation=organisation, member=actor)


def remove_member(actor: User, membership: Membership) -> None:
    if not can_manage(actor, membership.organisation):
        raise Refused("forbidden")
    _check_keeps_a_manager(membership, None)
    organisation, member = membership.organisation, membership.user
    _remove(actor, membership, "membership.remove")
    notify("membership_removed", actor=actor, organisation=organisation, member=member)


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
    if association.kind != OrganisationKind.ASSOCIATION or association.verification != Verification.PENDING:
        raise Refused("invalid_transition")
