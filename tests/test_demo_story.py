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


@pytest.mark.parametrize("title", ["Forage et château d’eau à Kobadiala", "Maternité de Diéma"])
def test_a_demo_project_has_months_of_history_in_order(demo, title):
    moments = [event["at"] for event in history_of(title)]
    assert len(moments) >= 8
    assert moments == sorted(moments)
    assert moments[-1] - moments[0] > timedelta(days=30)
    assert moments[-1] <= utcnow()


def test_the_review_starts_weeks_after_the_submission(demo):
    history = history_of("Forage et château d’eau à Kobadiala")
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


def test_the_demo_has_a_secretary_general_who_prepares_and_never_decides(client, demo):
    """api.md's demo table: clerk@example.org, secrétaire général of commune A (the mayor's commune)."""
    from portal.domain import projects
    from portal.models import Membership, Organisation

    db.session.commit()
    clerk = db.session.scalar(select(User).where(User.email == "clerk@example.org"))
    mayor = db.session.scalar(select(User).where(User.email == "mayor@example.org"))
    assert [(m.organisation.kind, m.role) for m in clerk.memberships] == [("commune", "clerk")]
    town = db.session.scalar(select(Membership.organisation_id).where(Membership.user_id == mayor.id))
    assert clerk.memberships[0].organisation_id == town
    assert db.session.get(Organisation, town).commune.code == "ML010304"  # Diéma
    response = client.post("/api/v1/tokens", json={"email": "clerk@example.org", "password": "demo-password"})
    assert response.status_code == 201
    # On a project of Diéma waiting in consultation, the clerk may not agree; the mayor may.
    waiting = db.session.scalars(select(Project).where(Project.status == "in_consultation")).all()
    diema = [p for p in waiting if p.commune_id == db.session.get(Organisation, town).commune_id]
    assert diema and all("agree" not in projects.available_actions(clerk, p) for p in diema)
    assert any("agree" in projects.available_actions(mayor, p) for p in diema)


def _names(text: str) -> set[str]:
    """Names compared without case or accents (the territory tables keep them without accents)."""
    from portal.domain.territories import search_key

    return {search_key(name) for name in text.split(",") if name.strip()}


def test_no_demo_village_bears_the_name_of_another_commune(demo):
    """The demo once placed Lakamané, Dianguirdé and Kremis — communes of their own — inside Diéma and Guidimé.
    A village of a project or of an association's home commune is never the name of one of Mali's 701 communes,
    but its own commune's (the chief town, such as Diéma)."""
    from portal.models import Commune, HomeCommune

    communes: dict[str, set[int]] = {}  # a name may be several communes' (in different cercles)
    for commune_id, name in db.session.execute(select(Commune.id, Commune.search_name)):
        communes.setdefault(name, set()).add(commune_id)
    assert sum(map(len, communes.values())) >= 701
    places = [(p.village, p.commune_id) for p in db.session.scalars(select(Project)) if p.village]
    places += [(home.villages, home.commune_id) for home in db.session.scalars(select(HomeCommune)) if home.villages]
    assert places
    for text, commune_id in places:
        for name in _names(text):
            assert commune_id in communes.get(name, {commune_id}), f"{text!r}: {name} is another commune"


def test_the_demo_ministry_bears_its_full_name(demo):
    from portal.models import Organisation

    ministry = db.session.scalar(select(Organisation).where(Organisation.kind == "ministry"))
    assert ministry.name == "Ministère des Maliens de l’Extérieur et de l’Intégration Africaine (MMEIA)"
