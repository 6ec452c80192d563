"""API tokens and the caller's own account."""

from flask import g, request
from marshmallow import Schema, fields, validate

from portal.blueprints.api import api_blueprint
from portal.blueprints.api.auth import require_api_user
from portal.blueprints.api.common import UtcDateTime
from portal.blueprints.api.system import ErrorSchema
from portal.domain import accounts, two_factor

blp = api_blueprint("tokens", "Tokens and the signed-in account.")


class TokenRequestSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(max=200))
    otp = fields.String(
        validate=validate.Length(max=40),
        metadata={
            "description": "For an account with two-factor authentication on: the code of its authenticator app, "
            "or one of its recovery codes. Without it: 401 otp_required; wrong or used: 401 invalid_otp. Wrong "
            "codes are counted per account from every address: past MFA_FAILURES_PER_ACCOUNT (10 an hour) every "
            "code, the right one too, gets 429 rate_limited until the window has passed, and the owner is mailed. "
            "An account that must use two-factor authentication and has not turned it on: 403 "
            "mfa_enrolment_required."
        },
    )


class TokenSchema(Schema):
    token = fields.String()
    expires_at = UtcDateTime()


class OrganisationRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()


class MembershipSchema(Schema):
    organisation = fields.Nested(OrganisationRefSchema)
    role = fields.String()


class MeSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    locale = fields.String(allow_none=True)
    timezone = fields.String(allow_none=True)
    is_admin = fields.Boolean()
    memberships = fields.List(fields.Nested(MembershipSchema))


@blp.route("/tokens", methods=["POST"])
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
@blp.alt_response(
    401, schema=ErrorSchema, description="invalid_credentials; otp_required (no otp); invalid_otp (wrong or used)."
)
@blp.alt_response(
    403,
    schema=ErrorSchema,
    description="mfa_enrolment_required: the account must turn two-factor authentication on (on the site) first.",
)
@blp.alt_response(
    429,
    schema=ErrorSchema,
    description="rate_limited, with Retry-After: too many failed logins, the account's budget of wrong codes "
    "spent, or the counters out of reach for a moment.",
)
def create_token(credentials):
    """Exchanges an email and password (and, with two-factor authentication on, a code) for a bearer token. Anyone
    with an account."""
    user = two_factor.authenticate_for_token(
        credentials["email"], credentials["password"], credentials.get("otp"), request.remote_addr
    )
    token, row = accounts.issue_api_token(user)
    return {"token": token, "expires_at": row.expires_at}


@blp.route("/tokens/current", methods=["DELETE"])
@blp.response(204)
def revoke_token():
    """Revokes the token that signs this request. Its holder."""
    require_api_user()
    accounts.revoke_api_token(g.api_token)


@blp.route("/me")
@blp.response(200, MeSchema)
def me():
    """The account behind the token, with its memberships. Any signed-in user."""
    user = require_api_user()
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "locale": user.locale,
        "timezone": user.timezone,
        "is_admin": user.is_admin,
        "memberships": [
            {
                "organisation": {"id": m.organisation.id, "name": m.organisation.name, "kind": m.organisation.kind},
                "role": m.role,
            }
            for m in user.memberships
        ],
    }
