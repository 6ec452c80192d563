"""Who an event can reach, by role and organisation: queries that read models only."""

from sqlalchemy import select

from portal.extensions import db
from portal.models import COMMUNE_OFFICIAL_ROLES, MANAGER_ROLES, Membership, Organisation, OrganisationKind, User


def managers_of(organisation: Organisation) -> list[User]:
    """The people who manage the organisation: its officers, mayor, mediators, representatives, president."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == organisation.id,
                Membership.role == MANAGER_ROLES[OrganisationKind(organisation.kind)],
            )
            .order_by(User.id)
        )
    )


def commune_officials(commune_id: int) -> list[User]:
    """The mayor, deputies and secretary general of the commune's organisation."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .join(Organisation)
            .where(
                Organisation.kind == OrganisationKind.COMMUNE,
                Organisation.commune_id == commune_id,
                Membership.role.in_(COMMUNE_OFFICIAL_ROLES),
            )
            .order_by(User.id)
        )
    )


def mediators() -> list[User]:
    """Every mediator of the ministry."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .join(Organisation)
            .where(Organisation.kind == OrganisationKind.MINISTRY, Membership.role == "mediator")
            .order_by(User.id)
        )
    )


def account_for(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def acting_members(organisation_ids) -> list[User]:
    """Every member of these organisations who acts for them (any role but observer), each once."""
    ids = list(organisation_ids)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id.in_(ids), Membership.role != "observer")
            .distinct()
            .order_by(User.id)
        )
    )


def acting_members_of(organisation_id: int) -> list[User]:
    """Everyone who acts for the organisation: its members whose role is not observer."""
    return acting_members([organisation_id])


def organiser_officials(organisation: Organisation) -> list[User]:
    """Who runs a meeting for its organiser: the commune's officials, or the ministry's mediators."""
    if organisation.kind == OrganisationKind.COMMUNE:
        return commune_officials(organisation.commune_id)
    return mediators()
