"""Accounts: passwords, server-side sessions, API tokens and the signed links sent by mail.

A browser session is a row in user_sessions; the cookie carries a random token whose SHA-256 is the row's
key, so a copy of the database cannot be used to sign in. Logout, "sign out everywhere", a password change
and an admin disabling the account end rows, and an ended row no longer authenticates.
"""

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, request, session
from sqlalchemy import select, update

from portal.database import utcnow
from portal.extensions import db, login_manager
from portal.models import ApiToken, User, UserSession

SESSION_KEY = "sid"
_hasher = PasswordHasher()
# Checked when the email is unknown, so that a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(user: User | None, password: str) -> bool:
    if user is None or not user.password_hash:
        try:
            _hasher.verify(_DUMMY_HASH, password or "")
        except VerificationError:
            pass
        return False
    try:
        _hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def start_session(user: User) -> str:
    """Open a server-side session for `user` and put its token in the signed cookie."""
    token = new_token()
    db.session.add(
        UserSession(
            user_id=user.id,
            token_hash=hash_token(token),
            user_agent=(request.user_agent.string or "")[:300] if request else None,
            address=request.remote_addr if request else None,
        )
    )
    db.session.flush()
    session.clear()
    session[SESSION_KEY] = token
    session.permanent = True
    return token


def current_session_row() -> UserSession | None:
    token = session.get(SESSION_KEY)
    if not token:
        return None
    return db.session.scalar(
        select(UserSession).where(UserSession.token_hash == hash_token(token), UserSession.ended_at.is_(None))
    )


def end_current_session(reason: str = "logout") -> None:
    row = current_session_row()
    if row is not None:
        row.ended_at = utcnow()
        row.ended_reason = reason
    session.clear()


def end_all_sessions(user: User, reason: str, keep: UserSession | None = None) -> int:
    query = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    result = db.session.execute(query.values(ended_at=utcnow(), ended_reason=reason))
    return result.rowcount or 0


@login_manager.request_loader
def _load_user_from_session(req):
    """The signed-in user of a page request. The API never reads browser sessions (bearer tokens only)."""
    if req.path.startswith("/api/"):
        return None
    row = current_session_row()
    if row is None or not row.user.is_active:
        return None
    if utcnow() - row.created_at > current_app.config["SESSION_LIFETIME"]:
        return None
    return row.user


# API tokens ---------------------------------------------------------------------------------------------


def issue_api_token(user: User) -> tuple[str, ApiToken]:
    token = new_token()
    row = ApiToken(
        user_id=user.id,
        token_hash=hash_token(token),
        expires_at=utcnow() + current_app.config["API_TOKEN_LIFETIME"],
    )
    db.session.add(row)
    db.session.flush()
    return token, row


def api_token_row(token: str) -> ApiToken | None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow() or not row.user.is_active:
        return None
    return row


def lifetime(days: int = 0, hours: int = 0, minutes: int = 0) -> timedelta:
    return timedelta(days=days, hours=hours, minutes=minutes)
