"""Territories: searching communes, and importing an administrative map.

A map version holds its own regions, cercles and communes; codes are unique only within a version, so an
import upserts by (map version, code) and a later map lives beside the earlier one. Exactly one version is
current: searches and lists use it unless told otherwise. Operations flush, never commit.
"""

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import contains_eager

from portal.domain import audit
from portal.errors import Refused
from portal.extensions import db
from portal.models import Cercle, Commune, HomeCommune, MapVersion, Organisation, OrganisationKind, Region
from portal.models.organisations import Verification
from portal.search import search_key

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_MAP_FILE = DATA_DIR / "mali_communes_ocha_cod_2015.csv"
DEFAULT_MAP_CODE = "ocha-2015"
DEFAULT_MAP_LABEL = "OCHA COD-AB Mali 2015"
DEFAULT_MAP_VALID_FROM = date(2015, 4, 8)
DEFAULT_MAP_SOURCE = "OCHA COD-AB Mali, 2015 (CC0, via the validmeasures/mali package)"

# The columns of OCHA's COD-AB attribute tables that an import reads; any others are ignored.
REQUIRED_COLUMNS = ("adm1_pcode", "adm1_name", "adm2_pcode", "adm2_name", "adm3_pcode", "adm3_name")
CODE_MAX = 20
NAME_MAX = 200
MAP_CODE_MAX = 20
LABEL_MAX = 200
SEARCH_MAX = 200
# Ids beyond a 32-bit integer cannot exist; looking them up would overflow SQLite's integers.
ID_MAX = 2**31 - 1
PROGRESS_CHUNK = 100


def _printable(text: str) -> str:
    """Drops control characters (a NUL would make PostgreSQL refuse the query)."""
    return "".join(c for c in text if c.isprintable())


# --- Reading a map file -------------------------------------------------------------------------------


class TerritoryFileError(ValueError):
    """The file is not a COD-AB attribute table we can import; says where and why."""


@dataclass(frozen=True)
class TerritoryRow:
    region_code: str
    region_name: str
    cercle_code: str
    cercle_name: str
    commune_code: str
    commune_name: str


def read_territory_file(path: str | Path) -> list[TerritoryRow]:
    """The rows of an OCHA COD-AB CSV (adm1 = region, adm2 = cercle, adm3 = commune), checked."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [column for column in REQUIRED_COLUMNS if column not in (reader.fieldnames or [])]
            if missing:
                raise TerritoryFileError(f"{path}: missing columns {', '.join(missing)}")
            rows = [_territory_row(record, reader.line_num) for record in reader]
    except UnicodeDecodeError as error:
        raise TerritoryFileError(f"{path}: not UTF-8 text ({error})") from None
    if not rows:
        raise TerritoryFileError(f"{path}: no communes")
    _check_hierarchy(rows)
    return rows


def _territory_row(record: dict, line: int) -> TerritoryRow:
    values = {column: _printable((record.get(column) or "").strip()) for column in REQUIRED_COLUMNS}
    empty = [column for column, value in values.items() if not value]
    if empty:
        raise TerritoryFileError(f"line {line}: empty {', '.join(empty)}")
    for column, value in values.items():
        limit = CODE_MAX if column.endswith("_pcode") else NAME_MAX
        if len(value) > limit:
            raise TerritoryFileError(f"line {line}: {column} is longer than {limit} characters")
    return TerritoryRow(
        values["adm1_pcode"],
        values["adm1_name"],
        values["adm2_pcode"],
        values["adm2_name"],
        values["adm3_pcode"],
        values["adm3_name"],
    )


def _check_hierarchy(rows: list[TerritoryRow]) -> None:
    """A code names one thing in one place: a cercle in one region, a commune once."""
    region_of_cercle: dict[str, str] = {}
    seen_communes: set[str] = set()
    for number, row in enumerate(rows, start=2):
        if region_of_cercle.setdefault(row.cercle_code, row.region_code) != row.region_code:
            raise TerritoryFileError(
                f"line {number}: cercle {row.cercle_code} is in region {row.region_code} here "
                f"but in {region_of_cercle[row.cercle_code]} above"
            )
        if row.commune_code in seen_communes:
            raise TerritoryFileError(f"line {number}: commune {row.commune_code} appears twice")
        seen_communes.add(row.commune_code)


# --- Importing ------------------------------------------------------------------------------------------


@dataclass
class LevelCount:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class ImportResult:
    map_version: MapVersion
    map_version_created: bool
    map_version_updated: bool = False
    made_current: bool = False
    regions: LevelCount = field(default_factory=LevelCount)
    cercles: LevelCount = field(default_factory=LevelCount)
    communes: LevelCount = field(default_factory=LevelCount)

    @property
    def changed(self) -> bool:
        return (
            self.map_version_created
            or self.map_version_updated
            or any(level.created or level.updated for level in (self.regions, self.cercles, self.communes))
        )


def count_territory_rows(path: str | Path) -> int:
    """How many communes a file lists: the length of an import's progress bar."""
    return len(read_territory_file(path))


