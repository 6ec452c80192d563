"""What waits for a person's action, nearest deadline first: the home page's list, in the queue's items
(portal/domain/queue.py, which the mediators' desk shares).

Each kind of record adds its own query here (a fixed number of queries whatever the data size); the page only
words the items. Per role: a commune's officials answer projects and confirm what is paid to the commune; an
association's officers revise, confirm what the commune pays; every acting member follows the disputes against
their organisation; who may give its word answers a settlement; mediators get the escalations and the disputes
to acknowledge (the desk's own query).
"""

from datetime import timedelta

from sqlalchemy import or_, select, union
from sqlalchemy.orm import joinedload

from portal.database import utcnow
from portal.domain import contributions, desk, workflow
from portal.domain.disputes import settlement_answers
from portal.domain.meetings import official_communes
from portal.domain.projects import escalation_day, escalation_delay
from portal.domain.queue import LIMIT, Waiting, day_start, nearest_first
from portal.extensions import db
from portal.models import (
    COMMUNE_OFFICIAL_ROLES,
    Commitment,
    CommitmentStatus,
    Contribution,
    ContributionStatus,
    Dispute,
    DisputeStatus,
    FundingLine,
    Meeting,
    MeetingAttendee,
    MeetingInvitee,
    MeetingStatus,
    OrganisationKind,
    Project,
    ProjectStatus,
    commune_today,
)
from portal.visibility import is_mediator, memberships_of

S = ProjectStatus
# What a commune answers, and what the association answers.
TO_ANSWER = (S.SUBMITTED, S.UNDER_REVIEW, S.IN_CONSULTATION)


def _acting(user) -> list[int]:
    """The organisations the user acts for (a membership that is not observer)."""
    return [m.organisation_id for m in memberships_of(user) if m.role != "observer"]


def projects_awaiting(user) -> list[Waiting]:
    """Projects to answer (a commune's officials), to revise (an association's officers), escalated (mediators)."""
    memberships = memberships_of(user)
    communes = list(official_communes(user))
    associations = [m.organisation_id for m in memberships if m.role == "officer"]
    delay = escalation_delay()
    now = utcnow()
    items: list[Waiting] = []

    def rows(*conditions):
        return db.session.scalars(
            select(Project)
            .where(*conditions)
            .options(joinedload(Project.commune), joinedload(Project.association))
            .order_by(Project.submitted_at, Project.id)
            .limit(LIMIT)
        ).all()

    if communes:
        for project in rows(Project.commune_id.in_(communes), Project.status.in_(TO_ANSWER)):
            if project.status == S.IN_CONSULTATION and not workflow.may_bind_commune(user, project):
                continue  # only the decision is left, the mayor's or a deputy's: nothing awaits the secrétaire général
            due = escalation_day(project, delay)
            overdue = due is not None and due <= now
            items.append(Waiting("answer_project", project, project.submitted_at, due, overdue))
    if associations:
        for project in rows(Project.association_id.in_(associations), Project.status == S.CHANGES_REQUESTED):
            items.append(Waiting("revise_project", project, project.updated_at, None))
    if is_mediator(user):
        for project in rows(Project.status == S.SUBMITTED, Project.escalated_at.is_not(None)):
            items.append(
                Waiting("escalated_project", project, project.escalated_at, escalation_day(project, delay), True)
            )
    return items


