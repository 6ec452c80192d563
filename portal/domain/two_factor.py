"""Two-factor authentication: TOTP codes from an authenticator app, and single-use recovery codes.

Open to everyone; required of admins and mediators when MFA_REQUIRED is on (production). An account enrols in
two steps: `start_enrolment` keeps a new secret, pending, shown as a QR code and as text; `confirm_enrolment`
turns it on once the password and a first code prove the person and the app, and gives the recovery codes, shown
once. Every change (on, off, new recovery codes) asks for the current password and may sign every other session
out and revoke the account's API tokens. Signing in to an account with two-factor on takes a second step: after
the password the browser holds a pending step (in its signed cookie, for MFA_PENDING_LIFETIME), not a session;
the session opens only with a valid code (`finish_second_step`). The API asks for the code in the token
request's `otp`.

A code is accepted once: the time step of the last TOTP code accepted is kept, and a code of that step or an
older one is refused (replay); a recovery code is marked used. A wrong code counts three times
(portal/domain/throttle.py): as a failed login of the account from its address; against the account's budget of
wrong codes from every address together (spent: its owner is mailed, and every code waits for the window); and
against the pending step it was sent to (a few, and the password is asked again, whichever copy of the cookie).

Secrets at rest: the TOTP secret is encrypted with TOTP_ENCRYPTION_KEYS (Fernet; configuration, never the
database), and recovery codes (about 124 bits each) are kept as salted argon2 hashes.
"""

import hmac
import secrets
from datetime import UTC, datetime

import pyotp
import segno
from cryptography.fernet import Fernet, MultiFernet
from flask import current_app, session
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update

from portal.database import utcnow
from portal.domain import accounts
from portal.domain.audit import record
from portal.domain.throttle import (
    check_code_allowed,
    check_login_allowed,
    record_code_failure,
    record_login_failure,
    step_failures,
)
from portal.errors import Refused
from portal.extensions import db
from portal.models import RecoveryCode, TwoFactor, User
from portal.notifications.notify import notify
from portal.visibility import is_mediator_or_admin

RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # 31 signs: no 0/o, 1/l/i to misread
RECOVERY_CODE_LENGTH = 25  # 25 × log2(31) ≈ 124 bits (at least 112), shown in five groups of five
PENDING_KEY = "mfa_pending"


# The secret at rest --------------------------------------------------------------------------------------------


def _keys() -> MultiFernet:
    """TOTP_ENCRYPTION_KEYS, the newest first: it encrypts, and every one of them decrypts."""
    keys = [key.strip() for key in current_app.config["TOTP_ENCRYPTION_KEYS"].split(",") if key.strip()]
    return MultiFernet([Fernet(key.encode()) for key in keys])


def seal_secret(secret: str) -> str:
    return _keys().encrypt(secret.encode()).decode()


def _secret_of(row: TwoFactor) -> str:
    return _keys().decrypt(row.secret.encode()).decode()


def rotate_key() -> int:
    """Re-encrypts every account's secret under the newest key (`flask two-factor rotate-key`); returns how
    many. Afterwards the older keys may leave TOTP_ENCRYPTION_KEYS."""
    keys = _keys()
    rows = db.session.scalars(select(TwoFactor)).all()
    for row in rows:
        row.secret = keys.rotate(row.secret.encode()).decode()
    db.session.flush()
    return len(rows)


# What an account has and must have -------------------------------------------------------------------------


def authenticator(user: User) -> TwoFactor | None:
    """The account's authenticator row, pending or on."""
    return db.session.get(TwoFactor, user.id)


def is_enabled(user: User) -> bool:
    row = authenticator(user)
    return row is not None and row.confirmed_at is not None


def is_required(user: User) -> bool:
    """Whether the account must use two-factor authentication: admins and mediators, when MFA_REQUIRED is on."""
    return bool(current_app.config["MFA_REQUIRED"]) and is_mediator_or_admin(user)


def must_enrol(user: User) -> bool:
    """Required and not on: such an account may use nothing but the enrolment page until it is."""
    return is_required(user) and not is_enabled(user)


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


# Enrolment --------------------------------------------------------------------------------------------------


def start_enrolment(user: User) -> TwoFactor:
    """Keeps a new secret for the account, pending until a first code confirms it (a pending one is kept as it
    is, so that a reload shows the same QR code). Refused when two-factor is already on."""
    row = authenticator(user)
    if row is not None and row.confirmed_at is not None:
        raise Refused("invalid_transition", _l("Two-factor authentication is already on."))
    if row is None:
        row = TwoFactor(user_id=user.id, secret=seal_secret(pyotp.random_base32(32)))
        db.session.add(row)
        db.session.flush()
    return row


def pending_secret(user: User) -> str | None:
    """The secret being enrolled, to show as a QR code and as text; None when there is none (or it is on)."""
    row = authenticator(user)
    return _secret_of(row) if row is not None and row.confirmed_at is None else None


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=current_app.config["MFA_ISSUER"])


