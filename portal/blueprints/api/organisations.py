"""Organisations' public fields."""

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from portal.blueprints.api import api_blueprint
from portal.blueprints.api.auth import api_user
from portal.blueprints.api.common import PageArgs, list_schema, page_of
from portal.domain.organisations import can_verify_associations
from portal.errors import Refused
from portal.extensions import db
from portal.models import Organisation, OrganisationKind, Verification

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


def _visible():
    """Unverified associations are seen only by their members, mediators and admins."""
    user = api_user()
    query = select(Organisation)
    if user is not None and can_verify_associations(user):
        return query
    member_of = [m.organisation_id for m in user.memberships] if user is not None else []
    return query.where((Organisation.verification == Verification.VERIFIED) | Organisation.id.in_(member_of))


@blp.route("/organisations")
@blp.arguments(OrganisationListArgs, location="query")
@blp.response(200, list_schema(OrganisationSchema, "OrganisationList"))
def list_organisations(args):
    """Organisations, optionally of one kind, by name. Anyone."""
    query = _visible()
    if args.get("kind"):
        query = query.where(Organisation.kind == args["kind"])
    return page_of(query.order_by(Organisation.name, Organisation.id), args["page"], args["per_page"], dump)


@blp.route("/organisations/<int:organisation_id>")
@blp.response(200, OrganisationSchema)
def get_organisation(organisation_id):
    """One organisation's public fields. Anyone."""
    organisation = db.session.scalar(_visible().where(Organisation.id == organisation_id))
    if organisation is None:
        raise Refused("not_found")
    return dump(organisation)
