"""What every API module shares: ids, paging and the list envelope, timestamps."""

from datetime import UTC

from flask import current_app, request
from marshmallow import Schema, ValidationError, fields, post_load
from sqlalchemy import func, select

from portal.blueprints.api.messages import in_range
from portal.errors import Refused, flatten_messages
from portal.extensions import db
from portal.ids import ID_MAX
from portal.paging import MAX_PAGE


class Id(fields.Integer):
    """An id in a JSON body (strict: a number, not a string) or a query string: from 1 to 2^31-1, anything
    else is 422 naming the field."""

    def __init__(self, *, strict: bool = True, **kwargs):
        super().__init__(strict=strict, validate=in_range(1, ID_MAX), **kwargs)


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=in_range(1, MAX_PAGE))
    per_page = fields.Integer(load_default=None, validate=in_range(1))

    @post_load
    def clamp(self, data, **kwargs):
        per_page = data.get("per_page") or current_app.config["API_PER_PAGE_DEFAULT"]
        data["per_page"] = min(per_page, current_app.config["API_PER_PAGE_MAX"])
        return data


def page_of(query, page: int, per_page: int, dump) -> dict:
    """One page of a select(): the list envelope of the contract. Two queries whatever the size."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all() if total else []
    return {"items": [dump(row) for row in rows], "page": page, "per_page": per_page, "total": total}


def list_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """The envelope's schema, for the OpenAPI document."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
            "total": fields.Integer(),
        },
        name=name,
    )


class UtcDateTime(fields.DateTime):
    """A timestamp in UTC with `Z`, as the contract writes them: "2026-11-29T08:00:00Z"."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def documented_body(blp, name: str):
    """Documents a JSON body that the view reads itself (load_body), after the checks that come before 422;
    register_api puts the schema named `name` in the OpenAPI document."""
    return blp.doc(
        requestBody={
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
        }
    )


def load_body(schema: Schema) -> dict:
    """The request's JSON body through `schema`; 422 naming the fields it refuses."""
    try:
        return schema.load(request.get_json(silent=True) or {})
    except ValidationError as error:
        raise Refused("validation_failed", fields=flatten_messages(error.messages)) from None
