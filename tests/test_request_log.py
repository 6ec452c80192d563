"""One structured line per request (issue 13, logs): route, status, time, user — never a token or a query."""

import logging

from tests.factories import PASSWORD


def test_each_request_is_one_line_without_secrets(client, cast, login_as, caplog):
    caplog.set_level(logging.INFO, logger="portal.requests")
    officer = login_as("officer")
    client.get("/projects/?q=secret-search-term")
    client.get("/auth/reset-password/a-token-that-must-not-be-logged")
    lines = [r.getMessage() for r in caplog.records if r.name == "portal.requests"]
    assert len(lines) == 2
    assert lines[0].startswith("method=GET route=/projects/ status=200 ms=")
    assert f"user={officer.id} " in lines[0]
    assert "route=/auth/reset-password/<token> status=404" in lines[1]
    assert not any("secret-search-term" in line or "a-token-that" in line for line in lines)


def test_a_failed_login_is_logged_without_the_address_book(client, cast, caplog):
    caplog.set_level(logging.WARNING, logger="portal.throttle")
    client.post("/auth/login", data={"email": cast.users["member"].email, "password": "not " + PASSWORD})
    [line] = [r.getMessage() for r in caplog.records if r.name == "portal.throttle"]
    assert line.startswith("login_failure account=") and "address=127.0.0.1" in line
    assert cast.users["member"].email not in line
