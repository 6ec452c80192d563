"""The home page's "What awaits you": each person sees what waits for their own action, nearest deadline first."""

import html
import re
from datetime import date, timedelta

import pytest
from babel.dates import format_date as babel_date

from portal.database import utcnow
from portal.extensions import db
from portal.models import ProjectStatus
from tests.commitment_factories import co_funded_project, make_commitment
from tests.delivery_factories import make_contribution
from tests.dispute_factories import make_dispute
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
    submitted.submitted_at = utcnow() - timedelta(days=10)  # 20 days left to answer
    sooner = make_project(cast.association, cast.commune_a, S.SUBMITTED, title="Dispensaire")
    sooner.submitted_at = utcnow() - timedelta(days=25)  # 5 days left
    in_consultation = make_project(cast.association, cast.commune_a, S.IN_CONSULTATION, title="Maternité")
    in_consultation.submitted_at = utcnow() - timedelta(days=40)  # no deadline, waiting for 40 days
    make_project(cast.association, cast.commune_b, S.SUBMITTED, title="Puits de Béma")  # another commune's
    make_project(cast.association, cast.commune_a, S.AGREED, title="École")  # answered already
    db.session.commit()
    login_as("mayor")
    page = _home(client)
    # Submitted 10 days ago, 30 days to answer (the default setting): to the mediators in 20 days.
    to_mediators = babel_date(submitted.submitted_at + timedelta(days=30), format="medium", locale="fr")
    assert "Répondez à « Forage du quartier nord » (Association des ressortissants de Diéma) avant le" in page
    assert to_mediators in page
    assert "Répondez à « Maternité »" in page
    assert "Puits de Béma" not in page and "École" not in page
    assert NOTHING not in page
    # The nearest deadline first; where there is none, the day the wait began (the desk's order, one queue).
    assert page.index("Maternité") < page.index("Dispensaire") < page.index("Forage du quartier nord")


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


# Issue 21: what was left out — disputes, settlements, tranches, disputes to acknowledge, overdue marks, and
# lines that would read the same.


