"""The page check: weight with all its parts, no other host, no CSP violation, and axe-core's verdict."""

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html

PAGE_BUDGET_BYTES = 60 * 1024
AXE_SOURCE = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"
FAILING_IMPACTS = {"serious", "critical"}


@dataclass
class PageReport:
    url: str
    status: int
    total_bytes: int
    parts: dict[str, int]
    foreign_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    violations: list[dict] = field(default_factory=list)


def _axe_source() -> str:
    if not AXE_SOURCE.exists():
        raise AssertionError(f"{AXE_SOURCE} is missing: `make test` installs it with npm ci")
    return AXE_SOURCE.read_text()


class Watch:
    """What a page asks for and complains about from now on, for checking a page reached by a click or a form."""

    def __init__(self, page):
        self.requested, self.console_errors = [], []
        page.on("request", lambda request: self.requested.append(request.url))
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))

    def clear(self) -> None:
        self.requested.clear()
        self.console_errors.clear()


def measure_page(page, url: str) -> PageReport:
    """Load `url` in a fresh page and measure it; assert nothing (check_page does)."""
    watch = Watch(page)
    response = page.goto(url, wait_until="load")
    return measure_current_page(page, watch, response.status if response else 0)


def measure_current_page(page, watch: Watch, status: int | None = None, axe_page=None) -> PageReport:
    """Measure the page on screen: what it loaded since `watch` was last cleared, its weight, axe's verdict.
    axe waits on timers, which never fire where JavaScript is off: there, `axe_page` is the same document in a
    page where it runs."""
    page.wait_for_load_state("load")
    if status is None:  # the status of the document on screen, wherever it came from (a link, a form, a redirect)
        status = page.evaluate("performance.getEntriesByType('navigation')[0].responseStatus")
    origin = urlsplit(page.url).netloc
    foreign = [u for u in watch.requested if not u.startswith(("data:", "blob:")) and urlsplit(u).netloc != origin]

    # Uncompressed sizes of the document and of everything it loaded (decodedBodySize).
    parts = page.evaluate(
        """() => {
            const sizes = {};
            for (const entry of performance.getEntries()) {
                if (entry.entryType === 'navigation' || entry.entryType === 'resource') {
                    sizes[entry.name] = entry.decodedBodySize || entry.transferSize || 0;
                }
            }
            return sizes;
        }"""
    )
    # Evaluated through the DevTools protocol, so the page's CSP (no inline script) does not stop it.
    axe_page = axe_page or page
    axe_page.evaluate(_axe_source())
    results = axe_page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    violations = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in results["violations"]
        if v["impact"] in FAILING_IMPACTS
    ]
    return PageReport(
        page.url, status, sum(parts.values()), parts, list(foreign), list(watch.console_errors), violations
    )


def check_page(page, url: str, expected_status: int = 200) -> PageReport:
    return assert_sound(measure_page(page, url), expected_status)


def check_current_page(page, watch: Watch, expected_status: int = 200, axe_page=None) -> PageReport:
    """The page check on the page on screen (reached by a click or a form), with what it loaded."""
    return assert_sound(measure_current_page(page, watch, axe_page=axe_page), expected_status)


def assert_sound(report: PageReport, expected_status: int = 200) -> PageReport:
    url = report.url
    assert report.status == expected_status, f"{url}: status {report.status}"
    assert not report.foreign_requests, f"{url} asked another host: {report.foreign_requests}"
    assert report.total_bytes <= PAGE_BUDGET_BYTES, (
        f"{url} weighs {report.total_bytes} bytes, over the {PAGE_BUDGET_BYTES} budget: {report.parts}"
    )
    assert report.total_bytes > 0
    csp = [e for e in report.console_errors if "Content Security Policy" in e]
    assert not csp, f"{url} broke the CSP: {csp}"
    assert not report.violations, f"{url} has serious accessibility problems: {report.violations}"
    return report


def skeleton(html: bytes) -> str:
    """The shape of a page's main part, without its words, numbers or row counts: two pages of one shape are one
    template rendered for one kind of reader (a list of 3 rows and one of 30 have the same shape)."""

    def shape(element) -> str:
        if not isinstance(element.tag, str):
            return ""
        attributes = " ".join(
            f"{name}={re.sub(r'[0-9]+', '#', element.get(name))}"
            for name in ("class", "type", "role", "name", "disabled", "aria-describedby", "aria-invalid")
            if element.get(name) is not None
        )
        text = "t" if (element.text or "").strip() else ""
        children, last = [], None
        for child in element:
            child_shape = shape(child)
            if child_shape and child_shape != last:  # repeated rows collapse into one
                children.append(child_shape)
            last = child_shape
        return f"<{element.tag} {attributes}{text}>{''.join(children)}</>"

    main = lxml.html.fromstring(html).find(".//main")
    return shape(main) if main is not None else html.decode(errors="replace")
