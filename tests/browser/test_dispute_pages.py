"""Disputes in Chromium, in French and without JavaScript: from a contested commitment, a party opens a dispute,
the mediator acknowledges it, starts the mediation and records a settlement, both parties answer, the mediator
closes it. Each step's page is kept as a screenshot (instance/test-artefacts/dispute-journey/, or the folder
named by TEST_ARTEFACTS_DIR). The new pages pass the page check (light, self-contained, accessible)."""

import os
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from portal.cli.demo import COMMUNE_A
from portal.extensions import db
from portal.models import Commitment, Commune, Dispute, Organisation, Project, commune_today
from tests.browser.pagecheck import check_page
from tests.browser.test_people_pages import load_demo, sign_in, sign_out
from tests.dispute_factories import make_dispute
from tests.project_factories import make_project

ARTEFACTS = Path(os.environ.get("TEST_ARTEFACTS_DIR", Path(__file__).resolve().parents[2] / "instance/test-artefacts"))
JOURNEY_TITLE = "Adduction d'eau de Kamalé (litige du navigateur)"
CHECKED_TITLE = "Clôture du marché (page check des litiges)"


def _parties(live_server):
    association = db.session.scalar(
        select(Organisation).where(Organisation.name == "Association des ressortissants de Diéma en France")
    )
    commune = db.session.scalar(select(Commune).where(Commune.code == COMMUNE_A))
    town = db.session.scalar(
        select(Organisation).where(Organisation.kind == "commune", Organisation.commune_id == commune.id)
    )
    return association, commune, town


def contested_commitment(live_server, title: str) -> tuple[int, int, int]:
    """An agreed project of association A in Diéma, and the commune's commitment on it that the association
    contested (made once): (project id, commitment id, the commune's organisation's id)."""
    load_demo(live_server)
    with live_server.app.app_context():
        project = db.session.scalar(select(Project).where(Project.title == title))
        if project is None:
            association, commune, town = _parties(live_server)
            project = make_project(association, commune, "agreed", title=title)
            db.session.add(
                Commitment(
                    project_id=project.id,
                    organisation_id=town.id,
                    kind="administrative",
                    description="Délibération affectant le terrain du château d'eau",
                    due_date=commune_today() - timedelta(days=10),
                    status="contested",
                )
            )
            db.session.commit()
        commitment = db.session.scalar(select(Commitment).where(Commitment.project_id == project.id))
        return project.id, commitment.id, commitment.organisation_id


def _shot(page, name: str) -> None:
    folder = ARTEFACTS / "dispute-journey"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _click(page, role: str, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role(role, name=name, exact=True).click()


def test_from_a_contested_commitment_to_a_closed_dispute_without_javascript(browser, live_server):
    project_id, commitment_id, town_id = contested_commitment(live_server, JOURNEY_TITLE)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="fr-FR")
    context.set_default_timeout(10_000)
    page = context.new_page()

    # The association's officer opens a dispute from the contested commitment: the form comes prefilled.
    sign_in(page, "association@example.org")
    page.goto(f"/projects/{project_id}")
    _click(page, "link", "Ouvrir un litige sur cet engagement")
    assert page.get_by_label("À propos d’un engagement (facultatif)").input_value() == str(commitment_id)
    assert page.get_by_label("Contre quelle partie").input_value() == str(town_id)  # the one who promised it
    page.get_by_label("Objet").fill("Terrain non affecté")
    page.get_by_label("Ce qui s’est passé, et ce que vous demandez").fill(
        "La commune avait promis de délibérer sur le terrain ; rien n'est venu."
    )
    _shot(page, "1-opening")
    _click(page, "button", "Ouvrir le litige")
    assert page.get_by_role("heading", level=1).inner_text() == "Terrain non affecté"
    dispute_url = page.url.removeprefix(live_server.url)
    assert "Ouvert, en attente d’un médiateur" in page.locator(".facts").inner_text()
    _shot(page, "2-opened")
    sign_out(page)

    # The mediator acknowledges it, starts the mediation and records the settlement.
    sign_in(page, "mediator@example.org")
    page.goto(dispute_url)
    _click(page, "button", "Accuser réception")
    assert "Reçu par le ministère" in page.locator(".facts").inner_text()
    _click(page, "button", "Ouvrir la médiation")
    assert "En médiation" in page.locator(".facts").inner_text()
    page.get_by_label("Le règlement").fill("Le conseil communal délibère sur le terrain avant le 15 du mois prochain.")
    _click(page, "button", "Consigner le règlement")
    assert "Résolu, règlement proposé" in page.locator(".facts").inner_text()
    _shot(page, "3-settlement")
    sign_out(page)

    # Both parties answer: the association accepts, the commune objects (the status stays).
    sign_in(page, "association@example.org")
    page.goto(dispute_url)
    _click(page, "button", "Accepter le règlement")
    sign_out(page)
    sign_in(page, "mayor@example.org")
    page.goto(dispute_url)
    page.get_by_label("Ce que vous contestez").fill("Le conseil ne se réunit qu'à la fin du trimestre.")
    _click(page, "button", "Contester le règlement")
    answers = page.locator("#settlement").inner_text()
    assert "Association des ressortissants de Diéma en France — l’a accepté" in answers
    assert "a formulé une objection" in answers and "fin du trimestre" in answers
    _shot(page, "4-answers")
    sign_out(page)

    # The mediator closes it; its history, from the audit log, tells every step.
    sign_in(page, "mediator@example.org")
    page.goto(dispute_url)
    _click(page, "button", "Clore le litige")
    assert "Clos" in page.locator(".facts").inner_text()
    history = page.locator("#history").inner_text()
    for step in (
        "Litige ouvert",
        "Accusé de réception par le ministère",
        "Médiation commencée",
        "Règlement enregistré",
        "Règlement accepté",
        "Objection au règlement",
        "Clos",
    ):
        assert step in history, step
    _shot(page, "5-closed")
    context.close()
    with live_server.app.app_context():
        dispute = db.session.scalar(select(Dispute).where(Dispute.subject == "Terrain non affecté"))
        assert dispute.status == "closed" and dispute.commitment_id == commitment_id
        assert db.session.get(Commitment, commitment_id).status == "contested"  # its own state, as it was


def test_the_dispute_pages_are_light_self_contained_and_accessible(page, live_server):
    project_id, commitment_id, _town_id = contested_commitment(live_server, CHECKED_TITLE)
    with live_server.app.app_context():
        dispute = db.session.scalar(select(Dispute).where(Dispute.project_id == project_id))
        if dispute is None:
            association, _commune, town = _parties(live_server)
            dispute = make_dispute(
                None,
                "in_mediation",
                project=db.session.get(Project, project_id),
                claimant=association,
                respondent=town,
                commitment_id=commitment_id,
                subject="Page check",
            )
            db.session.commit()
        dispute_id = dispute.id
    sign_in(page, "association@example.org")
    for path in ("/disputes/", f"/disputes/{dispute_id}", f"/disputes/new?project_id={project_id}"):
        check_page(page, path)
    sign_out(page)
    sign_in(page, "mediator@example.org")
    for path in ("/disputes/", f"/disputes/{dispute_id}", "/mediation/desk", f"/meetings/new?dispute_id={dispute_id}"):
        check_page(page, path)
