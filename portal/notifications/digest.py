"""The daily digest: one mail per user listing the notifications they chose to get that way.

`send_digests(now)` runs as the scheduled job "notifications_digest" (once a day, in whichever outbox worker
claims it first; SCHEDULED_JOBS in portal/cli/jobs.py) and as `flask --app wsgi notifications digest`. It
queues the mails in the caller's transaction and marks the items (`emailed_at`), so a digest is queued at most
once per item: two runs at once wait for each other's row locks on PostgreSQL and serialise on SQLite's write
lock. Each item is checked again against the visibility rules as the digest is written (`withhold_unseen`,
portal/notifications/inbox.py): what its reader may no longer see is left out.
"""

import itertools
from datetime import datetime

from sqlalchemy import select

from portal.database import utcnow
from portal.extensions import db
from portal.models import MailMode, Notification, User
from portal.notifications.inbox import is_withheld, notification_text, safe_link, withhold_unseen
from portal.notifications.rendering import queue_user_mail
from portal.urls import public_url

USERS_PER_BATCH = 200
ITEMS_SHOWN = 50  # the rest is counted, with a link to the inbox


def _pending():
    return select(Notification).where(Notification.mail == MailMode.DIGEST, Notification.emailed_at.is_(None))


def send_digests(now: datetime | None = None) -> int:
    """Queues one digest mail per user with items waiting, in their language; returns how many (flushes)."""
    now = now or utcnow()
    user_ids = list(
        db.session.scalars(
            select(Notification.user_id)
            .where(Notification.mail == MailMode.DIGEST, Notification.emailed_at.is_(None))
            .distinct()
            .order_by(Notification.user_id)
        )
    )
    sent = 0
    for start in range(0, len(user_ids), USERS_PER_BATCH):
        batch = user_ids[start : start + USERS_PER_BATCH]
        users = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(batch)))}
        rows = db.session.scalars(
            _pending()
            .where(Notification.user_id.in_(batch))
            .order_by(Notification.user_id, Notification.id)
            .with_for_update()
        ).all()
        for user_id, group in itertools.groupby(rows, key=lambda row: row.user_id):
            items = list(group)
            user = users.get(user_id)
            readable = []
            if user is not None and user.is_active:
                # Checked again now: an item whose record its reader may no longer see is left out (still marked).
                readable = [item for item in withhold_unseen(user, items) if not is_withheld(item)]
            if readable:
                shown = readable[-ITEMS_SHOWN:][::-1]  # the newest first
                queue_user_mail(
                    "digest",
                    user,
                    items=shown,
                    count=len(readable),
                    more=len(readable) - len(shown),
                    notification_text=notification_text,
                    item_url=lambda item: public_url(safe_link(item) or "/notifications/"),
                    link=public_url("/notifications/"),
                )
                sent += 1
            for item in items:
                item.emailed_at = now
        db.session.flush()
    return sent
