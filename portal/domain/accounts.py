"""Accounts: passwords, server-side sessions, API tokens and the signed links sent by mail.

A browser session is a row in user_sessions; the cookie carries a random token whose SHA-256 is the row's
key, so a copy of the database cannot be used to sign in. Logout, "sign out everywhere", a password change
and an admin disabling the account end rows, and an ended row no longer authenticates.
"""

import functools
import hashlib
import logging
import secrets
from datetime import timedelta

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, g, has_request_context, request, session
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from portal import signed_links
from portal.database import utcnow, write_intent
from portal.domain.api_tokens import revoke_all_api_tokens
from portal.domain.audit import erase_personal_data, personal_data_of, record
from portal.domain.organisations import (
    add_membership,
    can_invite,
    end_unbacked_invitations,
    is_open,
    may_still_invite,
    membership_of,
)
from portal.domain.throttle import check_login_allowed, record_login_failure, spend_mail_budget
from portal.errors import Refused
from portal.extensions import db, login_manager
from portal.ids import is_id
from portal.models import (
    MANAGER_ROLES,
    ApiToken,
    AuditEvent,
    EmailChange,
    HomeCommune,
    Invitation,
    Membership,
    Notification,
    NotificationPreference,
    Organisation,
    OrganisationKind,
    RecoveryCode,
    TwoFactor,
    User,
    UserSession,
    Verification,
)
from portal.notifications.notify import notify
from portal.services.files import files_uploaded_by
from portal.urls import public_url
from portal.visibility import is_mediator_or_admin

SESSION_KEY = "sid"
log = logging.getLogger("portal.sessions")


def _hasher_and_dummy() -> tuple[PasswordHasher, str]:
    """argon2 with the app's cost (the library's defaults; tests use the cheapest profile), and a hash to
    check when the email is unknown, so that a wrong email costs as long as a wrong password."""
    state = current_app.extensions.get("password_hasher")
    if state is None:
        profile = current_app.config.get("ARGON2_PROFILE")
        hasher = PasswordHasher.from_parameters(getattr(profiles, profile)) if profile else PasswordHasher()
        state = current_app.extensions["password_hasher"] = (hasher, hasher.hash("not a real password"))
    return state


def _hasher() -> PasswordHasher:
    return _hasher_and_dummy()[0]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def password_matches(user: User | None, password: str) -> bool:
    hasher, dummy_hash = _hasher_and_dummy()
    if user is None or not user.password_hash:
        try:
            hasher.verify(dummy_hash, password or "")
        except VerificationError:
            pass
        return False
    try:
        hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


def secret_matches(stored_hash: str, text: str) -> bool:
    """Whether `text` is the secret (a recovery code, say) whose salted argon2 hash is `stored_hash`."""
    try:
        return _hasher().verify(stored_hash, text)
    except (VerificationError, InvalidHashError):
        return False


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def find_users(text: str | None):
    """select(User) of the accounts whose address or name contains `text` (case ignored; % and _ are literal)."""
    query = select(User)
    text = (text or "").strip()
    if text:
        query = query.where(
            or_(User.email.icontains(text, autoescape=True), User.name.icontains(text, autoescape=True))
        )
    return query


def authenticate(email: str, password: str, address: str | None) -> User:
    """The account these credentials open, for the pages and the API alike.

    Refused("rate_limited") (with retry_after) past the failed-login limits of this account from this address,
    or of this address; Refused("invalid_credentials") for a wrong address or password or a disabled account,
    and the failure is counted. Successful sign-ins are not counted.
    """
    email = normalise_email(email)
    check_login_allowed(email, address)
    user = user_by_email(email)
    if not password_matches(user, password) or not user.is_active:
        record_login_failure(email, address)
        raise Refused("invalid_credentials")
    return user


def sign_in(user: User) -> str:
    """Opens a browser session for `user` (after `authenticate`) and records the sign-in."""
    token = start_session(user)
    record("user.login", "user", user.id, actor=user)
    return token


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


def sign_out_others(user: User, reason: str) -> None:
    """Ends every browser session of the account but this one, and revokes its API tokens (offered by each
    change of the second factor)."""
    keep = current_session_row() if has_request_context() else None
    ended = end_all_sessions(user, reason, keep=keep if keep is not None and keep.user_id == user.id else None)
    revoked = revoke_all_api_tokens(user)
    record(
        "user.sign_out_others", "user", user.id, actor=user, after={"sessions_ended": ended, "tokens_revoked": revoked}
    )


