"""Disputes for tests: built directly in a given state (no notices, no audit), or opened through the domain."""

from datetime import timedelta

from portal.database import utcnow
from portal.extensions import db
from portal.models import Dispute
from tests.commitment_factories import co_funded_project


def make_dispute(cast, status="open", project=None, claimant=None, respondent=None, **fields):
    """A dispute of association A against the partner on a co-funded project of commune A (unless told
    otherwise), opened now with the default deadlines (10 and 60 days)."""
    project = project or co_funded_project(cast)
    now = fields.pop("opened_at", utcnow())
    dispute = Dispute(
        project_id=project.id,
        claimant_id=(claimant or cast.association).id,
        respondent_id=(respondent or cast.partner).id,
        subject=fields.pop("subject", "Tranche non versée"),
        description=fields.pop("description", "La deuxième tranche promise n'est pas arrivée."),
        status=status,
        acknowledge_due_at=now + timedelta(days=10),
        resolution_due_at=now + timedelta(days=60),
        status_changed_at=now,
        created_at=now,
        **fields,
    )
    db.session.add(dispute)
    db.session.flush()
    db.session.refresh(dispute)
    return dispute
