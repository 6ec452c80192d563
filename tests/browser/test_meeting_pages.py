"""Consultation meetings in Chromium: the meeting page, its minutes and the forms, light, self-contained and
accessible, as the mayor and the association see them."""

import re

import pytest
from sqlalchemy import select

from portal.cli.demo import COMMUNE_A
from portal.extensions import db
from portal.models import Commitment, Commune, Meeting, Organisation, Project
from tests.browser.pagecheck import check_page
from tests.browser.test_people_pages import load_demo, sign_in, sign_out
from tests.meeting_factories import make_meeting

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

DEMO_TITLE = "Concertation sur le forage (démo des tests)"


def demo_meeting(live_server) -> int:
    """A past meeting of commune A with minutes, inviting association A and the partner (made once)."""
    load_demo(live_server)
    with live_server.app.app_context():
        found = db.session.scalar(select(Meeting.id).where(Meeting.title == DEMO_TITLE))
        if found:
            return found
        association = db.session.scalar(
            select(Organisation).where(Organisation.name == "Association des ressortissants de Diéma en France")
        )
        partner = db.session.scalar(select(Organisation).where(Organisation.kind == "partner"))
        commune = db.session.scalar(select(Commune).where(Commune.code == COMMUNE_A))
        town = db.session.scalar(
            select(Organisation).where(Organisation.kind == "commune", Organisation.commune_id == commune.id)
        )
        projects = db.session.scalars(
            select(Project).where(Project.commune_id == commune.id, Project.first_submitted_at.is_not(None)).limit(3)
        ).all()
        meeting = make_meeting(
            town,
            [association, partner],
            projects,
            title=DEMO_TITLE,
            minutes=True,
            online_url="https://visio.example.org/diema",
        )
        db.session.commit()
        return meeting.id


@pytest.mark.parametrize("email", ["mayor@example.org", "association@example.org"])
def test_meeting_pages_are_light_self_contained_and_accessible(page, live_server, email):
    meeting_id = demo_meeting(live_server)
    sign_in(page, email)
    paths = ["/meetings/", f"/meetings/{meeting_id}", f"/meetings/{meeting_id}/minutes/print"]
    if email == "mayor@example.org":
        # A held meeting is no longer edited (its minutes still are, until approved): the form is the upcoming one's.
        with live_server.app.app_context():
            upcoming = db.session.scalar(
                select(Meeting.id).where(Meeting.status == "scheduled", Meeting.title != DEMO_TITLE).limit(1)
            )
        paths += ["/meetings/new", f"/meetings/{upcoming}/edit", f"/meetings/{meeting_id}/minutes"]
    for path in paths:
        check_page(page, path)


def test_the_mayor_schedules_the_association_answers_the_mayor_minutes_without_javascript(browser, live_server):
    load_demo(live_server)
    with live_server.app.app_context():
        project_id = db.session.scalar(
            select(Project.id)
            .join(Commune, Commune.id == Project.commune_id)
            .where(Commune.code == COMMUNE_A, Project.status == "submitted")
        )
        # The commune's organisation, as the select names it: under the commune's usual spelling (Diéma).
        commune_name = db.session.scalar(
            select(Organisation.name)
            .join(Commune, Commune.id == Organisation.commune_id)
            .where(Organisation.kind == "commune", Commune.code == COMMUNE_A)
        )
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="fr-FR")
    context.set_default_timeout(10_000)
    page = context.new_page()

    # The mayor schedules from the project's page a meeting held yesterday (recorded after the fact).
    sign_in(page, "mayor@example.org")
    page.goto(f"/projects/{project_id}")
    with page.expect_navigation():
        page.get_by_role("link", name="Planifier une réunion").click()
    page.get_by_label("Titre").fill("Concertation du navigateur")
    page.get_by_label("Date", exact=True).fill("2026-01-15")
    page.get_by_label("Heure de début, dans le fuseau horaire de la réunion").fill("10:00")
    page.get_by_label("Fuseau horaire de la réunion", exact=True).select_option("Europe/Paris")
    page.get_by_label("Lieu", exact=True).fill("Mairie de Diéma")
    page.get_by_label("Cette réunion a déjà eu lieu : je l’enregistre après coup").check()  # a past date
    with page.expect_navigation():
        page.get_by_role("button", name="Planifier et envoyer les invitations").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Concertation du navigateur"
    meeting_url = page.url.removeprefix(live_server.url)
    assert "09:00 (10:00 Paris)" in page.locator(".facts").inner_text().replace("\u202f", " ")
    sign_out(page)

    # The association answers the invitation.
    sign_in(page, "association@example.org")
    page.goto(meeting_url)
    with page.expect_navigation():
        page.get_by_role("button", name="Sera présente").click()
    assert "Sera présente" in page.locator("#invitees-title + table").inner_text()
    sign_out(page)

    # The mayor writes the minutes; the printable version carries them.
    sign_in(page, "mayor@example.org")
    page.goto(meeting_url)
    with page.expect_navigation():
        page.get_by_role("link", name="Rédiger le compte rendu").click()
    page.get_by_label("Résumé des échanges").fill("L’association a présenté le projet ; la commune le soutient.")
    page.get_by_label("Décisions, une par ligne").fill("La commune fournit le terrain.\nVisite du site en février.")
    with page.expect_navigation():
        page.get_by_role("button", name="Publier le compte rendu").click()
    assert "La commune fournit le terrain." in page.locator("#minutes").inner_text()
    page.goto(meeting_url + "/minutes/print")
    assert "Visite du site en février." in page.locator("article").inner_text()

    # From the meeting's page, the mayor records the two commitments taken there, on the project's page.
    for promising, what in (
        ("Association des ressortissants de Diéma en France", "Fournir le devis signé du foreur"),
        (commune_name, "Délibérer sur la part communale"),
    ):
        page.goto(meeting_url)
        with page.expect_navigation():
            page.get_by_role("link", name=re.compile("Enregistrer un engagement pris ici")).click()
        page.get_by_label("Qui s'engage").select_option(label=promising)
        page.get_by_label("Type d'engagement").select_option("technical")
        page.get_by_label("Ce qui est promis").fill(what)
        page.get_by_label("Échéance").fill("2026-02-15")
        with page.expect_navigation():
            page.get_by_role("button", name="Enregistrer l'engagement").click()
        assert "L'engagement est enregistré." in page.content()
    page.goto(meeting_url)
    taken = page.locator("#commitments").inner_text()
    assert "Fournir le devis signé du foreur" in taken and "Délibérer sur la part communale" in taken
    with live_server.app.app_context():
        quote = db.session.scalar(
            select(Commitment.id).where(Commitment.description == "Fournir le devis signé du foreur")
        )
    sign_out(page)

    # The association reports its commitment fulfilled, with the receipt.
    sign_in(page, "association@example.org")
    page.goto(f"/projects/{project_id}")
    item = page.locator(f"#commitment-{quote}")
    item.get_by_label(re.compile("Justificatif")).set_input_files(
        {"name": "devis-signe.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    with page.expect_navigation():
        item.get_by_role("button", name="Le déclarer tenu").click()
    assert "Déclaré tenu" in page.locator(f"#commitment-{quote}").inner_text()
    assert "devis-signe.pdf" in page.locator(f"#commitment-{quote}").inner_text()
    sign_out(page)

    # The commune confirms it.
    sign_in(page, "mayor@example.org")
    page.goto(f"/projects/{project_id}")
    with page.expect_navigation():
        page.locator(f"#commitment-{quote}").get_by_role("button", name="Confirmer").click()
    assert "Confirmé" in page.locator(f"#commitment-{quote}").inner_text()
    context.close()
