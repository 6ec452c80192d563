"""The route walk: every (rule, method) of the URL map, requested as every role at real records, answers as the
table says.

The table lives in tests/routes/<area>.py (see tests/routes/__init__.py for its shape); the records in
tests/walk.py. A new rule or method without an entry fails `test_every_route_is_in_the_table`: decide who may
do what with it, at which records, and write it down from the product rules (docs/product.md, docs/api.md),
not from what the code answers today.
"""

import importlib
import os
import pkgutil
import re

import pytest

import tests.routes
from tests.routes import HUGE_ID, Bug, Sample
from tests.walk import ROLES, walk, walk_client  # noqa: F401  (fixtures)

IGNORED_METHODS = {"HEAD", "OPTIONS"}
TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL | re.IGNORECASE)
DATABASE = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"

ROUTES: dict[tuple[str, str], list[Sample]] = {}
for _module in pkgutil.iter_modules(tests.routes.__path__):
    for _key, _samples in importlib.import_module(f"tests.routes.{_module.name}").ROUTES.items():
        assert _key not in ROUTES, f"{_key} has entries in two modules of tests/routes/"
        ROUTES[_key] = _samples


def _cases():
    for (rule, method), route_samples in sorted(ROUTES.items()):
        for index, sample in enumerate(route_samples):
            for role in ROLES:
                expected = sample.expected.get(role, sample.expected.get("*"))
                bug = sample.bugs.get(role, sample.bugs.get("*"))
                if role == "clerk" and role not in sample.expected:
                    # Commune A's secrétaire général is one of its officials, answered as its mayor unless the
                    # sample names them: a decision that binds the commune, or managing its members.
                    expected = sample.expected.get("mayor", expected)
                    bug = sample.bugs.get("mayor", bug)
                if isinstance(bug, str):
                    bug = Bug(bug)
                marks = []
                if bug is not None and bug.only_on in (None, DATABASE):
                    marks = [pytest.mark.xfail(strict=True, reason=bug.reason)]
                label = sample.label or str(index)
                yield pytest.param(
                    method, rule, index, role, expected, marks=marks, id=f"{method} {rule} [{label}] {role}"
                )


CASES = list(_cases())


def _rule_methods(app) -> set[tuple[str, str]]:
    return {(rule.rule, method) for rule in app.url_map.iter_rules() for method in rule.methods - IGNORED_METHODS}


def test_every_route_is_in_the_table(app):
    actual = _rule_methods(app)
    missing = sorted(actual - set(ROUTES))
    assert not missing, f"(rule, method) pairs without an entry in tests/routes/: {missing}"
    stale = sorted(set(ROUTES) - actual)
    assert not stale, f"entries in tests/routes/ for (rule, method) pairs that no longer exist: {stale}"
    empty = sorted(key for key, route_samples in ROUTES.items() if not route_samples)
    assert not empty, f"entries without a sample: {empty}"
    without_huge = sorted(
        key
        for key, route_samples in ROUTES.items()
        if "<id:" in key[0] and not any(sample.label == HUGE_ID for sample in route_samples)
    )
    assert not without_huge, f"rules with an id and no {HUGE_ID!r} sample: {without_huge}"
    for (rule, method), route_samples in ROUTES.items():
        for sample in route_samples:
            unknown = set(sample.expected) - {*ROLES, "*"}
            assert not unknown, f"{method} {rule}: unknown roles {unknown}"
            covered = "*" in sample.expected or set(ROLES) <= set(sample.expected)
            assert covered, f"{method} {rule} [{sample.label}]: no status for some roles"
            pattern = re.sub(r"<[^>]+>", "[^/]+", rule)
            path = re.sub(r"\{[^}]+\}", "1", sample.path).split("?")[0]
            assert re.fullmatch(pattern, path), f"{method} {rule}: the sample {sample.path} is not of this rule"


@pytest.mark.parametrize(("method", "rule", "index", "role", "expected"), CASES)
def test_each_role_gets_the_expected_answer(walk, walk_client, method, rule, index, role, expected):  # noqa: F811
    sample = ROUTES[rule, method][index]
    walk_client.sign_in_as(role)
    path = sample.path.format(w=walk.world)
    kwargs = {"headers": dict(sample.headers)} if sample.headers else {}
    if sample.form is not None:
        kwargs["data"] = {
            key: value() if callable(value) else value.format(w=walk.world) if isinstance(value, str) else value
            for key, value in sample.form.items()
        }
        if path.startswith("/api/"):
            kwargs["content_type"] = "multipart/form-data"
    if sample.json is not None:
        kwargs["json"] = sample.json(walk.world) if callable(sample.json) else sample.json
    response = walk_client.open(path, method, **kwargs)
    body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
    response.close()
    status = response.status_code
    where = f"{role} {method} {path}"
    for title in TITLE.findall(body):
        # A page's title is plain text (what a tab, a bookmark and a screen reader say): never markup.
        assert "<" not in title, f"{where}: markup in the page's title {title[:120]!r}"
    if isinstance(expected, frozenset):
        assert status in expected, f"{where}: {status}, expected one of {sorted(expected)}"
    else:
        assert status == expected, f"{where}: {status}, expected {expected}"
    if sample.location is not None:
        location = response.headers.get("Location", "")
        assert location.split("?")[0] in (sample.location, "http://localhost" + sample.location), (
            f"{where}: went to {location!r}, expected {sample.location}"
        )
    if status in (301, 302, 303) and role == "anonymous" and expected == 302:
        assert "/auth/login" in response.headers["Location"], f"{where}: 302 to {response.headers['Location']}"
