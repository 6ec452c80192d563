"""Failed logins: per account and address, and a high ceiling per address, counted where every worker sees them.

Only failures count, so successful logins are never slowed and a correct password from another address is never
refused because of someone else's failures (whole towns share a mobile carrier's address). Past a limit the
answer is 429 with Retry-After, never a permanent lock: the account's lock from one address lasts until its
failures of the window fall back under the limit, and every attempt refused meanwhile is one more failure, so
an attacker who keeps trying sees Retry-After grow while the owner, from anywhere else, signs in.

The counters live in the database (the `login_failures` table, shared by every gunicorn worker with no server
of its own), or in Redis when REDIS_URL is set. An address is the client's as the proxies in front say it
(PROXY_COUNT, portal/__init__.py), and an IPv6 address counts for its /64, which one household holds whole.

Wrong second-factor codes count twice more, whatever the address: against the account's own budget
(MFA_FAILURES_PER_ACCOUNT; an address can be changed at will, an IPv6 /48 holds 65,536 /64s) and against the
pending step they were sent to (MFA_FAILURES_PER_STEP: then the password is asked again).

A store that fails (Redis down, say) refuses the login with 429 and a "try again": an attempt is never let
through uncounted, nor answered with a 500.
"""

import hashlib
import ipaddress
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, g, has_request_context
from flask_babel import lazy_gettext as _l
from limits import parse
from sqlalchemy import delete, func, select
from sqlalchemy.exc import SQLAlchemyError

from portal.database import utcnow
from portal.errors import Refused
from portal.extensions import db
from portal.models import LoginFailure

log = logging.getLogger("portal.throttle")


class Throttled(Refused):
    def __init__(self, retry_after: int, message=None):
        super().__init__("rate_limited", message)
        self.retry_after = retry_after


STORE_DOWN_RETRY_AFTER = 30


class StoreUnavailable(Throttled):
    """The counters cannot be read or written: nothing is let through uncounted."""

    def __init__(self):
        super().__init__(
            STORE_DOWN_RETRY_AFTER, _l("Signing in is paused for a moment on our side: try again in a minute.")
        )


@dataclass(frozen=True)
class Limit:
    key: str
    amount: int
    window: timedelta
    grows: bool  # an attempt refused by this limit counts as one more failure


def address_group(address: str | None) -> str:
    """The address a client is counted by: itself for IPv4, its /64 for IPv6."""
    try:
        parsed = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return "-"
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:  # an IPv4 client seen through an IPv6 socket
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _limits(email: str, address: str | None) -> list[Limit]:
    config = current_app.config
    group = address_group(address)
    account = parse(config["LOGIN_FAILURES_PER_ACCOUNT"])
    per_address = parse(config["LOGIN_FAILURES_PER_ADDRESS"])
    return [
        Limit(_key("account", email, group), account.amount, timedelta(seconds=account.get_expiry()), grows=True),
        Limit(_key("address", group), per_address.amount, timedelta(seconds=per_address.get_expiry()), grows=False),
    ]


def check_login_allowed(email: str, address: str | None) -> None:
    """Raise 429 (Throttled, with retry_after) while this account from this address, or this address, has failed
    too often in its window."""
    now = utcnow()
    store = _store()
    for limit in _limits(email, address):
        _check_budget(store, limit.key, limit.amount, limit.window, now, grows=limit.grows)


def _check_budget(store, key: str, amount: int, window: timedelta, now: datetime, grows: bool = False) -> None:
    since = now - window
    count = store.count(key, since)
    if count >= amount:
        if grows:
            store.add([key], now, window)
            count += 1
        # Free again when all but amount - 1 of the window's failures have aged out of it.
        freed_by = store.nth(key, since, count - amount) or now
        raise Throttled(max(1, math.ceil((freed_by + window - now).total_seconds())))


def record_login_failure(email: str, address: str | None) -> None:
    now = utcnow()
    limits = _limits(email, address)
    # Logged as the account's hash (no address book in the logs), with the address group it came from.
    log.warning("login_failure account=%s address=%s", limits[0].key[:16], address_group(address))
    _store().add([limit.key for limit in limits], now, max(limit.window for limit in limits))


# Wrong second-factor codes, from any address -------------------------------------------------------------------


def _code_budget() -> tuple[int, timedelta]:
    budget = parse(current_app.config["MFA_FAILURES_PER_ACCOUNT"])
    return budget.amount, timedelta(seconds=budget.get_expiry())


def check_code_allowed(account_id: int) -> None:
    """Raise 429 (Throttled) while the account has spent its budget of wrong codes, wherever they came from: the
    right code too waits for the window to pass (a guesser must not learn which code was right)."""
    amount, window = _code_budget()
    _check_budget(_store(), _key("code-account", str(account_id)), amount, window, utcnow())


def record_code_failure(account_id: int, step: str | None = None) -> bool:
    """Counts a wrong code against the account (and its pending step, if any); True when this one spends the
    account's budget (the moment to tell its owner: once per window)."""
    amount, window = _code_budget()
    now = utcnow()
    store = _store()
    account_key = _key("code-account", str(account_id))
    keys = [account_key] + ([_key("code-step", step)] if step else [])
    store.add(keys, now, max(window, current_app.config["MFA_PENDING_LIFETIME"]))
    spent = store.count(account_key, now - window) == amount
    if spent and has_request_context():
        g.keep_changes = True  # the owner's mail, queued next, leaves even though the answer refuses (401)
    return spent