def qr_code_svg(uri: str) -> bytes:
    """The QR code of `uri` as an SVG document: paths and presentation attributes only, no style, no script."""
    import io

    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, border=2, xmldecl=True, title=None, dark="#000")
    return buffer.getvalue()


def format_secret(secret: str) -> str:
    """The secret in groups of four, as one types it into an app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm_enrolment(user: User, current_password: str, code: str, sign_out_others: bool = False) -> list[str]:
    """Turns two-factor authentication on after the password, once `code` proves the app holds the pending
    secret; returns the new recovery codes, to show once."""
    accounts.check_current_password(user, current_password)
    row = authenticator(user)
    if row is None or row.confirmed_at is not None:
        raise Refused("invalid_transition", _l("Start the set-up again: no enrolment is waiting."))
    step = _totp_step(row, _normalise(code))
    if step is None:
        raise Refused(
            "validation_failed", fields={"code": [str(_l("This code is not the one your app shows: try again."))]}
        )
    row.confirmed_at = utcnow()
    row.last_step = step
    codes = _new_recovery_codes(user)
    record("user.two_factor_enable", "user", user.id, actor=user)
    _signed_out_others(user, sign_out_others)
    notify("two_factor_enabled", user=user)
    return codes


def regenerate_recovery_codes(user: User, current_password: str, sign_out_others: bool = False) -> list[str]:
    """New recovery codes after the password (the old ones stop working); returns them, to show once."""
    accounts.check_current_password(user, current_password)
    if not is_enabled(user):
        raise Refused("invalid_transition", _l("Two-factor authentication is off."))
    codes = _new_recovery_codes(user)
    record("user.recovery_codes_regenerate", "user", user.id, actor=user)
    _signed_out_others(user, sign_out_others)
    return codes


def _signed_out_others(user: User, wanted: bool) -> None:
    """What each change offers: every other browser session signed out, and the account's API tokens revoked
    (whoever may have used them has to sign in again, with the second factor as it now stands)."""
    if wanted:
        accounts.sign_out_others(user, "two_factor_change")


def disable(user: User, current_password: str, code: str, sign_out_others: bool = False) -> None:
    """Turns two-factor authentication off, after the password and a code (or a recovery code)."""
    accounts.check_current_password(user, current_password)
    if not is_enabled(user):
        raise Refused("invalid_transition", _l("Two-factor authentication is off."))
    if is_required(user):
        raise Refused("forbidden", _l("Your account must keep two-factor authentication on."))
    try:
        verify_code(user, code)
    except Refused as error:
        if error.code != "invalid_otp":
            raise
        raise Refused("validation_failed", fields={"code": [error.text()]}) from None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))
    record("user.two_factor_disable", "user", user.id, actor=user)
    _signed_out_others(user, sign_out_others)
    notify("two_factor_disabled", user=user)


def reset_by_admin(actor: User, user: User) -> None:
    """An admin turns another account's two-factor authentication off (its owner lost the phone and the recovery
    codes, and proved who they are some other way); audited, and the owner is told by mail. Never one's own: one's
    own goes off with the password and a code."""
    if not actor.is_admin or actor.id == user.id:
        raise Refused("forbidden")
    if authenticator(user) is None:
        raise Refused("invalid_transition", _l("This account has no two-factor authentication."))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))
    record("user.two_factor_reset", "user", user.id, actor=actor)
    notify("two_factor_disabled", user=user)


def users_with_two_factor(users) -> set[int]:
    """The ids of those of `users` who have two-factor authentication on, in one query (lists of accounts)."""
    ids = [user.id for user in users]
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(TwoFactor.user_id).where(TwoFactor.user_id.in_(ids), TwoFactor.confirmed_at.is_not(None))
        )
    )


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        codes.append("-".join(raw[i : i + 5] for i in range(0, RECOVERY_CODE_LENGTH, 5)))
        # Salted and slow, as a password: a copy of the table gives no code back.
        db.session.add(RecoveryCode(user_id=user.id, code_hash=accounts.hash_password(raw)))
    db.session.flush()
    return codes


# Codes ------------------------------------------------------------------------------------------------------


def _normalise(code: str | None) -> str:
    return "".join(ch for ch in (code or "").lower() if ch not in " -\t")[:40]


def _totp_step(row: TwoFactor, code: str) -> int | None:
    """The time step (this one, or one either side for a slow clock) whose code `code` is, if it is newer than
    the last code accepted."""
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(_secret_of(row))
    now_step = totp.timecode(utcnow())
    for step in (now_step, now_step - 1, now_step + 1):
        if (row.last_step is None or step > row.last_step) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _accept(user: User, code: str) -> bool:
    """Accepts a TOTP code or an unused recovery code, once: the claim is one conditional UPDATE, so two workers
    given the same code cannot both accept it."""
    row = authenticator(user)
    if row is None or row.confirmed_at is None or not code:
        return False
    step = _totp_step(row, code)
    if step is not None:
        claimed = db.session.execute(
            update(TwoFactor)
            .where(TwoFactor.user_id == user.id, or_(TwoFactor.last_step.is_(None), TwoFactor.last_step < step))
            .values(last_step=step)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.expire(row)
        return claimed == 1
    if len(code) != RECOVERY_CODE_LENGTH:
        return False  # cannot be one: nothing to hash
    unused = db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    for candidate in unused:
        if not accounts.secret_matches(candidate.code_hash, code):
            continue
        used = db.session.execute(
            update(RecoveryCode)
            .where(RecoveryCode.id == candidate.id, RecoveryCode.used_at.is_(None))
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if used == 1:
            record("user.recovery_code_used", "user", user.id, actor=user)
            return True
        return False
    return False


def verify_code(user: User, code: str | None, address: str | None = None, step: str | None = None) -> None:
    """Accepts `code` for the account (TOTP or recovery), or raises: 429 past the login limits or while the
    account's budget of wrong codes is spent, 401 `invalid_otp` for a wrong, used or replayed code, which counts
    as a failed login, against that budget and against the pending `step` it was sent to. The failure that spends
    the budget tells the account's owner by mail."""
    address = address if address is not None else accounts.client_address()
    check_login_allowed(user.email, address)
    check_code_allowed(user.id)
    if not _accept(user, _normalise(code)):
        record_login_failure(user.email, address)
        if record_code_failure(user.id, step):
            record("user.two_factor_guessed", "user", user.id, actor=user)
            notify("two_factor_codes_guessed", user=user)
        raise Refused("invalid_otp", _l("This code is wrong or already used."))


