"""Regions, cercles and communes, each tied to the version of the administrative map it comes from.

Mali's map changes (the 2023 reform made 19 regions and 819 communes), and official codes are reused
between maps, so a code means something only together with its map version.
"""

import csv
import functools
from datetime import date
from pathlib import Path

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db

USUAL_NAMES_FILE = Path(__file__).resolve().parent.parent / "data" / "usual_names.csv"


@functools.cache
def usual_names() -> dict[tuple[str, str], str]:
    """(code, official name) → the usual French spelling, where the official data has none ("Segou" → "Ségou").
    Keyed by the name too, since codes are reused between maps: a later map's own name is left alone."""
    with USUAL_NAMES_FILE.open(encoding="utf-8", newline="") as rows:
        return {(row["code"], row["name"]): row["usual_name"] for row in csv.DictReader(rows)}


class ShownByUsualName:
    """Pages show `display_name`; the stored `name` (and the API's) stays as the official data gives it."""

    @property
    def display_name(self) -> str:
        return usual_names().get((self.code, self.name), self.name)


class MapVersion(db.Model):
    __tablename__ = "map_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # "ocha-2015"
    label: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date | None] = mapped_column(Date)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(String(200))


class Region(ShownByUsualName, db.Model):
    __tablename__ = "regions"
    __table_args__ = (UniqueConstraint("map_version_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    map_version_id: Mapped[int] = mapped_column(ForeignKey("map_versions.id"))
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))

    map_version: Mapped[MapVersion] = relationship()


class Cercle(ShownByUsualName, db.Model):
    __tablename__ = "cercles"
    __table_args__ = (UniqueConstraint("map_version_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    map_version_id: Mapped[int] = mapped_column(ForeignKey("map_versions.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))

    region: Mapped[Region] = relationship()


class Commune(ShownByUsualName, db.Model):
    __tablename__ = "communes"
    __table_args__ = (
        UniqueConstraint("map_version_id", "code"),
        Index("ix_communes_version_search", "map_version_id", "search_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    map_version_id: Mapped[int] = mapped_column(ForeignKey("map_versions.id"))
    cercle_id: Mapped[int] = mapped_column(ForeignKey("cercles.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    # The name folded to lower case without accents, so "segou", "Ségou" and "SEGOU" all find it.
    search_name: Mapped[str] = mapped_column(String(200))

    cercle: Mapped[Cercle] = relationship()
    map_version: Mapped[MapVersion] = relationship()
