"""Bearer tokens: who is calling the API. Browser sessions never authenticate it."""

from flask import g, request

from portal.domain.accounts import api_token_row
from portal.errors import Refused


def authenticate_bearer() -> None:
    """No Authorization header: anonymous. A bad, expired or revoked token: 401, on public endpoints too."""
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
    g.api_user = row.user
    g.api_token = row


def api_user():
    return g.get("api_user")


def require_api_user():
    user = g.get("api_user")
    if user is None:
        raise Refused("unauthenticated")
    return user
