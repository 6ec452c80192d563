"""Issue 21, friction 8: on a phone, the contributions table and the mediators' desk stack their rows, each cell
labelled by its column, so that what was received, what remains and the deadlines are read without scrolling
sideways (the crawl measures the pages at 360 px in the browser; here, the labels each stacked cell carries)."""

import html
import re

from tests.commitment_factories import co_funded_project, make_commitment
from tests.delivery_factories import make_contribution


def stacked_labels(page: str) -> list[str]:
    """The column labels the cells of the page's stacked table carry (data-label), in order, once each."""
    table = re.search(r'<table[^>]*class="stack"[^>]*>(.*?)</table>', page, re.S)
    assert table, "no stacked table on the page"
    return list(dict.fromkeys(html.unescape(label) for label in re.findall(r'data-label="([^"]*)"', table.group(1))))


def test_the_contributions_table_labels_received_and_what_remains(client, cast, session):
    project = co_funded_project(cast)
    make_contribution(project, 0, 400_000, status="confirmed")
    session.commit()
    page = client.get(f"/projects/{project.id}/contributions", headers={"Accept-Language": "en"})
    assert stacked_labels(page.get_data(as_text=True)) == [
        "Pledged",
        "Received (confirmed)",
        "Reported, not confirmed",
        "Still to receive",
    ]


def test_the_desk_labels_its_deadlines(client, cast, session, login_as):
    make_commitment(co_funded_project(cast), cast.partner, due_in_days=-3, description="Engagement en retard")
    session.commit()
    login_as("mediator")
    page = client.get("/mediation/desk", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert stacked_labels(page) == ["Waits for", "Since", "Deadline"]
