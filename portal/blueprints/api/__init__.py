"""The JSON API under /api/v1: thin handlers over the same domain operations as the pages."""

from flask import request
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint

from portal.blueprints.api.auth import authenticate_bearer
from portal.errors import Refused, handle_http_exception
from portal.extensions import csrf
from portal.ids import ID_MAX, IdConverter

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class PortalApi(Api):
    """flask-smorest's Api, answering errors in the shape of the contract (portal/errors.py)."""

    def handle_http_exception(self, error):
        return handle_http_exception(error)


api = PortalApi(
    spec_kwargs={
        "info": {
            "description": "JSON API of the commune–diaspora coordination portal (Mali). "
            'Errors: {"error": {"code", "message", "fields"?}}. '
            'Lists: {"items", "page", "per_page", "total"}.',
        },
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }
)


def _require_json_object():
    """A body that is not a JSON object cannot be read: 400 before anything else looks at it."""
    if request.method not in BODY_METHODS or request.mimetype == "multipart/form-data":
        return
    if not isinstance(request.get_json(silent=True), dict):
        raise Refused("malformed_request")


def api_blueprint(name: str, description: str) -> SmorestBlueprint:
    """A blueprint of the API, mounted under /api/v1 by register_api."""
    blueprint = SmorestBlueprint(f"api_{name}", __name__, description=description)
    blueprint.before_request(_require_json_object)  # 400 comes before 401 in the contract's order
    blueprint.before_request(authenticate_bearer)
    return blueprint


def register_api(app) -> None:
    from portal.blueprints.api import (
        commitments,
        communes,
        delivery,
        disputes,
        knowledge,
        meetings,
        organisations,
        projects,
        system,
        tokens,
    )

    api.ERROR_SCHEMA = system.ErrorSchema  # the contract's error shape for every documented error answer
    api.init_app(app)
    api.register_converter(IdConverter, lambda converter: {"type": "integer", "minimum": 1, "maximum": ID_MAX})
    for name, schema in {
        **projects.BODY_SCHEMAS,
        **meetings.BODY_SCHEMAS,
        **commitments.BODY_SCHEMAS,
        **disputes.BODY_SCHEMAS,
        **delivery.BODY_SCHEMAS,
    }.items():
        api.spec.components.schema(name, schema=schema)
    for module in (
        system,
        tokens,
        communes,
        organisations,
        projects,
        meetings,
        commitments,
        disputes,
        knowledge,
        delivery,
    ):
        csrf.exempt(module.blp)  # bearer tokens, never cookies, sign API requests: nothing for CSRF to forge
        api.register_blueprint(module.blp, url_prefix="/api/v1")
