"""The mediator's desk: one queue of what waits for the ministry — open disputes, unanswered projects, overdue
commitments, associations awaiting verification —, nearest deadline first, filtered by region; its items are
the queue's (portal/domain/queue.py), the ones the home pages list.

Each kind is one query, sorted by its own key and limited to what the page needs; the four sorted lists are
merged here (a fixed number of queries whatever the data size). The sort key is the item's deadline where it
has one (a dispute's deadline to acknowledge while it is open, to resolve after; a submitted project's day it
goes to the mediators, the project domain's `escalation_day`; a commitment's due date), else the day it started
waiting (an association's registration).
"""

import heapq

from sqlalchemy import case, exists, select
from sqlalchemy.orm import joinedload

from portal.database import utcnow
from portal.domain.commitments import overdue_condition as commitment_overdue
from portal.domain.organisations import pending_associations
from portal.domain.projects import escalation_day, escalation_delay
from portal.domain.queue import Waiting, day_start
from portal.domain.territories import current_regions
from portal.extensions import db
from portal.models import (
    Cercle,
    Commitment,
    Commune,
    Dispute,
    DisputeStatus,
    HomeCommune,
    Organisation,
    Project,
    ProjectStatus,
    Region,
    commune_today,
)
from portal.visibility import visible_disputes, visible_projects

# A dispute on the desk: not yet closed or dismissed.
DESK_DISPUTE_STATUSES = (
    DisputeStatus.OPEN,
    DisputeStatus.ACKNOWLEDGED,
    DisputeStatus.IN_MEDIATION,
    DisputeStatus.RESOLVED,
)


def _in_region(commune_id_column, region_id: int):
    """SQL: the commune of `commune_id_column` lies in the region."""
    return commune_id_column.in_(
        select(Commune.id).join(Cercle, Cercle.id == Commune.cercle_id).where(Cercle.region_id == region_id)
    )


def region_choices() -> list[Region]:
    return current_regions()


def region_by_code(code: str | None) -> Region | None:
    """The region of the current map with this code, or None (no filter) for anything else."""
    if not code or not isinstance(code, str) or len(code) > 20:
        return None
    return next((r for r in region_choices() if r.code == code), None)


def _disputes(user, region_id, limit: int, statuses=DESK_DISPUTE_STATUSES) -> list[Waiting]:
    deadline = case((Dispute.status == DisputeStatus.OPEN, Dispute.acknowledge_due_at), else_=Dispute.resolution_due_at)
    query = visible_disputes(user).where(Dispute.status.in_(statuses))
    if region_id is not None:
        query = query.where(Dispute.project_id.in_(select(Project.id).where(_in_region(Project.commune_id, region_id))))
    rows = db.session.scalars(
        query.options(joinedload(Dispute.project), joinedload(Dispute.claimant), joinedload(Dispute.respondent))
        .order_by(deadline, Dispute.id)
        .limit(limit)
    ).all()
    now = utcnow()
    items = []
    for dispute in rows:
        if dispute.status == DisputeStatus.OPEN:
            overdue = dispute.acknowledgement_overdue(now)
            items.append(
                Waiting("dispute_acknowledge", dispute, dispute.created_at, dispute.acknowledge_due_at, overdue)
            )
        else:
            what = "dispute_close" if dispute.status == DisputeStatus.RESOLVED else "dispute_resolve"
            overdue = dispute.resolution_overdue(now)
            items.append(Waiting(what, dispute, dispute.status_changed_at, dispute.resolution_due_at, overdue))
    return items


def disputes_to_acknowledge(user, limit: int) -> list[Waiting]:
    """The open disputes, nearest deadline to acknowledge first: what the mediators' home pages list."""
    return _disputes(user, None, limit, (DisputeStatus.OPEN,))


def _projects(user, region_id, limit: int) -> list[Waiting]:
    delay = escalation_delay()
    now = utcnow()
    query = visible_projects(user).where(Project.status == ProjectStatus.SUBMITTED, Project.submitted_at.is_not(None))
    if region_id is not None:
        query = query.where(_in_region(Project.commune_id, region_id))
    rows = db.session.scalars(
        query.options(joinedload(Project.commune), joinedload(Project.association))
        .order_by(Project.submitted_at, Project.id)
        .limit(limit)
    ).all()
    items = []
    for project in rows:
        due = escalation_day(project, delay)
        items.append(Waiting("project_answer", project, project.submitted_at, due, due <= now))
    return items


def _commitments(region_id, limit: int, today) -> list[Waiting]:
    query = select(Commitment).join(Project, Project.id == Commitment.project_id).where(commitment_overdue(today))
    if region_id is not None:
        query = query.where(_in_region(Project.commune_id, region_id))
    rows = db.session.scalars(
        query.options(joinedload(Commitment.project), joinedload(Commitment.organisation))
        .order_by(Commitment.due_date, Commitment.id)
        .limit(limit)
    ).all()
    return [Waiting("commitment_overdue", c, day_start(c.due_date), day_start(c.due_date), True) for c in rows]


def _associations(region_id, limit: int) -> list[Waiting]:
    query = pending_associations()
    if region_id is not None:
        query = query.where(
            exists().where(HomeCommune.association_id == Organisation.id, _in_region(HomeCommune.commune_id, region_id))
        )
    rows = db.session.scalars(query.limit(limit)).all()
    return [Waiting("association_verify", o, o.created_at, None) for o in rows]


def desk(user, region_id: int | None = None, page: int = 1, per_page: int = 20) -> tuple[list[Waiting], bool]:
    """The page `page` of the queue, and whether there is a next one: four sorted, limited queries merged."""
    limit = page * per_page + 1
    today = commune_today(utcnow())
    merged = list(
        heapq.merge(  # each list is sorted by its kind's query, in the order of Waiting.key
            _disputes(user, region_id, limit),
            _projects(user, region_id, limit),
            _commitments(region_id, limit, today),
            _associations(region_id, limit),
            key=lambda item: item.key,
        )
    )
    start = (page - 1) * per_page
    return merged[start : start + per_page], len(merged) > start + per_page