@login_manager.request_loader
def _load_user_from_session(req):
    """The signed-in user of a page request. The API never reads browser sessions (bearer tokens only)."""
    if req.path.startswith("/api/"):
        return None
    row = current_session_row()
    if row is None or not row.user.is_active:
        return None
    now = utcnow()
    if now - row.created_at > current_app.config["SESSION_LIFETIME"]:
        return None
    idle = now - (row.last_seen_at or row.created_at)
    if idle > current_app.config["IDLE_TIMEOUT_PRIVILEGED"] and idle > idle_timeout(row.user):
        g.session_to_end = row.id  # ended after the request (record_session_activity)
        return None
    if idle >= current_app.config["SESSION_TOUCH_INTERVAL"]:
        g.session_to_touch = row.id
    return row.user


def idle_timeout(user: User) -> timedelta:
    """How long a browser session of `user` may stay idle: short for admins and mediators."""
    privileged = current_app.config["IDLE_TIMEOUT_PRIVILEGED"]
    return privileged if is_mediator_or_admin(user) else max(privileged, current_app.config["IDLE_TIMEOUT"])


def record_session_activity() -> None:
    """After the request's own commit: notes when its session was last seen (at most once per
    SESSION_TOUCH_INTERVAL, so not one write per request), or ends a session found idle too long.

    Read-only requests run in a plain transaction that never commits (portal/database.py), and on SQLite a
    reading transaction cannot safely turn into a writing one; so whatever the request left uncommitted is
    discarded here (as it would be at the end of the request), and the one small UPDATE runs in a transaction
    of its own that takes the write lock first. The UPDATE is conditional, so two workers seeing the same
    session write it once."""
    to_end, to_touch = g.pop("session_to_end", None), g.pop("session_to_touch", None)
    if to_end is None and to_touch is None:
        return
    db.session.rollback()
    now = utcnow()
    query = update(UserSession).where(UserSession.ended_at.is_(None))
    if to_end is not None:
        query = query.where(UserSession.id == to_end).values(ended_at=now, ended_reason="idle")
    else:
        since = now - current_app.config["SESSION_TOUCH_INTERVAL"]
        query = query.where(
            UserSession.id == to_touch, or_(UserSession.last_seen_at.is_(None), UserSession.last_seen_at <= since)
        ).values(last_seen_at=now)
    try:
        with write_intent(True):
            db.session.execute(query.execution_options(synchronize_session=False))
            db.session.commit()
    except SQLAlchemyError:  # a busy database: the next request tries again
        db.session.rollback()
        log.warning("session activity not recorded", exc_info=True)


# API tokens ---------------------------------------------------------------------------------------------


def issue_api_token(user: User) -> tuple[str, ApiToken]:
    """A new bearer token for `user` (after `authenticate`): the token itself, shown once, and its row."""
    token = new_token()
    row = ApiToken(
        user_id=user.id,
        token_hash=hash_token(token),
        expires_at=utcnow() + current_app.config["API_TOKEN_LIFETIME"],
    )
    db.session.add(row)
    db.session.flush()
    record("api_token.create", "user", user.id, actor=user, after={"token_id": row.id})
    return token, row


def revoke_api_token(row: ApiToken) -> None:
    row.revoked_at = utcnow()
    record("api_token.revoke", "user", row.user_id, actor=row.user, after={"token_id": row.id})


def api_token_row(token: str) -> ApiToken | None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow() or not row.user.is_active:
        return None
    return row


def lifetime(days: int = 0, hours: int = 0, minutes: int = 0) -> timedelta:
    return timedelta(days=days, hours=hours, minutes=minutes)


# Operations -----------------------------------------------------------------------------------------------


MIN_PASSWORD_LENGTH = 12


