"""Failed logins slow an attacker down without locking anyone else out — counted where every worker sees them
(the database, or Redis), by the client's real address, and with the clock told rather than waited for."""

import os
from datetime import timedelta

import pytest
from flask_migrate import upgrade

from portal import create_app
from portal.database import utcnow
from portal.domain import throttle
from portal.extensions import db
from portal.models import UserSession
from tests.conftest import own_database_url, reset_database
from tests.factories import PASSWORD, make_user, sign_in
from tests.mail import mails_to


def _redis_url_for(worker_id: str) -> str:
    """One Redis database per xdist worker (TEST_REDIS_URL's, 15 in CI, then 14, …), so that one worker's flush
    never wipes another's counters."""
    import redis

    base = redis.connection.parse_url(os.environ["TEST_REDIS_URL"])
    number = 0 if worker_id == "master" else int(worker_id.removeprefix("gw"))
    return f"redis://{base.get('host', '127.0.0.1')}:{base.get('port', 6379)}/{int(base.get('db', 15)) - number}"


def _redis_or_skip(worker_id: str) -> str:
    if not os.environ.get("TEST_REDIS_URL"):
        if os.environ.get("CI"):
            pytest.fail("TEST_REDIS_URL must be set in CI")
        pytest.skip("no TEST_REDIS_URL: the Redis storage is tested in CI")
    import redis

    url = _redis_url_for(worker_id)
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture(params=["database", "redis"])
def throttled_app(request, app, worker_id):
    """The login throttle with its counters in the database (the default), and in Redis (CI starts one)."""
    url = _redis_or_skip(worker_id) if request.param == "redis" else None
    app.extensions.pop("login_failures_redis", None)
    app.config["REDIS_URL"] = url
    yield app
    app.config["REDIS_URL"] = None
    app.extensions.pop("login_failures_redis", None)


@pytest.fixture()
def clock(monkeypatch):
    """The throttle's clock, moved on by the test: `clock.advance(seconds=…)`."""

    class Clock:
        now = utcnow()

        def advance(self, **delta):
            self.now += timedelta(**delta)

    fixed = Clock()
    monkeypatch.setattr(throttle, "utcnow", lambda: fixed.now)
    return fixed


