"""Co-funded projects in Chromium: every page checked as its users see it, and the proposal's journey from the
association to the mayor and back, without JavaScript."""

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Commune, HomeCommune, Organisation, Project
from tests.browser.pagecheck import check_page
from tests.browser.test_people_pages import load_demo, sign_in, sign_out
from tests.project_factories import make_project

DEMO_TITLE = "Forage pastoral de Tintinkoro (démo)"


def demo_project(live_server) -> int:
    """An agreed project of association A in commune A, in the live server's database (made once)."""
    load_demo(live_server)
    with live_server.app.app_context():
        found = db.session.scalar(select(Project.id).where(Project.title == DEMO_TITLE))
        if found:
            return found
        association = db.session.scalar(
            select(Organisation).where(Organisation.name == "Association des ressortissants de Diéma en France")
        )
        partner = db.session.scalar(select(Organisation).where(Organisation.kind == "partner"))
        commune = db.session.scalar(
            select(Commune)
            .join(HomeCommune, HomeCommune.commune_id == Commune.id)
            .where(HomeCommune.association_id == association.id)
        )
        town = db.session.scalar(
            select(Organisation).where(Organisation.kind == "commune", Organisation.commune_id == commune.id)
        )
        project = make_project(
            association,
            commune,
            "agreed",
            title=DEMO_TITLE,
            village="Tintinkoro",
            pdsec_period="2024-2028",
            budget=[("Forage et pompe solaire", 12000, "EUR"), ("Abreuvoirs", 1_500_000, "XOF")],
            funding=[
                ("association", association, 9000, "EUR"),
                ("commune", town, 2_000_000, "XOF"),
                ("partner", partner, 1_467_871, "XOF"),  # the plan covers the budget, as agreeing requires
            ],
        )
        db.session.commit()
        return project.id


