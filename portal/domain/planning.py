"""The PDESC planning sheet of a commune: its migration profile in short, the projects the viewer may see with
their commitments counted, and the projections — one printable page for the commune's 5-year plan."""

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from portal.domain.indicators import commune_profile, totals_by_year
from portal.domain.projections import Projection, linear_projection
from portal.extensions import db
from portal.models import Commitment, CommitmentStatus, Commune, Project, commune_today
from portal.visibility import visible_projects

SHEET_PROJECTS_MAX = 200


@dataclass
class SheetIndicator:
    code: str
    unit: str
    computed: bool
    latest_year: int | None
    latest_value: Decimal | None
    projection: Projection | None


@dataclass
class SheetProject:
    project: Project
    commitments: dict[str, int] = field(default_factory=dict)  # status → count, and "overdue"


@dataclass
class PlanningSheet:
    indicators: list[SheetIndicator]
    projects: list[SheetProject]


def planning_sheet(user, commune: Commune) -> PlanningSheet:
    """Everything the sheet prints, in a fixed number of queries."""
    indicators = []
    for serie in commune_profile(commune):
        totals = totals_by_year(serie)
        latest = max(totals) if totals else None
        indicators.append(
            SheetIndicator(
                serie.code,
                serie.unit,
                serie.computed,
                latest,
                totals[latest] if latest is not None else None,
                None if serie.computed else linear_projection(totals),
            )
        )
    projects = db.session.scalars(
        visible_projects(user)
        .where(Project.commune_id == commune.id)
        .options(joinedload(Project.association), selectinload(Project.budget_lines))
        .order_by(Project.id)
        .limit(SHEET_PROJECTS_MAX)
    ).all()
    rows = {project.id: SheetProject(project, dict.fromkeys((*CommitmentStatus, "overdue"), 0)) for project in projects}
    if rows:
        counts = db.session.execute(
            select(Commitment.project_id, Commitment.status, func.count())
            .where(Commitment.project_id.in_(rows))
            .group_by(Commitment.project_id, Commitment.status)
        )
        for project_id, status, count in counts:
            rows[project_id].commitments[status] = count
        overdue = db.session.execute(
            select(Commitment.project_id, func.count())
            .where(
                Commitment.project_id.in_(rows),
                Commitment.status == CommitmentStatus.OPEN,
                Commitment.due_date < commune_today(),
            )
            .group_by(Commitment.project_id)
        )
        for project_id, count in overdue:
            rows[project_id].commitments["overdue"] = count
    return PlanningSheet(indicators, list(rows.values()))
