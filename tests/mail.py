"""Reading what the portal queued in its outbox, as a recipient would read their mail."""

import re

from flask import has_app_context
from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboxMessage
from portal.signed_links import filled


def mails_to(email: str, event: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.to_email == email.lower()).order_by(OutboxMessage.id)
    if event:
        query = query.where(OutboxMessage.event == event)
    return list(db.session.scalars(query))


# The test session's app (tests/conftest.py sets it), to sign links outside a request as the worker would.
app = None


def as_sent(message: OutboxMessage) -> str:
    """The mail's text as it leaves: a link that acts for someone is signed only then, never stored."""
    if has_app_context():
        return filled((message.body_text,), message.signed_link)[0]
    with app.app_context():
        return filled((message.body_text,), message.signed_link)[0]


def link_in(message: OutboxMessage, path_prefix: str) -> str:
    """The path of the first link in the mail, as it leaves, that starts with `path_prefix` (host removed)."""
    text = as_sent(message)
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"[^\s\"<>]*)", text)
    assert match, f"no link to {path_prefix} in: {text}"
    return match.group(1)
