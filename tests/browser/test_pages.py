"""The pages of the skeleton as a person meets them in Chromium."""

import pytest

from tests.browser.pagecheck import check_page, measure_page


@pytest.mark.parametrize("path, status", [("/", 200), ("/no-such-page", 404)])
def test_pages_are_light_self_contained_and_accessible(page, path, status):
    check_page(page, path, expected_status=status)


def test_the_page_check_catches_a_page_over_budget_or_calling_another_host(page):
    """The check itself can fail: a page made heavy and pointed at a CDN (its CSP removed) is caught."""

    def heavy_page_from_a_cdn(route):
        response = route.fetch()
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-security-policy"}
        html = response.text().replace("</head>", '<link rel="stylesheet" href="http://cdn.example.com/x.css"></head>')
        route.fulfill(response=response, headers=headers, body=html + "<!--" + "x" * 70_000 + "-->")

    page.route("**/", heavy_page_from_a_cdn)
    page.route("http://cdn.example.com/**", lambda route: route.fulfill(content_type="text/css", body=""))
    report = measure_page(page, "/")
    assert report.total_bytes > 60 * 1024
    assert any("cdn.example.com" in url for url in report.foreign_requests)


def test_a_visitor_switches_to_english_with_the_keyboard_and_back(page):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Construire la commune")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"
    page.get_by_role("button", name="English").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Building the commune together")
    with page.expect_navigation():
        page.get_by_role("button", name="Français").click()
    assert page.locator("html").get_attribute("lang") == "fr"


def test_the_pages_work_without_javascript(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    page.goto("/")
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    context.close()
