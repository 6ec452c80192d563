"""Commitments made directly in the database, in any state, for tests of rules, pages and lists."""

from datetime import timedelta

from portal.extensions import db
from portal.models import Commitment, ProjectStatus, commune_today
from tests.project_factories import make_project, money_line


def co_funded_project(cast, status=ProjectStatus.AGREED, **kwargs):
    """A project of association A in commune A whose plan names the association and the partner: the parties
    are the association, the commune's organisation and the partner."""
    return make_project(
        cast.association,
        cast.commune_a,
        status,
        funding=(("association", cast.association, 600_000, "XOF"), ("partner", cast.partner, 400_000, "XOF")),
        **kwargs,
    )


def make_commitment(project, organisation, status="open", due_in_days: int = 30, author=None, **fields):
    """A commitment of `organisation` on `project`, due `due_in_days` from today in Bamako (negative: past)."""
    kind = fields.pop("kind", "administrative")
    money = money_line(fields.pop("amount"), fields.pop("currency", "XOF")) if "amount" in fields else {}
    commitment = Commitment(
        project_id=project.id,
        organisation_id=organisation.id,
        kind=kind,
        description=fields.pop("description", "Délibération du conseil communal"),
        due_date=commune_today() + timedelta(days=due_in_days),
        status=status,
        recorded_by_id=author.id if author is not None else None,
        **money,
        **fields,
    )
    db.session.add(commitment)
    db.session.flush()
    return commitment
