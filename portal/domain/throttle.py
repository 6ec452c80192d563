"""Failed-login throttling: per account and address, and a high ceiling per address.

Only failures count, so successful logins are never slowed and a correct password for another account is
never refused because of someone else's failures (whole towns share a mobile carrier's address). Past a
limit the answer is 429 with Retry-After until the window moves on: never a permanent lock. Counters live in
memory, or in Redis when REDIS_URL is set, so that every gunicorn worker shares them.
"""

import math
import time

from flask import current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from portal.errors import Refused


def _limiter() -> MovingWindowRateLimiter:
    state = current_app.extensions.get("login_throttle")
    if state is None:
        storage = storage_from_string(current_app.config["RATELIMIT_STORAGE_URI"])
        state = current_app.extensions["login_throttle"] = MovingWindowRateLimiter(storage)
    return state


def _limits(email: str, address: str):
    config = current_app.config
    return [
        (parse(config["LOGIN_FAILURES_PER_ACCOUNT"]), ("login-fail-account", email, address)),
        (parse(config["LOGIN_FAILURES_PER_ADDRESS"]), ("login-fail-address", address)),
    ]


def check_login_allowed(email: str, address: str | None) -> None:
    """Raise 429 when this account from this address, or this address, has failed too often."""
    limiter = _limiter()
    for limit, keys in _limits(email, address or "-"):
        if not limiter.test(limit, *keys):
            reset_at = limiter.get_window_stats(limit, *keys).reset_time
            raise Throttled(max(1, math.ceil(reset_at - time.time())))


def record_login_failure(email: str, address: str | None) -> None:
    limiter = _limiter()
    for limit, keys in _limits(email, address or "-"):
        limiter.hit(limit, *keys)


class Throttled(Refused):
    def __init__(self, retry_after: int):
        super().__init__("rate_limited")
        self.retry_after = retry_after
