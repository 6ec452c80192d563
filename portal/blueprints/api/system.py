"""The API's own description: its index and the error schema."""

from marshmallow import Schema, fields

from portal.blueprints.api import api_blueprint

blp = api_blueprint("system", "The API itself.")


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"example": "validation_failed"})
    message = fields.String(required=True)
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Input errors by dotted path, e.g. budget_lines.0.amount"},
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


class IndexSchema(Schema):
    name = fields.String()
    version = fields.String()
    openapi = fields.String()


@blp.route("/")
@blp.response(200, IndexSchema)
def index():
    """The API's name, version and where its OpenAPI document is. Anyone."""
    from flask import url_for

    return {"name": "portal", "version": "v1", "openapi": url_for("api-docs.openapi_json")}
