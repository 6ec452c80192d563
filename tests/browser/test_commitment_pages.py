"""Commitments in Chromium: the project page's commitments section as the association's officer sees it (the
page check: light, self-contained, accessible), and the association confirming what the commune reported,
without JavaScript."""

from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import Commitment, CommitmentEvidence, Organisation, commune_today
from tests.browser.pagecheck import check_page
from tests.browser.test_people_pages import sign_in
from tests.browser.test_project_pages import demo_project


def _commitments(live_server, project_id: int) -> dict:
    """On the demo project: an overdue promise of the association, and the commune's reported fulfilled with a
    receipt (made once)."""
    with live_server.app.app_context():
        rows = db.session.scalars(select(Commitment).where(Commitment.project_id == project_id)).all()
        if not rows:
            association = db.session.scalar(
                select(Organisation).where(Organisation.name == "Association des ressortissants de Diéma en France")
            )
            town = db.session.scalar(
                select(Organisation).where(Organisation.kind == "commune", Organisation.name.like("Di%ma"))
            )
            rows = [
                Commitment(
                    project_id=project_id,
                    organisation_id=association.id,
                    kind="financial",
                    description="Virement de la deuxième tranche",
                    amount=4500,
                    currency="EUR",
                    rate_to_xof=655.957,
                    amount_xof=2_951_807,
                    due_date=commune_today() - timedelta(days=3),
                    status="open",
                ),
                Commitment(
                    project_id=project_id,
                    organisation_id=town.id,
                    kind="administrative",
                    description="Délibération affectant le terrain du forage",
                    due_date=commune_today() + timedelta(days=20),
                    status="fulfilled",
                ),
            ]
            db.session.add_all(rows)
            db.session.flush()
            db.session.add(
                CommitmentEvidence(
                    commitment_id=rows[1].id,
                    filename="Délibération.pdf",
                    stored_name="browser-evidence-0001",
                    content_type="application/pdf",
                    size=1234,
                )
            )
            db.session.commit()
        return {row.status: row.id for row in rows}


def test_the_commitments_section_is_checked_and_the_association_confirms_without_javascript(page, browser, live_server):
    project_id = demo_project(live_server)
    ids = _commitments(live_server, project_id)
    check_page(page, f"/projects/{project_id}")  # anonymous: the section, without any action
    assert "En retard" in page.locator("#commitments").inner_text()
    sign_in(page, "association@example.org")
    check_page(page, f"/projects/{project_id}")  # with the officer's forms
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="fr-FR")
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, "association@example.org")
    page.goto(f"/projects/{project_id}")
    section = page.locator("#commitments")
    assert "Délibération.pdf" in section.inner_text()
    assert section.locator(f"#commitment-{ids['open']} input[type=file]").count() == 1  # report with evidence
    with page.expect_navigation():
        section.locator(f"#commitment-{ids['fulfilled']} form[action*='/actions/confirm#'] button").click()
    assert "Confirmé" in page.locator(f"#commitment-{ids['fulfilled']}").inner_text()
    context.close()
