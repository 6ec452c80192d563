"""Mail as people choose it and admins mend it: each user's choices per kind of event, and sending a dead
letter again. Both are recorded on the audit log."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.domain.audit import record
from portal.errors import Refused
from portal.extensions import db
from portal.models import MailMode, NotificationPreference, OutboxMessage, User
from portal.notifications.outbox import retry_dead
from portal.notifications.preferences import choosable_kinds, preferences_of


def set_mail_preferences(user: User, modes: dict[str, str]) -> None:
    """Saves the user's choices (flushes, never commits); refuses unknown kinds and modes."""
    kinds = choosable_kinds(user)
    errors = {}
    for kind, mode in modes.items():
        if kind not in kinds:
            errors[kind] = [str(_l("This kind of notification does not exist."))]
        elif mode not in set(MailMode):
            errors[kind] = [str(_l("Choose one of the options."))]
    if errors:
        raise Refused("validation_failed", fields=errors)
    before = preferences_of(user)
    rows = {
        row.kind: row
        for row in db.session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    }
    for kind, mode in modes.items():
        if kind in rows:
            rows[kind].mode = mode
        else:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, mode=mode))
    db.session.flush()
    after = preferences_of(user)
    if after != before:
        record("user.notification_preferences", "user", user.id, actor=user, before=before, after=after)


def send_dead_letter_again(actor, message_id: int) -> OutboxMessage:
    """Puts a mail the worker gave up on back in the queue (admins; `flask outbox retry` has no actor).

    Raises LookupError when there is no such mail and ValueError when it is not dead.
    """
    if actor is not None and not actor.is_admin:
        raise Refused("forbidden")
    message = retry_dead(message_id)
    record("outbox.retry", "outbox_message", message.id, actor=actor, after={"event": message.event})
    return message
