"""`flask seed-demo` tells a past: projects proposed, reviewed weeks later, agreed, paid in tranches over months;
a commitment overdue and escalated, a dispute waiting past its deadline to be acknowledged. Run twice, it changes
nothing; the audit chain holds."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.cli.demo import seed_demo
from portal.database import utcnow
from portal.domain import commitments, disputes
from portal.domain.audit import verify_chain
from portal.domain.projects import project_history
from portal.extensions import db
from portal.models import AuditEvent, Commitment, Dispute, Project, User
from portal.models.commitments import commune_today


@pytest.fixture()
def demo(app_context, session):
    seed_demo()
    session.flush()


def history_of(title: str) -> list[dict]:
    project = db.session.scalar(select(Project).where(Project.title == title))
    admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    return project_history(project, admin)


@pytest.mark.parametrize("title", ["Forage et château d’eau à Lakamané", "Maternité de Diéma"])
def test_a_demo_project_has_months_of_history_in_order(demo, title):
    moments = [event["at"] for event in history_of(title)]
    assert len(moments) >= 8
    assert moments == sorted(moments)
    assert moments[-1] - moments[0] > timedelta(days=30)
    assert moments[-1] <= utcnow()


def test_the_review_starts_weeks_after_the_submission(demo):
    history = history_of("Forage et château d’eau à Lakamané")
    submitted = next(event["at"] for event in history if event["action"] == "submit")
    reviewed = next(event["at"] for event in history if event["action"] == "start_review")
    assert reviewed - submitted >= timedelta(days=7)


def test_the_whole_audit_log_reads_in_time_order_and_its_chain_holds(demo):
    moments = db.session.scalars(select(AuditEvent.at).order_by(AuditEvent.id)).all()
    assert moments == sorted(moments)
    assert moments[-1] - moments[0] > timedelta(days=365)
    assert verify_chain().first_bad is None


def test_one_commitment_is_overdue_and_escalated_one_dispute_waits_past_its_deadline(demo):
    overdue = db.session.scalars(select(Commitment).where(commitments.overdue_condition(commune_today()))).all()
    assert overdue
    assert any(commitment.escalated_at is not None for commitment in overdue)
    waiting = db.session.scalars(select(Dispute).where(disputes.overdue_condition(utcnow()))).all()
    assert any(dispute.status == "open" for dispute in waiting)


def test_seeding_again_changes_nothing(demo):
    counted = (AuditEvent, Project, Commitment, Dispute)
    before = [db.session.scalar(select(func.count()).select_from(model)) for model in counted]
    seed_demo()
    db.session.flush()
    assert [db.session.scalar(select(func.count()).select_from(model)) for model in counted] == before
