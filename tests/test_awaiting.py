"""The home page's "What awaits you": each person sees what waits for their own action, nearest deadline first."""

from datetime import timedelta

import pytest

from portal.database import utcnow
from portal.extensions import db
from portal.models import ProjectStatus
from tests.commitment_factories import co_funded_project, make_commitment
from tests.helpers import assert_constant_queries
from tests.meeting_factories import make_meeting
from tests.project_factories import build_project, make_project

S = ProjectStatus
NOTHING = "Rien ne vous attend pour l’instant."


def _home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_mayor_sees_the_projects_to_answer_with_the_date_they_go_to_the_mediators(client, cast, login_as):
    submitted = make_project(cast.association, cast.commune_a, S.SUBMITTED, title="Forage du quartier nord")
    submitted.submitted_at = utcnow().replace(year=2026, month=11, day=2, hour=10)
    make_project(cast.association, cast.commune_a, S.IN_CONSULTATION, title="Maternité")
    make_project(cast.association, cast.commune_b, S.SUBMITTED, title="Puits de Béma")  # another commune's
    make_project(cast.association, cast.commune_a, S.AGREED, title="École")  # answered already
    db.session.commit()
    login_as("mayor")
    page = _home(client)
    # Submitted on 2 November, 30 days to answer (the default setting): to the mediators on 2 December.
    assert "Répondez à « Forage du quartier nord » (Association des ressortissants de Diéma) avant le" in page
    assert "2 déc. 2026" in page
    assert "Répondez à « Maternité »" in page
    assert "Puits de Béma" not in page and "École" not in page
    assert NOTHING not in page
    # The nearest deadline first: the submitted project, then the one in consultation (no deadline).
    assert page.index("Forage du quartier nord") < page.index("Maternité")


def test_an_officer_sees_the_changes_asked_of_the_association(client, cast, login_as):
    make_project(cast.association, cast.commune_a, S.CHANGES_REQUESTED, title="Forage")
    make_project(cast.association, cast.commune_a, S.SUBMITTED, title="Maternité")  # the commune's turn
    db.session.commit()
    login_as("officer")
    page = _home(client)
    assert "Diéma demande des changements à « Forage »." in page
    assert "Maternité" not in page


def test_a_mediator_sees_the_escalated_projects(client, cast, login_as):
    late = make_project(cast.association, cast.commune_a, S.SUBMITTED, title="Forage oublié")
    late.escalated_at = utcnow() - timedelta(days=1)
    make_project(cast.association, cast.commune_a, S.SUBMITTED, title="Forage récent")
    db.session.commit()
    login_as("mediator")
    page = _home(client)
    assert "« Forage oublié » attend depuis trop longtemps une réponse de Diéma." in page
    assert "Forage récent" not in page


@pytest.mark.parametrize("role", ["member", "observer", "nobody", "mayor_b"])
def test_who_has_nothing_to_answer_is_told_so(client, cast, login_as, role):
    make_project(cast.association, cast.commune_a, S.SUBMITTED, title="Forage")
    make_project(cast.association, cast.commune_a, S.CHANGES_REQUESTED, title="Maternité")
    db.session.commit()
    user = login_as(role)
    user.email_confirmed_at = utcnow()
    db.session.commit()
    page = _home(client)
    assert "Forage" not in page and "Maternité" not in page
    assert NOTHING in page


def test_the_home_page_runs_as_many_queries_with_many_projects(client, cast, login_as):
    login_as("mayor")

    def add(n):
        db.session.add_all(build_project(cast.association, cast.commune_a, S.SUBMITTED) for _ in range(n))
        db.session.commit()

    assert_constant_queries(client, "/", add, small=3, large=60)


def test_meetings_wait_for_an_answer_minutes_and_approval(client, cast, login_as):
    project = make_project(cast.association, cast.commune_a, S.SUBMITTED, title="Forage")
    project.status = S.IN_CONSULTATION  # answered already: only the meetings wait
    invitation = make_meeting(cast.commune_org, [cast.association], [project], hours_from_now=72, title="Concertation")
    make_meeting(cast.commune_org, [cast.association], [project], hours_from_now=-3, title="Réunion passée")
    minuted = make_meeting(
        cast.commune_org, [cast.association], [project], hours_from_now=-30, minutes=True, title="Réunion close"
    )
    db.session.commit()
    login_as("officer")
    officer_page = _home(client)
    assert "Dites si vous participerez à « Concertation »" in officer_page
    assert f"/meetings/{invitation.id}" in officer_page
    assert "Approuvez ou commentez le compte rendu de « Réunion close »" in officer_page
    assert "Réunion passée" not in officer_page  # past, and without minutes: the commune's to write
    login_as("mayor")
    mayor_page = _home(client)
    assert "Rédigez le compte rendu de « Réunion passée »." in mayor_page
    assert "Préparez « Concertation »" in mayor_page  # the commune's own, in three days
    assert "Réunion close" not in mayor_page
    assert f"/meetings/{minuted.id}" not in mayor_page
    login_as("observer")  # observers read, they do not answer for their organisation
    assert NOTHING in _home(client)


def test_commitments_wait_for_their_report_their_confirmation_or_their_answer(client, cast, login_as):
    project = co_funded_project(cast)
    due = make_commitment(project, cast.association, due_in_days=3, description="Verser la première tranche")
    make_commitment(project, cast.association, due_in_days=60, description="Plus tard")  # not yet
    reported = make_commitment(project, cast.association, "fulfilled", description="Étude remise")
    commune_reported = make_commitment(project, cast.commune_org, "fulfilled", description="Terrain attribué")
    contested = make_commitment(project, cast.association, "contested", description="Devis fourni")
    db.session.commit()
    login_as("officer")
    officer = _home(client)
    assert "Verser la première tranche" in officer and "Plus tard" not in officer
    assert "est contesté : signalez-le de nouveau avec une preuve" in officer
    assert f"#commitment-{contested.id}" in officer and f"#commitment-{due.id}" in officer
    assert f"#commitment-{commune_reported.id}" in officer  # the commune's, for the association to confirm
    assert f"#commitment-{reported.id}" not in officer  # its own: the other side confirms
    login_as("mayor")
    mayor = _home(client)
    assert "déclare avoir tenu son engagement sur" in mayor and f"#commitment-{reported.id}" in mayor
    assert "Verser la première tranche" not in mayor  # the association's to report, not the commune's
    login_as("observer")
    assert NOTHING in _home(client)


def test_a_mediator_sees_the_commitments_sent_to_the_ministry(client, cast, login_as):
    project = co_funded_project(cast)
    late = make_commitment(project, cast.association, due_in_days=-40, description="Tranche oubliée")
    late.escalated_at = utcnow()
    make_commitment(project, cast.association, due_in_days=-2, description="Un peu en retard")  # not yet theirs
    db.session.commit()
    login_as("mediator")
    page = _home(client)
    assert "est en retard depuis longtemps : voyez quelle médiation il demande." in page
    assert f"#commitment-{late.id}" in page and "Un peu en retard" not in page


def test_the_home_page_runs_as_many_queries_with_many_commitments(client, cast, login_as):
    login_as("officer")

    def add(n):
        for _ in range(n):  # each on a project of its own, so that nothing is read once for all
            make_commitment(co_funded_project(cast), cast.association, due_in_days=2)  # due soon: listed
        db.session.commit()

    assert_constant_queries(client, "/", add, small=2, large=15)
