"""Each user's choice, per kind of event, of mail at once (the default), in a daily digest, or none.

Account and security mails are not a kind: they always go (portal/notifications/events.py).
"""

from sqlalchemy import select

from portal.extensions import db
from portal.models import MailMode, NotificationPreference, User
from portal.notifications.events import EVENTS, KINDS, MEDIATOR_KINDS
from portal.visibility import is_mediator

DEFAULT_MODE = MailMode.IMMEDIATE


def choosable_kinds(user: User | None = None) -> dict:
    """The kinds offered on the preferences page: those that at least one event uses (and, given a user, that
    can reach them), with their labels."""
    used = {event.kind for event in EVENTS.values() if event.kind}
    if user is not None and not is_mediator(user):
        used -= MEDIATOR_KINDS
    return {kind: label for kind, label in KINDS.items() if kind in used}


def mail_modes(user_ids: list[int], kind: str) -> dict[int, str]:
    """{user id: mode} for one kind, in one query; users without a choice are left out (DEFAULT_MODE)."""
    if not user_ids:
        return {}
    return dict(
        db.session.execute(
            select(NotificationPreference.user_id, NotificationPreference.mode).where(
                NotificationPreference.user_id.in_(set(user_ids)), NotificationPreference.kind == kind
            )
        ).all()
    )


def preferences_of(user: User) -> dict[str, str]:
    """{kind: mode} for every choosable kind, defaults filled in."""
    stored = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.mode).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {kind: stored.get(kind, DEFAULT_MODE) for kind in choosable_kinds(user)}
