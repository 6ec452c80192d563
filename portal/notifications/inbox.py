"""Reading the in-app inbox: a user's notifications, newest first, and marking them read."""

from sqlalchemy import func, select, update

from portal.database import utcnow
from portal.extensions import db
from portal.models import Notification, User


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
