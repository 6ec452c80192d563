"""The crawl: every page a person reaches by following links from the home page — anonymous, and signed in as
each demo role — on a live server loaded with the demo, answers below 400, weighs at most 60 KB with its parts,
asks no other host, and has no serious or critical accessibility problem. Each page loaded in the browser is no
wider than its window, at 1280 px and at 360 px, and no title holds markup.

Links are grouped by pattern (numbers replaced by a placeholder, the query by its keys) and one URL per pattern
is checked per role. Downloads (exports, calendars, documents) only need to answer, so they are fetched without
a page. The sign-out is a form, never a link, and no link whose address says sign-out is followed."""

import re
from collections import deque
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

import lxml.html
import pytest

from portal import create_app
from portal.cli.demo import seed_demo
from tests.browser.conftest import serving
from tests.browser.pagecheck import PAGE_BUDGET_BYTES, Watch, measure_current_page, skeleton
from tests.browser.test_people_pages import sign_in

ROLES = [
    None,  # anonymous
    "admin@example.org",
    "mediator@example.org",
    "mayor@example.org",
    "clerk@example.org",
    "association@example.org",
    "observer@example.org",
    "treasurer@example.org",
]
NEVER = re.compile(r"logout|sign-?out|deconnexion", re.IGNORECASE)
# The widths a page must fit (issue 21): a laptop, and a small phone. Every page the browser loads (one per shape
# of main part and reader) is measured at the first, then at the second by resizing it, without loading it again.
WIDE, NARROW = {"width": 1280, "height": 720}, {"width": 360, "height": 740}
# What sticks out, when a page is wider than its window: the deepest elements past the right edge.
WIDER_THAN_WINDOW = """() => {
  const width = window.innerWidth, out = [];
  if (document.documentElement.scrollWidth <= width) return null;
  for (const element of document.querySelectorAll("main *, header *")) {
    if (element.getBoundingClientRect().right > width + 1 && !element.querySelector("*")) {
      out.push(element.tagName.toLowerCase() + (element.className ? "." + element.className : ""));
    }
  }
  return [document.documentElement.scrollWidth, out.slice(0, 4)];
}"""
# A table that stacks on a phone (the contributions, the desk) shows every cell without scrolling inside itself.
STACKED_TABLES_SCROLLING = """() => [...document.querySelectorAll("table.stack")]
  .filter((table) => table.scrollWidth > table.clientWidth + 1).map((table) => table.className)"""


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """A live server of its own, loaded with the demo, that the crawl may walk without disturbing other tests."""
    folder = tmp_path_factory.mktemp("crawl")
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'portal.db'}",
        UPLOAD_DIR=str(folder / "uploads"),
        WTF_CSRF_ENABLED=True,
    )
    with serving(app, seed_demo) as server:
        yield server


def pattern_of(url: str) -> str:
    """/projects/12/sheet?page=2 → /projects/#/sheet?page: one check stands for every project's sheet."""
    parts = urlsplit(url)
    path = re.sub(r"\d+", "#", parts.path)
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


