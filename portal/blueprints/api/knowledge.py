"""Knowledge for planning: live statistics, each commune's migration profile, and the open-data exports."""

from flask import Response, current_app
from marshmallow import EXCLUDE, Schema, fields, validate

from portal.blueprints.api import api_blueprint
from portal.blueprints.api.common import Id
from portal.blueprints.api.communes import CommuneSchema
from portal.blueprints.api.messages import in_range
from portal.blueprints.api.system import ErrorSchema
from portal.domain.exports import iati_xml, indicators_csv, projects_csv
from portal.domain.indicators import commune_profile, plain_number
from portal.domain.stats import (
    COMMITMENT_KEYS,
    DISPUTE_STATUSES,
    STATUS_KEYS,
    YEAR_MAX,
    YEAR_MIN,
    StatsFilter,
    stats,
)
from portal.domain.territories import get_commune
from portal.errors import Refused
from portal.models import PARTY_KINDS

blp = api_blueprint("knowledge", "Statistics, communes' migration profiles and open data (public).")


class StatsArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    commune_id = Id(strict=False, metadata={"description": "projects of this commune"})
    region = fields.String(
        validate=validate.Length(max=20), metadata={"description": "a region code", "example": "ML01"}
    )
    year = fields.Integer(validate=in_range(YEAR_MIN, YEAR_MAX), metadata={"description": "year of first submission"})


def _counts(keys, name: str, description: str | None = None, **options):
    return fields.Nested(
        Schema.from_dict({key: fields.Integer() for key in keys}, name=f"Stats{name}"),
        metadata={"description": description or name},
        **options,
    )


class StatsSchema(Schema):
    projects_by_status = _counts(STATUS_KEYS, "Projects")
    funding_xof_by_party_kind = _counts(PARTY_KINDS, "Funding")
    commitments = _counts(COMMITMENT_KEYS, "Commitments")
    disputes = _counts(
        DISPUTE_STATUSES,
        "Disputes",
        "Disputes: null unless the only filters are region and/or year and at least 5 disputes are counted",
        allow_none=True,
    )


class EnteredBySchema(Schema):
    id = fields.Integer()
    name = fields.String()


class IndicatorValueSchema(Schema):
    year = fields.Integer()
    value = fields.Method("dump_value", metadata={"description": "a decimal string", "example": "1250"})
    unit = fields.String()
    country = fields.Method("dump_country", metadata={"description": "ISO 3166-1 alpha-2, or null (every country)"})
    sex = fields.Method("dump_sex", metadata={"description": "f, m, or null (both)"})
    source = fields.String(metadata={"description": '"portal" for a value computed from the portal\'s records'})
    entered_by = fields.Nested(EnteredBySchema, allow_none=True)

    def dump_value(self, value):
        return plain_number(value.value)

    def dump_country(self, value):
        return value.country or None

    def dump_sex(self, value):
        return value.sex or None


class IndicatorSchema(Schema):
    code = fields.String(metadata={"example": "emigrants"})
    unit = fields.String(metadata={"example": "persons"})
    computed = fields.Boolean(metadata={"description": "counted live from the portal's own records"})
    values = fields.List(fields.Nested(IndicatorValueSchema))


class ProfileSchema(Schema):
    commune = fields.Nested(CommuneSchema)
    indicators = fields.List(fields.Nested(IndicatorSchema))


@blp.route("/stats")
@blp.arguments(StatsArgs, location="query")
@blp.response(200, StatsSchema)
def get_stats(args):
    """Live aggregates of submitted projects, their funding, commitments and disputes. Anyone."""
    return stats(StatsFilter(commune_id=args.get("commune_id"), region=args.get("region"), year=args.get("year")))


@blp.route("/communes/<id:commune_id>/profile")
@blp.response(200, ProfileSchema)
@blp.alt_response(404, schema=ErrorSchema, description="No commune has this id.")
def get_profile(commune_id):
    """A commune's migration profile: every indicator with its unit and its values by year with sources. Anyone."""
    commune = get_commune(commune_id)
    if commune is None:
        raise Refused("not_found")
    return {"commune": commune, "indicators": commune_profile(commune)}


def _file(body, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Link"] = f'<{current_app.config["OPEN_DATA_LICENCE_URL"]}>; rel="license"'
    return response


def _documented(mimetype: str, description: str):
    return blp.doc(
        responses={"200": {"description": description, "content": {mimetype: {"schema": {"type": "string"}}}}}
    )


@blp.route("/export/projects.csv")
@_documented("text/csv", "The public projects, one line each (UTF-8 with BOM).")
def export_projects():
    """The public projects as CSV (UTF-8 with BOM). Anyone."""
    return _file(projects_csv(), "text/csv", "projects.csv")


@blp.route("/export/indicators.csv")
@_documented("text/csv", "Every entered indicator value with its commune, unit and source (UTF-8 with BOM).")
def export_indicators():
    """Every entered indicator value as CSV (UTF-8 with BOM). Anyone."""
    return _file(indicators_csv(), "text/csv", "indicators.csv")


@blp.route("/export/iati.xml")
@_documented("application/xml", "The public projects as an IATI 2.03 iati-activities document.")
def export_iati():
    """The public projects as IATI 2.03 activity XML. Anyone."""
    return _file(iati_xml(), "application/xml", "iati-activities.xml")
