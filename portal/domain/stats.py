"""Statistics of the portal's own records: the aggregates of `/api/v1/stats` and of the dashboards.

Always live (no cache): a committed change shows at once. What is counted (api.md, `GET /api/v1/stats`):
- projects: every project submitted at least once (`first_submitted_at` set), by its current status — drafts
  never counted (the `draft` key is there, at 0);
- funding: the funding lines (in XOF) of the counted projects from agreement on (public projects);
- commitments and disputes: those of the counted projects. Dispute counts are confidential (api.md): published
  only when the filters are region and/or year alone and at least DISPUTES_SHOWN_FROM disputes are counted, so
  that no count singles out a dispute of one commune, cercle, sector or diaspora (`published_disputes`).
Filters narrow the projects: commune, region and cercle (codes, on every map version), sector, the
association's country of residence, and the year of first submission.
"""

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from statistics import median

from sqlalchemy import extract, func, select

from portal.domain.projects import filter_projects
from portal.extensions import db
from portal.models import (
    PARTY_KINDS,
    PUBLIC_STATUSES,
    SECTORS,
    AuditEvent,
    Cercle,
    Commitment,
    CommitmentStatus,
    Commune,
    Dispute,
    DisputeStatus,
    Facility,
    FundingLine,
    MapVersion,
    Organisation,
    Project,
    ProjectStatus,
    Region,
    commune_today,
)

# The keys of projects_by_status: every status, zeros included ("every key present", api.md). `draft` is always 0:
# a project is counted from its first submission on, and a submitted project never goes back to draft.
STATUS_KEYS = tuple(status.value for status in ProjectStatus)
COMMITMENT_KEYS = (*(status.value for status in CommitmentStatus), "overdue")
DISPUTE_STATUSES = tuple(DisputeStatus)
DIASPORA_PARTY = "association"
# The commune's first answer to a submitted project: the only action a commune official takes from `submitted`.
FIRST_ANSWER_ACTION = "project.start_review"
YEAR_MIN, YEAR_MAX = 1960, 2100
# Dispute counts are published from this many disputes on, and only under the filters that cover a whole region
# or year (api.md, `/api/v1/stats`): a smaller or narrower count would point at one dispute of one commune.
DISPUTES_SHOWN_FROM = 5
DISPUTE_COUNT_FILTERS = frozenset({"region", "year"})


@dataclass(frozen=True)
class StatsFilter:
    commune_id: int | None = None
    region: str | None = None  # a region code
    cercle: str | None = None  # a cercle code
    year: int | None = None  # of first submission
    sector: str | None = None
    country: str | None = None  # the proposing association's country of residence (ISO alpha-2)
    commune_name: str | None = None  # part of a commune's name, ignoring case and accents


def counted_projects(filters: StatsFilter = StatsFilter()):
    """select(Project.id) of the projects the statistics count: submitted at least once, filtered."""
    query = filter_projects(
        select(Project.id).where(Project.first_submitted_at.is_not(None)),
        {
            "commune_id": filters.commune_id,
            "region": filters.region,
            "sector": filters.sector,
            "commune": filters.commune_name,
        },
    )
    if filters.cercle:
        in_cercle = select(Commune.id).join(Cercle, Cercle.id == Commune.cercle_id).where(Cercle.code == filters.cercle)
        query = query.where(Project.commune_id.in_(in_cercle))
    if filters.country:
        from_country = select(Organisation.id).where(Organisation.country == filters.country.upper())
        query = query.where(Project.association_id.in_(from_country))
    if filters.year is not None:
        query = query.where(
            Project.first_submitted_at >= datetime(filters.year, 1, 1, tzinfo=UTC),
            Project.first_submitted_at < datetime(filters.year + 1, 1, 1, tzinfo=UTC),
        )
    return query


def projects_by_status(projects) -> dict[str, int]:
    counts = dict.fromkeys(STATUS_KEYS, 0)
    rows = db.session.execute(
        select(Project.status, func.count()).where(Project.id.in_(projects)).group_by(Project.status)
    )
    counts.update({status: count for status, count in rows if status in counts})
    return counts


