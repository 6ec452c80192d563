"""Organisations' public fields."""

from marshmallow import Schema, fields, validate

from portal.blueprints.api import api_blueprint
from portal.blueprints.api.auth import api_user
from portal.blueprints.api.common import PageArgs, list_schema, page_of
from portal.domain.organisations import load_organisation
from portal.models import Organisation, OrganisationKind, Verification
from portal.visibility import visible_organisations

blp = api_blueprint("organisations", "Communes, associations, the ministry, partners and committees.")


class OrganisationSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    commune_id = fields.Integer(allow_none=True)
    country = fields.String(allow_none=True)
    verified = fields.Boolean()


class OrganisationListArgs(PageArgs):
    kind = fields.String(validate=validate.OneOf([k.value for k in OrganisationKind]))


def dump(organisation: Organisation) -> dict:
    return {
        "id": organisation.id,
        "name": organisation.name,
        "kind": organisation.kind,
        "commune_id": organisation.commune_id if organisation.kind in ("commune", "committee") else None,
        "country": organisation.country if organisation.kind == "association" else None,
        "verified": organisation.verification == Verification.VERIFIED,
    }


@blp.route("/organisations")
@blp.arguments(OrganisationListArgs, location="query")
@blp.response(200, list_schema(OrganisationSchema, "OrganisationList"))
def list_organisations(args):
    """Organisations, optionally of one kind, by name. Anyone."""
    query = visible_organisations(api_user())
    if args.get("kind"):
        query = query.where(Organisation.kind == args["kind"])
    return page_of(query.order_by(Organisation.name, Organisation.id), args["page"], args["per_page"], dump)


@blp.route("/organisations/<id:organisation_id>")
@blp.response(200, OrganisationSchema)
def get_organisation(organisation_id):
    """One organisation's public fields. Anyone."""
    return dump(load_organisation(api_user(), organisation_id))