def check_new_password(password: str) -> None:
    """Long enough, and not among the most common passwords; no composition rules (they breed "Passw0rd!")."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise Refused(
            "validation_failed",
            fields={
                "password": [
                    str(
                        lazy_ngettext(
                            "Choose a password of at least %(num)s character.",
                            "Choose a password of at least %(num)s characters.",
                            MIN_PASSWORD_LENGTH,
                        )
                    )
                ]
            },
        )
    if password.lower() in common_passwords():
        raise Refused(
            "validation_failed",
            fields={"password": [str(_l("This password is among the most common ones: choose another."))]},
        )


@functools.cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of zxcvbn's list (French ones included: "motdepasse", "azertyuiop").
    Read on first use: the lists weigh a few megabytes that a worker need not load to start."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _check_email_free(email: str) -> None:
    if user_by_email(email) is not None:
        raise Refused(
            "already_exists",
            fields={"email": [str(_l("An account already uses this address. Sign in, or reset your password."))]},
        )


def create_user(email: str, name: str, password: str, locale: str | None = None, confirmed: bool = False) -> User:
    check_new_password(password)
    _check_email_free(email)
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        password_hash=hash_password(password),
        locale=locale,
        email_confirmed_at=utcnow() if confirmed else None,
        password_changed_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    record("user.create", "user", user.id, actor=user, personal={"email": user.email, "name": user.name})
    return user


def sign_up_association(
    *,
    name: str,
    email: str,
    password: str,
    locale: str | None,
    association_name: str,
    country: str,
    city: str,
    registration_number: str | None,
    commune,
    villages: str | None,
):
    """An association representative creates their account and the association, pending verification, and is
    sent the link that confirms the address. An address already taken creates nothing: its owner is told by
    mail instead. Nothing is returned either way, so that the caller answers the same: the form tells no one
    who is here."""
    check_new_password(password)
    owner = user_by_email(email)
    if owner is not None:
        spend_mail_budget(owner.email, _client_address())
        notify("address_taken", user=owner, link=public_url("/auth/reset-password"))
        return
    user = create_user(email, name, password, locale=locale)
    association = Organisation(
        kind="association",
        name=association_name.strip(),
        country=country.upper(),
        city=city.strip(),
        registration_number=(registration_number or "").strip() or None,
        verification=Verification.PENDING,
    )
    db.session.add(association)
    db.session.flush()
    db.session.add(HomeCommune(association_id=association.id, commune_id=commune.id, villages=villages or None))

    add_membership(association, user, "officer", actor=user)
    record(
        "association.sign_up",
        "organisation",
        association.id,
        actor=user,
        after={
            "name": association.name,
            "country": association.country,
            "home_commune_id": commune.id,
            "verification": "pending",
        },
    )
    send_confirmation(user)


def send_confirmation(user: User) -> None:
    spend_mail_budget(user.email, _client_address(), user.id)
    link = signed_links.spec("confirm", {"u": user.id, "e": user.email}, "/auth/confirm/{token}")
    notify("account_confirmation", actor=user, user=user, signed_link=link)


def confirmation_for(token: str) -> tuple[User, str] | None:
    """(the account, the address) a confirmation link is for, while the link is valid: the account's own address,
    or a new one it asked to move to (`pending_email_change`) that no other account has taken meanwhile."""
    data = signed_links.read("confirm", token, current_app.config["EMAIL_TOKEN_LIFETIME"])
    if not data:
        return None
    user = db.session.get(User, data.get("u")) if is_id(data.get("u")) else None
    email = data.get("e")
    if user is None or not isinstance(email, str):
        return None
    moving = "n" in data or email != user.email  # a move's link stays one once the account has moved
    if moving and (pending_email_change(user, data) is None or user_by_email(email) is not None):
        return None
    return user, email


def _password_mark(user: User) -> int:
    """When the password last changed, as an email-change link carries it: a later change voids the link."""
    return int(user.password_changed_at.timestamp()) if user.password_changed_at else 0


def pending_email_change(user: User, link: dict) -> EmailChange | None:
    """The move a link asks for, if it still may happen: the link's nonce is that of the account's pending change
    (so it works once), and the account still has the address and the password it had when the move was asked."""
    if link.get("f") != user.email or link.get("p") != _password_mark(user) or not isinstance(link.get("n"), str):
        return None
    return db.session.scalar(
        select(EmailChange).where(
            EmailChange.user_id == user.id,
            EmailChange.new_email == link.get("e"),
            EmailChange.nonce_hash == hash_token(link["n"]),
        )
    )


def cancel_email_changes(user: User) -> None:
    """A password change and "sign out everywhere" void every link that would move the account elsewhere."""
    db.session.execute(delete(EmailChange).where(EmailChange.user_id == user.id))


def confirm_email(token: str) -> User | None:
    """Confirms the address the link names; for a new address, the account moves to it now (once), and the old
    address is told."""
    found = confirmation_for(token)
    if found is None:
        return None
    user, email = found
    if email != user.email:
        previous = user.email
        cancel_email_changes(user)
        user.email = email
        user.email_confirmed_at = utcnow()
        db.session.flush()
        record("user.change_email", "user", user.id, actor=user, personal={"previous_email": previous, "email": email})
        notify("email_changed", account=user, old_email=previous)
    elif user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        record("user.confirm_email", "user", user.id, actor=user)
    return user


def request_password_reset(email: str) -> None:
    """Mails a reset link if the account exists, and otherwise a mail saying there is none: the same work either
    way (one signed token, one queued mail), and the page answers the same."""
    spend_mail_budget(email, _client_address())
    user = user_by_email(email)
    active = user is not None and user.is_active
    if not active:
        notify("password_reset_no_account", email=normalise_email(email), link=public_url("/auth/login"))
        return
    link = signed_links.spec(
        "reset", {"u": user.id, "p": (user.password_hash or "")[-16:]}, "/auth/reset-password/{token}"
    )
    notify("password_reset", user=user, signed_link=link)
    record("user.request_reset", "user", user.id, actor=user)


def user_for_reset(token: str) -> User | None:
    """The link works once: the token is bound to the password it replaces."""
    data = signed_links.read("reset", token, current_app.config["RESET_TOKEN_LIFETIME"])
    if not data:
        return None
    user = db.session.get(User, data.get("u"))
    if user is None or not user.is_active or (user.password_hash or "")[-16:] != data.get("p"):
        return None
    return user


def set_password(user: User, new_password: str, reason: str) -> None:
    """Every way a password changes ends every session of the account."""
    check_new_password(new_password)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    end_all_sessions(user, reason)
    revoke_all_api_tokens(user)
    cancel_email_changes(user)
    record(f"user.{reason}", "user", user.id, actor=user)


def _client_address() -> str | None:
    return request.remote_addr if has_request_context() else None


client_address = _client_address


def _check_current_password(user: User, password: str) -> None:
    """The password asked again before a change: its wrong guesses count, and are limited, like logins' (a
    session left open must not become a way to guess the password)."""
    address = _client_address()
    check_login_allowed(user.email, address)
    if not password_matches(user, password):
        record_login_failure(user.email, address)
        raise Refused("validation_failed", fields={"current_password": [str(_l("This is not your current password."))]})


check_current_password = _check_current_password


def change_password(user: User, current_password: str, new_password: str) -> None:
    _check_current_password(user, current_password)
    set_password(user, new_password, "password_change")


def change_email(user: User, current_password: str, new_email: str) -> None:
    """Sends the new address a link that moves the account to it when followed; the address stays as it is until
    then. An address another account has gets its owner told instead, and the caller answers the same."""
    _check_current_password(user, current_password)
    new_email = normalise_email(new_email)
    if new_email == user.email:
        return
    spend_mail_budget(new_email, _client_address(), user.id)
    owner = user_by_email(new_email)
    if owner is not None:
        notify("address_taken", user=owner, link=public_url("/auth/reset-password"))
        return
    # One move pending at a time: a new request voids the last one's link.
    cancel_email_changes(user)
    nonce = new_token()  # the link carries it, signed; the row keeps its hash
    db.session.add(EmailChange(user_id=user.id, new_email=new_email, nonce_hash=hash_token(nonce)))
    db.session.flush()
    link = signed_links.spec(
        "confirm",
        {"u": user.id, "e": new_email, "n": nonce, "f": user.email, "p": _password_mark(user)},
        "/auth/confirm/{token}",
    )
    notify("email_change", actor=user, email=new_email, account=user, signed_link=link)
    record("user.request_email_change", "user", user.id, actor=user, personal={"email": new_email})


def set_preferences(user: User, locale: str | None, timezone: str | None, currency: str | None = None) -> None:
    """Language, time zone, and the currency totals are also shown in (None: F CFA only)."""
    before = {"locale": user.locale, "timezone": user.timezone, "currency": user.currency}
    user.locale, user.timezone = locale or None, timezone or None
    user.currency = None if not currency or currency == "XOF" else currency
    db.session.flush()
    record(
        "user.preferences",
        "user",
        user.id,
        actor=user,
        before=before,
        after={"locale": user.locale, "timezone": user.timezone, "currency": user.currency},
    )


def open_sessions(user: User, limit: int = 20) -> list[UserSession]:
    now = utcnow()
    return db.session.scalars(
        select(UserSession)
        .where(
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
            UserSession.created_at > now - current_app.config["SESSION_LIFETIME"],
            func.coalesce(UserSession.last_seen_at, UserSession.created_at) > now - idle_timeout(user),
        )
        .order_by(UserSession.created_at.desc())
        .limit(limit)
    ).all()


def live_api_tokens(user: User, limit: int = 20) -> list[ApiToken]:
    """The account's API tokens that still sign requests (neither revoked nor expired), newest first."""
    return db.session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow())
        .order_by(ApiToken.created_at.desc())
        .limit(limit)
    ).all()


