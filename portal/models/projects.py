"""Co-funded projects: the proposal, its budget and co-funding plan, documents and discussion."""

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.database import UTCDateTime, one_of, utcnow
from portal.extensions import db
from portal.models.files import StoredFile
from portal.models.organisations import Organisation
from portal.models.territories import Commune
from portal.models.users import User
from portal.search import search_key


class ProjectStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    CHANGES_REQUESTED = "changes_requested"
    IN_CONSULTATION = "in_consultation"
    AGREED = "agreed"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    HANDED_OVER = "handed_over"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


# From agreed on, a project is public, anonymous visitors included.
PUBLIC_STATUSES = frozenset(
    {ProjectStatus.AGREED, ProjectStatus.IN_PROGRESS, ProjectStatus.COMPLETED, ProjectStatus.HANDED_OVER}
)
SECTORS = ("water", "health", "education", "agriculture", "energy", "culture", "economy", "other")
PARTY_KINDS = ("association", "commune", "state", "partner", "population")
DOCUMENT_KINDS = ("technical_file", "quote", "statutes", "minutes", "photo", "other")


class Project(db.Model):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint(one_of("status", ProjectStatus), name="status"),
        CheckConstraint(one_of("sector", SECTORS), name="sector"),
        Index("ix_projects_public", "is_public", "id"),
        # Filtered public lists and their counts: one index range each (see README, Performance).
        Index("ix_projects_public_status", "is_public", "status", "id"),
        Index("ix_projects_public_sector", "is_public", "sector", "id"),
        Index("ix_projects_status", "status", "id"),
        Index("ix_projects_commune", "commune_id", "id"),
        Index("ix_projects_association", "association_id", "id"),
        Index("ix_projects_sector", "sector", "id"),
        Index("ix_projects_submitted_unanswered", "status", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # The title folded for search (portal/search.py), set with the title: "ecole" finds "École".
    search_title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    sector: Mapped[str] = mapped_column(String(20))
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    village: Mapped[str | None] = mapped_column(String(200))
    association_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    pdsec_period: Mapped[str | None] = mapped_column(String(20))  # "2024-2028"
    pdsec_line: Mapped[str | None] = mapped_column(String(200))
    sdg_tags: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default=ProjectStatus.DRAFT)
    # Kept with the status so the public list is one indexed range (see performance notes).
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    first_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    owner_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    maintenance_plan: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    commune: Mapped[Commune] = relationship()
    association: Mapped[Organisation] = relationship(foreign_keys=[association_id])
    owner_organisation: Mapped[Organisation | None] = relationship(foreign_keys=[owner_organisation_id])
    created_by: Mapped[User | None] = relationship()
    budget_lines: Mapped[list["BudgetLine"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="BudgetLine.position"
    )
    funding_lines: Mapped[list["FundingLine"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="FundingLine.position"
    )
    documents: Mapped[list["ProjectDocument"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectDocument.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def budget_total_xof(self) -> int:
        return sum(line.amount_xof for line in self.budget_lines)

    @property
    def funding_total_xof(self) -> int:
        return sum(line.amount_xof for line in self.funding_lines)

    @validates("title")
    def _fold_title(self, _key, title):
        self.search_title = search_key(title)
        return title

    def __repr__(self) -> str:
        return f"<Project {self.id} {self.status} {self.title!r}>"


class _MoneyLine:
    """An amount in its own currency, with the rate of the day it was entered and its value in XOF."""

    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    rate_to_xof: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    amount_xof: Mapped[int] = mapped_column(BigInteger)


class BudgetLine(_MoneyLine, db.Model):
    __tablename__ = "budget_lines"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(200))

    project: Mapped[Project] = relationship(back_populates="budget_lines")


class FundingLine(_MoneyLine, db.Model):
    __tablename__ = "funding_lines"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(one_of("party_kind", PARTY_KINDS), name="party_kind"),
        Index("ix_funding_lines_organisation", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    party_kind: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # A funder that is neither the proposing association nor the commune confirms its line on the portal.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    project: Mapped[Project] = relationship(back_populates="funding_lines")
    organisation: Mapped[Organisation | None] = relationship()


class CurrencyRate(db.Model):
    """What one unit of a currency is worth in XOF from a date on (EUR is fixed by the CFA parity)."""

    __tablename__ = "currency_rates"
    __table_args__ = (
        UniqueConstraint("currency", "valid_from"),
        CheckConstraint("rate_to_xof > 0", name="rate_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    valid_from: Mapped[datetime] = mapped_column(db.Date)
    rate_to_xof: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ProjectDocument(StoredFile, db.Model):
    __tablename__ = "project_documents"
    __table_args__ = (CheckConstraint(one_of("kind", DOCUMENT_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))

    project: Mapped[Project] = relationship(back_populates="documents")
    uploaded_by: Mapped[User | None] = relationship()


class ProjectComment(db.Model):
    """The discussion between the parties of a project."""

    __tablename__ = "project_comments"
    __table_args__ = (Index("ix_project_comments_project", "project_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