def _fail(client, email, address="10.1.1.1", **headers):
    return client.post(
        "/auth/login",
        data={"email": email, "password": "wrong guess"},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def _login(client, email, address="10.1.1.1", password=PASSWORD):
    return client.post(
        "/auth/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_ten_failures_on_one_account_from_one_address_give_429_with_retry_after(throttled_app, session, clock):
    victim, neighbour = make_user(), make_user()
    session.commit()
    client = throttled_app.test_client()
    for _ in range(10):
        assert _fail(client, victim.email).status_code == 200
        clock.advance(seconds=1)
    blocked = _login(client, victim.email)  # even the right password waits: the attacker must not learn it
    assert blocked.status_code == 429
    # Free when the first failures leave the 15-minute window: the 2nd of the 11 counted, 9 s after the 1st.
    assert int(blocked.headers["Retry-After"]) == 15 * 60 - 9
    assert "Trop de tentatives" in blocked.get_data(as_text=True)
    # Someone else on the same carrier address is not locked out, nor is the owner from home.
    assert _login(throttled_app.test_client(), neighbour.email).status_code == 303
    assert _login(throttled_app.test_client(), victim.email, address="10.9.9.9").status_code == 303


def test_an_attacker_who_keeps_trying_keeps_the_lock_on_while_it_lasts(throttled_app, session, clock):
    user = make_user()
    session.commit()
    client = throttled_app.test_client()
    for _ in range(10):
        _fail(client, user.email)
        clock.advance(seconds=10)
    ends = []
    for _ in range(5):  # one more try every 10 s, each refused and counted
        response = _fail(client, user.email)
        assert response.status_code == 429
        ends.append(clock.now + timedelta(seconds=int(response.headers["Retry-After"])))
        clock.advance(seconds=10)
    assert ends == sorted(ends) and ends[-1] > ends[0]  # the lock's end moves later with each try
    clock.advance(minutes=16)  # then a quiet quarter of an hour frees it
    assert _login(client, user.email).status_code == 303


def test_the_api_token_endpoint_shares_the_same_limits(throttled_app, session, clock):
    user = make_user()
    session.commit()
    client = throttled_app.test_client()
    for _ in range(10):
        response = client.post(
            "/api/v1/tokens", json={"email": user.email, "password": "nope"}, environ_base={"REMOTE_ADDR": "10.2.2.2"}
        )
        assert response.status_code == 401  # refused, and still counted
    blocked = client.post(
        "/api/v1/tokens", json={"email": user.email, "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.2.2.2"}
    )
    assert blocked.status_code == 429
    assert blocked.get_json()["error"]["code"] == "rate_limited"
    assert int(blocked.headers["Retry-After"]) > 0


def test_successful_logins_are_not_throttled(throttled_app, session, clock):
    user = make_user()
    session.commit()
    for _ in range(30):
        assert _login(throttled_app.test_client(), user.email, address="10.3.3.3").status_code == 303


def test_the_lock_is_temporary(throttled_app, session, clock):
    user = make_user()
    session.commit()
    client = throttled_app.test_client()
    for _ in range(10):
        _fail(client, user.email)
    assert _login(client, user.email).status_code == 429
    clock.advance(minutes=15, seconds=1)
    assert _login(client, user.email).status_code == 303


def test_a_whole_address_has_a_high_ceiling(throttled_app, session, clock, monkeypatch):
    users = [make_user() for _ in range(4)]
    session.commit()
    monkeypatch.setitem(throttled_app.config, "LOGIN_FAILURES_PER_ADDRESS", "6 per 15 minutes")
    client = throttled_app.test_client()
    for user in users[:3]:
        _fail(client, user.email, "10.4.4.4")
        _fail(client, user.email, "10.4.4.4")
    assert _login(client, users[3].email, "10.4.4.4").status_code == 429
    assert _login(client, users[3].email, "10.5.5.5").status_code == 303


def test_an_ipv6_household_counts_as_its_slash_64(throttled_app, session, clock):
    user = make_user()
    session.commit()
    client = throttled_app.test_client()
    for host in range(10):  # ten addresses of one /64: one household changing its address at will
        _fail(client, user.email, f"2001:db8:0:7::{host + 1}")
    assert _login(client, user.email, "2001:db8:0:7::ff").status_code == 429
    assert _login(client, user.email, "2001:db8:0:8::1").status_code == 303  # another /64


@pytest.mark.parametrize(
    "address, group",
    [
        ("10.1.2.3", "10.1.2.3"),
        ("2001:db8:0:7::1", "2001:db8:0:7::/64"),
        ("::ffff:10.1.2.3", "10.1.2.3"),
        ("not an address", "-"),
        (None, "-"),
    ],
)
def test_address_groups(address, group):
    assert throttle.address_group(address) == group


# Across workers, and behind proxies ------------------------------------------------------------------------


@pytest.fixture(params=["database", "redis"])
def two_workers(request, tmp_path, worker_id):
    """Two apps on one database, as gunicorn's two workers are: what one counts, the other must see."""
    url = own_database_url("throttle", tmp_path, worker_id)
    redis_url = _redis_or_skip(worker_id) if request.param == "redis" else None
    apps = [create_app("test", SQLALCHEMY_DATABASE_URI=url, REDIS_URL=redis_url) for _ in range(2)]
    with apps[0].app_context():
        reset_database()
        upgrade()
        email = make_user("mayor@commune.test").email
        db.session.commit()
        db.session.remove()
    yield apps, email
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def test_fourteen_wrong_logins_across_two_workers_whatever_x_forwarded_for(two_workers):
    (first, second), email = two_workers
    answers = []
    for attempt in range(14):
        worker = (first, second)[attempt % 2]
        # The client claims a new address each time: with no proxy declared, the header is not believed.
        response = _fail(worker.test_client(), email, "10.6.6.6", **{"X-Forwarded-For": f"10.0.0.{attempt}"})
        answers.append(response.status_code)
    assert answers == [200] * 10 + [429] * 4


def test_behind_one_declared_proxy_clients_are_counted_by_their_own_address(tmp_path, worker_id):
    url = own_database_url("proxy", tmp_path, worker_id)
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, PROXY_COUNT=1)
    with app.app_context():
        reset_database()
        upgrade()
        email = make_user("deputy@commune.test").email
        db.session.commit()
        db.session.remove()
    try:
        client = app.test_client()
        for _ in range(10):  # every request comes from the proxy, 10.7.7.7, for one client behind it
            _fail(client, email, "10.7.7.7", **{"X-Forwarded-For": "41.73.1.1"})
        assert _fail(client, email, "10.7.7.7", **{"X-Forwarded-For": "41.73.1.1"}).status_code == 429
        # Another client behind the same proxy, the right password: not held back by the first one's failures.
        other = client.post(
            "/auth/login",
            data={"email": email, "password": PASSWORD},
            environ_base={"REMOTE_ADDR": "10.7.7.7"},
            headers={"X-Forwarded-For": "41.73.2.2"},
        )
        assert other.status_code == 303
    finally:
        with app.app_context():
            db.engine.dispose()


def test_old_failures_are_forgotten_by_the_daily_sweep(app_context, session, clock):
    from portal.models import LoginFailure

    throttle.record_login_failure("old@commune.test", "10.8.8.8")
    clock.advance(days=2, seconds=1)
    throttle.record_login_failure("new@commune.test", "10.8.8.9")
    assert throttle.forget_old_failures(clock.now) == 2  # the old account's and its address's
    assert session.query(LoginFailure).count() == 2  # the new ones stay


# Mail sent on anyone's word --------------------------------------------------------------------------------


def test_reset_requests_to_one_address_stop_at_its_daily_share(throttled_app, session, clock):
    user = make_user()
    session.commit()
    client = throttled_app.test_client()
    answers = [
        client.post(
            "/auth/reset-password", data={"email": user.email}, environ_base={"REMOTE_ADDR": f"10.10.0.{n}"}
        ).status_code
        for n in range(6)
    ]
    assert answers == [200] * 5 + [429]  # 5 a day to one recipient, from whatever addresses
    assert len(mails_to(user.email)) == 5
    clock.advance(days=1, seconds=1)
    assert client.post("/auth/reset-password", data={"email": user.email}).status_code == 200


def test_one_address_cannot_send_mail_to_the_whole_country(throttled_app, session, clock, monkeypatch):
    monkeypatch.setitem(throttled_app.config, "MAIL_PER_ADDRESS", "3 per hour")
    client = throttled_app.test_client()
    answers = [
        client.post(
            "/auth/reset-password", data={"email": f"cible{n}@example.org"}, environ_base={"REMOTE_ADDR": "10.11.0.1"}
        ).status_code
        for n in range(4)
    ]
    assert answers == [200, 200, 200, 429]
    other = client.post(
        "/auth/reset-password", data={"email": "cible9@example.org"}, environ_base={"REMOTE_ADDR": "10.11.0.2"}
    )
    assert other.status_code == 200


def test_an_officer_has_a_daily_share_of_invitations(throttled_app, session, clock, login_as, cast, monkeypatch):
    monkeypatch.setitem(throttled_app.config, "MAIL_PER_ACCOUNT", "2 per day")
    client = throttled_app.test_client()
    from tests.factories import sign_in

    sign_in(client, cast.users["officer"])
    answers = [
        client.post(
            f"/organisations/{cast.association.id}/invitations",
            data={"email": f"membre{n}@example.org", "role": "member"},
        ).status_code
        for n in range(3)
    ]
    assert answers == [303, 303, 429]
    assert mails_to("membre2@example.org") == []


# A store that fails (issue 20) ---------------------------------------------------------------------------------


@pytest.fixture()
def dead_redis(app):
    """The throttle pointed at a Redis that is not there (nothing listens on port 1)."""
    app.extensions.pop("login_failures_redis", None)
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    yield app
    app.config["REDIS_URL"] = None
    app.extensions.pop("login_failures_redis", None)


def test_a_throttle_whose_store_fails_refuses_the_login_and_asks_to_try_again(dead_redis, client, session):
    user = make_user("panne@example.org")
    session.commit()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    for password in ("wrong guess", PASSWORD):  # neither a guess let through uncounted, nor the right one
        refused = _login(client, user.email, password=password)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        assert "try again" in refused.get_data(as_text=True)
    assert session.query(UserSession).filter_by(user_id=user.id).count() == 0
    answer = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert answer.status_code == 429 and answer.get_json()["error"]["code"] == "rate_limited"
    assert int(answer.headers["Retry-After"]) > 0


def test_wrong_codes_from_many_addresses_spend_one_budget_and_mail_the_owner_whatever_the_store(throttled_app, session):
    from tests.test_two_factor import enrol_through_pages, token_request, wrong_codes

    user = make_user("codes@example.org")
    session.commit()
    client = throttled_app.test_client()
    sign_in(client, user)
    phone, _codes = enrol_through_pages(client)
    answers = [
        token_request(client, user.email, otp=code, address=f"10.12.{n}.1").status_code
        for n, code in enumerate(wrong_codes(phone, 12))
    ]
    assert answers == [401] * 10 + [429] * 2
    assert len(mails_to(user.email, "two_factor_codes_guessed")) == 1  # kept, though the answer was a 401
