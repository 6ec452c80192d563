"""GET /api/v1/stats, /communes/{id}/profile and the open-data exports, as a partner's client calls them.

Expected numbers are restated from api.md and counted by hand from the fixtures below, never from the code.
"""

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from portal.domain import projects as project_rules
from portal.models import Organisation, ProjectStatus
from tests.commitment_factories import make_commitment
from tests.factories import make_commune, make_organisation, sign_in
from tests.project_factories import make_project

S = ProjectStatus
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "portal" / "data" / "iati"
IATI = "iati-activities-schema.xsd"

# api.md: every key present, zeros included; drafts never counted (their key stays at 0).
ALL_STATUSES = {
    "draft",
    "submitted",
    "under_review",
    "changes_requested",
    "in_consultation",
    "agreed",
    "in_progress",
    "completed",
    "handed_over",
    "declined",
    "withdrawn",
}
PARTY_KINDS = {"association", "commune", "state", "partner", "population"}
COMMITMENT_KEYS = {"open", "fulfilled", "confirmed", "contested", "cancelled", "overdue"}
DISPUTE_KEYS = {"open", "acknowledged", "in_mediation", "resolved", "closed", "dismissed"}


def _zeros(keys):
    return dict.fromkeys(keys, 0)


def test_stats_has_every_key_with_zeros_on_an_empty_portal(client, session):
    response = client.get("/api/v1/stats")
    assert response.status_code == 200
    assert response.get_json() == {
        "projects_by_status": _zeros(ALL_STATUSES),
        "funding_xof_by_party_kind": _zeros(PARTY_KINDS),
        "commitments": _zeros(COMMITMENT_KEYS),
        "disputes": None,  # fewer than 5 disputes: not published, the key still there
    }


@pytest.fixture()
def portfolio(cast, session):
    """Commune A: a draft (never counted), a draft withdrawn before submission (never counted), a submitted
    project, two agreed ones (one co-funded 600,000 association + 400,000 partner, with two commitments: one
    open and overdue, one confirmed) and one handed over (1,000,000 from the association). Commune B (another
    region): a submitted project and an agreed one (250,000 commune + 750,000 EUR-free association)."""
    a, b = cast.commune_a, make_commune("Kita", region_name="Kayes-Sud", cercle_name="Kita")
    org_b = make_organisation("association", "Ressortissants de Kita", home_communes=[b])
    make_project(cast.association, a, S.DRAFT)
    make_project(cast.association, a, S.WITHDRAWN, submitted=False)
    make_project(cast.association, a, S.SUBMITTED)
    co_funded = make_project(
        cast.association,
        a,
        S.AGREED,
        funding=(("association", cast.association, 600_000, "XOF"), ("partner", cast.partner, 400_000, "XOF")),
    )
    make_project(cast.association, a, S.AGREED)
    make_project(cast.association, a, S.HANDED_OVER, sector="health")
    make_project(org_b, b, S.SUBMITTED)
    make_project(
        org_b, b, S.AGREED, funding=(("commune", None, 250_000, "XOF"), ("association", org_b, 750_000, "XOF"))
    )
    make_commitment(co_funded, cast.association, "open", due_in_days=-3)
    make_commitment(co_funded, cast.partner, "confirmed")
    session.commit()
    return {"b_id": b.id, "region_b": b.cercle.region.code, "submitted_year": co_funded.first_submitted_at.year}


def test_stats_count_submitted_projects_funding_of_public_ones_and_their_commitments(client, portfolio):
    body = client.get("/api/v1/stats").get_json()
    assert body["projects_by_status"] == {
        **_zeros(ALL_STATUSES),
        "submitted": 2,
        "agreed": 3,
        "handed_over": 1,
    }
    # Public projects: co-funded (600k + 400k), agreed A (1M), handed over (1M), agreed B (250k + 750k).
    assert body["funding_xof_by_party_kind"] == {
        **_zeros(PARTY_KINDS),
        "association": 600_000 + 1_000_000 + 1_000_000 + 750_000,
        "partner": 400_000,
        "commune": 250_000,
    }
    assert body["commitments"] == {**_zeros(COMMITMENT_KEYS), "open": 1, "confirmed": 1, "overdue": 1}
    assert body["disputes"] is None  # fewer than 5 disputes counted


def test_stats_filter_by_commune_region_and_year(client, portfolio):
    by_commune = client.get(f"/api/v1/stats?commune_id={portfolio['b_id']}").get_json()
    assert by_commune["projects_by_status"] == {**_zeros(ALL_STATUSES), "submitted": 1, "agreed": 1}
    assert by_commune["funding_xof_by_party_kind"]["commune"] == 250_000
    assert by_commune["commitments"] == _zeros(COMMITMENT_KEYS)

    region_code = portfolio["region_b"]
    by_region = client.get(f"/api/v1/stats?region={region_code}").get_json()
    assert by_region == by_commune

    this_year = datetime.now(UTC).year  # the factories submit a day ago: this year, or last on 1 January
    submitted_year = portfolio["submitted_year"]
    assert submitted_year in (this_year, this_year - 1)
    assert sum(client.get(f"/api/v1/stats?year={submitted_year}").get_json()["projects_by_status"].values()) == 6
    assert sum(client.get(f"/api/v1/stats?year={submitted_year - 5}").get_json()["projects_by_status"].values()) == 0


