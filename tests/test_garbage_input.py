"""Whatever a person sends to any route, as any role, the answer is never a 500 (bounded, deterministic).

The walk goes over every (rule, method) of the route table (tests/routes/), at the walk's real records
(tests/walk.py): for each rule it takes the first sample the role gets past the checks of who may do it, so
that the garbage reaches the code that reads it: the officer's draft for the project form, each role's
bearer token for the API (a rule that turns the role away before reading anything is left to the others).
"""

import io
from urllib.parse import parse_qsl

import pytest

from portal.extensions import db
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
    "meeting_reminder_hours",
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
    "budget_lines",
    "funding_lines",
    # Meetings (helper-meet).
    "date",
    "time",
    "timezone",
    "duration_minutes",
    "location",
    "online_url",
    "reminder_hours",
    "answer",
    "decisions",
    "people",
    "project_id",
    "project_ids",
    "invitee_organisation_ids",
    "attendee_organisation_ids",
    "organisation_id",
    "kind_meetings",
    # Disputes' pages (helper-pages).
    "respondent_organisation_id",
    "commitment_id",
    "subject",
    "description",
    "mediator_id",
    "dispute_id",
]
# The buttons that add or remove a row of the project form: with one of them, the form is only redrawn.
ROW_BUTTONS = {"add_budget", "remove_budget", "add_funding", "remove_funding"}
PROJECT_FORMS = {("/projects/new", "POST"), ("/projects/<int:project_id>/edit", "POST")}
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


def garbled(body, value):
    """The body with every value replaced by `value`, but the action (so that the transition's own checks
    read the rest)."""
    if isinstance(body, dict):
        return {key: item if key == "action" else garbled(item, value) for key, item in body.items()}
    if isinstance(body, list):
        return [garbled(item, value) for item in body]
    return value


def requests(rule: str, method: str, samples: list[Sample], role: str, world, value) -> list[tuple[str, dict]]:
    """(url, body) pairs that carry `value` in every field, to the first sample the role gets past the checks
    of (for the API, also each such sample's own body with its values garbled)."""
    sample = reaching(samples, role)
    if sample is None:
        return []
    url = sample.path.format(w=world)
    flat = {field: value for field in FIELDS}
    if method == "GET":  # a sample's own query (the record it is about) is kept, to reach past the checks
        path, _, query = url.partition("?")
        return [(path, {"query_string": {**flat, **dict(parse_qsl(query))}})]
    if not url.startswith("/api/"):
        found = [(url, {"data": flat})]
        if (rule, method) in PROJECT_FORMS:  # past the row buttons, to the form's checks and the domain
            found.append((url, {"data": {k: v for k, v in flat.items() if k not in ROW_BUTTONS}}))
        return found
    found = [(url, {"json": flat})]
    for other in samples:
        if reaching([other], role) is None:
            continue
        json = other.json(world) if callable(other.json) else other.json
        if json:
            found.append((other.path.format(w=world), {"json": garbled(json, value)}))
        if other.form is not None:  # an upload: the form's fields, and the file's name
            files = {"kind": value, "file": (io.BytesIO(b"%PDF-1.4\n"), value or "x")}
            found.append((other.path.format(w=world), {"data": files, "content_type": "multipart/form-data"}))
    return found


@pytest.mark.parametrize("role", ["officer", "mayor", "mediator", "admin"])
@pytest.mark.parametrize("garbage", range(len(GARBAGE)))
def test_no_route_answers_500_to_garbage(walk, walk_client, role, garbage):  # noqa: F811
    value = GARBAGE[garbage]
    for (rule, method), samples in sorted(ROUTES.items()):
        if (rule, method) in SKIPPED:
            continue
        # Each rule sees the records as the walk built them (an earlier rule may have submitted the draft).
        savepoint = walk.connection.begin_nested()
        try:
            for url, body in requests(rule, method, samples, role, walk.world, value):
                walk_client.sign_in_as(role)
                response = walk_client.open(url, method, **body)
                response.close()
                assert response.status_code < 500, (rule, method, url, repr(value)[:40], response.status_code)
        finally:
            db.session.remove()
            savepoint.rollback()
