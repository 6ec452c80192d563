"""Dashboards, a commune's migration profile, its planning sheet, the open-data page and the entry form in
Chromium: light, self-contained (the SVG charts break no CSP rule), accessible, usable without JavaScript."""

import pytest
from sqlalchemy import select

from portal.cli.demo import COMMUNE_A
from portal.extensions import db
from portal.models import Commune, IndicatorValue
from tests.browser.pagecheck import check_page
from tests.browser.test_people_pages import load_demo, sign_in


def demo_commune(live_server) -> tuple[int, int]:
    """The demo data (its indicators included): commune A's id and one of its values."""
    load_demo(live_server)
    with live_server.app.app_context():
        commune_id = db.session.scalar(select(Commune.id).where(Commune.code == COMMUNE_A))
        value_id = db.session.scalar(select(IndicatorValue.id).where(IndicatorValue.commune_id == commune_id))
        return commune_id, value_id


@pytest.mark.parametrize(
    "path",
    [
        "/dashboards",
        "/dashboards?sector=water&year=2026",
        "/open-data",
        "/communes/{id}/profile",
        "/communes/{id}/planning",
    ],
)
def test_knowledge_pages_are_light_self_contained_and_accessible(page, live_server, path):
    commune_id, _ = demo_commune(live_server)
    check_page(page, path.format(id=commune_id))


def test_the_entry_forms_are_light_self_contained_and_accessible(page, live_server):
    commune_id, value_id = demo_commune(live_server)
    sign_in(page, "mayor@example.org")
    check_page(page, f"/communes/{commune_id}/indicators/new")
    check_page(page, f"/communes/{commune_id}/indicators/{value_id}")
    check_page(page, f"/communes/{commune_id}/profile")  # with a link to correct each value


def test_the_mayor_enters_a_value_without_javascript_and_sees_it_on_the_profile(browser, live_server):
    commune_id, _ = demo_commune(live_server)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.goto("/auth/login")
    page.get_by_label("Email address").fill("mayor@example.org")
    page.get_by_label("Password").fill("demo-password")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    page.goto(f"/communes/{commune_id}/indicators/new")
    # The mayor's account speaks French: the fields are found by their names, the button by its form.
    page.locator("select[name=indicator]").select_option("returnees")
    page.locator("input[name=year]").fill("2031")
    page.locator("input[name=value]").fill("77")
    page.locator("input[name=source]").fill("Registre de la mairie")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert f"/communes/{commune_id}/profile" in page.url
    assert page.get_by_role("row", name="2031").first.is_visible()
    assert "Registre de la mairie" in page.content()
    context.close()


def test_the_dashboards_filter_without_javascript(browser, live_server):
    demo_commune(live_server)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.goto("/dashboards")
    page.locator("select[name=sector]").select_option("health")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply the filters").click()
    assert "sector=health" in page.url
    assert page.locator("select[name=sector]").input_value() == "health"
    # Filtered by sector, the dispute counts could single a dispute out: the five other charts, and a word instead.
    assert page.locator("svg.chart").count() == 5 and page.locator("figure table").count() == 5
    assert page.locator("#disputes-withheld").is_visible()
    context.close()
