"""The outbox (mail written in the same transaction as the change that causes it, delivered after commit),
the in-app notifications of each user, and their mail preferences."""

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime, utcnow
from portal.extensions import db


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'dead')", name="status"),
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event: Mapped[str] = mapped_column(String(60))
    to_email: Mapped[str] = mapped_column(String(254))
    to_user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    locale: Mapped[str] = mapped_column(String(10), default="fr")
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    leased_by: Mapped[str | None] = mapped_column(String(100))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Files sent with the mail: [{"filename", "content_type", "content_base64"}] (an .ics invitation).
    attachments: Mapped[list | None] = mapped_column(JSON)
    # A link that acts for someone: what to sign when the mail leaves (portal/signed_links.py), never the link.
    signed_link: Mapped[dict | None] = mapped_column(JSON)


class MailMode(enum.StrEnum):
    """How a user gets the mails of one kind of event."""

    IMMEDIATE = "immediate"  # one mail per event, at once (the default)
    DIGEST = "digest"  # one mail a day listing them
    NONE = "none"  # no mail: the in-app inbox only


class Notification(db.Model):
    """One event told to one user, shown in their inbox.

    The text is not stored: `event` and `audience` name a lazy-translated format string of
    portal/notifications/events.py, rendered with `params` in the viewer's language when shown. `mail`
    says what was done about mail for it (immediate, digest or none); `emailed_at` is when the mail was
    queued — for a digest item, when the digest that lists it was queued (NULL: still waiting).
    """

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint("mail IN ('immediate', 'digest', 'none')", name="mail"),
        # A user's inbox, newest first, and their unread ones (the header's count).
        Index("ix_notifications_user_newest", "user_id", "id"),
        Index(
            "ix_notifications_user_unread",
            "user_id",
            "id",
            postgresql_where=text("read_at IS NULL"),
            sqlite_where=text("read_at IS NULL"),
        ),
        # What the daily digest still has to send.
        Index(
            "ix_notifications_digest_due",
            "user_id",
            "id",
            postgresql_where=text("mail = 'digest' AND emailed_at IS NULL"),
            sqlite_where=text("mail = 'digest' AND emailed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(60))
    audience: Mapped[str] = mapped_column(String(30), default="")
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(500))  # a path on the portal: the record it is about
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mail: Mapped[str] = mapped_column(String(10), default=MailMode.NONE)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationPreference(db.Model):
    """How one user wants the mails of one kind of event; no row means MailMode.IMMEDIATE."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        UniqueConstraint("user_id", "kind"),
        CheckConstraint("mode IN ('immediate', 'digest', 'none')", name="mode"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(10), default=MailMode.IMMEDIATE)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
