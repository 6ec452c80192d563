"""Schemathesis against /api/v1/openapi.json (issue 13, "Also"): generated requests for every operation of the
document, run in-process (WSGI) on SQLite, as an anonymous client and with a real bearer token of an association
officer (as the demo's association@example.org is). The check: never a server error, and every answer whose status
the document describes conforms to the schema it gives. At most 25 examples an operation, derandomized so that the
same requests are sent on every run. `make test` runs it on the SQLite pass only (test-postgres leaves it out).
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from tests.factories import PASSWORD

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
EXAMPLES_PER_OPERATION = 25


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20, "the document lost its operations"
    return operations


def _fuzz(operation, headers: dict) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


@pytest.mark.parametrize("as_whom", ["anonymous", "officer"])
def test_generated_requests_never_get_a_server_error_and_match_the_document(app, client, cast, as_whom):
    # Schemathesis's in-process client asks for gzip but does not unpack it: ask for answers as they are.
    headers = {"Accept-Encoding": "identity"}
    if as_whom == "officer":
        answer = client.post("/api/v1/tokens", json={"email": cast.users["officer"].email, "password": PASSWORD})
        headers["Authorization"] = f"Bearer {answer.get_json()['token']}"
    failures = []
    for operation in _operations(app):
        if operation.method.upper() == "DELETE" and operation.path.endswith("/tokens/current"):
            continue  # would revoke the token the rest of the run signs with; its own tests cover it
        try:
            _fuzz(operation, headers)
        except Exception as error:  # collected, so that one run names every failing operation
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert not failures, "\n\n".join(failures)
    if "Authorization" in headers:
        assert client.get("/api/v1/me", headers=headers).status_code == 200  # signed all along


def test_documented_errors_have_the_contract_shape(client, session):
    """Found by the fuzzing: every error answer was documented in flask-smorest's own shape ({code, status,
    message, errors}), not api.md's {"error": {"code", "message", "fields"?}}."""
    document = client.get("/api/v1/openapi.json").get_json()
    reference = document["components"]["responses"]["DEFAULT_ERROR"]["content"]["application/json"]["schema"]["$ref"]
    error = document["components"]["schemas"][reference.rsplit("/", 1)[1]]
    assert set(error["properties"]) == {"error"} and error["required"] == ["error"]
    body = document["components"]["schemas"][error["properties"]["error"]["$ref"].rsplit("/", 1)[1]]
    assert set(body["properties"]) == {"code", "message", "fields"}
    assert sorted(body["required"]) == ["code", "message"]
    token = document["paths"]["/api/v1/tokens"]["post"]["responses"]
    assert token["default"]["$ref"] == "#/components/responses/DEFAULT_ERROR"
