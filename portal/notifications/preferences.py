"""Each user's choice, per kind of event, of mail at once (the default), in a daily digest, or none.

Account and security mails are not a kind: they always go (portal/notifications/events.py).
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.domain.audit import record
from portal.errors import Refused
from portal.extensions import db
from portal.models import MailMode, NotificationPreference, User

MODE_LABELS = {
    MailMode.IMMEDIATE: _l("By e-mail, at once"),
    MailMode.DIGEST: _l("In a daily e-mail digest"),
    MailMode.NONE: _l("No e-mail (on the portal only)"),
}
DEFAULT_MODE = MailMode.IMMEDIATE


# Kinds only mediators receive, offered to them alone.
MEDIATOR_KINDS = frozenset({"escalations"})


def choosable_kinds(user: User | None = None) -> dict:
    """The kinds offered on the preferences page: those that at least one event uses (and, given a user, that
    can reach them), with their labels."""
    from portal.domain.organisations import is_mediator
    from portal.notifications.events import EVENTS, KINDS

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
