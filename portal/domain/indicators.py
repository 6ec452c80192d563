"""A commune's migration profile: its indicators by year with their sources, entered or computed live.

Entered values come from commune officials (their commune), mediators, or the `import-indicators` command;
each one change is audited. Computed indicators are counted from the portal's own records, per year of first
submission: diaspora-funded projects (public projects), their diaspora funding (XOF of the association's
lines), facilities built (projects handed over) and still working (their latest yearly check).
"""

import csv
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, extract, func, select
from sqlalchemy.orm import joinedload

from portal.domain.audit import record
from portal.domain.meetings import official_communes
from portal.domain.stats import DIASPORA_PARTY, facilities_still_working
from portal.errors import Refused
from portal.extensions import db
from portal.models import (
    INDICATORS,
    INDICATORS_BY_CODE,
    PUBLIC_STATUSES,
    Commune,
    FundingLine,
    IndicatorValue,
    MapVersion,
    Project,
    ProjectStatus,
)
from portal.models.indicators import SEXES, VALUE_MAX, YEAR_MAX, YEAR_MIN
from portal.visibility import is_mediator

COLUMNS = ("commune_code", "map_version", "indicator", "year", "value", "unit", "source")
OPTIONAL_COLUMNS = ("country", "sex")
SOURCE_MAX = 200
COMPUTED_SOURCE = "portal"  # the source of computed values: the portal's own records
SAMPLE_FILE = Path(__file__).resolve().parent.parent / "data" / "indicators_sample.csv"


# Who may enter values ----------------------------------------------------------------------------------


def can_enter_indicators(user, commune: Commune) -> bool:
    """Officials of the commune, and mediators (for any commune)."""
    return is_mediator(user) or commune.id in official_communes(user)


# Reading -----------------------------------------------------------------------------------------------


@dataclass
class IndicatorSeries:
    code: str
    unit: str
    computed: bool
    values: list = field(default_factory=list)  # IndicatorValue rows, or ComputedValue


@dataclass(frozen=True)
class ComputedValue:
    year: int
    value: Decimal
    unit: str
    country: str = ""
    sex: str = ""
    source: str = COMPUTED_SOURCE
    entered_by = None


def _computed_by_year(commune_id: int) -> dict[str, dict[int, int]]:
    """The computed indicators of a commune by year of first submission: two queries."""
    year = extract("year", Project.first_submitted_at)
    public = [status.value for status in PUBLIC_STATUSES]
    counts = db.session.execute(
        select(year, func.count(), func.sum(case((Project.status == ProjectStatus.HANDED_OVER, 1), else_=0)))
        .where(Project.commune_id == commune_id, Project.status.in_(public))
        .group_by(year)
    ).all()
    funding = db.session.execute(
        select(year, func.sum(FundingLine.amount_xof))
        .join(Project, Project.id == FundingLine.project_id)
        .where(Project.commune_id == commune_id, Project.status.in_(public), FundingLine.party_kind == DIASPORA_PARTY)
        .group_by(year)
    ).all()
    working = facilities_still_working(select(Project.id).where(Project.commune_id == commune_id))
    return {
        "diaspora_projects": {int(y): int(n) for y, n, _ in counts},
        "facilities_built": {int(y): int(h or 0) for y, _, h in counts},
        "diaspora_funding": {int(y): int(total or 0) for y, total in funding},
        "facilities_working": working or {},
    }


def commune_profile(commune: Commune) -> list[IndicatorSeries]:
    """Every indicator of the catalogue for `commune`, its values oldest year first. Three queries."""
    series = {spec.code: IndicatorSeries(spec.code, spec.unit, spec.computed) for spec in INDICATORS}
    rows = db.session.scalars(
        select(IndicatorValue)
        .where(IndicatorValue.commune_id == commune.id)
        .options(joinedload(IndicatorValue.entered_by))
        .order_by(IndicatorValue.indicator, IndicatorValue.year, IndicatorValue.country, IndicatorValue.sex)
    ).all()
    for row in rows:
        series[row.indicator].values.append(row)
    for code, by_year in _computed_by_year(commune.id).items():
        unit = INDICATORS_BY_CODE[code].unit
        series[code].values = [ComputedValue(year, Decimal(value), unit) for year, value in sorted(by_year.items())]
    return list(series.values())


