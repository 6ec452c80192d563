"""Organisations — communes, diaspora associations, the ministry, partners, committees — and memberships."""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, one_of, utcnow
from portal.extensions import db
from portal.models.territories import Commune
from portal.models.users import User


class OrganisationKind(enum.StrEnum):
    COMMUNE = "commune"
    ASSOCIATION = "association"
    MINISTRY = "ministry"
    PARTNER = "partner"
    COMMITTEE = "committee"


class Verification(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REFUSED = "refused"


# The roles each kind of organisation knows, and which of them manage it (invite, change roles).
ROLES_BY_KIND = {
    OrganisationKind.ASSOCIATION: ("officer", "member"),
    OrganisationKind.COMMUNE: ("mayor", "deputy", "clerk"),
    OrganisationKind.MINISTRY: ("mediator",),
    OrganisationKind.PARTNER: ("representative", "observer"),
    OrganisationKind.COMMITTEE: ("president", "member"),
}
MANAGER_ROLES = {
    OrganisationKind.ASSOCIATION: "officer",
    OrganisationKind.COMMUNE: "mayor",
    OrganisationKind.MINISTRY: "mediator",
    OrganisationKind.PARTNER: "representative",
    OrganisationKind.COMMITTEE: "president",
}
# The roles through which a commune's officials answer for it (mayor, deputy mayor, secretary general).
COMMUNE_OFFICIAL_ROLES = frozenset(ROLES_BY_KIND[OrganisationKind.COMMUNE])
# The elected among them, whose decisions bind the commune; the secretary general, a civil servant, prepares and
# records but decides nothing in the commune's name (product.md, "Who uses it").
COMMUNE_DECIDING_ROLES = frozenset({"mayor", "deputy"})
ALL_ROLES = sorted({role for roles in ROLES_BY_KIND.values() for role in roles})


class Organisation(db.Model):
    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint(one_of("kind", OrganisationKind), name="kind"),
        CheckConstraint(one_of("verification", Verification), name="verification"),
        CheckConstraint("kind != 'commune' OR commune_id IS NOT NULL", name="commune_has_commune"),
        # One commune organisation per commune.
        Index(
            "uq_organisations_commune",
            "commune_id",
            unique=True,
            postgresql_where=text("kind = 'commune'"),
            sqlite_where=text("kind = 'commune'"),
        ),
        Index("ix_organisations_kind_name", "kind", "name"),
        Index("ix_organisations_verification", "verification", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    # The commune a commune organisation governs, or where a committee runs its facility.
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id"), index=True)
    # Associations: where they live abroad, and their registration.
    country: Mapped[str | None] = mapped_column(String(2))
    city: Mapped[str | None] = mapped_column(String(200))
    registration_number: Mapped[str | None] = mapped_column(String(200))
    verification: Mapped[str] = mapped_column(String(20), default=Verification.VERIFIED)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    commune: Mapped[Commune | None] = relationship()
    verified_by: Mapped[User | None] = relationship()
    home_communes: Mapped[list["HomeCommune"]] = relationship(
        back_populates="association", cascade="all, delete-orphan", order_by="HomeCommune.commune_id"
    )
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="Membership.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_verified(self) -> bool:
        return self.verification == Verification.VERIFIED

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.kind} {self.name!r}>"


class HomeCommune(db.Model):
    """A commune an association comes from, with the villages its members come from there."""

    __tablename__ = "home_communes"

    association_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), primary_key=True, index=True)
    villages: Mapped[str | None] = mapped_column(String(500))

    association: Mapped[Organisation] = relationship(back_populates="home_communes")
    commune: Mapped[Commune] = relationship()


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "organisation_id"),
        CheckConstraint(one_of("role", ALL_ROLES), name="role"),
        Index("ix_memberships_organisation_role", "organisation_id", "role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")

    @property
    def is_manager(self) -> bool:
        return MANAGER_ROLES.get(OrganisationKind(self.organisation.kind)) == self.role


class Setting(db.Model):
    """Platform settings an admin may change without a deployment."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
