"""Whatever a person sends to any route, as any role, the answer is never a 500 (bounded, deterministic)."""

import pytest

from tests.factories import sign_in
from tests.project_factories import make_project
from tests.test_routes import ROUTES

GARBAGE = [
    "",
    "x" * 5_000,
    "-1",
    "99999999999999999999999999",
    "1e309",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\x00nul",
    "Ségou 🙂",
    "[]",
]
# Every field name the forms and query strings of the portal read.
FIELDS = [
    "email",
    "password",
    "name",
    "locale",
    "next",
    "q",
    "page",
    "per_page",
    "role",
    "successor",
    "reason",
    "commune",
    "kind",
    "status",
    "sector",
    "region",
    "association",
    "commune_id",
    "association_id",
    "title",
    "summary",
    "village",
    "pdsec_period",
    "pdsec_line",
    "sdg_tags",
    "version",
    "comment",
    "body",
    "action",
    "owner_organisation_id",
    "maintenance_plan",
    "currency",
    "valid_from",
    "rate_to_xof",
    "association_name",
    "country",
    "city",
    "registration_number",
    "commune_query",
    "villages",
    "pref-locale",
    "pref-timezone",
    "pref-currency",
    "pw-current_password",
    "pw-password",
    "em-current_password",
    "em-email",
    "official-commune",
    "official-role",
    "official-email",
    "partner-partner",
    "partner-role",
    "partner-email",
    "project_escalation_days",
    "budget-0-label",
    "budget-0-amount",
    "budget-0-currency",
    "funding-0-party_kind",
    "funding-0-organisation_id",
    "funding-0-amount",
    "funding-0-currency",
    "add_budget",
    "remove_budget",
    "add_funding",
    "remove_funding",
    "kind_membership",
    "kind_projects",
]


@pytest.mark.parametrize("role", ["officer", "mayor", "mediator", "admin"])
@pytest.mark.parametrize("garbage", range(len(GARBAGE)))
def test_no_route_answers_500_to_garbage(client, cast, session, role, garbage):
    project = make_project(cast.association, cast.commune_a, status="under_review")
    session.commit()
    value = GARBAGE[garbage]
    for endpoint, (method, path, _expected) in sorted(ROUTES.items()):
        if endpoint in ("static", "auth.logout", "account.sign_out_everywhere"):
            continue
        sign_in(client, cast.users[role])
        url = path.format(cast=cast).replace("/999999", f"/{project.id}")
        data = {field: value for field in FIELDS}
        if method == "GET":
            response = client.get(url, query_string=data)
        elif url.startswith("/api/"):
            response = client.open(url, method=method, json=data)
        else:
            response = client.open(url, method=method, data=data)
        response.close()
        assert response.status_code < 500, (endpoint, method, url, repr(value)[:40], response.status_code)
