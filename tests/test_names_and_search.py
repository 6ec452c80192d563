"""Names as people write them, and searches that find them (issue 21, friction 9): the commune's organisation under
the commune's usual spelling, the regions' too in the mediators' filter; a title search that ignores case and
accents on the page and the API, on SQLite and PostgreSQL; a visitor offered only the statuses they can see; the
dashboards' country chosen by name; the project export for spreadsheets set to French."""

import csv
import io
import re
from datetime import timedelta

import pytest

from portal.database import utcnow
from portal.domain import organisations, projects
from portal.domain.spreadsheets import csv_text, plain
from portal.models import PUBLIC_STATUSES, Cercle, Commune, Region
from portal.models import ProjectStatus as S
from portal.models.territories import MapVersion
from tests.project_factories import make_project


def _status_options(html: str) -> list[str]:
    select = re.search(r'<select[^>]*name="status"[^>]*>(.*?)</select>', html, re.DOTALL).group(1)
    return [value for value in re.findall(r'<option value="([^"]*)"', select) if value]


def test_a_title_search_ignores_case_and_accents_on_the_page_and_the_api(client, cast, session):
    make_project(cast.association, cast.commune_a, S.AGREED, title="Maternité de Diéma")
    make_project(cast.association, cast.commune_a, S.AGREED, title="École du quartier nord")
    make_project(cast.association, cast.commune_a, S.AGREED, title="Forage")
    session.commit()
    for query, found in (
        ("maternite", "Maternité de Diéma"),
        ("MATERNITÉ", "Maternité de Diéma"),
        ("ecole", "École du quartier nord"),
        ("éCOLE du", "École du quartier nord"),
    ):
        page = client.get(f"/projects/?q={query}").get_data(as_text=True)
        assert found in page and "Forage" not in page, query
        titles = [item["title"] for item in client.get(f"/api/v1/projects?q={query}").get_json()["items"]]
        assert titles == [found], query


def test_a_title_changed_is_found_under_its_new_spelling(client, cast, session):
    project = make_project(cast.association, cast.commune_a, S.AGREED, title="Puits")
    project.title = "Périmètre maraîcher"
    session.commit()
    titles = [item["title"] for item in client.get("/api/v1/projects?q=perimetre maraicher").get_json()["items"]]
    assert titles == ["Périmètre maraîcher"]


def test_a_visitor_is_offered_only_the_statuses_of_public_projects(client, login_as):
    offered = _status_options(client.get("/projects/").get_data(as_text=True))
    assert set(offered) == {str(status) for status in PUBLIC_STATUSES}
    assert "draft" not in offered and "submitted" not in offered
    login_as("officer")  # sees its own drafts and submitted projects: every status
    assert {"draft", "submitted", "agreed"} <= set(_status_options(client.get("/projects/").get_data(as_text=True)))


def test_the_commune_organisation_takes_the_communes_usual_spelling(cast, session, app_context):
    current = session.query(MapVersion).filter_by(is_current=True).one()
    region = Region(map_version_id=current.id, code="ML01", name="Kayes")
    session.add(region)
    session.flush()
    cercle = Cercle(map_version_id=current.id, region_id=region.id, code="ML0103", name="Diema")
    session.add(cercle)
    session.flush()
    commune = Commune(
        map_version_id=current.id, cercle_id=cercle.id, code="ML010304", name="Diema", search_name="diema"
    )
    session.add(commune)
    session.flush()
    organisation = organisations.organisation_of_commune(cast.users["mediator"], commune)
    assert organisation.name == "Diéma"  # portal/data/usual_names.csv: ML010304 Diema → Diéma


def test_the_mediators_region_filter_names_regions_by_their_usual_spelling(client, login_as, session):
    current = session.query(MapVersion).filter_by(is_current=True).one_or_none()
    if current is None:
        current = MapVersion(code="test-map", label="Test map", is_current=True)
        session.add(current)
        session.flush()
    session.add_all(
        [
            Region(map_version_id=current.id, code="ML02", name="Koulikouro"),
            Region(map_version_id=current.id, code="ML04", name="Segou"),
        ]
    )
    session.commit()
    login_as("mediator")
    page = client.get("/mediation/desk").get_data(as_text=True)
    assert ">Koulikoro</option>" in page and ">Ségou</option>" in page
    assert "Koulikouro" not in page and "Segou<" not in page


def test_the_dashboards_country_filter_is_a_select_of_countries_by_name(client):
    french = client.get("/dashboards", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<select id="f-country" name="country">' in french
    assert '<option value="FR">France</option>' in french and '<option value="CI">Côte d’Ivoire</option>' in french
    english = client.get("/dashboards?country=es", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<option value="ES" selected>Spain</option>' in english
    assert '<option value="ES">Espagne</option>' in client.get("/dashboards").get_data(as_text=True)


def test_the_export_for_spreadsheets_keeps_accents_and_separates_cells_by_semicolons(client, cast, session):
    make_project(cast.association, cast.commune_a, S.AGREED, title="Maternité, Diéma")
    session.commit()
    link = client.get("/open-data").get_data(as_text=True)
    assert 'href="/open-data/projects-spreadsheet.csv"' in link and 'href="/api/v1/export/projects.csv"' in link
    response = client.get("/open-data/projects-spreadsheet.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith("\ufeff".encode())  # UTF-8 with a byte-order mark
    text = body.decode("utf-8").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["id", "title", "sector"]
    assert rows[1][1] == "Maternité, Diéma" and rows[1][5] == "Diéma"
    standard = client.get("/api/v1/export/projects.csv").get_data().decode("utf-8").lstrip("\ufeff")
    assert list(csv.reader(io.StringIO(standard)))[1][1] == "Maternité, Diéma"  # the API's stays comma-separated


def test_the_spreadsheet_writer_knows_only_its_two_separators(app_context):
    assert csv_text((plain("a"), plain("b")), [(1, 2)], ";") == "\ufeffa;b\r\n1;2\r\n"
    with pytest.raises(ValueError):
        csv_text((plain("a"),), [], "\t")


def test_the_dashboards_say_the_median_answer_time_with_its_plural(app, client, cast, session):
    """A median of 1.5 days is a fraction: its plural form is picked on a whole number, never a 500."""
    with app.app_context():
        project = make_project(cast.association, cast.commune_a, S.SUBMITTED, title="Puits")
        project.first_submitted_at = utcnow() - timedelta(days=1.5)
        session.flush()
        projects.transition(cast.users["mayor"], project, "start_review")
        session.commit()
    french = client.get("/dashboards", headers={"Accept-Language": "fr"})
    assert french.status_code == 200 and "1,5\u00a0jours" in french.get_data(as_text=True).replace(" ", "\u00a0")
    english = client.get("/dashboards", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "1.5 days" in english


def test_an_indicators_destination_country_is_chosen_by_name(client, cast, login_as):
    login_as("mediator")
    page = client.get(f"/communes/{cast.commune_a.id}/indicators/new").get_data(as_text=True)
    country = re.search(r'<select[^>]*name="country"[^>]*>(.*?)</select>', page, re.DOTALL).group(1)
    assert '<option value="FR">France</option>' in country and 'value="">Tous les pays<' in country
