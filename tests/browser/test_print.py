"""On paper: the project page, the minutes and the planning sheet print what is read, black on white, without
the menus, forms, buttons and language switch that only serve on a screen (Chromium's print media and PDF)."""

from sqlalchemy import select

from portal.cli.demo import COMMUNE_A
from portal.extensions import db
from portal.models import Commune, Meeting, Project
from tests.browser.test_people_pages import load_demo, sign_in

BLACK, WHITE = "rgb(0, 0, 0)", "rgb(255, 255, 255)"


def demo_ids(live_server) -> dict:
    load_demo(live_server)
    with live_server.app.app_context():
        return {
            "project": db.session.scalar(select(Project.id).where(Project.title == "Maternité de Diéma")),
            "meeting": db.session.scalar(
                select(Meeting.id).where(Meeting.title == "Concertation sur les projets de la diaspora")
            ),
            "commune": db.session.scalar(select(Commune.id).where(Commune.code == COMMUNE_A)),
        }


def style(page, selector: str, prop: str, pseudo: str | None = None) -> str:
    return page.eval_on_selector(
        selector, "(el, [prop, pseudo]) => getComputedStyle(el, pseudo).getPropertyValue(prop)", [prop, pseudo]
    )


def assert_only_the_record_is_printed(page):
    """What a screen needs is gone, what is read is black on white, and rows and headings keep together."""
    assert page.locator(".site-header").is_visible()  # on screen, the header is there
    page.emulate_media(media="print")
    for gone in (".site-header", ".main-nav", ".language-switch", ".skip-link", ".site-footer"):
        assert page.locator(gone).is_hidden(), gone
    for form in page.locator("main form").all():
        assert form.is_hidden()
    assert page.locator("h1").is_visible()
    assert style(page, "body", "color") == BLACK and style(page, "body", "background-color") == WHITE
    assert style(page, "main a", "color") == BLACK
    assert style(page, "main tbody tr", "break-inside") == "avoid"
    assert style(page, "main h2", "break-after") == "avoid"
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000


def test_the_project_page_prints_its_title_and_budget_without_the_forms(page, live_server):
    ids = demo_ids(live_server)
    sign_in(page, "mayor@example.org")  # the mayor sees buttons and forms on this project
    page.goto(f"/projects/{ids['project']}")
    assert page.locator("main form").count() > 0 and page.locator("main form").first.is_visible()
    assert_only_the_record_is_printed(page)
    assert page.get_by_role("heading", name="Maternité de Diéma").is_visible()
    assert page.locator("table.money").first.is_visible()
    assert "Budget total" in page.locator("table.money").first.inner_text()
    assert page.locator("main button").first.is_hidden()


def test_the_minutes_print_their_text_and_the_video_link_once(page, live_server):
    ids = demo_ids(live_server)
    sign_in(page, "mayor@example.org")
    page.goto(f"/meetings/{ids['meeting']}/minutes/print")
    assert_only_the_record_is_printed(page)
    assert "ont examiné le plan de financement" in page.locator("main").inner_text()
    # The video link's text already is its address: not repeated after it on paper.
    assert style(page, "main a.url", "content", "::after") in ("none", "normal")


def test_the_planning_sheet_prints_its_tables(page, live_server):
    ids = demo_ids(live_server)
    page.goto(f"/communes/{ids['commune']}/planning")
    assert_only_the_record_is_printed(page)
    assert page.locator("main table").nth(1).is_visible()
    assert "Maternité de Diéma" in page.locator("main table").nth(1).inner_text()