def plain_number(value: Decimal) -> str:
    """A value as the exports and the API write it: "1250", "12.5" (never "1.25E+3")."""
    return format(value.quantize(1), "f") if value == value.to_integral() else format(value.normalize(), "f")


def totals_by_year(serie: IndicatorSeries) -> dict[int, Decimal]:
    """The commune's total of an indicator per year (breakdowns by country or sex left out when a total is
    given, else added up), oldest year first: the series that projections read."""
    totals: dict[int, Decimal] = {}
    breakdowns: dict[int, Decimal] = {}
    for value in serie.values:
        target = totals if not value.country and not value.sex else breakdowns
        target[value.year] = target.get(value.year, Decimal(0)) + value.value
    for year, total in breakdowns.items():
        totals.setdefault(year, total)
    return dict(sorted(totals.items()))


def commune_value(commune: Commune, value_id: int) -> IndicatorValue | None:
    """One entered value of the commune (None for another commune's, or none)."""
    value = db.session.get(IndicatorValue, value_id)
    return value if value is not None and value.commune_id == commune.id else None


def indicator_rows():
    """Every entered value with its commune, for the open-data CSV (streamed in id order)."""
    return db.session.scalars(
        select(IndicatorValue)
        .options(joinedload(IndicatorValue.commune).joinedload(Commune.map_version))
        .order_by(IndicatorValue.id)
        .execution_options(yield_per=500)
    )


# Writing -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorInput:
    indicator: str
    year: int
    value: Decimal
    unit: str
    source: str
    country: str = ""
    sex: str = ""


def check_input(raw: dict) -> tuple[IndicatorInput | None, dict[str, list[str]]]:
    """An entry (from a form, the API or a CSV line) read and checked: the input, or the errors by field."""
    errors: dict[str, list[str]] = {}

    def refuse(name, message):
        errors.setdefault(name, []).append(str(message))

    indicator = str(raw.get("indicator") or "").strip()
    spec = INDICATORS_BY_CODE.get(indicator)
    if spec is None or spec.computed:
        refuse("indicator", _l("Not an indicator that can be entered."))
    try:
        year = int(str(raw.get("year") or "").strip())
        if not YEAR_MIN <= year <= YEAR_MAX:
            raise ValueError
    except ValueError:
        year = None
        refuse("year", _l("A year from %(min)d to %(max)d.", min=YEAR_MIN, max=YEAR_MAX))
    try:
        value = Decimal(str(raw.get("value") or "").strip().replace(",", "."))
        if not value.is_finite() or value < 0 or value > VALUE_MAX or value != value.quantize(Decimal("0.01")):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        value = None
        refuse("value", _l("A number, zero or more, with at most two decimals."))
    unit = str(raw.get("unit") or "").strip() or (spec.unit if spec else "")
    if spec is not None and unit != spec.unit:
        refuse("unit", _l("The unit of this indicator is %(unit)s.", unit=spec.unit))
    source = str(raw.get("source") or "").strip()
    if not source:
        refuse("source", _l("Say where the value comes from."))
    elif len(source) > SOURCE_MAX:
        refuse("source", _l("At most %(max)d characters.", max=SOURCE_MAX))
    country = str(raw.get("country") or "").strip().upper()
    if country and (len(country) != 2 or not country.isalpha() or not country.isascii()):
        refuse("country", _l("A country code of two letters (ISO 3166-1), or nothing."))
    sex = str(raw.get("sex") or "").strip().lower()
    if sex and sex not in SEXES:
        refuse("sex", _l("f, m, or nothing."))
    if (country or sex) and indicator != "emigrants":
        refuse("country" if country else "sex", _l("Only emigrants are broken down by country and sex."))
    if errors:
        return None, errors
    return IndicatorInput(indicator, year, value, unit, source, country, sex), {}


def _snapshot(row: IndicatorValue) -> dict:
    return {
        "commune_id": row.commune_id,
        "indicator": row.indicator,
        "year": row.year,
        "country": row.country,
        "sex": row.sex,
        "value": str(row.value),
        "unit": row.unit,
        "source": row.source,
    }