def end_session(user: User, session_id) -> None:
    """Signs one of the account's own browser sessions out (another device, say); 404 for anyone else's."""
    row = db.session.get(UserSession, session_id) if is_id(session_id) else None
    if row is None or row.user_id != user.id or row.ended_at is not None:
        raise Refused("not_found")
    row.ended_at = utcnow()
    row.ended_reason = "ended_by_owner"
    db.session.flush()
    record("user.end_session", "user", user.id, actor=user, after={"session_id": row.id})


def revoke_own_api_token(user: User, token_id) -> None:
    """Revokes one of the account's own API tokens; 404 for anyone else's."""
    row = db.session.get(ApiToken, token_id) if is_id(token_id) else None
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        raise Refused("not_found")
    revoke_api_token(row)


FORMER_MEMBER = "Ancien membre"  # the name a closed account's records keep (French first, as the portal)


def personal_data(user: User) -> dict:
    """Everything the portal keeps about the person, as they may download it (no password hash, no token)."""
    return {
        "account": {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "locale": user.locale,
            "timezone": user.timezone,
            "currency": user.currency,
            "created_at": user.created_at.isoformat(),
            "email_confirmed_at": user.email_confirmed_at.isoformat() if user.email_confirmed_at else None,
        },
        "memberships": [
            {"organisation": m.organisation.name, "kind": m.organisation.kind, "role": m.role} for m in user.memberships
        ],
        "sessions": [
            {"since": s.created_at.isoformat(), "browser": s.user_agent, "address": s.address}
            for s in open_sessions(user, limit=1000)
        ],
        "api_tokens": [
            {"made_on": t.created_at.isoformat(), "valid_until": t.expires_at.isoformat()}
            for t in live_api_tokens(user, limit=1000)
        ],
        "notification_preferences": dict(
            db.session.execute(
                select(NotificationPreference.kind, NotificationPreference.mode).where(
                    NotificationPreference.user_id == user.id
                )
            ).all()
        ),
        "two_factor": db.session.scalar(
            select(func.count())
            .select_from(TwoFactor)
            .where(TwoFactor.user_id == user.id, TwoFactor.confirmed_at.is_not(None))
        )
        > 0,
        "audit_events": db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.actor_id == user.id)
        ),
        "files_sent": files_uploaded_by(user),  # from every table of stored files (the registry)
        "audit_personal_data": personal_data_of(user),
    }


