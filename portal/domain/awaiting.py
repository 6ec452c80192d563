"""What waits for a person's action, nearest deadline first: the home page's list.

Each kind of record adds its own query here (a fixed number of queries whatever the data size); the page only
words the items.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.domain.settings import get_setting
from portal.extensions import db
from portal.models import COMMUNE_OFFICIAL_ROLES, OrganisationKind, Project, ProjectStatus
from portal.visibility import is_mediator, memberships_of

S = ProjectStatus
LIMIT = 20  # of each kind; the lists they link to show the rest
# What a commune answers, and what the association answers.
TO_ANSWER = (S.SUBMITTED, S.UNDER_REVIEW, S.IN_CONSULTATION)


@dataclass(frozen=True)
class Waiting:
    what: str  # "answer_project", "revise_project", "escalated_project"
    project: Project
    since: datetime | None
    due: datetime | None  # when it goes to the mediators, for a submitted project


def projects_awaiting(user) -> list[Waiting]:
    """Projects to answer (a commune's officials), to revise (an association's officers), escalated (mediators)."""
    memberships = memberships_of(user)
    communes = [
        m.organisation.commune_id
        for m in memberships
        if m.organisation.kind == OrganisationKind.COMMUNE and m.role in COMMUNE_OFFICIAL_ROLES
    ]
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
            due = project.submitted_at + delay if project.status == S.SUBMITTED and project.submitted_at else None
            items.append(Waiting("answer_project", project, project.submitted_at, due))
    if associations:
        for project in rows(Project.association_id.in_(associations), Project.status == S.CHANGES_REQUESTED):
            items.append(Waiting("revise_project", project, project.updated_at, None))
    if is_mediator(user):
        for project in rows(Project.status == S.SUBMITTED, Project.escalated_at.is_not(None)):
            items.append(Waiting("escalated_project", project, project.escalated_at, None))
    far = datetime.max.replace(tzinfo=None)
    return sorted(items, key=lambda w: ((w.due or far).replace(tzinfo=None), (w.since or far).replace(tzinfo=None)))
