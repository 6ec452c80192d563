"""After agreement in Chromium: from the mayor's agreement to a handed-over facility marked working, through the
pages (the association reports its tranche, the mayor confirms it, starts the works and reports on them, completes
and hands them over, then records the yearly check), with the page check on each new page, and the facility on its commune's public
register."""

from sqlalchemy import select

from portal.extensions import db
from portal.models import Commune, HomeCommune, Organisation, Project
from tests.browser.pagecheck import check_page
from tests.browser.test_people_pages import load_demo, sign_in, sign_out
from tests.project_factories import make_project

JOURNEY_TITLE = "Puits de Tintinkoro, après l’accord (démo)"


def journey_project(live_server) -> tuple[int, int]:
    """A project of association A in commune A in consultation, funded by the association alone: (id, commune)."""
    load_demo(live_server)
    with live_server.app.app_context():
        association = db.session.scalar(
            select(Organisation).where(Organisation.name == "Association des ressortissants de Diéma en France")
        )
        commune = db.session.scalar(
            select(Commune)
            .join(HomeCommune, HomeCommune.commune_id == Commune.id)
            .where(HomeCommune.association_id == association.id)
        )
        found = db.session.scalar(select(Project.id).where(Project.title == JOURNEY_TITLE))
        if found is None:
            found = make_project(
                association,
                commune,
                "in_consultation",
                title=JOURNEY_TITLE,
                village="Tintinkoro",
                budget=[("Puits busé", 2_400_000, "XOF")],
                funding=[("association", association, 2_400_000, "XOF")],
            ).id
            db.session.commit()
        return found, commune.id


def _photo() -> bytes:
    """A camera-sized JPEG (2000 × 1500), as a phone would send it."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2000, 1500), (90, 140, 200)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _spaced(text: str) -> str:
    """French numbers and colons are spaced with no-break spaces: read them as plain ones."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def act(page, project_id: int, action: str, fill=None):
    page.goto(f"/projects/{project_id}")
    form = page.locator(f"#action-{action}")
    if fill:
        fill(form)
    box = form.locator("input[name=confirmed]")
    if box.count():  # a step that cannot be undone asks to be confirmed
        box.check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_from_agreement_to_a_handed_over_facility_marked_working(page, live_server):
    project_id, commune_id = journey_project(live_server)
    sign_in(page, "mayor@example.org")
    act(page, project_id, "agree")
    sign_out(page)

    sign_in(page, "association@example.org")
    check_page(page, f"/projects/{project_id}/contributions")  # with the form to report a tranche
    form = page.locator("#report-contribution")
    form.get_by_label("Versé le").fill("2026-10-01")
    form.get_by_label("Montant").fill("2400000")
    form.get_by_label("Référence du virement (facultatif)").fill("VIR-2026-501")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "Déclarée, en attente de confirmation" in page.locator("main").inner_text()
    page.goto(f"/projects/{project_id}")  # the association's pledge: reported is not yet received
    pledge = page.locator("#commitments li", has=page.locator(".pledge-paid"))
    assert "reste à recevoir : 2 400 000" in _spaced(pledge.inner_text()) and "Ouvert" in pledge.inner_text()
    sign_out(page)

    sign_in(page, "mayor@example.org")
    check_page(page, f"/projects/{project_id}/contributions")  # with the buttons to confirm or contest
    with page.expect_navigation():
        page.get_by_role("button", name="Confirmer la réception").click()
    assert "Confirmée comme reçue" in page.locator("main").inner_text()
    page.goto(f"/projects/{project_id}")
    assert "2 400 000" in page.locator("#delivery").inner_text().replace("\u202f", " ").replace("\u00a0", " ")
    pledge = _spaced(page.locator("#commitments li", has=page.locator(".pledge-paid")).inner_text())
    assert "Confirmé" in pledge and "reste à recevoir : 0" in pledge  # the tranche confirmed moved its pledge
    act(page, project_id, "start_implementation")
    check_page(page, f"/projects/{project_id}/progress")  # with the form to report on the works
    form = page.locator("#post-report")
    form.get_by_label("Pourcentage d’achèvement").fill("60")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "achevé à 60 %" in page.locator("main").inner_text()
    act(page, project_id, "complete")

    def hand_over(form):
        form.get_by_label("Propriétaire de l’équipement").select_option(index=1)
        form.get_by_label("Plan d’entretien : qui entretient l’équipement, et comment").fill(
            "Le comité des usagers entretient le puits ; la mairie paie les grosses réparations."
        )

    act(page, project_id, "hand_over", hand_over)
    check_page(page, f"/projects/{project_id}/facility")  # with the form of the yearly check
    form = page.locator("#record-check")
    form.get_by_label("Fonctionne", exact=True).check()
    form.get_by_label("Remarque (ce qui marche, ce qui ne marche pas, ce qu’il faut)").fill("L’eau est claire.")
    form.locator("input[type=file]").set_input_files(
        {"name": "puits.jpg", "mimeType": "image/jpeg", "buffer": _photo()}
    )
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "L’eau est claire." in page.locator("main").inner_text()
    sign_out(page)

    check_page(page, f"/projects/{project_id}/facility")  # anonymous: public, without the form
    assert page.locator("#checks-title ~ ol img").count() == 1  # the photo, as a small thumbnail
    check_page(page, f"/communes/{commune_id}")
    register = page.locator("#register").inner_text()
    assert JOURNEY_TITLE in register and "Fonctionne" in register


def test_the_demo_pages_after_agreement_are_checked(page, live_server):
    load_demo(live_server)
    with live_server.app.app_context():
        ids = {
            title: db.session.scalar(select(Project.id).where(Project.title == title))
            for title in (
                "Extension de l’école de Tintinkoro",
                "Maternité de Diéma",
                "Forage et château d’eau à Kobadiala",
            )
        }
    check_page(page, f"/projects/{ids['Extension de l’école de Tintinkoro']}/amendments")
    assert "Accepté" in page.locator("main").inner_text()
    check_page(page, f"/projects/{ids['Maternité de Diéma']}/progress")
    check_page(page, f"/projects/{ids['Maternité de Diéma']}/contributions")
    check_page(page, f"/projects/{ids['Forage et château d’eau à Kobadiala']}/facility")
    check_page(page, f"/projects/{ids['Forage et château d’eau à Kobadiala']}/acceptance")
    assert "Réception définitive" in page.locator("main").inner_text()
    check_page(page, f"/projects/{ids['Forage et château d’eau à Kobadiala']}/convention")
    assert "Signée par les parties" in page.locator("main").inner_text()
    sign_in(page, "mayor@example.org")
    check_page(page, f"/projects/{ids['Extension de l’école de Tintinkoro']}/amendments")  # with the form
    check_page(page, f"/projects/{ids['Maternité de Diéma']}/acceptance")  # with the form of the provisional one
    check_page(page, f"/projects/{ids['Maternité de Diéma']}/convention")  # with the deliberation and upload forms
