"""Knowledge for planning: the catalogue of a commune's migration indicators, and their values by year.

Entered indicators (population, emigrants, remittances...) are rows of `indicator_values`, each with its unit,
its source and who entered it. Computed indicators (diaspora-funded projects and amounts, facilities built and
still working) are never stored: they are counted live from the portal's own records (portal/domain/indicators).
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, one_of, utcnow
from portal.extensions import db
from portal.models.territories import Commune
from portal.models.users import User


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    unit: str
    computed: bool = False


# The catalogue, in the order profiles show it. Units are codes ("persons", "XOF"); labels in portal/labels.py.
INDICATORS = (
    IndicatorSpec("population", "persons"),
    IndicatorSpec("households_with_member_abroad", "households"),
    IndicatorSpec("emigrants", "persons"),
    IndicatorSpec("returnees", "persons"),
    IndicatorSpec("remittances", "XOF"),
    IndicatorSpec("associations", "associations"),
    IndicatorSpec("diaspora_projects", "projects", computed=True),
    IndicatorSpec("diaspora_funding", "XOF", computed=True),
    IndicatorSpec("facilities_built", "facilities", computed=True),
    IndicatorSpec("facilities_working", "facilities", computed=True),
)
INDICATORS_BY_CODE = {spec.code: spec for spec in INDICATORS}
ENTERED_INDICATORS = tuple(spec.code for spec in INDICATORS if not spec.computed)
SEXES = ("f", "m")
YEAR_MIN, YEAR_MAX = 1960, 2100
VALUE_MAX = Decimal("999999999999")  # 12 digits, as amounts


class IndicatorValue(db.Model):
    """One value of an entered indicator for a commune and a year; `country` and `sex` break it down
    ("" when the value is for every country or both sexes: emigrants by destination and sex)."""

    __tablename__ = "indicator_values"
    __table_args__ = (
        CheckConstraint(one_of("indicator", ENTERED_INDICATORS), name="indicator"),
        CheckConstraint(f"year BETWEEN {YEAR_MIN} AND {YEAR_MAX}", name="year_range"),
        CheckConstraint("value >= 0", name="value_not_negative"),
        CheckConstraint("sex IN ('', 'f', 'm')", name="sex"),
        UniqueConstraint("commune_id", "indicator", "year", "country", "sex"),
        Index("ix_indicator_values_indicator_year", "indicator", "year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    indicator: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    country: Mapped[str] = mapped_column(String(2), default="")
    sex: Mapped[str] = mapped_column(String(1), default="")
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    unit: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(200))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    commune: Mapped[Commune] = relationship()
    entered_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<IndicatorValue {self.indicator} {self.commune_id} {self.year} {self.value}>"