def import_territories(
    path: str | Path,
    map_code: str,
    label: str,
    valid_from: date | None = None,
    make_current: bool = False,
    progress: Callable[[int], object] | None = None,
    source: str | None = None,
) -> ImportResult:
    """Upsert the regions, cercles and communes of a COD-AB file into the map version `map_code`.

    Idempotent: a second run of the same file creates and changes nothing. Names are kept as the file
    gives them. The version becomes current when `make_current` is set, or when no version is current yet.
    `progress(n)` is told each time n more communes are done.
    """
    map_code = (map_code or "").strip()
    label = (label or "").strip()
    if not map_code or len(map_code) > MAP_CODE_MAX:
        raise ValueError(f"the map version code must be 1 to {MAP_CODE_MAX} characters")
    if not label or len(label) > LABEL_MAX:
        raise ValueError(f"the map version label must be 1 to {LABEL_MAX} characters")
    rows = read_territory_file(path)
    session = db.session

    version = session.scalar(select(MapVersion).where(MapVersion.code == map_code))
    result = ImportResult(map_version=version, map_version_created=version is None)
    if version is None:
        version = MapVersion(code=map_code, label=label, valid_from=valid_from, is_current=False, source=source)
        session.add(version)
        session.flush()
        result.map_version = version
    else:
        changes = {"label": label, "valid_from": valid_from, "source": source}
        for attribute, value in changes.items():
            if value is not None and getattr(version, attribute) != value:
                setattr(version, attribute, value)
                result.map_version_updated = True

    regions = _upsert(
        Region,
        version,
        {row.region_code: {"name": row.region_name} for row in rows},
        result.regions,
    )
    cercles = _upsert(
        Cercle,
        version,
        {row.cercle_code: {"name": row.cercle_name, "region_id": regions[row.region_code].id} for row in rows},
        result.cercles,
    )
    commune_values = {
        row.commune_code: {
            "name": row.commune_name,
            "search_name": search_key(row.commune_name),
            "cercle_id": cercles[row.cercle_code].id,
        }
        for row in rows
    }
    _upsert(Commune, version, commune_values, result.communes, progress)

    if make_current:
        result.made_current = set_current_map_version(version)
    elif not session.scalar(select(MapVersion.id).where(MapVersion.is_current.is_(True)).limit(1)):
        _make_current(version)  # the first map of the portal: recorded with the import below
        result.made_current = True
    session.flush()
    if result.changed:
        audit.record(
            "map_version.import",
            "map_version",
            version.id,
            after={
                "code": version.code,
                "regions": vars(result.regions),
                "cercles": vars(result.cercles),
                "communes": vars(result.communes),
                "current": version.is_current,
            },
        )
    return result