def meetings_awaiting(user) -> list[Waiting]:
    """Invitations to answer (for the invited organisations), minutes to post (for the organiser's officials, once
    the meeting is over) and minutes to answer (for the attending organisations). The organiser is never asked to
    answer its own invitation nor its own minutes (product.md), even when it is listed among them."""
    memberships = memberships_of(user)
    acting = [m.organisation_id for m in memberships if m.role != "observer"]
    organisers = [
        m.organisation_id
        for m in memberships
        if (m.organisation.kind == OrganisationKind.COMMUNE and m.role in COMMUNE_OFFICIAL_ROLES)
        or (m.organisation.kind == OrganisationKind.MINISTRY and m.role == "mediator")
    ]
    now = utcnow()
    items: list[Waiting] = []
    scheduled = Meeting.status == MeetingStatus.SCHEDULED
    if acting:
        invited = db.session.scalars(
            select(Meeting)
            .join(MeetingInvitee, MeetingInvitee.meeting_id == Meeting.id)
            .where(MeetingInvitee.organisation_id.in_(acting), MeetingInvitee.rsvp.is_(None))
            .where(MeetingInvitee.organisation_id != Meeting.organiser_id)
            .where(scheduled, Meeting.starts_at > now)
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(LIMIT)
        ).unique()
        items += [Waiting("answer_invitation", meeting, meeting.created_at, meeting.starts_at) for meeting in invited]
        to_answer = db.session.scalars(
            select(Meeting)
            .join(MeetingAttendee, MeetingAttendee.meeting_id == Meeting.id)
            .where(MeetingAttendee.organisation_id.in_(acting), MeetingAttendee.answer.is_(None))
            .where(MeetingAttendee.organisation_id != Meeting.organiser_id)
            .where(Meeting.status == MeetingStatus.HELD)
            .order_by(Meeting.minutes_posted_at, Meeting.id)
            .limit(LIMIT)
        ).unique()
        items += [Waiting("answer_minutes", meeting, meeting.minutes_posted_at, None) for meeting in to_answer]
    if organisers:
        upcoming = db.session.scalars(
            select(Meeting)
            .where(Meeting.organiser_id.in_(organisers), scheduled)
            .where(Meeting.starts_at > now, Meeting.starts_at <= now + PREPARE_AHEAD)
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(LIMIT)
        )
        items += [Waiting("prepare_meeting", meeting, meeting.created_at, meeting.starts_at) for meeting in upcoming]
        unminuted = db.session.scalars(
            select(Meeting)
            .where(Meeting.organiser_id.in_(organisers), scheduled)
            .where(Meeting.starts_at <= now, Meeting.minutes_posted_at.is_(None))
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(LIMIT)
        )
        items += [Waiting("post_minutes", meeting, meeting.starts_at, None) for meeting in unminuted]
    return items


def awaiting(user) -> list[Waiting]:
    """Everything that waits for this person, nearest deadline first (where there is none, the oldest wait)."""
    waiting = projects_awaiting(user) + meetings_awaiting(user) + commitments_awaiting(user)
    waiting += escalated_commitments(user) + disputes_awaiting(user) + tranches_awaiting(user)
    return nearest_first(waiting)


REPORT_AHEAD = timedelta(days=7)  # an open commitment shows this long before it falls due
PREPARE_AHEAD = timedelta(days=7)  # a meeting its organiser runs shows this long before it starts
WITH_NAMES = (
    joinedload(Commitment.organisation),
    joinedload(Commitment.project),
)  # what the page's text names


def _party_projects(user, acting: list[int]):
    """SQL: the ids of the projects the user's organisations are a party to, from the indexes on each side (an OR
    over every row, checked one by one, took half a second at national scale)."""
    communes = list(official_communes(user))
    parties = [select(Project.id).where(Project.association_id.in_(acting))]
    if communes:
        parties.append(select(Project.id).where(Project.commune_id.in_(communes)))
    parties.append(select(FundingLine.project_id).where(FundingLine.organisation_id.in_(acting)))
    return union(*parties)


def commitments_awaiting(user) -> list[Waiting]:
    """For the promising organisation: its open commitments due within a week or overdue, and the contested
    ones; for the other parties (the association, the commune, a funder): the ones reported fulfilled, to
    confirm or contest."""
    acting = _acting(user)
    if not acting:
        return []
    today = commune_today(utcnow())
    soon = today + REPORT_AHEAD
    items: list[Waiting] = []
    own = db.session.scalars(
        select(Commitment)
        .options(*WITH_NAMES)
        .where(Commitment.organisation_id.in_(acting))
        .where(
            or_(
                (Commitment.status == CommitmentStatus.OPEN) & (Commitment.due_date <= soon),
                Commitment.status == CommitmentStatus.CONTESTED,
            )
        )
        .order_by(Commitment.due_date, Commitment.id)
        .limit(LIMIT)
    )
    for commitment in own:
        what = "answer_contest" if commitment.status == CommitmentStatus.CONTESTED else "report_commitment"
        overdue = commitment.status == CommitmentStatus.OPEN and commitment.due_date < today
        items.append(Waiting(what, commitment, commitment.status_changed_at, day_start(commitment.due_date), overdue))
    reported = db.session.scalars(
        select(Commitment)
        .options(*WITH_NAMES)
        .where(Commitment.project_id.in_(_party_projects(user, acting)))
        .where(Commitment.status == CommitmentStatus.FULFILLED, Commitment.organisation_id.not_in(acting))
        .order_by(Commitment.status_changed_at, Commitment.id)
        .limit(LIMIT)
    )
    items += [Waiting("confirm_commitment", c, c.status_changed_at, None) for c in reported]
    return items


