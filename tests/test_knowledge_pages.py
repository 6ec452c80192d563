"""The knowledge pages: dashboards with hand-counted figures, SVG charts with presentation attributes only and their
tables, filters, constant query counts; the profile with its projection; the planning sheet; the open-data page;
the entry form (CSRF, a stale correction keeps the input)."""

import itertools
import re

import pytest

from portal.models import IndicatorValue, ProjectStatus
from tests.commitment_factories import make_commitment
from tests.factories import make_organisation, sign_in
from tests.helpers import assert_constant_queries
from tests.project_factories import build_project, make_project

S = ProjectStatus
EN = {"Accept-Language": "en"}


def _row(html: str, caption: str, label: str) -> str:
    """The value of `label`'s row in the table captioned `caption`."""
    table = html[html.index(f"<caption>{caption}</caption>") :]
    table = table[: table.index("</table>")]
    found = re.search(rf'<th scope="row">{re.escape(label)}</th><td class="num">([^<]*)</td>', table)
    assert found, (caption, label)
    return found.group(1).replace("\u202f", " ").replace("\xa0", " ")


@pytest.fixture()
def portfolio(cast, session):
    """Commune A: a draft (never counted), a submitted water project, an agreed health project co-funded 600,000
    by the association (from France) and 400,000 by the partner with an overdue open commitment and a confirmed
    one, a handed-over water project (1,000,000 from the association). An association from Côte d'Ivoire: one
    submitted education project."""
    ivorian = make_organisation("association", "Diéma à Abidjan", home_communes=[cast.commune_a], country="CI")
    make_project(cast.association, cast.commune_a, S.DRAFT)
    make_project(cast.association, cast.commune_a, S.SUBMITTED)
    agreed = make_project(
        cast.association,
        cast.commune_a,
        S.AGREED,
        sector="health",
        funding=(("association", cast.association, 600_000, "XOF"), ("partner", cast.partner, 400_000, "XOF")),
    )
    make_project(cast.association, cast.commune_a, S.HANDED_OVER)
    make_project(ivorian, cast.commune_a, S.SUBMITTED, sector="education")
    make_commitment(agreed, cast.association, "open", due_in_days=-2)
    make_commitment(agreed, cast.partner, "confirmed")
    session.commit()


