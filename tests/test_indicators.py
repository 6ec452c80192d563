"""Indicators: the import (line-by-line report, all or nothing, idempotent), the entry rules, and the profile API
with its computed indicators, restated from issue 12."""

import itertools
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.domain.indicators import enter_indicator_value
from portal.errors import Refused
from portal.models import AuditEvent, IndicatorValue, ProjectStatus
from tests.factories import make_commune, make_organisation
from tests.helpers import assert_constant_queries
from tests.project_factories import make_project

HEADER = "commune_code,map_version,indicator,year,value,unit,source,country,sex\n"


def _import(app, tmp_path, text):
    path = tmp_path / "indicators.csv"
    path.write_text(text, encoding="utf-8")
    with app.app_context():
        return app.test_cli_runner().invoke(args=["import-indicators", str(path)])


@pytest.fixture()
def commune(session):
    commune = make_commune("Diéma")
    session.commit()
    return {"id": commune.id, "code": commune.code}


def _values(session):
    return session.scalar(select(func.count()).select_from(IndicatorValue))


def test_a_good_file_is_imported_and_again_changes_nothing(app, session, tmp_path, commune):
    text = HEADER + (
        f"{commune['code']},test-map,population,2020,1000,persons,RGPH 2020,,\n"
        f"{commune['code']},test-map,emigrants,2020,300,persons,Enquête,FR,m\n"
        f'{commune["code"]},test-map,remittances,2021,"1500000,50",XOF,Banque,,\n'
    )
    result = _import(app, tmp_path, text)
    assert result.exit_code == 0, result.output
    assert "3 lines read: 3 values created, 0 updated, 0 unchanged." in result.output
    assert _values(session) == 3
    assert session.scalar(select(func.count()).where(AuditEvent.action == "indicator.set")) == 3
    again = _import(app, tmp_path, text)
    assert "0 values created, 0 updated, 3 unchanged." in again.output
    corrected = _import(app, tmp_path, text.replace("1000,persons", "1100,persons"))
    assert "0 values created, 1 updated, 2 unchanged." in corrected.output
    assert session.scalar(select(func.count()).where(AuditEvent.action == "indicator.set")) == 4


def test_a_bad_line_is_reported_by_number_and_nothing_is_imported(app, session, tmp_path, commune):
    text = HEADER + (
        f"{commune['code']},test-map,population,2020,1000,persons,RGPH,,\n"  # line 2: good
        f"NOPE,test-map,population,2020,1000,persons,RGPH,,\n"  # line 3: unknown commune
        f"{commune['code']},test-map,population,1800,-5,persons,,,\n"  # line 4: year, value, source
        f"{commune['code']},test-map,population,2021,10,XOF,RGPH,,\n"  # line 5: wrong unit
        f"{commune['code']},test-map,population,2021,10,persons,RGPH,FR,\n"  # line 6: only emigrants by country
    )
    result = _import(app, tmp_path, text)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("line ")]
    assert [line.split(":")[0] for line in lines] == ["line 3", "line 4", "line 5", "line 6"]
    assert "commune_code" in lines[0]
    assert all(name in lines[1] for name in ("year", "value", "source"))
    assert "unit" in lines[2] and "country" in lines[3]
    assert "4 of 5 lines refused; nothing was imported" in result.output
    assert _values(session) == 0


def test_a_file_without_the_columns_is_refused(app, session, tmp_path):
    result = _import(app, tmp_path, "code,value\nX,1\n")
    assert result.exit_code == 1 and "missing columns" in result.output


def test_the_sample_file_imports_into_the_ocha_map(app, session):
    from portal.domain.indicators import SAMPLE_FILE
    from portal.domain.territories import DEFAULT_MAP_FILE, import_territories

    with app.app_context():
        import_territories(DEFAULT_MAP_FILE, "ocha-2015", "OCHA COD-AB Mali 2015")
        session.commit()
        result = app.test_cli_runner().invoke(args=["import-indicators", str(SAMPLE_FILE)])
    assert result.exit_code == 0, result.output
    assert "88 lines read: 88 values created" in result.output


# Entry rules ---------------------------------------------------------------------------------------------

ENTRY = {"indicator": "returnees", "year": "2023", "value": "42", "unit": "persons", "source": "Mairie"}


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("mayor", True),
        ("deputy", True),
        ("mediator", True),
        ("mayor_b", False),
        ("officer", False),
        ("observer", False),
        ("representative", False),
        ("nobody", False),
    ],
)
def test_officials_of_the_commune_and_mediators_enter_values(app_context, cast, session, role, allowed):
    actor = session.merge(cast.users[role])
    commune = session.merge(cast.commune_a)
    if allowed:
        row = enter_indicator_value(actor, commune, ENTRY)
        assert (row.value, row.entered_by_id) == (Decimal(42), actor.id)
    else:
        with pytest.raises(Refused) as refused:
            enter_indicator_value(actor, commune, ENTRY)
        assert refused.value.code == "forbidden"