def projects_by_sector(projects) -> dict[str, int]:
    counts = dict.fromkeys(SECTORS, 0)
    rows = db.session.execute(
        select(Project.sector, func.count()).where(Project.id.in_(projects)).group_by(Project.sector)
    )
    counts.update(dict(rows.all()))
    return counts


def _public(projects):
    return projects.where(Project.status.in_([status.value for status in PUBLIC_STATUSES]))


def funding_by_party_kind(projects) -> dict[str, int]:
    """XOF of the funding lines of the public projects among `projects`, by kind of party."""
    totals = dict.fromkeys(PARTY_KINDS, 0)
    rows = db.session.execute(
        select(FundingLine.party_kind, func.sum(FundingLine.amount_xof))
        .where(FundingLine.project_id.in_(_public(projects)))
        .group_by(FundingLine.party_kind)
    )
    totals.update({kind: int(total or 0) for kind, total in rows})
    return totals


def funding_by_year(projects) -> dict[int, dict[str, int]]:
    """Funding of the public projects by year of first submission, then by kind of party, oldest year first."""
    year = extract("year", Project.first_submitted_at)
    rows = db.session.execute(
        select(year, FundingLine.party_kind, func.sum(FundingLine.amount_xof))
        .join(Project, Project.id == FundingLine.project_id)
        .where(FundingLine.project_id.in_(_public(projects)))
        .group_by(year, FundingLine.party_kind)
    )
    by_year: dict[int, dict[str, int]] = {}
    for row_year, kind, total in rows:
        by_year.setdefault(int(row_year), dict.fromkeys(PARTY_KINDS, 0))[kind] = int(total or 0)
    return dict(sorted(by_year.items()))


def commitment_counts(projects, today=None) -> dict[str, int]:
    """Commitments of `projects` by status, and how many open ones are overdue (past due in the communes' time)."""
    counts = dict.fromkeys(COMMITMENT_KEYS, 0)
    rows = db.session.execute(
        select(Commitment.status, func.count()).where(Commitment.project_id.in_(projects)).group_by(Commitment.status)
    )
    counts.update({status: count for status, count in rows if status in counts})
    counts["overdue"] = db.session.scalar(
        select(func.count()).where(
            Commitment.project_id.in_(projects),
            Commitment.status == CommitmentStatus.OPEN,
            Commitment.due_date < (today or commune_today()),
        )
    )
    return counts


def dispute_counts(projects) -> dict[str, int]:
    """Disputes of `projects` by status (counts only: disputes themselves are confidential)."""
    counts = dict.fromkeys(DISPUTE_STATUSES, 0)
    rows = db.session.execute(
        select(Dispute.status, func.count()).where(Dispute.project_id.in_(projects)).group_by(Dispute.status)
    )
    counts.update({status: count for status, count in rows if status in counts})
    return counts


def may_publish_dispute_counts(filters: StatsFilter, counts: dict[str, int]) -> bool:
    """Whether dispute counts may be shown: no filter but region and/or year, and at least DISPUTES_SHOWN_FROM
    disputes counted. A filter added to StatsFilter later hides them until it is listed here."""
    narrowed_by = {f.name for f in fields(filters) if getattr(filters, f.name) not in (None, "")}
    return narrowed_by <= DISPUTE_COUNT_FILTERS and sum(counts.values()) >= DISPUTES_SHOWN_FROM


def published_disputes(projects, filters: StatsFilter) -> dict[str, int] | None:
    """The dispute counts the public may read for these filters; None when they could single out a dispute."""
    counts = dispute_counts(projects)
    return counts if may_publish_dispute_counts(filters, counts) else None


def facilities_built(projects) -> int:
    """Facilities built: the projects handed over to their owner."""
    return db.session.scalar(
        select(func.count()).where(Project.id.in_(projects), Project.status == ProjectStatus.HANDED_OVER)
    )


