"""Revoking an account's API tokens: after a password change, "sign out everywhere", a change of the second
factor, and whenever the account gains a privilege (a token made before it must not carry it unasked)."""

from sqlalchemy import update

from portal.database import utcnow
from portal.extensions import db
from portal.models import ApiToken, User


def revoke_all_api_tokens(user: User) -> int:
    """Revokes every live API token of the account; returns how many."""
    result = db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow())
    )
    return result.rowcount or 0
