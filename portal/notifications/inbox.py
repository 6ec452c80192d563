"""Reading the in-app inbox: a user's notifications, newest first, their text in the viewer's language, and
marking them read.

Who is told is who may see (style.md, rule 15), and that holds when a notification is shown as much as when it is
written: a member removed from a dispute's party since, say, no longer reads the dispute's subject. Each
notification's record is read again from its link with the visibility rules of portal/visibility.py, in one
query for a whole page (`withhold_unseen`); a notification whose record its reader may no
longer see keeps its place and date but shows a neutral line, without its link.
"""

import re
from collections import defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal_column, or_, select, union_all, update

from portal.database import utcnow
from portal.extensions import db
from portal.i18n import format_day, format_money, format_number
from portal.ids import parse_id
from portal.labels import ROLE_LABELS, label
from portal.models import Dispute, Meeting, Notification, Organisation, Project, User
from portal.notifications.events import EVENTS
from portal.visibility import visible_disputes, visible_meetings, visible_organisations, visible_projects

FALLBACK_TEXT = _l("A change on the portal concerns you.")
WITHHELD_TEXT = _l("A notification about something you can no longer see.")

# The records notifications link to (events.py writes these paths), with the rule that lists what a user may see.
# A commitment's link is its project's page: who may see the project sees its commitments.
RECORD_LINK = re.compile(r"^/(projects|meetings|disputes|organisations)/(\d+)(?=$|[/#?])")
VISIBLE_RECORDS = {
    "projects": (Project, visible_projects),
    "meetings": (Meeting, visible_meetings),
    "disputes": (Dispute, visible_disputes),
    "organisations": (Organisation, visible_organisations),
}


def record_of(notification: Notification) -> tuple[str, int] | None:
    """The (kind, id) of the record whose visibility the notification depends on; None for an event about the
    reader's own account or membership (told whatever they may see now) and for a link to no record."""
    spec = EVENTS.get(notification.event)
    if spec is not None and (spec.personal or spec.security):
        return None
    found = RECORD_LINK.match(notification.link or "")
    record_id = parse_id(found.group(2)) if found else None  # within the columns' range: never an overflow
    return (found.group(1), record_id) if record_id is not None else None


def withhold_unseen(user, notifications: list[Notification]) -> list[Notification]:
    """Marks `withheld` each notification whose record `user` may no longer see (or that is gone): one query for
    them all, whatever their number and kinds of record (the page's query count stays fixed). Returns them."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for notification in notifications:
        record = record_of(notification)
        if record is not None:
            wanted[record[0]].add(record[1])
    kinds = list(wanted)
    checks = []
    for index, kind in enumerate(kinds):  # each kind's visible ids among those wanted, tagged with its position
        model, visible = VISIBLE_RECORDS[kind]
        tag = literal_column(str(index))  # a constant of ours, never input
        checks.append(visible(user).where(model.id.in_(wanted[kind])).with_only_columns(tag, model.id))
    seen: set[tuple[str, int]] = set()
    if checks:
        rows = db.session.execute(union_all(*checks) if len(checks) > 1 else checks[0])
        seen = {(kinds[int(index)], found) for index, found in rows}
    for notification in notifications:
        record = record_of(notification)
        notification.withheld = record is not None and record not in seen
    return notifications


def is_withheld(notification: Notification) -> bool:
    return getattr(notification, "withheld", False)


def notification_text(notification: Notification) -> str:
    """The notification's text in the current language (the viewer's, or the mail's under force_locale); a neutral
    line for one whose record its reader may no longer see (`withhold_unseen`)."""
    if is_withheld(notification):
        return str(WITHHELD_TEXT)
    spec = EVENTS.get(notification.event)
    audience = spec.audience(notification.audience) if spec else None
    if audience is None or audience.text is None:
        return str(FALLBACK_TEXT)
    params = {key: shown_param(key, value) for key, value in (notification.params or {}).items()}
    try:
        return str(audience.text) % params
    except (KeyError, TypeError, ValueError):  # a text changed since the notification was written
        return str(FALLBACK_TEXT)


def shown_param(key: str, value):
    """A stored param as its reader reads it, in the current language (the page's, or the mail's under
    force_locale), the way pages show the same value: the one place notices format what events.py stores.

    events.py stores plain machine values (`notice_day`, `notice_money`); the key says what each is:
    "…role" a role code (its label), "…date" or "…_on" an ISO day ("28 oct. 2026"), "amount" an amount
    and its currency ("5 000,00 €"), "percent" a number. A value that does not read as its key says (a row
    written before) is shown as stored.
    """
    if not isinstance(value, str | int) or isinstance(value, bool):
        return value
    if key.endswith("role") and isinstance(value, str):
        return label(ROLE_LABELS, value)
    try:
        if key.endswith(("date", "_on")) and isinstance(value, str):
            return format_day(date.fromisoformat(value))
        if key == "amount" and isinstance(value, str):
            amount, currency = value.split(" ")
            return format_money(Decimal(amount), currency)
        if key == "percent":
            return format_number(value)
    except (ValueError, InvalidOperation):
        return value
    return value


def safe_link(notification: Notification) -> str | None:
    """The record's path, only if it is a path on this site (and its reader may still see the record)."""
    if is_withheld(notification):
        return None
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
    return withhold_unseen(user, list(rows[:per_page])), len(rows) > per_page


def own_notification(user: User, notification_id: int) -> Notification:
    """The user's notification; LookupError for anyone else's (pages answer 404: it is none of their business)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise LookupError(f"user {user.id} has no notification {notification_id}")
    return notification


def mark_read(user: User, notification_id: int) -> Notification:
    """Marks the notification read; checked again, so that its link leads only where its reader may still go."""
    notification = own_notification(user, notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    return withhold_unseen(user, [notification])[0]


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
