"""One structured line per request: what was asked, by whom, what was answered, how long it took.

Key=value pairs a log shipper can parse. Never a secret: the path without its query string (tokens travel in
paths only as signed links, which are logged as their route), no header, no body; the user as an id.
"""

import logging
import time

from flask import Flask, g, request
from sqlalchemy import inspect

log = logging.getLogger("portal.requests")


def register_request_log(app: Flask) -> None:
    @app.before_request
    def _start_clock():
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response):
        started = g.get("request_started")
        milliseconds = (time.perf_counter() - started) * 1000 if started is not None else -1
        rule = request.url_rule.rule if request.url_rule is not None else "-"
        log.info(
            "method=%s route=%s status=%s ms=%.1f user=%s address=%s",
            request.method,
            rule,
            response.status_code,
            milliseconds,
            _user_id(g.get("_login_user")) or _user_id(g.get("api_user")) or "-",
            request.remote_addr or "-",
        )
        return response


def _user_id(user) -> int | None:
    """The id of a user the request already loaded, read from its identity: no query, even after a refused
    write left the session's transaction to roll back; None for nobody or an anonymous visitor."""
    state = inspect(user, raiseerr=False) if user is not None else None
    return state.identity[0] if state is not None and state.identity else None
