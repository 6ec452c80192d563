"""Contributions and facilities made directly in the database, for tests of rules, pages, lists and the walk."""

from datetime import timedelta

from portal.database import utcnow
from portal.extensions import db
from portal.models import Contribution, Facility, ProjectStatus, commune_today
from tests.project_factories import make_project, money_line


def make_contribution(project, line_index: int, amount, currency="XOF", status="reported", **fields):
    """A tranche of `amount` on the project's line number `line_index`, paid three days ago."""
    line = project.funding_lines[line_index]
    contribution = Contribution(
        project_id=project.id,
        funding_line_id=line.id,
        paid_on=fields.pop("paid_on", commune_today() - timedelta(days=3)),
        status=status,
        **money_line(amount, currency),
        **fields,
    )
    db.session.add(contribution)
    db.session.flush()
    return contribution


def make_facility(association, commune, owner, condition="unknown", handed_over_days_ago: int = 30, **kwargs):
    """A project handed over to `owner`, and its facility in the commune's register."""
    project = make_project(
        association,
        commune,
        ProjectStatus.HANDED_OVER,
        owner_organisation_id=owner.id,
        maintenance_plan=kwargs.pop("maintenance_plan", "Le comité entretient l'ouvrage."),
        **kwargs,
    )
    facility = Facility(
        project_id=project.id,
        commune_id=commune.id,
        handed_over_at=utcnow() - timedelta(days=handed_over_days_ago),
        condition=condition,
        condition_checked_at=utcnow() - timedelta(days=1) if condition != "unknown" else None,
    )
    db.session.add(facility)
    db.session.flush()
    return project