def test_a_stale_version_is_refused(app_context, cast, session):
    mayor, commune = session.merge(cast.users["mayor"]), session.merge(cast.commune_a)
    row = enter_indicator_value(mayor, commune, ENTRY)
    enter_indicator_value(mayor, commune, {**ENTRY, "value": "43"}, version=row.version)
    with pytest.raises(Refused) as refused:
        enter_indicator_value(mayor, commune, {**ENTRY, "value": "44"}, version=1)
    assert refused.value.code == "stale_version"


# The profile API ---------------------------------------------------------------------------------------------


def test_every_commune_has_a_profile_with_every_indicator(client, cast, session):
    body = client.get(f"/api/v1/communes/{cast.commune_b.id}/profile").get_json()
    assert body["commune"]["name"] == "Béma"
    codes = [indicator["code"] for indicator in body["indicators"]]
    assert codes == [
        "population",
        "households_with_member_abroad",
        "emigrants",
        "returnees",
        "remittances",
        "associations",
        "diaspora_projects",
        "diaspora_funding",
        "facilities_built",
        "facilities_working",
    ]
    computed = {indicator["code"] for indicator in body["indicators"] if indicator["computed"]}
    assert computed == {"diaspora_projects", "diaspora_funding", "facilities_built", "facilities_working"}
    assert all(indicator["values"] == [] for indicator in body["indicators"])


def test_the_profile_gives_values_by_year_with_sources_and_computes_the_portal_s_own(client, cast, session, app):
    mayor, commune = session.merge(cast.users["mayor"]), session.merge(cast.commune_a)
    with app.app_context():
        enter_indicator_value(mayor, commune, {**ENTRY, "indicator": "population", "year": "2022", "value": "9000"})
        enter_indicator_value(mayor, commune, {**ENTRY, "indicator": "emigrants", "country": "fr", "sex": "F"})
        session.commit()
    make_project(cast.association, cast.commune_a, ProjectStatus.DRAFT)
    make_project(cast.association, cast.commune_a, ProjectStatus.SUBMITTED)
    make_project(cast.association, cast.commune_a, ProjectStatus.AGREED)
    make_project(
        cast.association,
        cast.commune_a,
        ProjectStatus.HANDED_OVER,
        funding=(("association", cast.association, 700_000, "XOF"), ("commune", None, 300_000, "XOF")),
    )
    session.commit()
    body = client.get(f"/api/v1/communes/{cast.commune_a.id}/profile").get_json()
    by_code = {indicator["code"]: indicator for indicator in body["indicators"]}
    assert by_code["population"]["values"] == [
        {
            "year": 2022,
            "value": "9000",
            "unit": "persons",
            "country": None,
            "sex": None,
            "source": "Mairie",
            "entered_by": {"id": cast.users["mayor"].id, "name": "Maire de Diéma"},
        }
    ]
    assert by_code["emigrants"]["values"][0]["country"] == "FR" and by_code["emigrants"]["values"][0]["sex"] == "f"
    projects = by_code["diaspora_projects"]["values"]
    assert len(projects) == 1 and projects[0]["value"] == "2" and projects[0]["source"] == "portal"
    assert by_code["diaspora_funding"]["values"][0]["value"] == str(1_000_000 + 700_000)
    assert by_code["facilities_built"]["values"][0]["value"] == "1"


def test_the_profile_runs_a_constant_number_of_queries(client, cast, session):
    commune_id = cast.commune_a.id
    numbers = itertools.count()

    def add_rows(n):
        rows = []
        for _ in range(n):
            i = next(numbers)  # a distinct (year, country) each: 140 years x 26 countries
            country = f"{chr(65 + i // 140)}A"
            rows.append(
                IndicatorValue(
                    commune_id=commune_id,
                    indicator="emigrants",
                    year=1960 + i % 140,
                    country=country,
                    sex="",
                    value=i,
                    unit="persons",
                    source="x",
                )
            )
        session.add_all(rows)
        session.commit()

    assert_constant_queries(client, f"/api/v1/communes/{commune_id}/profile", add_rows)


def test_facilities_still_working_are_those_whose_last_check_says_so(client, cast, session):
    """Three facilities handed over in commune A: working, partly working, not checked yet; one working in
    commune B. The profile of A counts one still working (partly is not working), by year of submission."""
    from tests.delivery_factories import make_facility

    association_b = make_organisation("association", "Ressortissants de Béma", home_communes=[cast.commune_b])
    working = make_facility(cast.association, cast.commune_a, cast.commune_org, "working")
    make_facility(cast.association, cast.commune_a, cast.commune_org, "partly")
    make_facility(cast.association, cast.commune_a, cast.commune_org)
    make_facility(association_b, cast.commune_b, cast.commune_org_b, "working")
    year = working.first_submitted_at.year
    session.commit()
    body = client.get(f"/api/v1/communes/{cast.commune_a.id}/profile").get_json()
    by_code = {indicator["code"]: indicator for indicator in body["indicators"]}
    assert [(v["year"], v["value"]) for v in by_code["facilities_working"]["values"]] == [(year, "1")]
    assert [(v["year"], v["value"]) for v in by_code["facilities_built"]["values"]] == [(year, "3")]
