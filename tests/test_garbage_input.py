"""Whatever a person sends to any route, as any role, the answer is never a 500 (bounded, deterministic).

The walk goes over every (rule, method) of the route table (tests/routes/), at the walk's real records
(tests/walk.py): for each rule it takes the first sample the role gets past the checks of who may do it, so
that the garbage reaches the code that reads it: the officer's draft for the project form, each role's
bearer token for the API (a rule that turns the role away before reading anything is left to the others).
"""

import pytest

from tests.routes import Sample
from tests.test_routes import ROUTES
from tests.walk import walk, walk_client  # noqa: F401  (fixtures)

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
# What would end the role's session or token for the rest of the walk.
SKIPPED = {
    ("/static/<path:filename>", "GET"),
    ("/auth/logout", "POST"),
    ("/account/sign-out-everywhere", "POST"),
    ("/api/v1/tokens/current", "DELETE"),
}
REFUSED = {302, 403, 404}


def reaching(samples: list[Sample], role: str) -> Sample | None:
    """The first sample whose checks the role gets past (none: the role is turned away before its input is
    read, and another role of the walk reads it)."""
    for sample in samples:
        expected = sample.expected.get(role, sample.expected.get("*"))
        if set(expected if isinstance(expected, frozenset) else {expected}) - REFUSED:
            return sample
    return None


@pytest.mark.parametrize("role", ["officer", "mayor", "mediator", "admin"])
@pytest.mark.parametrize("garbage", range(len(GARBAGE)))
def test_no_route_answers_500_to_garbage(walk, walk_client, role, garbage):  # noqa: F811
    value = GARBAGE[garbage]
    flat = {field: value for field in FIELDS}
    for (rule, method), samples in sorted(ROUTES.items()):
        if (rule, method) in SKIPPED:
            continue
        sample = reaching(samples, role)
        if sample is None:
            continue
        url = sample.path.format(w=walk.world)
        if method == "GET":
            bodies = [{"query_string": flat}]
        elif url.startswith("/api/"):
            bodies = [{"json": flat}]
        else:
            bodies = [{"data": flat}]
        for body in bodies:
            walk_client.sign_in_as(role)
            response = walk_client.open(url, method, **body)
            response.close()
            assert response.status_code < 500, (rule, method, url, repr(value)[:40], response.status_code)
