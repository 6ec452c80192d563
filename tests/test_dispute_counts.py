"""Dispute counts never single out a dispute (issue 20; api.md, `GET /api/v1/stats`): `disputes` is null unless
the only filters are `region` and/or `year` and at least 5 disputes are counted, the key always present. The
dashboards' filters (sector, country, cercle, commune name) obey the same rule. A matrix of filters × counts just
below and at the threshold; the numbers are counted by hand from the disputes made here."""

from datetime import UTC

import pytest

from portal.models import ProjectStatus
from tests.dispute_factories import make_dispute
from tests.project_factories import make_project

EN = {"Accept-Language": "en"}
DISPUTE_KEYS = {"open", "acknowledged", "in_mediation", "resolved", "closed", "dismissed"}


@pytest.fixture(params=[4, 5], ids=["4 disputes", "5 disputes"])
def disputes(request, cast, session):
    """`request.param` open disputes, each on its own agreed water project of commune A (association A, from
    France); the filters of each face, by name, as the caller writes them."""
    made = []
    for _ in range(request.param):
        project = make_project(
            cast.association,
            cast.commune_a,
            ProjectStatus.AGREED,
            funding=(("association", cast.association, 600_000, "XOF"), ("partner", cast.partner, 400_000, "XOF")),
        )
        made.append(make_dispute(cast, "open", project=project))
    session.commit()
    project = made[0].project
    return {
        "count": request.param,
        "region": project.commune.cercle.region.code,
        "cercle": project.commune.cercle.code,
        "year": project.first_submitted_at.astimezone(UTC).year,
        "commune_id": cast.commune_a.id,
    }


def _query(disputes, names: tuple[str, ...], extra: dict) -> str:
    values = {name: disputes[name] for name in names if name in disputes} | extra
    return "&".join(f"{name}={value}" for name, value in values.items())


# (filters given, whether region and/or year alone) — api.md's filters of /api/v1/stats.
API_FILTERS = [
    ((), True),
    (("region",), True),
    (("year",), True),
    (("region", "year"), True),
    (("commune_id",), False),
    (("commune_id", "region"), False),
    (("commune_id", "year"), False),
]


@pytest.mark.parametrize(("names", "broad"), API_FILTERS, ids=["+".join(n) or "none" for n, _ in API_FILTERS])
def test_the_stats_api_gives_dispute_counts_only_for_region_or_year_and_at_least_five(client, disputes, names, broad):
    body = client.get(f"/api/v1/stats?{_query(disputes, names, {})}").get_json()
    assert "disputes" in body  # the key is always present
    if broad and disputes["count"] >= 5:
        assert body["disputes"] == {**dict.fromkeys(DISPUTE_KEYS, 0), "open": 5}
    else:
        assert body["disputes"] is None
    assert body["projects_by_status"]["agreed"] == disputes["count"]  # the other aggregates are still there


# The dashboards' filters: region and year, and the narrower ones (cercle, sector, country, commune name).
PAGE_FILTERS = [
    ((), {}, True),
    (("region",), {}, True),
    (("year",), {}, True),
    (("region", "year"), {}, True),
    (("cercle",), {}, False),
    ((), {"sector": "water"}, False),
    ((), {"country": "FR"}, False),
    ((), {"commune": "Diéma"}, False),
    (("region", "year"), {"sector": "water"}, False),
]


@pytest.mark.parametrize(
    ("names", "extra", "broad"),
    PAGE_FILTERS,
    ids=["+".join([*n, *e]) or "none" for n, e, _ in PAGE_FILTERS],
)
def test_the_dashboards_show_dispute_counts_under_the_same_rule(client, disputes, names, extra, broad):
    html = client.get(f"/dashboards?{_query(disputes, names, extra)}", headers=EN).get_data(as_text=True)
    assert "Projects by status" in html  # the page still shows everything else
    shown = "<caption>Disputes by status</caption>" in html
    assert shown == (broad and disputes["count"] >= 5)
    if shown:
        assert '<th scope="row">Open</th><td class="num">5</td>' in html
    else:
        assert "Disputes are confidential" in html
