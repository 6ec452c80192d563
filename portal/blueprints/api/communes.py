"""Communes of the administrative map: search and read. Public."""

from marshmallow import Schema, fields, validate

from portal.blueprints.api import api_blueprint
from portal.blueprints.api.common import PageArgs, list_schema, page_of
from portal.blueprints.api.system import ErrorSchema
from portal.domain.territories import MAP_CODE_MAX, SEARCH_MAX, get_commune, search_communes
from portal.errors import Refused

blp = api_blueprint("communes", "Regions, cercles and communes, each with the version of the map it comes from.")


class CommuneSchema(Schema):
    id = fields.Integer(metadata={"example": 42})
    code = fields.String(metadata={"example": "ML010101", "description": "Official code within its map version"})
    name = fields.String(metadata={"example": "Bangassi"})
    cercle = fields.String(attribute="cercle.name", metadata={"example": "Kayes"})
    cercle_code = fields.String(attribute="cercle.code", metadata={"example": "ML0101"})
    region = fields.String(attribute="cercle.region.name", metadata={"example": "Kayes"})
    region_code = fields.String(attribute="cercle.region.code", metadata={"example": "ML01"})
    map_version = fields.String(attribute="map_version.code", metadata={"example": "ocha-2015"})


class CommuneSearchArgs(PageArgs):
    q = fields.String(
        load_default=None,
        validate=validate.Length(max=SEARCH_MAX),
        metadata={"description": "Part of the name; case and accents are ignored"},
    )
    version = fields.String(
        load_default=None,
        validate=validate.Length(max=MAP_CODE_MAX),
        metadata={"description": "Code of a map version (default: the current map)", "example": "ocha-2015"},
    )


CommuneListSchema = list_schema(CommuneSchema, "CommuneList")


@blp.route("/communes")
@blp.arguments(CommuneSearchArgs, location="query")
@blp.response(200, CommuneListSchema)
def list_communes(args):
    """Communes of the current map (or of `version`), by name, searched by `q`. Anyone."""
    query = search_communes(args["q"], map_code=args["version"])
    return page_of(query, args["page"], args["per_page"], dump=lambda commune: commune)


@blp.route("/communes/<id:commune_id>")
@blp.response(200, CommuneSchema)
@blp.alt_response(404, schema=ErrorSchema, description="No commune has this id.")
def get_commune_by_id(commune_id):
    """One commune of any map version, with its cercle, region and map version. Anyone."""
    commune = get_commune(commune_id)
    if commune is None:
        raise Refused("not_found")
    return commune
