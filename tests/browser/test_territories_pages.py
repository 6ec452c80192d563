"""The commune pages in Chromium: light, self-contained, accessible, and usable without JavaScript."""

import pytest
from sqlalchemy import select

from portal.domain.territories import ensure_default_territories
from portal.extensions import db
from portal.models import Commune
from tests.browser.pagecheck import check_page


def load_territories(live_server) -> int:
    """The shipped 2015 map in the live server's database (idempotent); the id of one commune."""
    with live_server.app.app_context():
        ensure_default_territories()
        db.session.commit()
        return db.session.scalar(select(Commune.id).where(Commune.code == "ML010101"))


@pytest.mark.parametrize(
    "path", ["/communes/", "/communes/?q=s%C3%A9gou", "/communes/?q=ba&page=2", "/communes/?q=zzz"]
)
def test_the_commune_list_is_light_self_contained_and_accessible(page, live_server, path):
    load_territories(live_server)
    check_page(page, path)


def test_a_commune_page_is_light_self_contained_and_accessible(page, live_server):
    commune_id = load_territories(live_server)
    check_page(page, f"/communes/{commune_id}")
    assert "Bangassi" in page.get_by_role("heading", level=1).inner_text()


def test_an_unknown_commune_is_a_404_page(page, live_server):
    load_territories(live_server)
    check_page(page, "/communes/999999", expected_status=404)


def test_a_visitor_searches_without_javascript_and_pages_through(browser, live_server):
    load_territories(live_server)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.goto("/communes/")
    page.get_by_label("Commune name").fill("SÉGOU")
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    assert page.get_by_role("link", name="Ségou", exact=True).is_visible()  # stored "Segou Commune", shown as usual

    page.get_by_label("Commune name").fill("ba")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    with page.expect_navigation():
        page.get_by_role("link", name="Next page").click()
    assert "q=ba" in page.url and "page=2" in page.url
    assert page.get_by_label("Commune name").input_value() == "ba"
    context.close()