def test_the_dashboards_show_hand_counted_figures_with_their_charts(client, portfolio):
    response = client.get("/dashboards", headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _row(html, "Projects by status", "Submitted") == "2"
    assert _row(html, "Projects by status", "Agreed") == "1"
    assert _row(html, "Projects by status", "Handed over") == "1"
    assert '<th scope="row">Draft</th>' not in html  # drafts are never counted: no row for them
    assert _row(html, "Projects by sector", "Water") == "2"
    assert _row(html, "Projects by sector", "Education") == "1"
    assert _row(html, "Funding of agreed projects by party (F CFA)", "Diaspora association") == "F CFA 1,600,000"
    assert _row(html, "Funding of agreed projects by party (F CFA)", "Partner") == "F CFA 400,000"
    assert _row(html, "Commitments by status", "Overdue") == "1"
    # 1,600,000 of 2,000,000 from the diaspora; 1 kept (confirmed) of 2 not cancelled.
    assert "80%" in html and "50%" in html


def test_the_filters_narrow_the_projects(client, portfolio):
    by_sector = client.get("/dashboards?sector=health", headers=EN).get_data(as_text=True)
    assert _row(by_sector, "Projects by status", "Agreed") == "1"
    assert _row(by_sector, "Projects by status", "Submitted") == "0"
    by_country = client.get("/dashboards?country=ci", headers=EN).get_data(as_text=True)
    assert _row(by_country, "Projects by status", "Submitted") == "1"
    assert _row(by_country, "Projects by sector", "Education") == "1"
    by_commune = client.get("/dashboards?commune=DIEMA", headers=EN).get_data(as_text=True)
    assert _row(by_commune, "Projects by status", "Submitted") == "2"
    nowhere = client.get("/dashboards?commune=Tombouctou&year=1999", headers=EN).get_data(as_text=True)
    assert _row(nowhere, "Projects by status", "Submitted") == "0"


def test_charts_are_svg_with_presentation_attributes_only_each_beside_its_table(client, portfolio):
    html = client.get("/dashboards", headers=EN).get_data(as_text=True)
    figures = re.findall(r'<figure class="chart-figure".*?</figure>', html, re.S)
    assert len(figures) == 5  # no dispute: their counts are not shown (tests/test_dispute_counts.py)
    for figure in figures:
        svg = figure[figure.index("<svg") : figure.index("</svg>")]
        assert "<style" not in svg and "<script" not in svg and " style=" not in svg and " on" not in svg
        assert "<title" in svg and "<rect" in svg
        assert "<table" in figure[figure.index("</svg>") :]


def test_the_dashboards_run_a_constant_number_of_queries(client, cast, session):
    statuses = itertools.cycle([S.SUBMITTED, S.AGREED, S.HANDED_OVER, S.DECLINED])

    def add_rows(n):
        projects = [build_project(cast.association, cast.commune_a, next(statuses)) for _ in range(n)]
        session.add_all(projects)
        session.commit()

    assert_constant_queries(client, "/dashboards", add_rows, small=10, large=200)


def test_the_profile_shows_values_sources_and_a_labelled_projection(client, cast, session):
    for year, value in ((2020, 100), (2021, 110), (2022, 120)):
        session.add(
            IndicatorValue(
                commune_id=cast.commune_a.id,
                indicator="returnees",
                year=year,
                value=value,
                unit="persons",
                source="Registre",
            )
        )
    session.commit()
    html = client.get(f"/communes/{cast.commune_a.id}/profile", headers=EN).get_data(as_text=True)
    assert "Registre" in html
    # 100, 110, 120: ten more a year, so 130 in 2023 ... 170 in 2027, on the line exactly (no band).
    assert "Projection (linear trend), not an observed value" in html
    assert '<th scope="row">2027</th><td class="num">170</td><td class="num">170</td><td class="num">170</td>' in html
    sheet = client.get(f"/communes/{cast.commune_a.id}/planning", headers=EN).get_data(as_text=True)
    assert "2027: 170 (from 170 to 170)" in sheet


def test_the_profile_and_planning_sheet_run_a_constant_number_of_queries(client, cast, session):
    commune_id = cast.commune_a.id
    numbers = itertools.count()

    def add_rows(n):
        for _ in range(n):
            i = next(numbers)
            session.add(
                IndicatorValue(
                    commune_id=commune_id,
                    indicator="emigrants",
                    year=1960 + i % 140,
                    country=f"{chr(65 + i // 140)}B",
                    sex="",
                    value=i,
                    unit="persons",
                    source="x",
                )
            )
            session.add(build_project(cast.association, cast.commune_a, S.AGREED))
        session.commit()

    assert_constant_queries(client, f"/communes/{commune_id}/profile", add_rows, small=5, large=150)
    assert_constant_queries(client, f"/communes/{commune_id}/planning", add_rows, small=5, large=150)


def test_the_planning_sheet_lists_the_projects_the_viewer_may_see_with_their_commitments(client, cast, portfolio):
    anonymous = client.get(f"/communes/{cast.commune_a.id}/planning", headers=EN).get_data(as_text=True)
    assert "1 open (1 overdue), 1 kept, 0 contested" in anonymous
    assert anonymous.count('<th scope="row"><a href="/projects/') == 2  # the public ones: agreed, handed over
    sign_in(client, cast.users["mayor"])
    mayor = client.get(f"/communes/{cast.commune_a.id}/planning", headers=EN).get_data(as_text=True)
    assert mayor.count('<th scope="row"><a href="/projects/') == 4  # and the submitted ones (not the draft)


def test_the_open_data_page_lists_the_exports_and_their_licence(client, session):
    html = client.get("/open-data", headers=EN).get_data(as_text=True)
    for href in ("/api/v1/export/projects.csv", "/api/v1/export/indicators.csv", "/api/v1/export/iati.xml"):
        assert f'href="{href}"' in html
    assert 'rel="license"' in html and "CC BY 4.0" in html


def test_the_entry_form_needs_its_csrf_token(csrf_app, cast, session):
    client = csrf_app.test_client()
    sign_in(client, cast.users["mayor"])
    form = {"indicator": "returnees", "year": "2024", "value": "5", "source": "Mairie"}
    response = client.post(f"/communes/{cast.commune_a.id}/indicators/new", data=form)
    assert response.status_code == 400


def test_a_correction_over_a_stale_version_keeps_the_input_and_says_so(client, cast, session):
    value = IndicatorValue(
        commune_id=cast.commune_a.id, indicator="population", year=2024, value=1000, unit="persons", source="RGPH"
    )
    session.add(value)
    session.commit()
    value_id = value.id
    sign_in(client, cast.users["mayor"])
    url = f"/communes/{cast.commune_a.id}/indicators/{value_id}"
    first = client.post(url, data={"value": "1100", "source": "RGPH", "version": "1"}, headers=EN)
    assert first.status_code == 303
    stale = client.post(url, data={"value": "1200", "source": "Mon relevé", "version": "1"}, headers=EN)
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Someone corrected this value while you were editing it" in html
    assert 'value="1200"' in html and 'value="Mon relevé"' in html
    assert 'name="version" type="hidden" value="2"' in html
    again = client.post(url, data={"value": "1200", "source": "Mon relevé", "version": "2"}, headers=EN)
    assert again.status_code == 303


def test_a_refused_entry_keeps_the_input_and_says_why_next_to_the_field(client, cast, session):
    sign_in(client, cast.users["mediator"])
    form = {"indicator": "returnees", "year": "1700", "value": "-3", "source": "Enquête"}
    response = client.post(f"/communes/{cast.commune_a.id}/indicators/new", data=form, headers=EN)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="year-error"' in html and 'id="value-error"' in html
    assert 'value="1700"' in html and 'value="Enquête"' in html


def test_the_projection_needs_three_years(client, cast, session):
    session.add(
        IndicatorValue(
            commune_id=cast.commune_a.id, indicator="returnees", year=2024, value=5, unit="persons", source="R"
        )
    )
    session.commit()
    html = client.get(f"/communes/{cast.commune_a.id}/profile", headers=EN).get_data(as_text=True)
    assert "Projection (linear trend)" not in html
