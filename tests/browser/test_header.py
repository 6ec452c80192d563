"""The header signed in: one clear line on a desktop (1280 px), and on a phone (360 px) a compact menu that
opens without JavaScript."""

import pytest

from tests.browser.test_people_pages import load_demo, sign_in

# Everything one can reach in the header: the brand, the menu's links, the account's links and buttons.
HEADER_ITEMS = ".site-header .brand, .site-header .main-nav a, .site-header .account-menu > *, .language-switch button"


@pytest.mark.parametrize(
    "email", ["mayor@example.org", "association@example.org", "mediator@example.org", "admin@example.org"]
)
def test_on_a_desktop_the_signed_in_header_is_one_line(browser, live_server, email):
    load_demo(live_server)
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        sign_in(page, email)
        page.goto("/projects/")
        boxes = [item.bounding_box() for item in page.locator(HEADER_ITEMS).all()]
        assert len(boxes) >= 8
        middles = [box["y"] + box["height"] / 2 for box in boxes]
        assert max(middles) - min(middles) < 12, middles  # one line: every item on the same middle
        assert page.locator(".menu-toggle").is_hidden()
    finally:
        context.close()


def test_on_a_phone_the_menu_folds_and_opens_without_javascript(browser, live_server):
    load_demo(live_server)
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", viewport={"width": 360, "height": 740}, java_script_enabled=False
    )
    page = context.new_page()
    try:
        sign_in(page, "mayor@example.org")
        page.goto("/projects/")
        header = page.locator(".site-header").bounding_box()
        assert header["height"] < 70  # the brand and "Menu" on one short line
        assert page.locator(".main-nav").is_hidden() and page.locator(".account-menu").is_hidden()
        page.get_by_role("link", name="Menu").click()
        assert page.get_by_role("link", name="Projets").is_visible()
        assert page.get_by_role("link", name="Réunions").is_visible()
        assert page.get_by_role("button", name="Se déconnecter").is_visible()
        page.get_by_role("link", name="Fermer le menu").click()
        assert page.locator(".main-nav").is_hidden()
        page_width = page.evaluate("document.documentElement.scrollWidth")
        assert page_width <= 360  # nothing pushes the page sideways
    finally:
        context.close()


def test_on_a_phone_the_project_list_and_a_project_fit_the_screen(browser, live_server):
    """360 px: nothing scrolls sideways; each project shows its status and budget; the filters beyond the first
    two are folded; the totals of the budget and the co-funding plan are on screen."""
    load_demo(live_server)
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        page.goto("/projects/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        first = page.locator("table.stack tbody tr").first
        assert first.locator(".status").is_visible()
        assert first.locator("td.num").is_visible()
        assert page.get_by_label("Secteur").is_hidden() and page.get_by_label("Statut").is_visible()
        page.get_by_text("Plus de filtres").click()
        assert page.get_by_label("Secteur").is_visible()
        with page.expect_navigation():
            first.locator("th a").click()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        for total in ("Budget total", "Financement total"):
            cell = page.locator("tfoot tr", has_text=total).locator("td").first
            box = cell.bounding_box()
            assert cell.is_visible() and box["x"] + box["width"] <= 360, total
    finally:
        context.close()


def test_the_admin_reaches_the_mediation_desk_from_admin(browser, live_server):
    """The admin's header has one short entry; the mediation desk is one click further, on the admin's page."""
    load_demo(live_server)
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        sign_in(page, "admin@example.org")
        page.goto("/projects/")
        with page.expect_navigation():
            page.locator(".main-nav").get_by_role("link", name="Admin").click()
        with page.expect_navigation():
            page.get_by_role("link", name="Médiation").click()
        assert page.url.endswith("/mediation/desk")
    finally:
        context.close()
