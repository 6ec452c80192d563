"""Projects made directly in the database, in any state, for tests of pages and lists.

`make_project` flushes; call `session.commit()` before a request should see it. `build_project` only builds
(add many with `db.session.add_all`, then commit once: a thousand projects in a blink).
"""

import itertools
from datetime import timedelta
from decimal import Decimal

from portal import money
from portal.database import utcnow
from portal.extensions import db
from portal.models import PUBLIC_STATUSES, BudgetLine, FundingLine, Organisation, Project, ProjectStatus

_sequence = itertools.count(1)
NEVER_SUBMITTED = frozenset({ProjectStatus.DRAFT})


def money_line(amount, currency: str = "XOF") -> dict:
    """amount, currency, rate_to_xof and amount_xof as the domain would store them."""
    amount = Decimal(str(amount))
    rate = money.FIXED_RATES[currency]
    return {"amount": amount, "currency": currency, "rate_to_xof": rate, "amount_xof": money.to_xof(amount, rate)}


def build_project(
    association: Organisation,
    commune,
    status: str = ProjectStatus.DRAFT,
    title: str | None = None,
    sector: str = "water",
    budget=(("Travaux", 1_000_000, "XOF"),),
    funding=(("association", None, 1_000_000, "XOF"),),
    submitted: bool | None = None,
    **fields,
) -> Project:
    """A project of `association` in `commune`, in `status`, with its lines.

    budget: (label, amount, currency) rows; funding: (party_kind, organisation or None, amount, currency) rows.
    `is_public` follows the status; `first_submitted_at` is set for every status but draft (pass `submitted`
    to say otherwise, e.g. a project withdrawn while still a draft).
    """
    n = next(_sequence)
    submitted = status not in NEVER_SUBMITTED if submitted is None else submitted
    now = utcnow()
    project = Project(
        title=title or f"Projet {n}",
        summary=fields.pop("summary", "Un projet de test."),
        sector=sector,
        commune_id=commune.id,
        association_id=association.id,
        status=status,
        is_public=status in PUBLIC_STATUSES,
        first_submitted_at=now - timedelta(days=1) if submitted else None,
        submitted_at=now - timedelta(days=1) if submitted else None,
        sdg_tags=fields.pop("sdg_tags", []),
        **fields,
    )
    project.budget_lines = [
        BudgetLine(position=i, label=label, **money_line(amount, currency))
        for i, (label, amount, currency) in enumerate(budget)
    ]
    project.funding_lines = [
        FundingLine(
            position=i,
            party_kind=party_kind,
            organisation_id=organisation.id if organisation is not None else None,
            **money_line(amount, currency),
        )
        for i, (party_kind, organisation, amount, currency) in enumerate(funding)
    ]
    return project


def make_project(association: Organisation, commune, status: str = ProjectStatus.DRAFT, **kwargs) -> Project:
    """build_project(...), added and flushed."""
    project = build_project(association, commune, status, **kwargs)
    db.session.add(project)
    db.session.flush()
    return project
