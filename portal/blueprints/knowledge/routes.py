"""Dashboards, communes' migration profiles with projections, and the open-data page: all public, read only."""

from flask import abort, current_app, render_template, request
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _

from portal import labels
from portal.blueprints.knowledge import bp
from portal.blueprints.knowledge.charts import bar_chart
from portal.domain.indicators import commune_profile, totals_by_year
from portal.domain.projections import BAND_WIDTH, HORIZON_YEARS, linear_projection
from portal.domain.stats import YEAR_MAX, YEAR_MIN, StatsFilter, dashboard, filter_choices
from portal.domain.territories import get_commune
from portal.i18n import format_total
from portal.models import SECTORS

TEXT_MAX = 100


def _text(name: str, limit: int = TEXT_MAX) -> str | None:
    return request.args.get(name, "").strip()[:limit] or None


def _filters() -> StatsFilter:
    """The dashboards' filters from the query string; what cannot be read is left out, never an error."""
    year = request.args.get("year", "").strip()
    sector = request.args.get("sector")
    return StatsFilter(
        region=_text("region", 20),
        cercle=_text("cercle", 20),
        commune_name=_text("commune"),
        year=int(year) if year.isdigit() and YEAR_MIN <= int(year) <= YEAR_MAX else None,
        sector=sector if sector in SECTORS else None,
        country=_text("country", 2),
    )


def _number(value) -> str:
    return format_decimal(value)


@bp.get("/dashboards")
def dashboards():
    """Public aggregates of the projects, their funding, commitments and disputes, with filters. Everyone."""
    filters = _filters()
    data = dashboard(filters)
    regions, cercles = filter_choices()
    charts = {
        "status": bar_chart(
            _("Projects by status"),
            [(labels.label(labels.STATUS_LABELS, k), v, _number(v)) for k, v in data.by_status.items()],
        ),
        "sector": bar_chart(
            _("Projects by sector"),
            [(labels.label(labels.SECTOR_LABELS, k), v, _number(v)) for k, v in data.by_sector.items()],
        ),
        "funding": bar_chart(
            _("Funding of agreed projects by party (F CFA)"),
            [(labels.label(labels.PARTY_KIND_LABELS, k), v, format_total(v)) for k, v in data.funding.items()],
            colour_by_index=True,
        ),
        "years": bar_chart(
            _("Funding of agreed projects by year of submission (F CFA)"),
            [
                (str(year), sum(kinds.values()), format_total(sum(kinds.values())))
                for year, kinds in data.funding_by_year.items()
            ],
        ),
        "commitments": bar_chart(
            _("Commitments by status"),
            [
                (labels.label(labels.COMMITMENT_STATUS_LABELS, k), v, _number(v))
                for k, v in data.commitments.items()
                if k != "overdue"
            ]
            + [(_("Overdue"), data.commitments["overdue"], _number(data.commitments["overdue"]))],
        ),
        "disputes": bar_chart(
            _("Disputes by status"),
            [(labels.label(labels.DISPUTE_STATUS_COUNT_LABELS, k), v, _number(v)) for k, v in data.disputes.items()],
        ),
    }
    return render_template(
        "knowledge/dashboards.html",
        data=data,
        charts=charts,
        regions=regions,
        cercles=cercles,
        sectors=SECTORS,
        args=request.args,
        percent=format_percent,
        number=_number,
        party_kinds=list(data.funding),
    )


@bp.get("/communes/<id:commune_id>/profile")
def profile(commune_id):
    """A commune's migration profile: indicators by year with sources, and 5-year projections. Everyone."""
    commune = get_commune(commune_id)
    if commune is None:
        abort(404)
    series = commune_profile(commune)
    rows = []
    for serie in series:
        totals = totals_by_year(serie)
        rows.append(
            {
                "serie": serie,
                "label": labels.label(labels.INDICATOR_LABELS, serie.code),
                "unit": labels.label(labels.UNIT_LABELS, serie.unit),
                "totals": totals,
                "projection": linear_projection(totals) if not serie.computed else None,
                "chart": bar_chart(
                    labels.label(labels.INDICATOR_LABELS, serie.code),
                    [(str(year), float(value), _number(value)) for year, value in totals.items()],
                ),
            }
        )
    return render_template(
        "knowledge/profile.html",
        commune=commune,
        rows=rows,
        number=_number,
        horizon=HORIZON_YEARS,
        band_width=BAND_WIDTH,
    )


@bp.get("/open-data")
def open_data():
    """The open-data exports (CSV, IATI) with their licence. Everyone."""
    return render_template(
        "knowledge/open_data.html",
        licence_name=current_app.config["OPEN_DATA_LICENCE_NAME"],
        licence_url=current_app.config["OPEN_DATA_LICENCE_URL"],
        reporting_org=current_app.config["IATI_REPORTING_ORG_NAME"],
    )