def _lines(page: str) -> list[str]:
    """The visible lines of "What awaits you", as a person reads them."""
    section = page.split('id="awaiting-title"', 1)[1].split("</section>", 1)[0]
    items = re.findall(r"<li>(.*?)</li>", section, re.S)
    return [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", item))).strip() for item in items]


def test_a_dispute_against_the_organisation_awaits_its_acting_members(client, cast, login_as):
    dispute = make_dispute(cast, "acknowledged", subject="Tranche non versée")
    db.session.commit()
    expected = (
        "Association des ressortissants de Diéma a ouvert un litige contre Partenaire technique sur "
        f"« {dispute.project.title} » : « Tranche non versée ». Suivez-le et répondez dans son fil."
    )
    login_as("representative")
    page = _home(client)
    assert expected in _lines(page) and f"/disputes/{dispute.id}" in page
    login_as("observer")  # of the partner: reads, does not answer for it
    assert NOTHING in _home(client)
    login_as("officer")  # the claimant's: it raised it, nothing to answer
    assert not any("a ouvert un litige" in line for line in _lines(_home(client)))


def test_a_settlement_awaits_the_answer_of_who_binds_each_party_until_it_is_given(client, cast, login_as):
    project = co_funded_project(cast)
    dispute = make_dispute(
        cast, "resolved", project=project, respondent=cast.commune_org, subject="Terrain", settlement="Accord."
    )
    dispute.resolved_at = utcnow()
    cast.add_clerk()
    db.session.commit()
    expected = (
        f"Le médiateur propose un règlement du litige « Terrain » sur « {project.title} » : acceptez-le ou formulez "
        "une objection."
    )
    for role in ("mayor", "officer"):
        login_as(role)
        assert expected in _lines(_home(client)), role
    login_as("clerk")  # follows the dispute, does not answer for the commune
    assert expected not in _lines(_home(client))
    login_as("mayor")
    client.post(f"/disputes/{dispute.id}/actions/accept", data={"version": str(dispute.version)})
    assert expected not in _lines(_home(client))  # answered: nothing more awaits the commune
    login_as("officer")
    assert expected in _lines(_home(client))  # the association has not answered yet


def test_a_tranche_awaits_the_confirmation_of_the_receiving_side(client, cast, login_as):
    project = co_funded_project(cast)
    make_contribution(project, 0, "250000", paid_on=date(2026, 11, 20))  # the association pays the commune
    paid_by_commune = make_project(
        cast.association,
        cast.commune_a,
        S.AGREED,
        title="Marché couvert",
        funding=(("commune", cast.commune_org, 300_000, "XOF"), ("association", cast.association, 700_000, "XOF")),
    )
    make_contribution(paid_by_commune, 0, "100000", paid_on=date(2026, 11, 21))
    db.session.commit()
    from_association = (
        "Association des ressortissants de Diéma déclare avoir versé 250 000 F CFA le 20 nov. 2026 pour "
        f"« {project.title} » : confirmez la réception, ou contestez-la."
    )
    login_as("mayor")
    lines = _lines(_home(client))
    assert from_association in lines
    assert not any("Marché couvert" in line for line in lines)  # the commune paid it: not the commune's to confirm
    login_as("officer")
    lines = _lines(_home(client))
    assert not any(line.startswith("Association des ressortissants de Diéma déclare avoir versé") for line in lines)
    assert any("déclare avoir versé 100 000 F CFA le 21 nov. 2026 pour « Marché couvert »" in line for line in lines)
    login_as("observer")
    assert NOTHING in _home(client)


def test_a_mediator_is_asked_to_acknowledge_the_open_disputes_and_told_which_are_late(client, cast, login_as):
    late = make_dispute(cast, "open", subject="Retard de versement", opened_at=utcnow() - timedelta(days=12))
    make_dispute(cast, "open", subject="Terrain contesté")
    make_dispute(cast, "in_mediation", subject="Déjà en médiation")
    db.session.commit()
    login_as("mediator")
    lines = _lines(_home(client))
    acknowledge = [line for line in lines if line.startswith("En retard Accusez réception du litige")]
    assert len(acknowledge) == 1 and "« Retard de versement »" in acknowledge[0]
    assert "Partenaire technique) : le délai était le" in acknowledge[0]  # not "before" a day gone
    assert any(line.startswith("Accusez réception du litige « Terrain contesté »") for line in lines)
    assert not any("Déjà en médiation" in line for line in lines)
    assert lines.index(acknowledge[0]) < next(i for i, line in enumerate(lines) if "Terrain contesté" in line)
    assert f"/disputes/{late.id}" in _home(client)


def test_overdue_items_say_so(client, cast, login_as):
    project = co_funded_project(cast)
    make_commitment(project, cast.association, due_in_days=-2, description="Verser la tranche")
    make_commitment(project, cast.association, due_in_days=2, description="Remettre le devis")
    late = make_project(cast.association, cast.commune_a, S.SUBMITTED, title="Forage en attente")
    late.submitted_at = utcnow() - timedelta(days=31)
    make_project(cast.association, cast.commune_a, S.SUBMITTED, title="Forage récent")
    db.session.commit()
    login_as("officer")
    lines = _lines(_home(client))
    assert [line.startswith("En retard ") for line in lines if "Verser la tranche" in line] == [True]
    assert [line.startswith("En retard ") for line in lines if "Remettre le devis" in line] == [False]
    login_as("mayor")
    lines = _lines(_home(client))
    late_line = next(line for line in lines if "Forage en attente" in line)
    assert late_line.startswith("En retard ") and "il est parti chez les médiateurs le" in late_line
    assert [line.startswith("En retard ") for line in lines if "Forage récent" in line] == [False]


def test_two_lines_that_would_read_the_same_say_what_differs(client, cast, login_as):
    project = co_funded_project(cast)
    make_commitment(project, cast.commune_org, "fulfilled", description="Terrain attribué", amount="100000")
    make_commitment(project, cast.commune_org, "fulfilled", description="Terrain attribué", amount="250000")
    db.session.commit()
    login_as("officer")
    lines = [line for line in _lines(_home(client)) if "Terrain attribué" in line]
    assert len(lines) == 2 and lines[0] != lines[1]
    assert sorted(line.rsplit("(", 1)[1] for line in lines) == ["100 000 F CFA)", "250 000 F CFA)"]


def test_the_home_page_runs_as_many_queries_with_many_disputes_and_tranches(client, cast, login_as):
    login_as("mayor")

    def add(n):
        for _ in range(n):  # each on a project of its own, so that nothing is read once for all
            project = co_funded_project(cast)
            make_contribution(project, 0, "1000")
            make_dispute(cast, "open", project=project, respondent=cast.commune_org)
            make_dispute(cast, "resolved", project=project, respondent=cast.commune_org, settlement="Accord.")
        db.session.commit()

    assert_constant_queries(client, "/", add, small=2, large=12)
