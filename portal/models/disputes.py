"""Disputes (litiges): a party to a project against another, mediated by the ministry, confidential to the two
parties, the mediators and the admins. The timeline is the audit log; these tables hold the current state,
the thread, the mediators' private notes and the files."""

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, one_of, utcnow
from portal.extensions import db
from portal.models.commitments import Commitment
from portal.models.files import StoredFile
from portal.models.organisations import Organisation
from portal.models.projects import Project
from portal.models.users import User


class DisputeStatus(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_MEDIATION = "in_mediation"
    RESOLVED = "resolved"
    CLOSED = "closed"
    DISMISSED = "dismissed"


# While a dispute waits for a mediator's decision (its resolution deadline runs).
PENDING_DISPUTE_STATUSES = (DisputeStatus.OPEN, DisputeStatus.ACKNOWLEDGED, DisputeStatus.IN_MEDIATION)


class Dispute(db.Model):
    __tablename__ = "disputes"
    __table_args__ = (
        CheckConstraint(one_of("status", DisputeStatus), name="status"),
        CheckConstraint("claimant_id != respondent_id", name="two_parties"),
        Index("ix_disputes_project", "project_id", "id"),
        Index("ix_disputes_status_due", "status", "resolution_due_at"),
        Index("ix_disputes_claimant", "claimant_id"),
        Index("ix_disputes_respondent", "respondent_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitments.id", ondelete="SET NULL"))
    claimant_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))  # the party that raised it
    respondent_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=DisputeStatus.OPEN)
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    acknowledge_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settlement: Mapped[str | None] = mapped_column(Text)  # recorded at resolve
    dismissal_reason: Mapped[str | None] = mapped_column(Text)
    # Reminders to the mediators, each sent once per deadline passed (cleared by an appeal's fresh deadline).
    acknowledge_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    project: Mapped[Project] = relationship()
    commitment: Mapped[Commitment | None] = relationship()
    claimant: Mapped[Organisation] = relationship(foreign_keys=[claimant_id])
    respondent: Mapped[Organisation] = relationship(foreign_keys=[respondent_id])
    mediator: Mapped[User | None] = relationship(foreign_keys=[mediator_id])
    documents: Mapped[list["DisputeDocument"]] = relationship(
        back_populates="dispute", cascade="all, delete-orphan", order_by="DisputeDocument.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def party_ids(self) -> tuple[int, int]:
        return (self.claimant_id, self.respondent_id)

    def acknowledgement_overdue(self, now: datetime) -> bool:
        return self.status == DisputeStatus.OPEN and now > self.acknowledge_due_at

    def resolution_overdue(self, now: datetime) -> bool:
        return self.status in PENDING_DISPUTE_STATUSES and now > self.resolution_due_at

    def __repr__(self) -> str:
        return f"<Dispute {self.id} {self.status}>"


class DisputeMessage(db.Model):
    """A message of the thread between the parties and the mediator, or a mediator's private note."""

    __tablename__ = "dispute_messages"
    __table_args__ = (Index("ix_dispute_messages_dispute", "dispute_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The party the author wrote for; None for a mediator.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    private: Mapped[bool] = mapped_column(Boolean, default=False)  # a mediator's note: mediators and admins only
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class DisputeDocument(StoredFile, db.Model):
    """A file given in a dispute (a receipt, a letter, a photo), stored outside static/."""

    __tablename__ = "dispute_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id", ondelete="CASCADE"), index=True)

    dispute: Mapped[Dispute] = relationship(back_populates="documents")


class MediationSession(db.Model):
    """A meeting held as a mediation session of a dispute: seen only by those who see the dispute, and never
    among a project's agenda items (it has none)."""

    __tablename__ = "mediation_sessions"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id", ondelete="CASCADE"), index=True)

    meeting: Mapped["Meeting"] = relationship(back_populates="mediation")  # noqa: F821
    dispute: Mapped[Dispute] = relationship()
