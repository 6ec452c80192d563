"""Commitments (engagements): who promised what on a project, by when, and whether it was done.

`overdue` is never stored: an open commitment whose due date has passed, from the day after it in the
commune's time zone (COMMUNE_TIMEZONE, the one place it is named; `commune_today`).
"""

import enum
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, one_of, utcnow
from portal.extensions import db
from portal.models.files import StoredFile
from portal.models.organisations import Organisation
from portal.models.projects import FundingLine, Project
from portal.models.users import User

# Mali's communes all keep Bamako's time (UTC+0 all year): the day a due date passes is counted there.
COMMUNE_TIMEZONE = ZoneInfo("Africa/Bamako")


def commune_today(now: datetime | None = None) -> date:
    """Today's date in the communes' time zone (at `now`, an aware datetime, if given)."""
    return (now or utcnow()).astimezone(COMMUNE_TIMEZONE).date()


class CommitmentStatus(enum.StrEnum):
    OPEN = "open"
    FULFILLED = "fulfilled"
    CONFIRMED = "confirmed"
    CONTESTED = "contested"
    CANCELLED = "cancelled"


COMMITMENT_KINDS = ("financial", "in_kind", "administrative", "technical")


class Commitment(db.Model):
    __tablename__ = "commitments"
    __table_args__ = (
        CheckConstraint(one_of("status", CommitmentStatus), name="status"),
        CheckConstraint(one_of("kind", COMMITMENT_KINDS), name="kind"),
        CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
        CheckConstraint(
            "kind != 'financial' OR (amount IS NOT NULL AND currency IS NOT NULL)", name="financial_amount"
        ),
        Index("ix_commitments_project", "project_id", "id"),
        Index("ix_commitments_organisation", "organisation_id", "id"),
        Index("ix_commitments_status_due", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))  # who promises
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    rate_to_xof: Mapped[Decimal | None] = mapped_column(Numeric(18, 6))
    amount_xof: Mapped[int | None] = mapped_column(BigInteger)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=CommitmentStatus.OPEN)
    # The meeting whose minutes recorded it (the foreign key comes with the meetings table).
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    # A pledge: the funding line it was made from when the project was agreed.
    funding_line_id: Mapped[int | None] = mapped_column(ForeignKey("funding_lines.id", ondelete="SET NULL"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    project: Mapped[Project] = relationship()
    organisation: Mapped[Organisation] = relationship()
    funding_line: Mapped[FundingLine | None] = relationship()
    recorded_by: Mapped[User | None] = relationship()
    evidence: Mapped[list["CommitmentEvidence"]] = relationship(
        back_populates="commitment", cascade="all, delete-orphan", order_by="CommitmentEvidence.id"
    )

    __mapper_args__ = {"version_id_col": version}

    def is_overdue(self, today: date) -> bool:
        return self.status == CommitmentStatus.OPEN and self.due_date < today

    def __repr__(self) -> str:
        return f"<Commitment {self.id} {self.status} {self.kind}>"


class CommitmentEvidence(StoredFile, db.Model):
    """A file proving a commitment kept (a transfer receipt, a land title), stored outside static/."""

    __tablename__ = "commitment_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitments.id", ondelete="CASCADE"), index=True)

    commitment: Mapped[Commitment] = relationship(back_populates="evidence")
