"""What waits for a person's action, nearest deadline first: the home page's list.

Each kind of record adds its own query here (a fixed number of queries whatever the data size); the page only
words the items.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import or_, select, union
from sqlalchemy.orm import joinedload

from portal.database import utcnow
from portal.domain import workflow
from portal.domain.meetings import official_communes
from portal.domain.settings import get_setting
from portal.extensions import db
from portal.models import (
    COMMUNE_OFFICIAL_ROLES,
    Commitment,
    CommitmentStatus,
    FundingLine,
    Meeting,
    MeetingAttendee,
    MeetingInvitee,
    MeetingStatus,
    OrganisationKind,
    Project,
    ProjectStatus,
)
from portal.visibility import is_mediator, memberships_of

S = ProjectStatus
LIMIT = 20  # of each kind; the lists they link to show the rest
# What a commune answers, and what the association answers.
TO_ANSWER = (S.SUBMITTED, S.UNDER_REVIEW, S.IN_CONSULTATION)


@dataclass(frozen=True)
class Waiting:
    # answer_project, revise_project, escalated_project, answer_invitation, post_minutes, answer_minutes,
    # prepare_meeting, report_commitment, answer_contest, confirm_commitment, escalated_commitment
    what: str
    record: Project | Meeting | Commitment
    since: datetime | None
    due: datetime | None  # when it goes to the mediators, or the meeting starts


def projects_awaiting(user) -> list[Waiting]:
    """Projects to answer (a commune's officials), to revise (an association's officers), escalated (mediators)."""
    memberships = memberships_of(user)
    communes = list(official_communes(user))
    associations = [m.organisation_id for m in memberships if m.role == "officer"]
    delay = timedelta(days=get_setting("project_escalation_days"))
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
            due = project.submitted_at + delay if project.status == S.SUBMITTED and project.submitted_at else None
            items.append(Waiting("answer_project", project, project.submitted_at, due))
    if associations:
        for project in rows(Project.association_id.in_(associations), Project.status == S.CHANGES_REQUESTED):
            items.append(Waiting("revise_project", project, project.updated_at, None))
    if is_mediator(user):
        for project in rows(Project.status == S.SUBMITTED, Project.escalated_at.is_not(None)):
            items.append(Waiting("escalated_project", project, project.escalated_at, None))
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
    """Everything that waits for this person, nearest deadline first, then the oldest."""
    far = datetime.max

    def order(waiting: Waiting):
        return ((waiting.due or far).replace(tzinfo=None), (waiting.since or far).replace(tzinfo=None))

    waiting = projects_awaiting(user) + meetings_awaiting(user) + commitments_awaiting(user)
    return sorted(waiting + escalated_commitments(user), key=order)


REPORT_AHEAD = timedelta(days=7)  # an open commitment shows this long before it falls due
PREPARE_AHEAD = timedelta(days=7)
WITH_NAMES = (
    joinedload(Commitment.organisation),
    joinedload(Commitment.project),
)  # what the page's text names  # a meeting its organiser runs shows this long before it starts


def commitments_awaiting(user) -> list[Waiting]:
    """For the promising organisation: its open commitments due within a week or overdue, and the contested
    ones; for the other parties (the association, the commune, a funder): the ones reported fulfilled, to
    confirm or contest."""
    memberships = memberships_of(user)
    acting = [m.organisation_id for m in memberships if m.role != "observer"]
    if not acting:
        return []
    communes = list(official_communes(user))
    soon = (utcnow() + REPORT_AHEAD).date()
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
        items.append(Waiting(what, commitment, commitment.status_changed_at, _day(commitment.due_date)))
    # The projects they are a party to, from the indexes on each side (an OR over all fulfilled commitments, checked
    # one by one, took half a second at national scale).
    parties = [select(Project.id).where(Project.association_id.in_(acting))]
    if communes:
        parties.append(select(Project.id).where(Project.commune_id.in_(communes)))
    parties.append(select(FundingLine.project_id).where(FundingLine.organisation_id.in_(acting)))
    reported = db.session.scalars(
        select(Commitment)
        .options(*WITH_NAMES)
        .where(Commitment.project_id.in_(union(*parties)))
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
    return [Waiting("escalated_commitment", c, c.escalated_at, None) for c in escalated]


def _day(value) -> datetime:
    return datetime.combine(value, time(), tzinfo=UTC)
