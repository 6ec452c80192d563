"""A journey through the pages as one person makes it: after each action, what the person sees is kept as a
full-page screenshot (BROWSER_ARTEFACTS, default <repo>/test-artefacts/screenshots, named journey-step.png) and,
the first time a page of that shape shows up in the journey, passes the page check."""

import os
import re
from pathlib import Path

from tests.browser.pagecheck import Watch, check_current_page, skeleton

ARTEFACTS = Path(
    os.environ.get("BROWSER_ARTEFACTS") or Path(__file__).resolve().parents[2] / "test-artefacts" / "screenshots"
)

# The focused element shows it: an outline or a shadow drawn around it.
FOCUS_SHOWN = """() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    return {
        tag: element.tagName.toLowerCase(),
        text: (element.innerText || element.value || element.getAttribute('aria-label') || '').trim(),
        label: element.labels && element.labels.length ? element.labels[0].innerText.trim() : '',
        shown: outlined || style.boxShadow !== 'none',
    };
}"""


class Journey:
    def __init__(self, page, name: str, javascript: bool = True):
        self.page, self.name, self.javascript = page, name, javascript
        self.mirror = None
        self.watch = Watch(page)
        self.steps = 0
        self.shapes: set[str] = set()
        ARTEFACTS.mkdir(parents=True, exist_ok=True)

    def see(self, step: str, heading: str | re.Pattern | None = None) -> None:
        """After an action: the page answered, says `heading` in its h1, passes the page check if its shape is
        new in this journey, and is kept as a screenshot."""
        page = self.page
        page.wait_for_load_state("load")
        if heading is not None:
            title = page.get_by_role("heading", level=1).inner_text()
            if isinstance(heading, re.Pattern):
                assert heading.search(title), f"{step}: the page says {title!r}"
            else:
                assert heading in title, f"{step}: the page says {title!r}, not {heading!r}"
        self.steps += 1  # kept first: the screenshot of a page that fails the check is the one to look at
        page.screenshot(path=str(ARTEFACTS / f"{self.name}-{self.steps:02d}-{step}.png"), full_page=True)
        shape = skeleton(page.content().encode())
        if shape not in self.shapes:
            self.shapes.add(shape)
            check_current_page(page, self.watch, axe_page=None if self.javascript else self.mirrored())
        else:
            status = page.evaluate("performance.getEntriesByType('navigation')[0].responseStatus")
            assert status == 200, f"{step}: status {status}"
        self.watch.clear()

    def mirrored(self):
        """The document on screen, loaded as it is in a page of the same browser where JavaScript runs (for axe)."""
        page = self.page
        if self.mirror is None:
            self.mirror = page.context.browser.new_context(locale="fr-FR").new_page()
        url, html = page.url, page.content()
        self.mirror.context.clear_cookies()
        self.mirror.context.add_cookies(page.context.cookies())
        self.mirror.route(
            url, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
        )
        self.mirror.goto(url, wait_until="load")
        self.mirror.unroute(url)
        return self.mirror

    def close(self) -> None:
        if self.mirror is not None:
            self.mirror.context.close()
        self.page.context.close()

    def click(self, role: str, name, **options) -> None:
        """Follows a link or presses a button, and waits for the page it leads to."""
        with self.page.expect_navigation():
            self.page.get_by_role(role, name=name, **options).first.click()

    def sign_in(self, email: str, password: str = "demo-password") -> None:
        """From the header's sign-in link, as a person does."""
        self.click("link", "Se connecter", exact=True)
        self.see("sign-in-form")
        self.page.get_by_label("Adresse e-mail").fill(email)
        self.page.get_by_label("Mot de passe").fill(password)
        self.click("button", "Se connecter", exact=True)

    def sign_out(self) -> None:
        self.click("button", "Se déconnecter")

    # The keyboard alone.

    def tab_to(self, wanted, backwards: bool = False, limit: int = 120) -> dict:
        """Presses Tab (Shift+Tab) until the focused element's text or label matches `wanted`; every element
        the focus passes through must show it."""
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(limit):
            self.page.keyboard.press(key)
            focused = self.page.evaluate(FOCUS_SHOWN)
            assert focused["shown"], f"the focus on {focused} is not visible"
            name = focused["text"] or focused["label"]
            if (wanted.search(name) if isinstance(wanted, re.Pattern) else name == wanted) or (
                focused["label"] and focused["label"] == wanted
            ):
                return focused
        raise AssertionError(f"{limit} presses of {key} never reached {wanted!r}")

    def press(self, key: str) -> None:
        """Enter or Space on the focused link or button, and the page it leads to."""
        with self.page.expect_navigation():
            self.page.keyboard.press(key)