def escalated_commitments(user) -> list[Waiting]:
    """For the mediators: the commitments sent to them after too long overdue, still open."""
    if not is_mediator(user):
        return []
    escalated = db.session.scalars(
        select(Commitment)
        .options(*WITH_NAMES)
        .where(Commitment.status == CommitmentStatus.OPEN, Commitment.escalated_at.is_not(None))
        .order_by(Commitment.due_date, Commitment.id)
        .limit(LIMIT)
    )
    return [Waiting("escalated_commitment", c, c.escalated_at, day_start(c.due_date), True) for c in escalated]


# Disputes in progress: the other party's claim is to be followed (its thread, its files) until the settlement.
AGAINST = (DisputeStatus.OPEN, DisputeStatus.ACKNOWLEDGED, DisputeStatus.IN_MEDIATION)
DISPUTE_NAMES = (joinedload(Dispute.project), joinedload(Dispute.claimant), joinedload(Dispute.respondent))


def disputes_awaiting(user) -> list[Waiting]:
    """Disputes raised against the user's organisation (its acting members follow them), settlements their
    organisation has yet to answer (who may give its word: a commune's mayor or deputy), and, for mediators, the
    disputes to acknowledge (the desk's query)."""
    items: list[Waiting] = []
    acting = _acting(user)
    if acting:
        against = db.session.scalars(
            select(Dispute)
            .options(*DISPUTE_NAMES)
            .where(Dispute.respondent_id.in_(acting), Dispute.status.in_(AGAINST))
            .order_by(Dispute.created_at, Dispute.id)
            .limit(LIMIT)
        )
        items += [Waiting("dispute_against", d, d.created_at, None) for d in against]
    binding = workflow.binding_organisation_ids(user)
    if binding:
        resolved = db.session.scalars(
            select(Dispute)
            .options(*DISPUTE_NAMES)
            .where(or_(Dispute.claimant_id.in_(binding), Dispute.respondent_id.in_(binding)))
            .where(Dispute.status == DisputeStatus.RESOLVED)
            .order_by(Dispute.resolved_at, Dispute.id)
            .limit(LIMIT)
        ).all()
        answers = settlement_answers([d.id for d in resolved])
        for dispute in resolved:
            if (set(dispute.party_ids) & binding) - set(answers[dispute.id]):  # a party of theirs has not answered
                items.append(Waiting("answer_settlement", dispute, dispute.resolved_at, None))
    if is_mediator(user):
        items += desk.disputes_to_acknowledge(user, LIMIT)
    return items


def tranches_awaiting(user) -> list[Waiting]:
    """Tranches another party reported paid to the user's organisation, to confirm (or contest) as received."""
    acting = _acting(user)
    if not acting:
        return []
    communes = [
        m.organisation.commune_id
        for m in memberships_of(user)
        if m.role != "observer" and m.organisation.kind == OrganisationKind.COMMUNE
    ]
    received = contributions.received_by(acting, communes)
    if received is None:
        return []
    reported = db.session.scalars(
        select(Contribution)
        .join(FundingLine, FundingLine.id == Contribution.funding_line_id)
        .join(Project, Project.id == Contribution.project_id)
        .options(
            joinedload(Contribution.project).joinedload(Project.association),
            joinedload(Contribution.funding_line).joinedload(FundingLine.organisation),
        )
        .where(Contribution.status == ContributionStatus.REPORTED, received)
        .order_by(Contribution.created_at, Contribution.id)
        .limit(LIMIT)
    )
    return [Waiting("confirm_tranche", c, c.created_at, None) for c in reported]
