"""After agreement: contributions actually paid on the funding lines, and the facilities handed over with the
yearly word of their owner on whether they still work.

`Project.received_total_xof` (the contributions confirmed, in whole XOF) is a deferred SQL sum declared here:
read on one project it costs one query; lists undefer it (one subquery per row of the page).
"""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, backref, column_property, mapped_column, relationship

from portal.database import UTCDateTime, one_of, utcnow
from portal.extensions import db
from portal.models.files import StoredFile
from portal.models.projects import FundingLine, Project
from portal.models.users import User


class DeliveryFile(StoredFile, db.Model):
    """A file kept after agreement (a transfer receipt, a photo of the facility), stored outside static/ under a
    random name, checked by its content like project documents."""

    __tablename__ = "delivery_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    # A photo's small JPEG, for pages (portal/domain/thumbnails.py).
    thumbnail_id: Mapped[int | None] = mapped_column(ForeignKey("delivery_files.id", ondelete="SET NULL"))

    thumbnail: Mapped["DeliveryFile | None"] = relationship(remote_side=[id], lazy="joined", join_depth=1)


class ContributionStatus(enum.StrEnum):
    REPORTED = "reported"
    CONFIRMED = "confirmed"
    CONTESTED = "contested"


class Contribution(db.Model):
    """A tranche actually paid on a funding line: reported by the paying party, confirmed or contested by the
    receiving side. The amount keeps its currency and the rate of the day it was entered."""

    __tablename__ = "contributions"
    __table_args__ = (
        CheckConstraint(one_of("status", ContributionStatus), name="status"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_contributions_project", "project_id", "id"),
        Index("ix_contributions_line_status", "funding_line_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    funding_line_id: Mapped[int] = mapped_column(ForeignKey("funding_lines.id", ondelete="CASCADE"))
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    rate_to_xof: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    amount_xof: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str | None] = mapped_column(String(200))  # the transfer's reference, as the payer gives it
    status: Mapped[str] = mapped_column(String(20), default=ContributionStatus.REPORTED)
    proof_id: Mapped[int | None] = mapped_column(ForeignKey("delivery_files.id", ondelete="SET NULL"))
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    project: Mapped[Project] = relationship()
    funding_line: Mapped[FundingLine] = relationship()
    proof: Mapped[DeliveryFile | None] = relationship()
    reported_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Contribution {self.id} {self.status} {self.amount} {self.currency}>"


# What a facility's owner says of it once a year; "unknown" until the first word.
FACILITY_CONDITIONS = ("working", "partly", "not_working")
CONDITIONS_OR_UNKNOWN = (*FACILITY_CONDITIONS, "unknown")


class Facility(db.Model):
    """A facility handed over (one per project from its hand-over on): its current condition, from the latest
    yearly check, and when its owner was last reminded of a check."""

    __tablename__ = "facilities"
    __table_args__ = (CheckConstraint(one_of("condition", CONDITIONS_OR_UNKNOWN), name="condition"),)

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    handed_over_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    condition: Mapped[str] = mapped_column(String(20), default="unknown")
    condition_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    check_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    project: Mapped[Project] = relationship(backref=backref("facility", uselist=False, viewonly=True))


class FacilityCheck(db.Model):
    """The owner's yearly word: working, partly or not working, with a remark and a photo."""

    __tablename__ = "facility_checks"
    __table_args__ = (
        CheckConstraint(one_of("condition", FACILITY_CONDITIONS), name="condition"),
        Index("ix_facility_checks_project", "project_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("facilities.project_id", ondelete="CASCADE"))
    condition: Mapped[str] = mapped_column(String(20))
    remark: Mapped[str] = mapped_column(Text, default="")
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("delivery_files.id", ondelete="SET NULL"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    photo: Mapped[DeliveryFile | None] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class ProjectReporting(db.Model):
    """When an agreed project's next progress report is due (every `period_months` from agreement, then from each
    report), and when its lateness was reminded to the commune and flagged to the mediators."""

    __tablename__ = "project_reporting"
    __table_args__ = (
        CheckConstraint("period_months BETWEEN 1 AND 12", name="period"),
        Index("ix_project_reporting_due", "next_due_on"),
    )

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    period_months: Mapped[int] = mapped_column(Integer)
    next_due_on: Mapped[date] = mapped_column(Date)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    project: Mapped[Project] = relationship(backref=backref("reporting", uselist=False, viewonly=True))


class ProgressReport(db.Model):
    """The commune's (maître d'ouvrage) report on the works: percent complete, spending against the budget lines
    (whole XOF), a photo, remarks; the association's comment."""

    __tablename__ = "progress_reports"
    __table_args__ = (
        CheckConstraint("percent_complete BETWEEN 0 AND 100", name="percent"),
        Index("ix_progress_reports_project", "project_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    percent_complete: Mapped[int] = mapped_column(Integer)
    spending: Mapped[list] = mapped_column(JSON, default=list)  # [{"budget_line_id", "label", "spent_xof"}]
    remarks: Mapped[str] = mapped_column(Text, default="")
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("delivery_files.id", ondelete="SET NULL"))
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    association_comment: Mapped[str | None] = mapped_column(Text)
    commented_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    commented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    photo: Mapped[DeliveryFile | None] = relationship()
    reported_by: Mapped[User | None] = relationship(foreign_keys=[reported_by_id])
    commented_by: Mapped[User | None] = relationship(foreign_keys=[commented_by_id])

    @property
    def spent_xof(self) -> int:
        return sum(int(row.get("spent_xof") or 0) for row in self.spending or [])


class AmendmentStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Amendment(db.Model):
    """A change to an agreed project's budget or funding plan, proposed by the association or the commune, in
    force once the other accepts it. `before` and `after` keep the amounts of the lines it changes:
    {"budget": {line id: amount}, "funding": {line id: amount}}, each in its line's currency."""

    __tablename__ = "amendments"
    __table_args__ = (
        CheckConstraint(one_of("status", AmendmentStatus), name="status"),
        Index("ix_amendments_project", "project_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    proposed_by_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    before: Mapped[dict] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON)
    project_version: Mapped[int] = mapped_column(Integer)  # the project's version it was proposed over
    status: Mapped[str] = mapped_column(String(20), default=AmendmentStatus.PROPOSED)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    project: Mapped[Project] = relationship()
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])

    __mapper_args__ = {"version_id_col": version}


ACCEPTANCE_KINDS = ("provisional", "final")  # réception provisoire, puis définitive


class WorksAcceptance(db.Model):
    """The acceptance of the works (réception provisoire, then définitive): its date, who took part, and the
    signed record. Records on the project's timeline, not conditions of the hand-over."""

    __tablename__ = "works_acceptances"
    __table_args__ = (
        CheckConstraint(one_of("kind", ACCEPTANCE_KINDS), name="kind"),
        UniqueConstraint("project_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    accepted_on: Mapped[date] = mapped_column(Date)
    participants: Mapped[str] = mapped_column(Text)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("delivery_files.id", ondelete="SET NULL"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    record: Mapped[DeliveryFile | None] = relationship()


class ProjectConvention(db.Model):
    """The convention the parties sign after agreement: the council's deliberation (number and date) recorded by
    a commune official, and the signed copy uploaded back."""

    __tablename__ = "project_conventions"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    deliberation_number: Mapped[str | None] = mapped_column(String(100))
    deliberation_date: Mapped[date | None] = mapped_column(Date)
    signed_file_id: Mapped[int | None] = mapped_column(ForeignKey("delivery_files.id", ondelete="SET NULL"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    signed_file: Mapped[DeliveryFile | None] = relationship()
    project: Mapped[Project] = relationship(backref=backref("convention", uselist=False, viewonly=True))

    __mapper_args__ = {"version_id_col": version}


# Contributions actually paid and confirmed, in whole XOF (api.md: `received_total_xof`, 0 while none).
Project.received_total_xof = column_property(
    select(func.coalesce(func.sum(Contribution.amount_xof), 0))
    .where(Contribution.project_id == Project.id, Contribution.status == ContributionStatus.CONFIRMED)
    .correlate_except(Contribution)
    .scalar_subquery(),
    deferred=True,
)
