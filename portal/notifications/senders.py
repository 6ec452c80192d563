"""How a mail leaves: through SendGrid's v3 API, or into the log when no API key is configured.

A sender's `send(message)` returns when the provider accepted the mail, raises `TemporaryFailure` when
trying again later may work (429, 5xx, timeouts, refused or broken connections) and `PermanentFailure`
when it will not (any other 4xx: a malformed address, a rejected payload, a wrong key).
"""

import http.client
import json
import logging
from typing import Protocol

import sendgrid
from python_http_client.exceptions import HTTPError as SendGridHTTPError
from sendgrid.helpers.mail import Attachment, CustomArg, Disposition, FileContent, FileName, FileType, From, Mail, To
from sendgrid.helpers.mail.exceptions import ApiKeyIncludedException

mail_log = logging.getLogger("portal.mail")

REASON_MAX_LENGTH = 1000


class TemporaryFailure(Exception):
    """The provider did not take the mail this time; the worker tries again later."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class PermanentFailure(Exception):
    """The provider refused the mail for good; the worker marks it dead with the reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class OutgoingMail(Protocol):
    id: int
    to_email: str
    subject: str
    body_text: str
    body_html: str | None


class Sender(Protocol):
    # The longest a send may take, in seconds: the worker only starts a send that ends within its lease.
    timeout: float

    def send(self, message: OutgoingMail) -> None: ...


class ConsoleSender:
    """Development and tests: writes each mail to the `portal.mail` log, and keeps nothing."""

    timeout = 0.0

    def send(self, message: OutgoingMail) -> None:
        mail_log.info(
            "Mail %s to %s: %s\n%s",
            message.id,
            message.to_email,
            message.subject,
            message.body_text,
        )


class SendGridSender:
    """Production: one POST to SendGrid's /v3/mail/send per mail, with the outbox id in custom_args."""

    def __init__(self, api_key: str, mail_from: str, host: str = "https://api.sendgrid.com", timeout: float = 10.0):
        self.mail_from = mail_from
        self.timeout = float(timeout)
        self.client = sendgrid.SendGridAPIClient(api_key=api_key, host=host)
        # SendGridAPIClient builds its python_http_client.Client without a timeout, so a hung connection would
        # hang the worker. Client.timeout is handed to urlopen() by every request built from it.
        self.client.client.timeout = self.timeout

    def build(self, message: OutgoingMail) -> dict:
        """The JSON body SendGrid receives for this message."""
        mail = Mail(
            from_email=From(self.mail_from),
            to_emails=To(message.to_email),
            subject=message.subject,
            plain_text_content=message.body_text,
            html_content=message.body_html or None,
        )
        mail.custom_arg = CustomArg("outbox_id", str(message.id))
        for attachment in getattr(message, "attachments", None) or ():
            mail.add_attachment(
                Attachment(
                    FileContent(attachment["content_base64"]),
                    FileName(attachment["filename"]),
                    FileType(attachment["content_type"]),
                    Disposition("attachment"),
                )
            )
        return mail.get()

    def send(self, message: OutgoingMail) -> None:
        try:
            body = self.build(message)
        except ApiKeyIncludedException:
            raise PermanentFailure("the mail contains something that looks like a SendGrid API key") from None
        try:
            response = self.client.send(body)
        except SendGridHTTPError as error:
            raise _classify(error.status_code, error.body) from None
        except (OSError, http.client.HTTPException) as error:
            # URLError (refused, DNS), TimeoutError, ConnectionResetError, RemoteDisconnected, SSL errors.
            raise TemporaryFailure(f"SendGrid could not be reached: {_describe(error)}") from None
        mail_log.debug(
            "Mail %s accepted by SendGrid (%s, message id %s)",
            message.id,
            response.status_code,
            response.headers.get("X-Message-Id"),
        )


def _describe(error: BaseException) -> str:
    reason = getattr(error, "reason", None)  # urllib's URLError wraps the socket error
    return f"{type(error).__name__}: {reason if reason is not None else error}"


def _classify(status: int, body: bytes | str | None) -> Exception:
    detail = _error_detail(body)
    reason = f"SendGrid answered {status}" + (f": {detail}" if detail else "")
    reason = reason[:REASON_MAX_LENGTH]
    if status == 429 or status >= 500 or status < 400:
        return TemporaryFailure(reason)
    return PermanentFailure(reason)


def _error_detail(body: bytes | str | None) -> str:
    """SendGrid's errors come as {"errors": [{"message": …, "field": …}]}; anything else is kept short."""
    if not body:
        return ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    try:
        parsed = json.loads(text)
    except ValueError:
        return " ".join(text.split())[:300]
    errors = parsed.get("errors") if isinstance(parsed, dict) else None
    parts = [
        str(item.get("message")) + (f" ({item['field']})" if item.get("field") else "")
        for item in errors or []
        if isinstance(item, dict)
    ]
    if parts:
        return "; ".join(parts)
    return " ".join(text.split())[:300] if parsed else ""


def sender_from_config(app) -> Sender:
    """SendGrid when SENDGRID_API_KEY is set, else the log."""
    config = app.config
    if config.get("SENDGRID_API_KEY"):
        return SendGridSender(
            config["SENDGRID_API_KEY"],
            config["MAIL_FROM"],
            host=config["SENDGRID_API_HOST"],
            timeout=config["SENDGRID_TIMEOUT"],
        )
    return ConsoleSender()
