"""Every CSV the portal writes opens in a spreadsheet without running what someone typed (issue 20).

A cell that begins with =, +, -, @, a tab, a carriage return or a NUL is read by spreadsheets as a formula; a
free-text cell (a title, a name, a unit, a source) that begins so is written with a single quote in front
(OWASP's advice), while amounts and numbers the portal computed stay numbers.
"""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from portal.domain.spreadsheets import csv_text, free_text, plain
from portal.models import IndicatorValue, ProjectStatus
from tests.project_factories import make_project

PORTAL = Path(__file__).resolve().parent.parent / "portal"
# Every CSV the portal writes, each checked below with formulas in its free-text cells.
CSV_ROUTES = {
    "/api/v1/export/projects.csv",
    "/open-data/projects-spreadsheet.csv",  # the same projects, ";" between cells, for spreadsheets set to French
    "/api/v1/export/indicators.csv",
}
HYPERLINK = '=HYPERLINK("http://evil.example","x")'
FORMULAS = [HYPERLINK, "+33 6 12 34 56 78", "-2 puits", "@SUM(A1:A9)", "\tcmd", "\rcmd"]


def _rows(client, url, delimiter=",") -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"), newline=""), delimiter=delimiter))


@pytest.mark.parametrize(
    ("url", "delimiter"), [("/api/v1/export/projects.csv", ","), ("/open-data/projects-spreadsheet.csv", ";")]
)
def test_the_projects_csv_writes_titles_and_names_that_start_a_formula_as_text(client, cast, session, url, delimiter):
    cast.association.name = "=cmd|' /C calc'!A0"
    projects = [make_project(cast.association, cast.commune_a, ProjectStatus.AGREED, title=t) for t in FORMULAS]
    plain = make_project(cast.association, cast.commune_a, ProjectStatus.AGREED, title="Forage de Diéma")
    session.commit()

    rows = {int(row["id"]): row for row in _rows(client, url, delimiter)}
    for project, title in zip(projects, FORMULAS, strict=True):
        assert rows[project.id]["title"] == "'" + title
        assert rows[project.id]["association"] == "'=cmd|' /C calc'!A0"
        # Amounts stay numbers a spreadsheet adds up.
        assert rows[project.id]["budget_total_xof"] == "1000000"
    assert rows[plain.id]["title"] == "Forage de Diéma"


def test_the_indicators_csv_writes_units_and_sources_that_start_a_formula_as_text(client, cast, session):
    session.add_all(
        [
            IndicatorValue(commune_id=cast.commune_a.id, indicator="population", year=year, value=5, unit=u, source=s)
            for year, u, s in [(2021, "=1+1", HYPERLINK), (2022, "persons", "@RGPH"), (2023, "-persons", "+enquête")]
        ]
    )
    session.commit()

    rows = _rows(client, "/api/v1/export/indicators.csv")
    assert [(row["unit"], row["source"], row["value"]) for row in rows] == [
        ("'=1+1", "'" + HYPERLINK, "5"),
        ("persons", "'@RGPH", "5"),
        ("'-persons", "'+enquête", "5"),
    ]


def test_numbers_the_portal_computed_stay_numbers_and_a_nul_first_is_neutralised():
    """No export holds a negative number today (amounts and indicator values are never below 0): the rule is
    checked on the helper every CSV goes through. PostgreSQL refuses NUL in text, so no title holds one."""
    columns = (plain("balance"), plain("change"), free_text("note"))
    written = csv_text(columns, [(-5, "-5", "\0=1+1"), (Decimal("-12.5"), "+3", "-5")])
    assert written.splitlines() == ["\ufeffbalance,change,note", "-5,-5,'\0=1+1", "-12.5,+3,'-5"]


def test_every_csv_the_portal_serves_is_checked_here(app, client):
    """A new CSV export must join CSV_ROUTES above, and so be tested with formulas in its cells."""
    assert {rule.rule for rule in app.url_map.iter_rules() if rule.rule.endswith(".csv")} == CSV_ROUTES
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    served = {
        path
        for path, operations in paths.items()
        for operation in operations.values()
        if isinstance(operation, dict)
        if "text/csv" in (operation.get("responses", {}).get("200", {}).get("content") or {})
    }
    assert served == {route for route in CSV_ROUTES if route.startswith("/api/")}  # the API's, in its document


def test_every_csv_is_written_through_the_one_helper():
    writers = [
        str(path.relative_to(PORTAL))
        for path in PORTAL.rglob("*.py")
        if re.search(r"csv\.(writer|DictWriter)\(", path.read_text())
    ]
    assert writers == ["domain/spreadsheets.py"]
