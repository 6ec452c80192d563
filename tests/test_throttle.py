"""Failed logins slow an attacker down without locking anyone else out."""

import os

import pytest

from tests.factories import PASSWORD, make_user


def _redis_url_for(worker_id: str) -> str:
    """One Redis database per xdist worker (15, 14, …), so that one worker's flush never wipes another's counters."""
    import redis

    base = redis.connection.parse_url(os.environ["TEST_REDIS_URL"])
    number = 0 if worker_id == "master" else int(worker_id.removeprefix("gw"))
    return f"redis://{base.get('host', '127.0.0.1')}:{base.get('port', 6379)}/{15 - number}"


@pytest.fixture(params=["memory", "redis"])
def throttled_app(request, app, worker_id):
    """The login throttle with its counters in memory, and in Redis when one is reachable (CI starts it)."""
    if request.param == "redis":
        url = os.environ.get("TEST_REDIS_URL")
        if not url:
            if os.environ.get("CI"):
                pytest.fail("TEST_REDIS_URL must be set in CI")
            pytest.skip("no TEST_REDIS_URL: the Redis storage is tested in CI")
        import redis

        url = _redis_url_for(worker_id)
        redis.Redis.from_url(url).flushdb()
    else:
        url = "memory://"
    saved = app.config["RATELIMIT_STORAGE_URI"], app.extensions.pop("login_throttle", None)
    app.config["RATELIMIT_STORAGE_URI"] = url
    yield app
    app.config["RATELIMIT_STORAGE_URI"] = saved[0]
    app.extensions.pop("login_throttle", None)
    if saved[1] is not None:
        app.extensions["login_throttle"] = saved[1]


def _fail(client, email, address="10.1.1.1"):
    return client.post(
        "/auth/login", data={"email": email, "password": "wrong guess"}, environ_base={"REMOTE_ADDR": address}
    )


def _login(client, email, address="10.1.1.1", password=PASSWORD):
    return client.post(
        "/auth/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_ten_failures_on_one_account_from_one_address_give_429_with_retry_after(throttled_app, session):
    victim, neighbour = make_user(), make_user()
    session.commit()
    client = throttled_app.test_client()
    for _ in range(10):
        assert _fail(client, victim.email).status_code == 200
    blocked = _login(client, victim.email)  # even the right password waits: the attacker must not learn it
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Trop de tentatives" in blocked.get_data(as_text=True)
    # Someone else on the same carrier address is not locked out, nor is the owner from home.
    assert _login(throttled_app.test_client(), neighbour.email).status_code == 303
    assert _login(throttled_app.test_client(), victim.email, address="10.9.9.9").status_code == 303


def test_the_api_token_endpoint_shares_the_same_limits(throttled_app, session):
    user = make_user()
    session.commit()
    client = throttled_app.test_client()
    for _ in range(10):
        response = client.post(
            "/api/v1/tokens", json={"email": user.email, "password": "nope"}, environ_base={"REMOTE_ADDR": "10.2.2.2"}
        )
        assert response.status_code == 401
    blocked = client.post(
        "/api/v1/tokens", json={"email": user.email, "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.2.2.2"}
    )
    assert blocked.status_code == 429
    assert blocked.get_json()["error"]["code"] == "rate_limited"
    assert int(blocked.headers["Retry-After"]) > 0


def test_successful_logins_are_not_throttled(throttled_app, session):
    user = make_user()
    session.commit()
    for _ in range(30):
        assert _login(throttled_app.test_client(), user.email, address="10.3.3.3").status_code == 303


def test_the_lock_is_temporary(throttled_app, session):
    user = make_user()
    session.commit()
    throttled_app.config["LOGIN_FAILURES_PER_ACCOUNT"] = "3 per 1 second"
    try:
        client = throttled_app.test_client()
        for _ in range(3):
            _fail(client, user.email)
        assert _login(client, user.email).status_code == 429
        import time

        time.sleep(1.1)
        assert _login(client, user.email).status_code == 303
    finally:
        throttled_app.config["LOGIN_FAILURES_PER_ACCOUNT"] = "10 per 15 minutes"


def test_a_whole_address_has_a_high_ceiling(throttled_app, session):
    users = [make_user() for _ in range(4)]
    session.commit()
    throttled_app.config["LOGIN_FAILURES_PER_ADDRESS"] = "6 per 15 minutes"
    try:
        client = throttled_app.test_client()
        for user in users[:3]:
            _fail(client, user.email, "10.4.4.4")
            _fail(client, user.email, "10.4.4.4")
        assert _login(client, users[3].email, "10.4.4.4").status_code == 429
        assert _login(client, users[3].email, "10.5.5.5").status_code == 303
    finally:
        throttled_app.config["LOGIN_FAILURES_PER_ADDRESS"] = "300 per 15 minutes"