PUBLIC_PAGES = ["/projects/", "/projects/?status=agreed&commune=diema", "/projects/{id}", "/projects/{id}/sheet"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_project_pages_are_light_self_contained_and_accessible(page, live_server, path):
    project_id = demo_project(live_server)
    check_page(page, path.format(id=project_id))


@pytest.mark.parametrize("email", ["association@example.org", "mayor@example.org"])
def test_signed_in_project_pages_are_light_self_contained_and_accessible(page, live_server, email):
    project_id = demo_project(live_server)
    sign_in(page, email)
    paths = ["/projects/", f"/projects/{project_id}", f"/projects/{project_id}/sheet"]
    if email == "association@example.org":
        paths.append("/projects/new")
    for path in paths:
        check_page(page, path)


def act(page, action: str, comment: str | None = None):
    """Presses the button of one of the workflow's forms on the project page."""
    form = page.locator(f"#action-{action}")
    if comment is not None:
        form.locator("textarea[name=comment]").fill(comment)
    box = form.locator("input[name=confirmed]")
    if box.count():  # a step that cannot be undone asks to be confirmed
        box.check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def status_of(page) -> str:
    return re.search(r"status-(\w+)", page.locator(".facts .status").get_attribute("class")).group(1)


def test_a_project_goes_from_the_association_to_the_mayor_and_back_without_javascript(browser, live_server):
    load_demo(live_server)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="fr-FR")
    context.set_default_timeout(10_000)
    page = context.new_page()

    # The association's officer proposes a project, adding a line to each table with the buttons.
    sign_in(page, "association@example.org")
    page.goto("/projects/new")
    page.locator("#title").fill("Maternité de Kobadiala")
    page.locator("#summary").fill("Une maternité de quatre lits et un logement pour la sage-femme.")
    page.locator("#sector").select_option("health")
    page.locator("#commune_id").select_option(index=1)  # the association's one home commune, Diema
    page.locator("#village").fill("Kobadiala")
    page.locator("#budget-0-label").fill("Bâtiment")
    page.locator("#budget-0-amount").fill("15000")
    page.locator("#budget-0-currency").select_option("EUR")
    with page.expect_navigation():
        page.locator("button[name=add_budget]").click()
    assert page.locator("#budget-0-label").input_value() == "Bâtiment"  # kept across the round trip
    assert page.locator("#budget-1-currency").input_value() == "EUR"  # a new line: the currency of the one above
    page.locator("#budget-1-label").fill("Équipement")
    page.locator("#budget-1-amount").fill("2 000 000")
    page.locator("#budget-1-currency").select_option(label="F\u00a0CFA (XOF)")
    page.locator("#funding-0-party_kind").select_option("association")
    page.locator("#funding-0-organisation_id").select_option(label="Association des ressortissants de Diéma en France")
    page.locator("#funding-0-amount").fill("15000")
    page.locator("#funding-0-currency").select_option("EUR")
    with page.expect_navigation():
        page.locator("button[name=add_funding]").click()
    page.locator("#funding-1-party_kind").select_option("commune")
    page.locator("#funding-1-amount").fill("2000000")
    page.locator("#funding-1-currency").select_option("XOF")
    with page.expect_navigation():
        page.locator(".project-form button[name=save]:not(.default-submit)").click()
    assert re.search(r"/projects/\d+$", page.url), page.url
    project_url = page.url.removeprefix(live_server.url)
    assert page.get_by_role("heading", level=1).inner_text() == "Maternité de Kobadiala"
    assert status_of(page) == "draft"
    assert "11 839 355 F CFA" in page.locator("table.money").first.inner_text().replace("\u00a0", " ")
    act(page, "submit")
    assert status_of(page) == "submitted"
    sign_out(page)

    # The mayor starts the review and asks for changes, saying why.
    sign_in(page, "mayor@example.org")
    page.goto(project_url)
    act(page, "start_review")
    assert status_of(page) == "under_review"
    act(page, "request_changes", "Ajoutez le devis de l’entreprise et la part de la commune en nature.")
    assert status_of(page) == "changes_requested"
    sign_out(page)

    # The association edits the project and submits it again.
    sign_in(page, "association@example.org")
    page.goto(project_url)
    assert "Ajoutez le devis de l’entreprise" in page.locator("#history").inner_text()
    with page.expect_navigation():
        page.locator(f'a[href="{project_url}/edit"]').click()
    page.locator("#budget-1-amount").fill("2 500 000")
    with page.expect_navigation():
        page.locator("button[name=add_funding]").click()
    page.locator("#funding-2-party_kind").select_option("population")
    page.locator("#funding-2-amount").fill("500000")
    with page.expect_navigation():
        page.locator("#title").press("Enter")  # Enter saves: it does not press a Remove button
    assert page.url.endswith(project_url)
    assert page.locator("table.money").nth(1).locator("tbody tr").count() == 3
    act(page, "submit")
    assert status_of(page) == "submitted"
    sign_out(page)

    # The mayor reviews it again and opens the consultation.
    sign_in(page, "mayor@example.org")
    page.goto(project_url)
    act(page, "start_review")
    act(page, "open_consultation")
    assert status_of(page) == "in_consultation"
    history = page.locator("#history li")
    assert history.count() >= 7  # created, submitted, reviewed, changes asked, edited, resubmitted, reviewed, opened
    context.close()


def test_on_a_small_phone_the_wide_tables_stack_and_nothing_scrolls_sideways(browser, live_server):
    """At 360 px the budget and co-funding tables stack, each cell labelled by its column: nothing overflows."""
    from tests.browser.pagecheck import check_page

    with live_server.app.app_context():
        from portal.cli.demo import seed_demo
        from portal.extensions import db
        from portal.models import Project

        seed_demo()
        db.session.commit()
        project_id = db.session.scalar(db.select(Project.id).where(Project.is_public).order_by(Project.id))
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport={"width": 360, "height": 740})
    page = context.new_page()
    check_page(page, f"/projects/{project_id}")
    widths = page.evaluate("[...document.querySelectorAll('table')].map(t => [t.scrollWidth, t.clientWidth])")
    assert widths and all(scroll <= client for scroll, client in widths)  # no table overflows
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nor does the page
    labels = page.evaluate(
        "[...document.querySelectorAll('table.money td[data-label]')].map(td => getComputedStyle(td, '::before').content)"
    )
    assert labels and all(label not in ("none", "normal", '""') for label in labels)  # each cell says its column
    context.close()