def close_account(user: User, current_password: str) -> None:
    """The person leaves: the account can no longer sign in, its address and name are erased, its memberships,
    sessions, tokens, notifications and preferences go; what it did stays on the record, attributed to a former
    member, so the audit chain holds. An organisation's last manager hands the role over first."""
    _check_current_password(user, current_password)
    for membership in list(user.memberships):
        manager = MANAGER_ROLES[OrganisationKind(membership.organisation.kind)]
        if (
            membership.role == manager
            and db.session.scalar(
                select(func.count())
                .select_from(Membership)
                .where(Membership.organisation_id == membership.organisation_id, Membership.role == manager)
            )
            <= 1
        ):
            raise Refused(
                "last_manager",
                _l(
                    "You are the last manager of %(name)s: hand the role over before closing your account.",
                    name=membership.organisation.name,
                ),
            )
    end_all_sessions(user, "account_closed")
    db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow())
    )
    for membership in list(user.memberships):
        db.session.delete(membership)
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(delete(NotificationPreference).where(NotificationPreference.user_id == user.id))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))
    erased = erase_personal_data(user)  # while the account's address is still known
    cancel_email_changes(user)
    user.email = f"closed-{user.id}@closed.invalid"
    user.name = FORMER_MEMBER
    user.password_hash = None
    user.disabled_at = utcnow()
    user.is_admin = False
    db.session.flush()
    record("user.close", "user", user.id, actor=user, after={"personal_data_erased": erased})


