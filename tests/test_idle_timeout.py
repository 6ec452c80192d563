"""Idle timeouts of browser sessions (issue 13, item 6): a session ends after 30 minutes without a request for admins
and mediators, 7 days for everyone else, beside the absolute lifetime; when a session was last seen is written at
most once every few minutes, not on every request. The tests move the stored timestamps, never sleep."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.database import utcnow
from portal.models import UserSession
from tests.factories import sign_in
from tests.helpers import count_queries

THIRTY_MINUTES = timedelta(minutes=30)
SEVEN_DAYS = timedelta(days=7)
# The defaults, restated: admins and mediators 30 minutes, everyone else 7 days.
IDLE_LIMIT = {
    "admin": THIRTY_MINUTES,
    "mediator": THIRTY_MINUTES,
    "mayor": SEVEN_DAYS,
    "officer": SEVEN_DAYS,
    "observer": SEVEN_DAYS,
    "nobody": SEVEN_DAYS,
}
MARGIN = timedelta(minutes=1)


def the_session(session, token_hash=None) -> UserSession:
    session.expire_all()
    return session.scalar(select(UserSession).order_by(UserSession.id.desc()))


def idle_for(session, row: UserSession, idle: timedelta, age: timedelta | None = None) -> None:
    now = utcnow()
    row.created_at = now - (age or idle)
    row.last_seen_at = now - idle
    session.commit()


@pytest.mark.parametrize("role", sorted(IDLE_LIMIT))
def test_a_session_idle_just_under_its_limit_still_signs_in(client, cast, session, role):
    sign_in(client, cast.users[role])
    idle_for(session, the_session(session), IDLE_LIMIT[role] - MARGIN)
    assert client.get("/account/").status_code == 200


@pytest.mark.parametrize("role", sorted(IDLE_LIMIT))
def test_a_session_idle_just_over_its_limit_is_ended(client, cast, session, role):
    sign_in(client, cast.users[role])
    idle_for(session, the_session(session), IDLE_LIMIT[role] + MARGIN)
    answer = client.get("/account/")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/auth/login")
    row = the_session(session)
    assert row.ended_at is not None and row.ended_reason == "idle"
    # Signing in again opens a new session.
    sign_in(client, cast.users[role])
    assert client.get("/account/").status_code == 200


def test_activity_keeps_a_session_alive_beyond_the_idle_limit(client, cast, session):
    sign_in(client, cast.users["mediator"])
    # Opened two hours ago, last seen ten minutes ago: idle for ten minutes only.
    idle_for(session, the_session(session), timedelta(minutes=10), age=timedelta(hours=2))
    assert client.get("/account/").status_code == 200


def test_the_absolute_lifetime_still_holds_for_a_busy_session(client, cast, session):
    sign_in(client, cast.users["officer"])
    idle_for(session, the_session(session), timedelta(minutes=1), age=timedelta(days=31))
    assert client.get("/account/").status_code == 302


def test_last_seen_is_written_after_a_few_minutes_not_on_every_request(client, cast, session):
    sign_in(client, cast.users["officer"])
    row = the_session(session)
    assert row.last_seen_at is None
    # A fresh session: requests write nothing.
    client.get("/account/")
    assert the_session(session).last_seen_at is None
    # Last seen one minute ago: still nothing written.
    one_minute_ago = utcnow() - timedelta(minutes=1)
    idle_for(session, the_session(session), timedelta(minutes=1))
    client.get("/projects/")
    assert abs(the_session(session).last_seen_at - one_minute_ago) < timedelta(seconds=5)
    # Five minutes ago: the next request records it, once.
    idle_for(session, the_session(session), timedelta(minutes=5))
    before = utcnow()
    client.get("/projects/")
    seen = the_session(session).last_seen_at
    assert seen >= before - timedelta(seconds=1)
    client.get("/projects/")
    assert the_session(session).last_seen_at == seen


def test_a_read_only_request_with_nothing_to_record_writes_nothing(client, cast, session, app):
    sign_in(client, cast.users["officer"])
    with count_queries(app) as statements:
        client.get("/account/")
    assert not [s for s in statements.statements if s.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))]


def test_a_session_ended_for_idleness_is_not_listed_on_the_account_page(client, cast, session, app):
    officer = cast.users["mediator"]
    sign_in(app.test_client(), officer)  # another browser, left idle
    idle_for(session, the_session(session), THIRTY_MINUTES + MARGIN)
    sign_in(client, officer)
    html = client.get("/account/").get_data(as_text=True)
    assert html.count("/end") == 0  # only this browser's session is listed, without a button