# Signing in -------------------------------------------------------------------------------------------------


def after_password(user: User, next_url: str) -> str:
    """What follows a correct password on the site: "code" (the second step is pending: no session yet),
    "enrol" (signed in, and taken to enrolment: two-factor is required of the account and not on), or
    "signed_in"."""
    if is_enabled(user):
        session.clear()
        # "s" names this step on the server, where its wrong codes are counted: copies of the cookie share them.
        session[PENDING_KEY] = {
            "u": user.id,
            "at": int(utcnow().timestamp()),
            "next": next_url,
            "s": secrets.token_urlsafe(16),
        }
        return "code"
    accounts.sign_in(user)
    return "enrol" if must_enrol(user) else "signed_in"


def after_reset(user: User, next_url: str) -> str:
    """After a new password chosen from a mailed link: the link proves the mailbox, not the second factor, so an
    account with two-factor on still gives its code ("code"); others are signed in ("signed_in")."""
    if is_enabled(user):
        return after_password(user, next_url)
    accounts.start_session(user)
    return "signed_in"


def pending_second_step() -> tuple[User, str] | None:
    """The account and the page to go to of this browser's pending second step, while it lasts: a few minutes,
    and until it has been sent MFA_FAILURES_PER_STEP wrong codes."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("at"), int) or not isinstance(pending.get("u"), int):
        return None
    started = datetime.fromtimestamp(pending["at"], UTC)
    if utcnow() - started > current_app.config["MFA_PENDING_LIFETIME"]:
        return None
    if (
        not isinstance(pending.get("s"), str)
        or step_failures(pending["s"]) >= current_app.config["MFA_FAILURES_PER_STEP"]
    ):
        return None
    user = db.session.get(User, pending["u"])
    if user is None or not user.is_active or not is_enabled(user):
        return None
    return user, str(pending.get("next") or "/")


def finish_second_step(code: str | None) -> tuple[User, str]:
    """Opens the session once the code of the pending step is right; Refused("not_found") when none is pending
    (or it expired), else as `verify_code`."""
    pending = pending_second_step()
    if pending is None:
        session.pop(PENDING_KEY, None)
        raise Refused("not_found")
    user, next_url = pending
    try:
        verify_code(user, code, step=session[PENDING_KEY]["s"])
    except Refused:
        if pending_second_step() is None:  # one wrong code too many for this step: the password again
            session.pop(PENDING_KEY, None)
        raise
    session.pop(PENDING_KEY, None)
    accounts.sign_in(user)
    return user, next_url


def authenticate_for_token(email: str, password: str, otp: str | None, address: str | None) -> User:
    """The account an API token request opens: the password, then the code for an account with two-factor on
    (401 `otp_required` without one, `invalid_otp` for a wrong one, 429 while the account's budget of wrong codes
    is spent); an account that must have two-factor and has not enrolled gets 403 `mfa_enrolment_required`."""
    user = accounts.authenticate(email, password, address)
    if is_enabled(user):
        if not (otp or "").strip():
            raise Refused("otp_required", _l("Send the code of your authenticator app (or a recovery code) as otp."))
        verify_code(user, otp, address)
    elif is_required(user):
        raise enrolment_required()
    return user


def enrolment_required() -> Refused:
    return Refused(
        "mfa_enrolment_required",
        _l(
            "Your account must use two-factor authentication: turn it on from your account page on the site, "
            "then ask for a token with a code."
        ),
    )