def facilities_still_working(projects) -> dict[int, int]:
    """Facilities handed over (among `projects`) whose latest yearly check says they work, by year of first
    submission (the year the dashboards and profiles count projects by)."""
    year = extract("year", Project.first_submitted_at)
    rows = db.session.execute(
        select(year, func.count())
        .join(Facility, Facility.project_id == Project.id)
        .where(Project.id.in_(projects), Facility.condition == "working")
        .group_by(year)
    )
    return {int(row_year): int(count) for row_year, count in rows}


def stats(filters: StatsFilter = StatsFilter()) -> dict:
    """The body of `GET /api/v1/stats`: every key present, zeros included."""
    projects = counted_projects(filters)
    return {
        "projects_by_status": projects_by_status(projects),
        "funding_xof_by_party_kind": funding_by_party_kind(projects),
        "commitments": commitment_counts(projects),
        "disputes": published_disputes(projects, filters),
    }


def fulfilment_rate(commitments: dict[str, int]) -> float | None:
    """Share of the commitments not cancelled that were reported fulfilled or confirmed; None when there is none."""
    kept = commitments["fulfilled"] + commitments["confirmed"]
    total = kept + commitments["open"] + commitments["contested"]
    return kept / total if total else None


def median_response_days(projects) -> float | None:
    """Median number of days from a project's first submission to the commune's first answer (start of review),
    over the projects the commune has answered; None when none was."""
    first_answer = (
        select(AuditEvent.subject_id.label("project_id"), func.min(AuditEvent.at).label("at"))
        .where(AuditEvent.subject_type == "project", AuditEvent.action == FIRST_ANSWER_ACTION)
        .group_by(AuditEvent.subject_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Project.first_submitted_at, first_answer.c.at)
        .join(first_answer, first_answer.c.project_id == Project.id)
        .where(Project.id.in_(projects))
    ).all()
    days = [(answered - submitted).total_seconds() / 86400 for submitted, answered in rows if answered and submitted]
    return median(days) if days else None


@dataclass
class Dashboard:
    filters: StatsFilter
    by_status: dict[str, int]
    by_sector: dict[str, int]
    funding: dict[str, int]
    funding_by_year: dict[int, dict[str, int]]
    commitments: dict[str, int]
    disputes: dict[str, int] | None  # None: not published for these filters (published_disputes)
    fulfilment_rate: float | None
    median_response_days: float | None
    facilities_built: int
    facilities_still_working: dict[int, int]
    diaspora_share: float | None = field(init=False)

    def __post_init__(self):
        total = sum(self.funding.values())
        self.diaspora_share = self.funding[DIASPORA_PARTY] / total if total else None


def dashboard(filters: StatsFilter = StatsFilter()) -> Dashboard:
    """Every aggregate of the public dashboards, for the projects the filters select; a fixed number of queries."""
    projects = counted_projects(filters)
    commitments = commitment_counts(projects)
    return Dashboard(
        filters=filters,
        by_status=projects_by_status(projects),
        by_sector=projects_by_sector(projects),
        funding=funding_by_party_kind(projects),
        funding_by_year=funding_by_year(projects),
        commitments=commitments,
        disputes=published_disputes(projects, filters),
        fulfilment_rate=fulfilment_rate(commitments),
        median_response_days=median_response_days(projects),
        facilities_built=facilities_built(projects),
        facilities_still_working=facilities_still_working(projects),
    )


def filter_choices() -> tuple[list[Region], list[Cercle]]:
    """The regions and cercles of the current map, by name: the choices of the dashboards' filters."""
    regions = db.session.scalars(
        select(Region)
        .join(MapVersion, MapVersion.id == Region.map_version_id)
        .where(MapVersion.is_current.is_(True))
        .order_by(Region.name)
    ).all()
    cercles = db.session.scalars(
        select(Cercle)
        .join(MapVersion, MapVersion.id == Cercle.map_version_id)
        .where(MapVersion.is_current.is_(True))
        .order_by(Cercle.name)
    ).all()
    return regions, cercles