def _upsert(model, version: MapVersion, values_by_code: dict[str, dict], count: LevelCount, progress=None) -> dict:
    """Create or update the rows of one level of a map version; the rows by code, ids assigned."""
    session = db.session
    existing = {row.code: row for row in session.scalars(select(model).where(model.map_version_id == version.id))}
    codes = list(values_by_code)
    for start in range(0, len(codes), PROGRESS_CHUNK):
        chunk = codes[start : start + PROGRESS_CHUNK]
        new_rows = []
        for code in chunk:
            values = values_by_code[code]
            row = existing.get(code)
            if row is None:
                row = model(map_version_id=version.id, code=code, **values)
                new_rows.append(row)
                existing[code] = row
                count.created += 1
            elif any(getattr(row, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(row, name, value)
                count.updated += 1
            else:
                count.unchanged += 1
        session.add_all(new_rows)
        session.flush()
        if progress is not None:
            progress(len(chunk))
    return existing


def ensure_default_territories() -> ImportResult | None:
    """Loads the shipped 2015 map as the current version when the database has no map version yet."""
    if db.session.scalar(select(MapVersion.id).limit(1)) is not None:
        return None
    return import_territories(
        DEFAULT_MAP_FILE,
        DEFAULT_MAP_CODE,
        DEFAULT_MAP_LABEL,
        valid_from=DEFAULT_MAP_VALID_FROM,
        make_current=True,
        source=DEFAULT_MAP_SOURCE,
    )


# --- Map versions ---------------------------------------------------------------------------------------


def current_map_version() -> MapVersion | None:
    return db.session.scalar(select(MapVersion).where(MapVersion.is_current.is_(True)).order_by(MapVersion.id))


def current_regions() -> list[Region]:
    """The regions of the current map, by name (the choices of a region filter)."""
    return db.session.scalars(
        select(Region)
        .join(MapVersion, MapVersion.id == Region.map_version_id)
        .where(MapVersion.is_current.is_(True))
        .order_by(Region.name)
    ).all()


def map_version_by_code(code: str | None) -> MapVersion | None:
    code = _printable(code or "")
    if not code or len(code) > MAP_CODE_MAX:
        return None
    return db.session.scalar(select(MapVersion).where(MapVersion.code == code))


def map_version_by_id(version_id: int) -> MapVersion | None:
    if not 0 < version_id <= ID_MAX:
        return None
    return db.session.get(MapVersion, version_id)


def _make_current(version: MapVersion) -> None:
    db.session.execute(
        update(MapVersion)
        .where(MapVersion.id != version.id, MapVersion.is_current.is_(True))
        .values(is_current=False)
        .execution_options(synchronize_session="fetch")
    )
    version.is_current = True
    db.session.flush()


def set_current_map_version(version: MapVersion, actor=None) -> bool:
    """Makes `version` the one current map; False if it already was. Recorded on the audit log."""
    if version.is_current:
        return False
    previous = current_map_version()
    _make_current(version)
    audit.record(
        "map_version.make_current",
        "map_version",
        version.id,
        actor=actor,
        before={"current": previous.code if previous else None},
        after={"current": version.code},
    )
    return True


@dataclass
class MapVersionSummary:
    version: MapVersion
    regions: int
    cercles: int
    communes: int


def map_version_summaries() -> list[MapVersionSummary]:
    """Every map version with how many regions, cercles and communes it holds: one query."""

    def count_of(model):
        return (
            select(func.count(model.id))
            .where(model.map_version_id == MapVersion.id)
            .correlate(MapVersion)
            .scalar_subquery()
        )

    query = select(MapVersion, count_of(Region), count_of(Cercle), count_of(Commune)).order_by(
        MapVersion.valid_from.desc().nulls_last(), MapVersion.id.desc()
    )
    return [MapVersionSummary(*row) for row in db.session.execute(query).all()]


# --- Searching and reading communes ---------------------------------------------------------------------


def _communes_with_places() -> Select:
    return (
        select(Commune)
        .join(Commune.cercle)
        .join(Cercle.region)
        .join(Commune.map_version)
        .options(contains_eager(Commune.cercle).contains_eager(Cercle.region), contains_eager(Commune.map_version))
    )


def search_communes(q: str | None = None, map_code: str | None = None) -> Select:
    """A select of communes with their cercle, region and map version, ordered by name.

    On the current map unless `map_code` names another; `q` matches anywhere in the name, case and
    accents ignored. An unknown `map_code` is refused (validation_failed on the field `version`).
    """
    query = _communes_with_places().order_by(Commune.name, Commune.id)
    if map_code:
        version = map_version_by_code(map_code)
        if version is None:
            raise Refused("validation_failed", fields={"version": [_l("No map version has this code.")]})
        query = query.where(Commune.map_version_id == version.id)
    else:
        query = query.where(MapVersion.is_current.is_(True))
    key = _printable(search_key(q or ""))[:SEARCH_MAX]
    if key:
        query = query.where(Commune.search_name.contains(key, autoescape=True))
    return query


def get_commune(commune_id: int) -> Commune | None:
    """A commune of any map version with its cercle, region and version, in one query."""
    if not 0 < commune_id <= ID_MAX:
        return None
    return db.session.scalar(_communes_with_places().where(Commune.id == commune_id))


def commune_organisation(commune: Commune) -> Organisation | None:
    """The organisation that stands for the commune (its council), if there is one."""
    return db.session.scalar(
        select(Organisation).where(Organisation.kind == OrganisationKind.COMMUNE, Organisation.commune_id == commune.id)
    )


def home_associations(commune: Commune) -> list[tuple[Organisation, HomeCommune]]:
    """The verified diaspora associations whose members come from the commune, by name, with their link."""
    query = (
        select(Organisation, HomeCommune)
        .join(HomeCommune, HomeCommune.association_id == Organisation.id)
        .where(
            HomeCommune.commune_id == commune.id,
            Organisation.kind == OrganisationKind.ASSOCIATION,
            Organisation.verification == Verification.VERIFIED,
        )
        .order_by(Organisation.name, Organisation.id)
    )
    return [(organisation, link) for organisation, link in db.session.execute(query).all()]


def communes_named(text: str | None, limit: int = 20):
    """(the commune a person meant by typing a name — the only match, or the one with exactly that name —,
    and the matches, at most `limit`, for them to choose among)."""
    if not (text or "").strip():
        return None, []
    matches = db.session.scalars(search_communes(text).limit(limit)).all()
    exact = [c for c in matches if c.search_name == search_key(text)]
    if len(matches) == 1:
        return matches[0], matches
    return (exact[0] if len(exact) == 1 else None), matches