def set_indicator_value(actor, commune: Commune, entry: IndicatorInput, version: int | None = None):
    """Records (or corrects) the value of an indicator for a commune and a year; audited. Returns the row and
    whether it changed. `version`, when given, must be the one read (else 409 `stale_version`)."""
    row = db.session.scalar(
        select(IndicatorValue).where(
            IndicatorValue.commune_id == commune.id,
            IndicatorValue.indicator == entry.indicator,
            IndicatorValue.year == entry.year,
            IndicatorValue.country == entry.country,
            IndicatorValue.sex == entry.sex,
        )
    )
    if row is not None and version is not None and row.version != version:
        raise Refused("stale_version")
    before = _snapshot(row) if row is not None else None
    if row is None:
        row = IndicatorValue(commune_id=commune.id, indicator=entry.indicator, year=entry.year)
        row.country, row.sex = entry.country, entry.sex
        db.session.add(row)
    elif (row.value, row.unit, row.source) == (entry.value, entry.unit, entry.source):
        return row, False
    row.value, row.unit, row.source = entry.value, entry.unit, entry.source
    row.entered_by_id = getattr(actor, "id", None)
    db.session.flush()
    record("indicator.set", "indicator_value", row.id, actor=actor, before=before, after=_snapshot(row))
    return row, True


def enter_indicator_value(actor, commune: Commune, raw: dict, version: int | None = None):
    """The entry form's operation: who may (else 403), the input checked (else 422), then recorded."""
    if not can_enter_indicators(actor, commune):
        raise Refused("forbidden")
    entry, errors = check_input(raw)
    if errors:
        raise Refused("validation_failed", fields=errors)
    return set_indicator_value(actor, commune, entry, version=version)[0]


# Importing ---------------------------------------------------------------------------------------------


class IndicatorFileError(ValueError):
    """The file cannot be read at all (not CSV, missing columns)."""


@dataclass
class ImportReport:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)  # (line, what is wrong)


def _read_rows(path) -> list[tuple[int, dict]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in (reader.fieldnames or [])]
            missing = [name for name in COLUMNS if name not in header]
            if missing:
                raise IndicatorFileError(f"missing columns: {', '.join(missing)}")
            reader.fieldnames = header
            return [(reader.line_num, {k: (v or "") for k, v in row.items() if k}) for row in reader]
    except (UnicodeDecodeError, csv.Error) as error:
        raise IndicatorFileError(f"not a UTF-8 CSV file: {error}") from None


def count_indicator_rows(path) -> int:
    return len(_read_rows(path))


def import_indicators(path, actor=None, progress=None) -> ImportReport:
    """Imports every line of the CSV at `path`, or none: each line is checked (its commune by code and map
    version, its indicator, year, value, unit and source); when any is refused, nothing is written and the
    report says which lines and why."""
    rows = _read_rows(path)
    report = ImportReport(read=len(rows))
    communes = {
        (code, version): commune
        for commune, code, version in db.session.execute(
            select(Commune, Commune.code, MapVersion.code).join(MapVersion, MapVersion.id == Commune.map_version_id)
        )
    }
    checked = []
    for line, raw in rows:
        commune = communes.get((raw.get("commune_code", "").strip(), raw.get("map_version", "").strip()))
        entry, errors = check_input(raw)
        problems = [f"{name}: {' '.join(messages)}" for name, messages in errors.items()]
        if commune is None:
            problems.insert(0, "commune_code: no commune has this code in this map version")
        if problems:
            report.refused.append((line, "; ".join(problems)))
        else:
            checked.append((commune, entry))
    if report.refused:
        return report
    seen = set()
    for commune, entry in checked:
        key = (commune.id, entry.indicator, entry.year, entry.country, entry.sex)
        existed = key in seen or db.session.scalar(
            select(func.count()).where(
                IndicatorValue.commune_id == commune.id,
                IndicatorValue.indicator == entry.indicator,
                IndicatorValue.year == entry.year,
                IndicatorValue.country == entry.country,
                IndicatorValue.sex == entry.sex,
            )
        )
        seen.add(key)
        _, changed = set_indicator_value(actor, commune, entry)
        if not changed:
            report.unchanged += 1
        elif existed:
            report.updated += 1
        else:
            report.created += 1
        if progress:
            progress(1)
    return report
