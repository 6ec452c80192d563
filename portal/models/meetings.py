"""Consultation meetings (réunions de concertation): agenda, invitees and their answers, minutes and their
approvals. Times are stored in UTC beside the meeting's own IANA time zone."""

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, one_of, utcnow
from portal.extensions import db
from portal.models.organisations import Organisation
from portal.models.projects import Project
from portal.models.territories import Commune
from portal.models.users import User


class MeetingStatus(enum.StrEnum):
    """Scheduled, then held once its minutes are posted (they may be corrected until an attending party
    approves them), or cancelled."""

    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


RSVP_ANSWERS = ("yes", "no", "maybe")
MINUTES_ANSWERS = ("approved", "commented")


class Meeting(db.Model):
    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint(one_of("status", MeetingStatus), name="status"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("reminder_hours >= 0", name="reminder_hours"),
        CheckConstraint("location IS NOT NULL OR online_url IS NOT NULL", name="place_or_link"),
        Index("ix_meetings_starts_at", "starts_at", "id"),
        Index("ix_meetings_commune", "commune_id", "starts_at"),
        Index("ix_meetings_organiser", "organiser_id", "starts_at"),  # what waits for the organiser
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(100), unique=True)  # the .ics UID, stable across updates
    title: Mapped[str] = mapped_column(String(200))
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    organiser_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    location: Mapped[str | None] = mapped_column(String(200))
    online_url: Mapped[str | None] = mapped_column(String(500))
    reminder_hours: Mapped[int] = mapped_column(Integer, default=48)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default=MeetingStatus.SCHEDULED)
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # the .ics SEQUENCE: rises with each update
    # Minutes (compte rendu): none until posted; replaced by a new posting until the first approval.
    minutes_summary: Mapped[str | None] = mapped_column(Text)
    minutes_decisions: Mapped[list | None] = mapped_column(JSON)
    minutes_people: Mapped[str | None] = mapped_column(Text)  # people present, as free text
    minutes_posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    minutes_posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    commune: Mapped[Commune] = relationship()
    organiser: Mapped[Organisation] = relationship()
    agenda: Mapped[list["MeetingProject"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingProject.position"
    )
    invitees: Mapped[list["MeetingInvitee"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingInvitee.id"
    )
    attendees: Mapped[list["MeetingAttendee"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingAttendee.id"
    )
    # Set for a mediation session of a dispute (portal/models/disputes.py).
    mediation: Mapped["MediationSession | None"] = relationship(  # noqa: F821
        back_populates="meeting", cascade="all, delete-orphan", uselist=False
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def has_minutes(self) -> bool:
        return self.minutes_posted_at is not None

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.status} {self.title!r}>"


class MeetingProject(db.Model):
    """A project on a meeting's agenda."""

    __tablename__ = "meeting_projects"
    __table_args__ = (
        UniqueConstraint("meeting_id", "project_id"),
        Index("ix_meeting_projects_project", "project_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)

    meeting: Mapped[Meeting] = relationship(back_populates="agenda")
    project: Mapped[Project] = relationship()


class MeetingInvitee(db.Model):
    """An invited organisation and its answer (the last one given by any of its non-observer members)."""

    __tablename__ = "meeting_invitees"
    __table_args__ = (
        UniqueConstraint("meeting_id", "organisation_id"),
        CheckConstraint(f"rsvp IS NULL OR {one_of('rsvp', RSVP_ANSWERS)}", name="rsvp"),
        Index("ix_meeting_invitees_organisation", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    rsvp: Mapped[str | None] = mapped_column(String(10))
    rsvp_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rsvp_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    meeting: Mapped[Meeting] = relationship(back_populates="invitees")
    organisation: Mapped[Organisation] = relationship()
    rsvp_by: Mapped[User | None] = relationship()


class MeetingAttendee(db.Model):
    """An organisation the minutes say attended, and its answer to the minutes (approved, or a comment)."""

    __tablename__ = "meeting_attendees"
    __table_args__ = (
        UniqueConstraint("meeting_id", "organisation_id"),
        CheckConstraint(f"answer IS NULL OR {one_of('answer', MINUTES_ANSWERS)}", name="answer"),
        Index("ix_meeting_attendees_organisation", "organisation_id"),  # minutes an organisation has to answer
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    answer: Mapped[str | None] = mapped_column(String(10))
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    meeting: Mapped[Meeting] = relationship(back_populates="attendees")
    organisation: Mapped[Organisation] = relationship()
    answered_by: Mapped[User | None] = relationship()
