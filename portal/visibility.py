"""Who may see what: the one home of the visibility rules, read by the domain, the pages, the API and notify().

It reads models only, so that everything above may import it: a notification is sent only to those who may see
its record (`can_see`), and a list shows only what its reader may see (`visible_projects`,
`visible_organisations`). product.md: a draft never submitted is seen by its association only; from its first
submission on, a project is seen by its parties, mediators, observers and admins; from agreement on, by
everyone. Associations not (yet) verified are seen by their members, mediators and admins.
"""

from sqlalchemy import exists, false, or_, select

from portal.extensions import db
from portal.models import (
    COMMUNE_OFFICIAL_ROLES,
    Commitment,
    Dispute,
    FundingLine,
    MediationSession,
    Meeting,
    MeetingInvitee,
    Organisation,
    OrganisationKind,
    Project,
    Verification,
)


def is_signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def memberships_of(user) -> list:
    return user.memberships if is_signed_in(user) else []


def is_mediator(user) -> bool:
    return any(m.role == "mediator" and m.organisation.kind == OrganisationKind.MINISTRY for m in memberships_of(user))


def is_observer(user) -> bool:
    return any(m.role == "observer" for m in memberships_of(user))


def is_mediator_or_admin(user) -> bool:
    return is_signed_in(user) and (user.is_admin or is_mediator(user))


# Projects -----------------------------------------------------------------------------------------------


def commune_organisation_id(project: Project) -> int | None:
    """The commune's organisation, read once per loaded project and commune (a page asks several times)."""
    commune_id, found = getattr(project, "_commune_organisation", (None, None))
    if commune_id is None or commune_id != project.commune_id:
        found = db.session.scalar(
            select(Organisation.id).where(
                Organisation.kind == OrganisationKind.COMMUNE, Organisation.commune_id == project.commune_id
            )
        )
        project._commune_organisation = (project.commune_id, found)
    return found


def party_organisation_ids(project: Project) -> set[int]:
    """The proposing association, the commune's organisation, and every organisation on a funding line."""
    ids = {project.association_id} | {line.organisation_id for line in project.funding_lines if line.organisation_id}
    commune_org = commune_organisation_id(project)
    if commune_org:
        ids.add(commune_org)
    return ids


def is_association_officer(user, project: Project) -> bool:
    return any(m.organisation_id == project.association_id and m.role == "officer" for m in memberships_of(user))


def is_commune_official(user, project: Project) -> bool:
    return any(
        m.organisation.kind == OrganisationKind.COMMUNE
        and m.organisation.commune_id == project.commune_id
        and m.role in COMMUNE_OFFICIAL_ROLES
        for m in memberships_of(user)
    )


def can_see_project(user, project: Project) -> bool:
    if project.is_public:
        return True
    if not is_signed_in(user):
        return False
    if project.first_submitted_at is None:  # a draft never submitted: the proposing association only
        return any(m.organisation_id == project.association_id for m in user.memberships)
    if user.is_admin or is_mediator(user) or is_observer(user):
        return True
    mine = {m.organisation_id for m in user.memberships}
    return bool(mine & party_organisation_ids(project))


def visible_projects(user):
    """select(Project) restricted to what `user` may see, as one SQL condition (for lists)."""
    query = select(Project)
    if not is_signed_in(user):
        return query.where(Project.is_public)
    my_orgs = [m.organisation_id for m in user.memberships]
    own_drafts = Project.association_id.in_(my_orgs) if my_orgs else false()
    if user.is_admin or is_mediator(user) or is_observer(user):
        return query.where(or_(Project.is_public, Project.first_submitted_at.is_not(None), own_drafts))
    my_communes = [
        m.organisation.commune_id for m in user.memberships if m.organisation.kind == OrganisationKind.COMMUNE
    ]
    funded = exists().where(FundingLine.project_id == Project.id, FundingLine.organisation_id.in_(my_orgs))
    party = or_(Project.commune_id.in_(my_communes) if my_communes else false(), funded if my_orgs else false())
    return query.where(or_(Project.is_public, own_drafts, Project.first_submitted_at.is_not(None) & party))


def sees_public_projects_only(user) -> bool:
    """A visitor, or an account of no organisation that is not a mediator, admin or observer: of every list, only
    the public projects (`visible_projects`). Their status filter offers only the public statuses."""
    if not is_signed_in(user):
        return True
    return not (user.is_admin or is_mediator(user) or is_observer(user) or user.memberships)


# Organisations ------------------------------------------------------------------------------------------


def can_see_organisation(user, organisation: Organisation) -> bool:
    if organisation.verification == Verification.VERIFIED or is_mediator_or_admin(user):
        return True
    return any(m.organisation_id == organisation.id for m in memberships_of(user))


def visible_organisations(user):
    """select(Organisation) of what `user` may see: every organisation but associations not (yet) verified,
    which only their members, mediators and admins see."""
    query = select(Organisation)
    if is_mediator_or_admin(user):
        return query
    member_of = [m.organisation_id for m in memberships_of(user)]
    return query.where((Organisation.verification == Verification.VERIFIED) | Organisation.id.in_(member_of))


