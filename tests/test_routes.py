"""The route walk: every rule of the URL map, visited as every role, answers as this table says.

A new route without an entry here fails `test_every_route_is_in_the_table`: decide who may see it.
"""

import pytest

ROLES = ["anonymous"]

# endpoint → (method, sample path, {role or "*": expected status})
ROUTES = {
    "static": ("GET", "/static/portal.css", {"*": 200}),
    "main.home": ("GET", "/", {"*": 200}),
    "main.set_language": ("POST", "/language", {"*": 303}),
    "system.index": ("GET", "/api/v1/", {"*": 200}),
    "api-docs.openapi_json": ("GET", "/api/v1/openapi.json", {"*": 200}),
}


def test_every_route_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(ROUTES))
    assert not missing, f"routes without an entry in tests/test_routes.py: {missing}"
    stale = sorted(set(ROUTES) - endpoints)
    assert not stale, f"entries for routes that no longer exist: {stale}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_each_role_gets_the_expected_answer(client, endpoint, role):
    method, path, expected = ROUTES[endpoint]
    status = expected.get(role, expected.get("*"))
    response = client.open(path, method=method)
    response.close()
    assert response.status_code == status, f"{role} {method} {path}: {response.status_code}, expected {status}"