def sign_out_everywhere(user: User) -> int:
    """Ends every browser session and revokes every API token of the account."""
    ended = end_all_sessions(user, "sign_out_everywhere")
    revoked = revoke_all_api_tokens(user)
    cancel_email_changes(user)
    record(
        "user.sign_out_everywhere",
        "user",
        user.id,
        actor=user,
        after={"sessions_ended": ended, "tokens_revoked": revoked or 0},
    )
    return ended


def set_disabled(actor: User, user: User, disabled: bool) -> None:
    if not actor.is_admin:
        raise Refused("forbidden")
    if user.id == actor.id:
        raise Refused("forbidden", _l("You cannot disable your own account."))
    user.disabled_at = utcnow() if disabled else None
    if disabled:
        end_all_sessions(user, "disabled")
        db.session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    db.session.flush()
    record("user.disable" if disabled else "user.enable", "user", user.id, actor=actor)
    if disabled:
        end_unbacked_invitations(inviter=user)


def set_admin(actor: User, user: User, is_admin: bool) -> None:
    if not actor.is_admin or user.id == actor.id:
        raise Refused("forbidden")
    granted = is_admin and not user.is_admin
    user.is_admin = is_admin
    db.session.flush()
    record("user.set_admin", "user", user.id, actor=actor, after={"is_admin": is_admin})
    if granted:  # a token made without the flag must not carry it (nor skip the second factor it now needs)
        revoke_all_api_tokens(user)


# Invitations ----------------------------------------------------------------------------------------------


def invite(actor: User, organisation: Organisation, email: str, role: str, name: str | None = None) -> Invitation:

    if not can_invite(actor, organisation, role):
        raise Refused("forbidden")
    if actor.email_confirmed_at is None:
        raise Refused(
            "forbidden",
            _l("Confirm your email address before you invite anyone: your account page sends the link again."),
        )
    if organisation.kind == "association" and not organisation.is_verified:
        raise Refused(
            "forbidden", _l("A mediator of the ministry must verify the association before it invites anyone.")
        )
    email = normalise_email(email)
    spend_mail_budget(email, _client_address(), actor.id)
    existing_user = user_by_email(email)
    if existing_user is not None and membership_of(existing_user, organisation) is not None:
        raise Refused("already_exists", fields={"email": [str(_l("This person is already a member."))]})
    nonce = new_token()  # the link carries it, signed; the invitation keeps its hash
    invitation = Invitation(
        email=email,
        name=(name or "").strip() or None,
        organisation_id=organisation.id,
        role=role,
        token_hash=hash_token(nonce),
        invited_by_id=actor.id,
        expires_at=utcnow() + current_app.config["INVITATION_LIFETIME"],
    )
    db.session.add(invitation)
    db.session.flush()
    record(
        "invitation.create",
        "organisation",
        organisation.id,
        actor=actor,
        after={"role": role, "invitation_id": invitation.id},
        personal={"email": email},
    )
    notify(
        "invitation",
        actor=actor,
        invitation=invitation,
        inviter=actor,
        signed_link=signed_links.spec("invitation", {"i": invitation.id, "n": nonce}, "/auth/invitation/{token}"),
        expires_at=invitation.expires_at,
    )
    return invitation


def open_invitation(token: str) -> Invitation | None:
    data = signed_links.read("invitation", token, current_app.config["INVITATION_LIFETIME"]) or {}
    invitation = db.session.get(Invitation, data["i"]) if is_id(data.get("i")) else None
    if invitation is None or invitation.token_hash != hash_token(str(data.get("n"))):
        return None
    if invitation.accepted_at or invitation.cancelled_at or invitation.expires_at <= utcnow():
        return None
    if not may_still_invite(invitation):  # checked again when it is used, whatever ended the sender's right
        return None
    return invitation


def accept_invitation(
    invitation: Invitation,
    user: User | None,
    *,
    name: str | None = None,
    password: str | None = None,
    locale: str | None = None,
) -> User:
    """Joins the organisation: as the signed-in account, or with a new account for the invited address."""
    if not is_open(invitation) or not may_still_invite(invitation):
        raise Refused("not_found")
    if user is None:
        user = create_user(
            invitation.email, name or invitation.name or invitation.email, password or "", locale=locale, confirmed=True
        )  # the link itself proves the address
    add_membership(invitation.organisation, user, invitation.role, actor=user)
    invitation.accepted_at = utcnow()
    record(
        "invitation.accept",
        "organisation",
        invitation.organisation_id,
        actor=user,
        after={"invitation_id": invitation.id, "role": invitation.role},
    )
    return user