@pytest.mark.parametrize("query", ["year=abc", "year=1200", "commune_id=0", "commune_id=x", "region=" + "R" * 21])
def test_stats_refuses_bad_filters_with_422(client, session, query):
    response = client.get(f"/api/v1/stats?{query}")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_failed"


def test_stats_change_as_soon_as_a_project_changes_state(client, cast, app):
    project = make_project(cast.association, cast.commune_a, S.IN_CONSULTATION)
    db_session = project_rules.db.session
    db_session.commit()
    before = client.get("/api/v1/stats").get_json()["projects_by_status"]
    assert (before["in_consultation"], before["agreed"]) == (1, 0)
    with app.app_context():
        project_rules.transition(db_session.merge(cast.users["mayor"]), db_session.merge(project), "agree")
        db_session.commit()
    after = client.get("/api/v1/stats").get_json()
    assert (after["projects_by_status"]["in_consultation"], after["projects_by_status"]["agreed"]) == (0, 1)
    assert after["funding_xof_by_party_kind"]["association"] == 1_000_000


def test_a_bad_token_is_refused_on_stats(client, session):
    response = client.get("/api/v1/stats", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


# Exports -------------------------------------------------------------------------------------------------


def _csv_rows(response):
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for French spreadsheets"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_projects_csv_lists_public_projects_only(client, cast, session):
    draft = make_project(cast.association, cast.commune_a, S.DRAFT, title="Brouillon secret")
    submitted = make_project(cast.association, cast.commune_a, S.SUBMITTED, title="Soumis pas public")
    agreed = make_project(cast.association, cast.commune_a, S.AGREED, title="Forage de Diéma, « village »")
    session.commit()
    response = client.get("/api/v1/export/projects.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv_rows(response)
    assert [row["id"] for row in rows] == [str(agreed.id)]
    row = rows[0]
    assert row["title"] == "Forage de Diéma, « village »"
    assert (row["status"], row["sector"], row["commune"]) == ("agreed", "water", "Diéma")
    assert (row["budget_total_xof"], row["funding_total_xof"], row["diaspora_funding_xof"]) == ("1000000",) * 3
    assert str(draft.id) not in {r["id"] for r in rows} and str(submitted.id) not in {r["id"] for r in rows}


def _iati(client):
    response = client.get("/api/v1/export/iati.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    return etree.fromstring(response.get_data())


def _validate(document):
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_DIR / IATI)))
    assert schema.validate(document), schema.error_log


def test_iati_export_is_valid_against_the_official_2_03_schema(client, cast, session, app):
    app.config["IATI_REPORTING_ORG_REF"] = "XM-TEST-1"
    try:
        make_project(cast.association, cast.commune_a, S.DRAFT, title="Brouillon")
        make_project(cast.association, cast.commune_a, S.IN_CONSULTATION, title="En concertation")
        co_funded = make_project(
            cast.association,
            cast.commune_a,
            S.IN_PROGRESS,
            title="Maternité de Diéma",
            sector="health",
            funding=(("association", cast.association, 600_000, "XOF"), ("partner", cast.partner, 400_000, "XOF")),
        )
        co_funded.funding_lines[1].confirmed_at = co_funded.created_at  # the partner confirmed: named in public
        session.commit()
        document = _iati(client)
    finally:
        app.config["IATI_REPORTING_ORG_REF"] = "ML-MMEIA"
    _validate(document)
    assert document.tag == "iati-activities" and document.get("version") == "2.03"
    activities = document.findall("iati-activity")
    assert [a.findtext("iati-identifier") for a in activities] == [f"XM-TEST-1-{co_funded.id}"]
    activity = activities[0]
    assert activity.find("reporting-org").get("ref") == "XM-TEST-1"
    assert activity.findtext("title/narrative") == "Maternité de Diéma"
    assert activity.find("activity-status").get("code") == "2"  # implementation
    assert activity.find("sector").get("code") == "12220"  # DAC: basic health care
    roles = {(org.get("role"), org.findtext("narrative")) for org in activity.findall("participating-org")}
    assert ("4", "Association des ressortissants de Diéma") in roles  # implementing
    assert ("1", "Partenaire technique") in roles  # funding
    assert ("1", "Association des ressortissants de Diéma") in roles
    # product.md ("Open data planners can join"), IATI OrganisationRole 2.03 (1 Funding, 2 Accountable,
    # 3 Extending, 4 Implementing): the commune is accountable, the association implementing.
    by_role = {}
    for org in activity.findall("participating-org"):
        by_role.setdefault(org.get("role"), set()).add(org.findtext("narrative"))
    assert by_role["2"] == {cast.commune_org.name}
    assert by_role["4"] == {"Association des ressortissants de Diéma"}
    # The ministry reports, by its full name (product.md, "Planning with the diaspora").
    reporting = activity.find("reporting-org")
    assert reporting.findtext("narrative") == "Ministère des Maliens de l'Extérieur et de l'Intégration Africaine"
    transactions = activity.findall("transaction")
    assert [(t.find("transaction-type").get("code"), t.findtext("value")) for t in transactions] == [
        ("11", "600000"),
        ("11", "400000"),
    ]
    assert {t.find("value").get("currency") for t in transactions} == {"XOF"}


