"""The route walk: every rule of the URL map, visited as every role, answers as the table says.

The table lives in tests/routes/<area>.py. A new route without an entry fails
`test_every_route_is_in_the_table`: decide who may see it.
"""

import importlib
import pkgutil

import pytest

import tests.routes

ROLES = ["anonymous", "admin", "mediator", "mayor", "officer", "member", "representative", "observer", "nobody"]

ROUTES: dict[str, tuple] = {}
for _module in pkgutil.iter_modules(tests.routes.__path__):
    ROUTES.update(importlib.import_module(f"tests.routes.{_module.name}").ROUTES)


def test_every_route_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(ROUTES))
    assert not missing, f"routes without an entry in tests/routes/: {missing}"
    stale = sorted(set(ROUTES) - endpoints)
    assert not stale, f"entries for routes that no longer exist: {stale}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_each_role_gets_the_expected_answer(client, cast, login_as, endpoint, role):
    method, path, expected = ROUTES[endpoint]
    if role != "anonymous":
        login_as(role)
    status = expected.get(role, expected.get("*"))
    response = client.open(path.format(cast=cast), method=method)
    response.close()
    assert response.status_code == status, f"{role} {method} {path}: {response.status_code}, expected {status}"
