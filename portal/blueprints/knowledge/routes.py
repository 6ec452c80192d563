"""Dashboards, communes' migration profiles with projections, and the open-data page: all public, read only."""

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_login import current_user

from portal import labels
from portal.blueprints.forms import place_errors
from portal.blueprints.guards import login_required
from portal.blueprints.knowledge import bp
from portal.blueprints.knowledge.charts import bar_chart, stacked_chart
from portal.blueprints.knowledge.forms import IndicatorForm
from portal.domain.exports import projects_csv
from portal.domain.indicators import (
    can_enter_indicators,
    commune_profile,
    commune_value,
    enter_indicator_value,
    totals_by_year,
)
from portal.domain.planning import planning_sheet
from portal.domain.projections import BAND_WIDTH, HORIZON_YEARS, linear_projection
from portal.domain.stats import DISPUTES_SHOWN_FROM, YEAR_MAX, YEAR_MIN, StatsFilter, dashboard, filter_choices
from portal.domain.territories import get_commune
from portal.errors import Refused
from portal.i18n import countries_by_name, format_total
from portal.ids import parse_id
from portal.models import SECTORS
from portal.paging import query_parameters

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
@query_parameters("region", "cercle", "commune", "year", "sector", "country")
def dashboards():
    """Public aggregates of the projects, their funding, commitments and disputes, with filters. Everyone."""
    filters = _filters()
    data = dashboard(filters)
    regions, cercles = filter_choices()
    charts = {
        "status": bar_chart(
            _("Projects by status"),
            [(labels.label(labels.STATUS_LABELS, k), v, _number(v)) for k, v in data.by_status.items() if k != "draft"],
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
        "years": stacked_chart(
            _("Funding of agreed projects by year of submission and party (F CFA)"),
            [labels.label(labels.PARTY_KIND_LABELS, kind) for kind in data.funding],
            [
                (str(year), [kinds[kind] for kind in data.funding], format_total(sum(kinds.values())))
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
    }
    if data.disputes is not None:  # None: these filters could single out a dispute (domain/stats.py)
        charts["disputes"] = bar_chart(
            _("Disputes by status"),
            [(labels.label(labels.DISPUTE_STATUS_COUNT_LABELS, k), v, _number(v)) for k, v in data.disputes.items()],
        )
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
        disputes_shown_from=DISPUTES_SHOWN_FROM,
        countries=countries_by_name(),
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
        can_enter=can_enter_indicators(current_user, commune),
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


@bp.get("/open-data/projects-spreadsheet.csv")
def projects_for_spreadsheets():
    """The public projects as CSV for spreadsheets set to French: ";" between cells, places by their usual
    spelling (the standard file is the API's /api/v1/export/projects.csv). Everyone."""
    response = Response(projects_csv(for_spreadsheets=True), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="projects-spreadsheet.csv"'
    response.headers["Link"] = f'<{current_app.config["OPEN_DATA_LICENCE_URL"]}>; rel="license"'
    return response


def _commune_for_entry(commune_id):
    """The commune whose values the user enters: 404 if there is none, 403 for those who may not enter them."""
    commune = get_commune(commune_id)
    if commune is None:
        abort(404)
    if not can_enter_indicators(current_user, commune):
        abort(403)
    return commune


def _render_entry(form, commune, status=200, value=None, errors=(), stale=None):
    return (
        render_template(
            "knowledge/indicator_form.html",
            form=form,
            commune=commune,
            value=value,
            errors=errors,
            stale=stale,
            number=_number,
            indicator_label=lambda code: labels.label(labels.INDICATOR_LABELS, code),
        ),
        status,
    )


@bp.route("/communes/<id:commune_id>/indicators/new", methods=["GET", "POST"])
@login_required
def new_indicator_value(commune_id):
    """The form to enter an indicator's value for a year (a value already there is corrected). Officials of the
    commune and mediators."""
    commune = _commune_for_entry(commune_id)
    form = IndicatorForm()
    form.set_choices()
    if not form.validate_on_submit():
        return _render_entry(form, commune, 400 if form.is_submitted() else 200)
    try:
        enter_indicator_value(current_user, commune, form.raw())
    except Refused as error:
        return _render_entry(form, commune, error.status, errors=place_errors(form, error))
    flash(_("The value is recorded."), "success")
    return redirect(url_for("knowledge.profile", commune_id=commune.id), code=303)


@bp.route("/communes/<id:commune_id>/indicators/<id:value_id>", methods=["GET", "POST"])
@login_required
def edit_indicator_value(commune_id, value_id):
    """The form to correct a value and its source, over the version read. Officials of the commune and mediators."""
    commune = _commune_for_entry(commune_id)
    value = commune_value(commune, value_id)
    if value is None:
        abort(404)
    form = IndicatorForm(
        data={
            "indicator": value.indicator,
            "year": str(value.year),
            "value": format(value.value.normalize(), "f"),
            "source": value.source,
            "country": value.country,
            "sex": value.sex,
            "version": str(value.version),
        }
        if request.method == "GET"
        else None
    )
    form.set_choices()
    if not form.validate_on_submit():
        return _render_entry(form, commune, 400 if form.is_submitted() else 200, value=value)
    # What identifies the value (indicator, year, breakdown) stays; the value and its source are corrected.
    raw = {**form.raw(), "indicator": value.indicator, "year": value.year, "country": value.country, "sex": value.sex}
    try:
        enter_indicator_value(current_user, commune, raw, version=parse_id(form.version.data) or 0)
    except Refused as error:
        if error.code == "stale_version":
            saved = commune_value(commune, value_id)
            form.version.data = str(saved.version)  # saving again goes over the version shown beside the form
            return _render_entry(form, commune, 409, value=saved, stale=saved)
        return _render_entry(form, commune, error.status, value=value, errors=place_errors(form, error))
    flash(_("The value is corrected."), "success")
    return redirect(url_for("knowledge.profile", commune_id=commune.id), code=303)


@bp.get("/communes/<id:commune_id>/planning")
def planning(commune_id):
    """The commune's printable PDESC planning sheet: profile, projects, commitments and projections. Everyone (the
    projects and commitments the viewer may see)."""
    commune = get_commune(commune_id)
    if commune is None:
        abort(404)
    sheet = planning_sheet(current_user, commune)
    return render_template(
        "knowledge/planning.html",
        commune=commune,
        sheet=sheet,
        number=_number,
        horizon=HORIZON_YEARS,
        band_width=BAND_WIDTH,
        indicator_label=lambda code: labels.label(labels.INDICATOR_LABELS, code),
        unit_label=lambda code: labels.label(labels.UNIT_LABELS, code),
    )