# Disputes ----------------------------------------------------------------------------------------------
# product.md: only the parties to the dispute, mediators and admins see it; everyone else gets 404. A party
# is seen through its members who act for it: an observer of a party is an outsider here.


def acting_organisation_ids(user) -> set[int]:
    """The organisations the user acts for (any membership but observer)."""
    return {m.organisation_id for m in memberships_of(user) if m.role != "observer"}


def can_see_dispute(user, dispute: Dispute) -> bool:
    if not is_signed_in(user):
        return False
    if user.is_admin or is_mediator(user):
        return True
    return bool(acting_organisation_ids(user) & {dispute.claimant_id, dispute.respondent_id})


def _party_to_dispute(mine: set[int]):
    """SQL: the dispute has one of these organisations as a party."""
    return or_(Dispute.claimant_id.in_(mine), Dispute.respondent_id.in_(mine))


def visible_disputes(user):
    """select(Dispute) restricted to what `user` may see, as one SQL condition (for lists)."""
    query = select(Dispute)
    if not is_signed_in(user):
        return query.where(false())
    if user.is_admin or is_mediator(user):
        return query
    mine = acting_organisation_ids(user)
    return query.where(_party_to_dispute(mine) if mine else false())


# Meetings ----------------------------------------------------------------------------------------------
# product.md: seen by the invited organisations, the organiser, mediators, observers and admins — a
# mediation session only by those who see its dispute.


def can_see_meeting(user, meeting: Meeting) -> bool:
    if not is_signed_in(user):
        return False
    if meeting.mediation is not None:
        return can_see_dispute(user, meeting.mediation.dispute)
    if user.is_admin or is_mediator(user) or is_observer(user):
        return True
    mine = {m.organisation_id for m in user.memberships}
    return meeting.organiser_id in mine or any(i.organisation_id in mine for i in meeting.invitees)


def visible_meetings(user):
    """select(Meeting) restricted to what `user` may see, as one SQL condition (for lists)."""
    query = select(Meeting)
    if not is_signed_in(user):
        return query.where(false())
    if user.is_admin or is_mediator(user):
        return query
    session_of = select(MediationSession.meeting_id).join(Dispute, Dispute.id == MediationSession.dispute_id)
    mine_acting = acting_organisation_ids(user)
    seen_sessions = Meeting.id.in_(session_of.where(_party_to_dispute(mine_acting))) if mine_acting else false()
    not_a_session = ~Meeting.id.in_(select(MediationSession.meeting_id))
    if is_observer(user):
        return query.where(or_(not_a_session, seen_sessions))
    mine = [m.organisation_id for m in user.memberships]
    if not mine:
        return query.where(false())
    invited = exists().where(MeetingInvitee.meeting_id == Meeting.id, MeetingInvitee.organisation_id.in_(mine))
    return query.where(or_(not_a_session & or_(Meeting.organiser_id.in_(mine), invited), seen_sessions))


# Commitments and funders ------------------------------------------------------------------------------


def can_see_commitment(user, commitment: Commitment) -> bool:
    """Who may see a project sees its commitments."""
    return can_see_project(user, commitment.project)


def sees_unconfirmed_funders(user, project: Project) -> bool:
    """Whether `user` may read the name of a funder that has not yet confirmed its line."""
    return sees_beyond_public(user, project)


def can_read_discussion(user, project: Project) -> bool:
    """product.md: the discussion between the parties is never public; from agreement on it stays with those
    who saw the project before (a draft's, with its association)."""
    if not project.is_public:
        return can_see_project(user, project)
    return sees_beyond_public(user, project)


def sees_beyond_public(user, project: Project) -> bool:
    """Whether `user` would see the project were it not public (its parties, mediators, observers, admins,
    from its first submission on), never the public. No query beyond the user's memberships (lists call it
    per project)."""
    if not is_signed_in(user) or project.first_submitted_at is None:
        return False
    if user.is_admin or is_mediator(user) or is_observer(user):
        return True
    funders = {line.organisation_id for line in project.funding_lines}
    for m in user.memberships:
        if m.organisation_id == project.association_id or m.organisation_id in funders:
            return True
        if m.organisation.kind == OrganisationKind.COMMUNE and m.organisation.commune_id == project.commune_id:
            return True
    return False


# Any record ---------------------------------------------------------------------------------------------

_RULES = {
    Project: can_see_project,
    Organisation: can_see_organisation,
    Meeting: can_see_meeting,
    Commitment: can_see_commitment,
    Dispute: can_see_dispute,
}


def can_see(user, record) -> bool:
    """Whether `user` may see `record` (a project, an organisation, a meeting, a commitment, a dispute); the rule every notification passes."""
    rule = _RULES.get(type(record))
    if rule is None:
        raise TypeError(f"no visibility rule for {type(record).__name__}: add one to portal/visibility.py")
    return rule(user, record)
