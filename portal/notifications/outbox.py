"""Writing mail into the outbox, in the caller's transaction, and the admin's view of what failed.

A mail is a row written in the same transaction as the change that causes it: if that change rolls back,
the mail is never sent; once it commits, the worker (portal/notifications/worker.py) delivers it.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from portal.database import utcnow
from portal.extensions import db
from portal.models import OutboxMessage, OutboxStatus
from portal.signed_links import PLACEHOLDER

SUBJECT_MAX_LENGTH = 300  # the column's width


def queue_mail(
    event: str,
    to_email: str,
    subject: str,
    body_text: str,
    body_html: str | None = None,
    locale: str = "fr",
    to_user_id: int | None = None,
    attachments: list[dict] | None = None,
    signed_link: dict | None = None,
) -> OutboxMessage:
    """Adds a mail to the outbox in the current transaction (flushes, never commits).

    `attachments`: [{"filename", "content_type", "content_base64"}], sent with the mail (an .ics invitation).
    `signed_link`: the spec of a link that acts for someone; the texts hold signed_links.PLACEHOLDER instead.
    """
    if signed_link is None and PLACEHOLDER in (body_text or "") + (body_html or ""):
        raise ValueError("a mail that holds the signed link's placeholder needs its spec")
    to_email = (to_email or "").strip()
    if not to_email:
        raise ValueError("a mail needs a recipient")
    subject = " ".join(str(subject).split())  # one line: a subject never carries a header break
    message = OutboxMessage(
        event=event,
        to_email=to_email,
        to_user_id=to_user_id,
        locale=locale,
        subject=subject[:SUBJECT_MAX_LENGTH],
        body_text=body_text,
        body_html=body_html,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=utcnow(),
        attachments=attachments or None,
        signed_link=signed_link,
    )
    db.session.add(message)
    db.session.flush()
    return message


def dead_messages(limit: int = 100) -> list[OutboxMessage]:
    """The mails the worker gave up on, the most recent first."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.DEAD)
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    )


def retry_dead(message_id: int) -> OutboxMessage:
    """Puts a dead mail back in the queue with a fresh count of attempts (flushes, never commits).

    Raises LookupError when there is no such mail and ValueError when it is not dead.
    """
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update())
    if message is None:
        raise LookupError(f"there is no outbox message {message_id}")
    if message.status != OutboxStatus.DEAD:
        raise ValueError(f"outbox message {message_id} is {message.status}, not dead")
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.lease_until = None
    message.leased_by = None
    db.session.flush()
    return message


def expire_sent(now: datetime | None = None) -> int:
    """Deletes the mails sent more than OUTBOX_KEEP_SENT_DAYS ago (a daily scheduled job): a sent mail's body is
    of no more use, and personal data kept without use is a risk."""
    days = current_app.config["OUTBOX_KEEP_SENT_DAYS"]
    result = db.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.sent_at < (now or utcnow()) - timedelta(days=days)
        )
    )
    return result.rowcount or 0
