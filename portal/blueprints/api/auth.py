"""Bearer tokens: who is calling the API. Browser sessions never authenticate it."""

from flask import g, request

from portal.domain import two_factor
from portal.domain.accounts import api_token_row
from portal.errors import Refused

# What a token of an account that must enrol in two-factor authentication may still do: give itself up.
OPEN_WHILE_ENROLLING = frozenset({"api_tokens.revoke_token"})


def authenticate_bearer() -> None:
    """No Authorization header: anonymous. A bad, expired or revoked token: 401, on public endpoints too. The token
    of an account that must enrol in two-factor authentication and has not: 403 `mfa_enrolment_required`."""
    g.api_user = None
    g.api_token = None
    header = request.headers.get("Authorization")
    if header is None:
        return
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Refused("unauthenticated")
    row = api_token_row(token.strip())
    if row is None:
        raise Refused("unauthenticated")
    if request.endpoint not in OPEN_WHILE_ENROLLING and two_factor.must_enrol(row.user):
        raise two_factor.enrolment_required()
    g.api_user = row.user
    g.api_token = row


def api_user():
    return g.get("api_user")


def require_api_user():
    user = g.get("api_user")
    if user is None:
        raise Refused("unauthenticated")
    return user