def step_failures(step: str) -> int:
    """How many wrong codes this pending second step was sent (from any address, with any copy of the cookie)."""
    return _store().count(_key("code-step", step), utcnow() - current_app.config["MFA_PENDING_LIFETIME"])


# Mail sent on anyone's word (sign-up, reset requests, confirmation links sent again, invitations) -------------


def spend_mail_budget(recipient: str, address: str | None, account_id: int | None = None) -> None:
    """Counts one such mail, or raises 429 (Throttled) when the sender's address, the sending account or the
    recipient has had its share: the portal is no mail cannon. Only mails sent count (a refused request sends
    nothing and is rolled back)."""
    config = current_app.config
    budgets = [
        (config["MAIL_PER_ADDRESS"], _key("mail-address", address_group(address))),
        (config["MAIL_PER_RECIPIENT"], _key("mail-recipient", (recipient or "").strip().lower())),
    ]
    if account_id is not None:
        budgets.append((config["MAIL_PER_ACCOUNT"], _key("mail-account", str(account_id))))
    now = utcnow()
    store = _store()
    for text, key in budgets:
        budget = parse(text)
        window = timedelta(seconds=budget.get_expiry())
        count = store.count(key, now - window)
        if count >= budget.amount:
            freed_by = store.nth(key, now - window, count - budget.amount) or now
            raise Throttled(max(1, math.ceil((freed_by + window - now).total_seconds())))
    longest = max(timedelta(seconds=parse(text).get_expiry()) for text, _key_ in budgets)
    store.add([key for _text, key in budgets], now, longest, keep_when_refused=False)


def forget_old_failures(now: datetime | None = None) -> int:
    """Deletes the database's counts older than two days, past any window (a daily scheduled job)."""
    result = db.session.execute(delete(LoginFailure).where(LoginFailure.at < (now or utcnow()) - timedelta(days=2)))
    return result.rowcount or 0


def _store():
    url = current_app.config.get("REDIS_URL")
    if url:
        store = current_app.extensions.get("login_failures_redis")
        if store is None or store.url != url:
            store = current_app.extensions["login_failures_redis"] = RedisFailures(url)
        return FailClosed(store, store.errors)
    return FailClosed(DatabaseFailures(), (SQLAlchemyError,))


class FailClosed:
    """A store whose failure refuses (StoreUnavailable, 429) instead of answering 500 or letting a guess through
    uncounted."""

    def __init__(self, store, errors: tuple[type[Exception], ...]):
        self.store, self.errors = store, errors

    def _call(self, name: str, *args, **kwargs):
        try:
            return getattr(self.store, name)(*args, **kwargs)
        except self.errors:
            log.exception("login throttle store unavailable")
            if isinstance(self.store, DatabaseFailures):
                db.session.rollback()
            raise StoreUnavailable() from None

    def count(self, key: str, since: datetime) -> int:
        return self._call("count", key, since)

    def nth(self, key: str, since: datetime, n: int) -> datetime | None:
        return self._call("nth", key, since, n)

    def add(self, keys: list[str], at: datetime, keep: timedelta, keep_when_refused: bool = True) -> None:
        return self._call("add", keys, at, keep, keep_when_refused)


class DatabaseFailures:
    """Failures as rows, written in the request's transaction and committed with it even when the request is
    refused (a wrong password answers 401 on the API): see KEEP_CHANGES in portal/__init__.py."""

    def count(self, key: str, since: datetime) -> int:
        return db.session.scalar(
            select(func.count()).select_from(LoginFailure).where(LoginFailure.key == key, LoginFailure.at > since)
        )

    def nth(self, key: str, since: datetime, n: int) -> datetime | None:
        """The time of the n-th oldest failure of the window (0: the oldest)."""
        return db.session.scalar(
            select(LoginFailure.at)
            .where(LoginFailure.key == key, LoginFailure.at > since)
            .order_by(LoginFailure.at, LoginFailure.id)
            .offset(n)
            .limit(1)
        )

    def add(self, keys: list[str], at: datetime, keep: timedelta, keep_when_refused: bool = True) -> None:
        db.session.execute(delete(LoginFailure).where(LoginFailure.key.in_(keys), LoginFailure.at <= at - keep))
        db.session.add_all(LoginFailure(key=key, at=at) for key in keys)
        db.session.flush()
        if keep_when_refused and has_request_context():
            g.keep_changes = True


class RedisFailures:
    """Failures as members of one sorted set per key, scored by their time, expiring with their window."""

    def __init__(self, url: str):
        import redis  # only when REDIS_URL is set

        self.url = url
        self.redis = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self.errors = (redis.RedisError, OSError)

    def count(self, key: str, since: datetime) -> int:
        return self.redis.zcount(f"login-failures:{key}", f"({since.timestamp()}", "+inf")

    def nth(self, key: str, since: datetime, n: int) -> datetime | None:
        found = self.redis.zrangebyscore(
            f"login-failures:{key}", f"({since.timestamp()}", "+inf", start=n, num=1, withscores=True
        )
        return datetime.fromtimestamp(found[0][1], tz=since.tzinfo) if found else None

    def add(self, keys: list[str], at: datetime, keep: timedelta, keep_when_refused: bool = True) -> None:
        with self.redis.pipeline() as pipe:
            for key in keys:
                name = f"login-failures:{key}"
                pipe.zremrangebyscore(name, "-inf", (at - keep).timestamp())
                pipe.zadd(name, {f"{at.timestamp()}:{secrets.token_hex(8)}": at.timestamp()})
                pipe.expire(name, math.ceil(keep.total_seconds()) + 1)
            pipe.execute()
