"""The SendGrid sender, through the real sendgrid client, against a local stub of /v3/mail/send."""

import logging
import socket
import time
from dataclasses import dataclass

import pytest

from portal.notifications.senders import (
    ConsoleSender,
    PermanentFailure,
    SendGridSender,
    TemporaryFailure,
    sender_from_config,
)
from tests.sendgrid_stub import HOLD, SendGridStub

TIMEOUT = 0.5
MAIL_FROM = "Portail communes-diaspora <no-reply@portail.example.org>"


@dataclass
class Mail:
    id: int = 42
    to_email: str = "awa@example.org"
    subject: str = "Confirmez votre adresse"
    body_text: str = "Bonjour Awa,\n\nhttp://127.0.0.1:5000/auth/confirm/t\n"
    body_html: str | None = "<p>Bonjour Awa,</p>"


@pytest.fixture(scope="module")
def stub():
    server = SendGridStub(hold_seconds=TIMEOUT + 0.5).start()
    yield server
    server.stop()


@pytest.fixture()
def sender(stub, monkeypatch):
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    stub.reset()
    yield SendGridSender("SG-test-key", MAIL_FROM, host=stub.url, timeout=TIMEOUT)
    stub.reset()


def test_the_request_carries_sender_recipient_subject_both_bodies_and_the_outbox_id(sender, stub):
    sender.send(Mail())
    (request,) = stub.requests
    assert request.path == "/v3/mail/send"
    assert request.headers["Authorization"] == "Bearer SG-test-key"
    assert request.headers["Content-Type"] == "application/json"
    body = request.body
    assert body["from"] == {"name": "Portail communes-diaspora", "email": "no-reply@portail.example.org"}
    assert body["personalizations"] == [{"to": [{"email": "awa@example.org"}]}]
    assert body["subject"] == "Confirmez votre adresse"
    assert body["content"] == [
        {"type": "text/plain", "value": "Bonjour Awa,\n\nhttp://127.0.0.1:5000/auth/confirm/t\n"},
        {"type": "text/html", "value": "<p>Bonjour Awa,</p>"},
    ]
    assert body["custom_args"] == {"outbox_id": "42"}


def test_a_text_only_mail_sends_only_text(sender, stub):
    sender.send(Mail(body_html=None))
    assert [c["type"] for c in stub.requests[0].body["content"]] == ["text/plain"]


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_rate_limits_and_server_errors_are_temporary(sender, stub, status):
    stub.script(status)
    with pytest.raises(TemporaryFailure, match=f"SendGrid answered {status}"):
        sender.send(Mail())


@pytest.mark.parametrize(
    "status, detail",
    [
        (400, "The to email does not contain a valid address. (personalizations.0.to.0.email)"),
        (401, "The provided authorization grant is invalid, expired, or revoked."),
        (413, ""),
    ],
)
def test_other_client_errors_are_permanent_with_sendgrids_reason(sender, stub, status, detail):
    stub.script(status)
    with pytest.raises(PermanentFailure) as failure:
        sender.send(Mail())
    assert failure.value.reason == f"SendGrid answered {status}" + (f": {detail}" if detail else "")


def test_a_request_held_past_the_timeout_is_a_temporary_failure_and_does_not_hang(sender, stub):
    stub.script(HOLD)
    started = time.monotonic()
    with pytest.raises(TemporaryFailure, match="could not be reached"):
        sender.send(Mail())
    assert TIMEOUT * 0.9 <= time.monotonic() - started < TIMEOUT * 2
    assert len(stub.requests) == 1


def test_a_refused_connection_is_a_temporary_failure():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = SendGridSender("SG-test-key", MAIL_FROM, host=f"http://127.0.0.1:{port}", timeout=TIMEOUT)
    with pytest.raises(TemporaryFailure, match="could not be reached.*refused"):
        sender.send(Mail())


def test_a_body_that_contains_an_api_key_is_refused_before_it_leaves(sender, stub):
    with pytest.raises(PermanentFailure, match="API key"):
        sender.send(Mail(body_text="SG.abcdefghij.klmnopqrstuv"))
    assert not stub.requests


def test_the_console_sender_logs_the_whole_mail(caplog):
    caplog.set_level(logging.INFO, logger="portal.mail")
    ConsoleSender().send(Mail())
    (record,) = [r for r in caplog.records if r.name == "portal.mail"]
    assert "Mail 42 to awa@example.org: Confirmez votre adresse" in record.getMessage()
    assert "http://127.0.0.1:5000/auth/confirm/t" in record.getMessage()


def test_the_sender_follows_the_configuration(app, monkeypatch):
    assert isinstance(sender_from_config(app), ConsoleSender)  # tests never have a key by default
    monkeypatch.setitem(app.config, "SENDGRID_API_KEY", "SG-test-key")
    monkeypatch.setitem(app.config, "SENDGRID_API_HOST", "http://127.0.0.1:9")
    monkeypatch.setitem(app.config, "SENDGRID_TIMEOUT", 3)
    sender = sender_from_config(app)
    assert isinstance(sender, SendGridSender)
    assert sender.client.host == "http://127.0.0.1:9"
    assert sender.timeout == 3 and sender.client.client.timeout == 3
    assert sender.mail_from == app.config["MAIL_FROM"]


def test_attachments_go_in_the_body_as_sendgrid_expects(sender, stub):
    ics = {"filename": "invitation.ics", "content_type": "text/calendar; method=REQUEST", "content_base64": "QkVHSU4="}
    mail = Mail()
    mail.attachments = (ics,)
    sender.send(mail)
    assert stub.requests[0].body["attachments"] == [
        {
            "content": "QkVHSU4=",
            "filename": "invitation.ics",
            "type": "text/calendar; method=REQUEST",
            "disposition": "attachment",
        }
    ]
