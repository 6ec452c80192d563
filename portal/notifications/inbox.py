"""Reading the in-app inbox: a user's notifications, newest first, their text in the viewer's language, and
marking them read."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from portal.database import utcnow
from portal.extensions import db
from portal.labels import ROLE_LABELS, label
from portal.models import Notification, User
from portal.notifications.events import EVENTS

FALLBACK_TEXT = _l("A change on the portal concerns you.")


def notification_text(notification: Notification) -> str:
    """The notification's text in the current language (the viewer's, or the mail's under force_locale)."""
    spec = EVENTS.get(notification.event)
    audience = spec.audience(notification.audience) if spec else None
    if audience is None or audience.text is None:
        return str(FALLBACK_TEXT)
    params = {
        key: label(ROLE_LABELS, value) if key.endswith("role") and isinstance(value, str) else value
        for key, value in (notification.params or {}).items()
    }
    try:
        return str(audience.text) % params
    except (KeyError, TypeError, ValueError):  # a text changed since the notification was written
        return str(FALLBACK_TEXT)


def safe_link(notification: Notification) -> str | None:
    """The record's path, only if it is a path on this site."""
    link = notification.link or ""
    if link.startswith("/") and not link.startswith("//") and "\\" not in link:
        return link
    return None


def unread_count(user_id: int) -> int:
    """One query, on the partial index of unread notifications."""
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def inbox_page(user: User, page: int, per_page: int) -> tuple[list[Notification], bool]:
    """(the page's notifications, newest first; whether a next page exists)."""
    rows = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.id.desc())
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    ).all()
    return list(rows[:per_page]), len(rows) > per_page


def own_notification(user: User, notification_id: int) -> Notification:
    """The user's notification; LookupError for anyone else's (pages answer 404: it is none of their business)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise LookupError(f"user {user.id} has no notification {notification_id}")
    return notification


def mark_read(user: User, notification_id: int) -> Notification:
    notification = own_notification(user, notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    return notification


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def mark_read_about(user, path: str) -> int:
    """Marks read the user's notifications that link to `path` (or an anchor of it): acting on a record
    settles what told them of it."""
    if not getattr(user, "id", None):
        return 0
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.read_at.is_(None),
            or_(Notification.link == path, Notification.link.startswith(path + "#", autoescape=True)),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
