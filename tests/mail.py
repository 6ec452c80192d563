"""Reading what the portal queued in its outbox, as a recipient would read their mail."""

import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboxMessage


def mails_to(email: str, event: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.to_email == email.lower()).order_by(OutboxMessage.id)
    if event:
        query = query.where(OutboxMessage.event == event)
    return list(db.session.scalars(query))


def link_in(message: OutboxMessage, path_prefix: str) -> str:
    """The path of the first link in the mail that starts with `path_prefix` (host removed)."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"[^\s\"<>]*)", message.body_text)
    assert match, f"no link to {path_prefix} in: {message.body_text}"
    return match.group(1)
