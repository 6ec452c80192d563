"""Idle timeouts of browser sessions (issue 13, item 6): a session ends after 30 minutes without a request for admins
and mediators, 7 days for everyone else, beside the absolute lifetime; when a session was last seen is written at
most once every few minutes, not on every request. The tests move the stored timestamps, never sleep."""

from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, update

from portal import create_app
from portal.database import utcnow
from portal.extensions import db
from portal.models import UserSession
from tests.conftest import own_database_url, reset_database
from tests.factories import make_user, sign_in
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


@pytest.fixture()
def two_workers(tmp_path, worker_id):
    """Two apps on one database of the test's own, as two gunicorn workers: their requests really commit."""
    url = own_database_url("idle", tmp_path, worker_id)
    apps = [create_app("test", SQLALCHEMY_DATABASE_URI=url) for _ in range(2)]
    with apps[0].app_context():
        reset_database()
        upgrade()
        user = make_user("maire@commune.test")
        db.session.commit()
        clients = [app.test_client() for app in apps]
        token = sign_in(clients[0], user)
        with clients[1].session_transaction() as cookie:
            cookie["sid"] = token
        db.session.remove()
    yield apps, clients
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def _stored_session(app) -> UserSession:
    with app.app_context():
        row = db.session.scalar(select(UserSession))
        db.session.remove()
        return row


def _set_last_seen(app, when) -> None:
    with app.app_context():
        db.session.execute(update(UserSession).values(last_seen_at=when))
        db.session.commit()
        db.session.remove()


def test_two_workers_record_last_seen_once_and_end_an_idle_session(two_workers):
    (first, second), (first_client, second_client) = two_workers
    _set_last_seen(first, utcnow() - timedelta(minutes=5))
    before = utcnow()
    assert first_client.get("/account/").status_code == 200  # a read-only request: the write is its own
    seen = _stored_session(first).last_seen_at
    assert seen >= before - timedelta(seconds=1)
    assert second_client.get("/account/").status_code == 200  # the other worker: nothing more to write
    assert _stored_session(second).last_seen_at == seen

    _set_last_seen(first, utcnow() - SEVEN_DAYS - MARGIN)
    assert second_client.get("/account/").status_code == 302
    row = _stored_session(first)
    assert row.ended_at is not None and row.ended_reason == "idle"
    assert first_client.get("/account/").status_code == 302