def test_every_sector_maps_to_a_dac_code_and_stays_valid(client, cast, session):
    for sector in ("water", "health", "education", "agriculture", "energy", "culture", "economy", "other"):
        make_project(cast.association, cast.commune_a, S.HANDED_OVER, sector=sector, summary="")
    session.commit()
    document = _iati(client)
    _validate(document)
    codes = [a.find("sector").get("code") for a in document.findall("iati-activity")]
    assert codes == ["14030", "12220", "11220", "31120", "23210", "16061", "25010", "99810"]
    assert {a.find("activity-status").get("code") for a in document.findall("iati-activity")} == {"4"}


def test_exports_answer_anonymous_visitors_and_partners_alike(client, cast, session):
    make_project(cast.association, cast.commune_a, S.AGREED)
    session.commit()
    anonymous = client.get("/api/v1/export/projects.csv").get_data()
    sign_in(client, cast.users["mayor"])  # a browser session never authenticates the API: same answer
    assert client.get("/api/v1/export/projects.csv").get_data() == anonymous
    assert session.query(Organisation).count() > 0


def test_indicators_csv_lists_every_entered_value_with_its_commune_unit_and_source(client, cast, session):
    from portal.models import IndicatorValue

    session.add_all(
        [
            IndicatorValue(
                commune_id=cast.commune_a.id,
                indicator="population",
                year=2024,
                value=12000,
                unit="persons",
                source="RGPH 2024",
            ),
            IndicatorValue(
                commune_id=cast.commune_a.id,
                indicator="emigrants",
                year=2024,
                country="FR",
                sex="f",
                value="310.5",
                unit="persons",
                source="Enquête",
            ),
        ]
    )
    session.commit()
    response = client.get("/api/v1/export/indicators.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = _csv_rows(response)
    assert [
        (r["commune"], r["indicator"], r["year"], r["country"], r["sex"], r["value"], r["unit"], r["source"])
        for r in rows
    ] == [
        ("Diéma", "population", "2024", "", "", "12000", "persons", "RGPH 2024"),
        ("Diéma", "emigrants", "2024", "FR", "f", "310.5", "persons", "Enquête"),
    ]


@pytest.mark.parametrize("url", ["/api/v1/stats", "/api/v1/export/projects.csv", "/api/v1/export/iati.xml"])
def test_stats_and_exports_run_a_constant_number_of_queries(client, cast, session, url):
    from tests.helpers import assert_constant_queries
    from tests.project_factories import build_project

    statuses = [S.SUBMITTED, S.AGREED, S.IN_PROGRESS, S.HANDED_OVER]

    def add_rows(n):
        session.add_all(
            build_project(
                cast.association,
                cast.commune_a,
                statuses[i % len(statuses)],
                funding=(("association", cast.association, 600_000, "XOF"), ("partner", cast.partner, 400_000, "XOF")),
            )
            for i in range(n)
        )
        session.commit()

    assert_constant_queries(client, url, add_rows, small=10, large=200)


def test_stats_count_disputes_of_the_counted_projects_only_and_at_once(client, cast, session):
    """api.md: disputes are those of the counted projects, by status, counts only, published from 5 disputes on
    (tests/test_dispute_counts.py has the matrix); a committed change shows at once."""
    from tests.dispute_factories import make_dispute

    association_b = make_organisation("association", "Ressortissants de Béma", home_communes=[cast.commune_b])
    in_a = make_project(cast.association, cast.commune_a, S.AGREED)
    in_b = make_project(association_b, cast.commune_b, S.SUBMITTED)
    draft = make_project(cast.association, cast.commune_a, S.DRAFT)  # never counted, nor its disputes
    for status in ("open", "open", "acknowledged"):
        make_dispute(cast, status, project=in_a)
    closed = make_dispute(cast, "closed", project=in_a)
    make_dispute(cast, "in_mediation", project=in_b, claimant=association_b, respondent=cast.commune_org_b)
    make_dispute(cast, "open", project=draft)
    session.commit()
    everywhere = client.get("/api/v1/stats").get_json()["disputes"]
    assert everywhere == {**_zeros(DISPUTE_KEYS), "open": 2, "acknowledged": 1, "closed": 1, "in_mediation": 1}
    from portal.models import Dispute

    session.get(Dispute, closed.id).status = "in_mediation"  # an appeal, say
    session.commit()
    again = client.get("/api/v1/stats").get_json()["disputes"]
    assert again == {**_zeros(DISPUTE_KEYS), "open": 2, "acknowledged": 1, "in_mediation": 2}
    # Counts only: no subject, party or id of a dispute anywhere in the answer.
    assert "Tranche" not in client.get("/api/v1/stats").get_data(as_text=True)