class Crawl:
    """Walks the links from the home page for one reader. Every page answers (status, weight, hosts) from its own
    HTML; the browser loads it for the CSP and axe when its main part has a shape no reader has shown yet (and
    each reader's home page, for its header)."""

    def __init__(self, context, origin: str, checked_shapes: set[str]):
        self.context, self.origin, self.checked_shapes = context, origin, checked_shapes
        self.page = context.new_page()
        self.watch = Watch(self.page)
        self.part_sizes: dict[str, int] = {}
        self.problems: list[str] = []

    def links(self, tree) -> list[str]:
        found = []
        for anchor in tree.iterfind(".//a[@href]"):
            href = urldefrag(urljoin(self.origin + "/", anchor.get("href"))).url
            if href.startswith(self.origin + "/") and not NEVER.search(href):
                found.append(href)
        return found

    def parts_of(self, tree) -> tuple[int, list[str]]:
        """The bytes of what the page loads (stylesheets, icons, scripts, images), and any other host it names."""
        total, foreign = 0, []
        for element in tree.iter("link", "script", "img", "iframe", "source"):
            address = element.get("src") or (element.get("href") if element.tag == "link" else None)
            if not address or address.startswith("data:"):
                continue
            if element.tag == "link" and element.get("rel") not in ("stylesheet", "icon", "preload"):
                continue
            address = urljoin(self.origin + "/", address)
            if not address.startswith(self.origin + "/"):
                foreign.append(address)
                continue
            if address not in self.part_sizes:
                self.part_sizes[address] = len(self.context.request.get(address).body())
            total += self.part_sizes[address]
        return total, foreign

    def visit(self, url: str, first: bool) -> list[str]:
        answer = self.context.request.get(url)
        if answer.status >= 400:
            self.problems.append(f"{url}: status {answer.status}")
            return []
        if not answer.headers.get("content-type", "").startswith("text/html"):
            return []  # an export, a calendar, a document: it answers, that is all it has to do
        html = answer.body()
        tree = lxml.html.fromstring(html)
        parts, foreign = self.parts_of(tree)
        # Read from the bytes, not the tree: a parser may take markup inside <title> for elements and hide it.
        title = re.search(rb"<title>(.*?)</title>", html, re.S)
        if title is None or b"<" in title.group(1):
            self.problems.append(f"{url}: no title, or markup in it: {title and title.group(1)[:80]!r}")
        if len(html) + parts > PAGE_BUDGET_BYTES:
            self.problems.append(f"{url}: {len(html) + parts} bytes with its parts, over the budget")
        if foreign:
            self.problems.append(f"{url}: asks another host {foreign}")
        shape = skeleton(html)
        if first or shape not in self.checked_shapes:
            self.checked_shapes.add(shape)
            self.in_the_browser(url)
        return self.links(tree)

    def in_the_browser(self, url: str) -> None:
        self.watch.clear()
        response = self.page.goto(url, wait_until="load")
        report = measure_current_page(self.page, self.watch, response.status)
        if report.total_bytes > PAGE_BUDGET_BYTES:
            self.problems.append(f"{url}: {report.total_bytes} bytes in the browser, over the budget")
        if report.foreign_requests:
            self.problems.append(f"{url}: asked another host {report.foreign_requests}")
        csp = [e for e in report.console_errors if "Content Security Policy" in e]
        if csp:
            self.problems.append(f"{url}: broke the CSP {csp}")
        if report.violations:
            self.problems.append(f"{url}: accessibility {report.violations}")
        for size in (WIDE, NARROW):
            self.page.set_viewport_size(size)
            wider = self.page.evaluate(WIDER_THAN_WINDOW)
            if wider:
                self.problems.append(f"{url}: {wider[0]} px wide at {size['width']} px, past the edge {wider[1]}")
        if scrolling := self.page.evaluate(STACKED_TABLES_SCROLLING):
            self.problems.append(f"{url}: stacked tables that scroll at 360 px {scrolling}")
        self.page.set_viewport_size(WIDE)

    def run(self) -> dict[str, str]:
        """Walk from the home page, one URL per pattern: {pattern: the URL that stood for it}."""
        home = self.origin + "/"
        seen = {pattern_of(home): home}
        queue = deque([home])
        while queue:
            url = queue.popleft()
            for link in self.visit(url, first=url == home):
                key = pattern_of(link)
                if key not in seen:
                    seen[key] = link
                    queue.append(link)
        self.page.close()
        return seen


@pytest.fixture(scope="module")
def checked_shapes() -> set[str]:
    """The shapes of main parts already loaded in the browser, shared by the readers of the crawl."""
    return set()


@pytest.mark.parametrize("email", ROLES, ids=lambda email: (email or "anonymous").split("@")[0])
def test_every_page_reached_by_links_is_sound(browser, demo_server, checked_shapes, email):
    context = browser.new_context(base_url=demo_server.url, locale="fr-FR", viewport=WIDE)
    context.set_default_timeout(10_000)
    try:
        if email:
            sign_in(context.new_page(), email)
        crawl = Crawl(context, demo_server.url, checked_shapes)
        checked = crawl.run()
    finally:
        context.close()
    assert len(checked) >= 10, sorted(checked)  # the walk went somewhere
    assert not crawl.problems, "\n".join(crawl.problems)
