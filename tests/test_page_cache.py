"""Anonymous pages and public API answers are kept for every reader until something changes (issue 15).

What a reader must be able to trust: a kept page is the page they would have been given (their language, no
one else's token or message, nothing a signed-in member sees), and a change committed through the portal
shows at once on every page that shows it — here through the API, with the embedded store and with Redis.
"""

import gzip
import os
import re
import shutil
import subprocess
import time

import pytest

from portal import create_app, page_cache
from portal.extensions import db
from portal.models import ProjectStatus
from tests.factories import sign_in
from tests.helpers import count_queries
from tests.project_api import act, create, project_body, token
from tests.project_factories import make_project
from tests.test_served_portal import _free_port
from tests.test_throttle import _fail, _login, _redis_or_skip

# What a project needs for the mayor to agree it: funding that covers the budget (product.md).
FULL_FUNDING = [{"party_kind": "population", "amount": "61914", "currency": "XOF"}]


TEST_APP = []


@pytest.fixture(autouse=True)
def _test_app(app):
    TEST_APP[:] = [app]


def _cache_redis_url(worker_id: str) -> str:
    """The cache's Redis database in the tests, one per xdist worker apart from the throttle's (TEST_REDIS_URL's):
    TEST_PAGE_CACHE_REDIS_URL's (13 in CI, then 12, …), or two below TEST_REDIS_URL's."""
    import redis

    throttle = redis.connection.parse_url(_redis_or_skip(worker_id))
    given = os.environ.get("TEST_PAGE_CACHE_REDIS_URL")
    number = 0 if worker_id == "master" else int(worker_id.removeprefix("gw"))
    index = int(redis.connection.parse_url(given).get("db", 0)) - number if given else int(throttle["db"]) - 2
    assert index != int(throttle["db"]), "the cache's database must not be the throttle's"
    return f"redis://{throttle.get('host', '127.0.0.1')}:{throttle.get('port', 6379)}/{index}"


def _app(app, store: str, worker_id: str, **config):
    """A portal on the test's database, its pages kept in the embedded store or in Redis (CI starts one)."""
    if store == "redis":
        config |= {"REDIS_URL": _redis_or_skip(worker_id), "PAGE_CACHE_REDIS_URL": _cache_redis_url(worker_id)}
    elif not config:
        return app
    return create_app("test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], **config)


@pytest.fixture(params=["embedded", "redis"])
def cached_app(request, app, session, worker_id):
    """The portal with its page cache in the embedded store (the default) and in Redis (CI starts one)."""
    return _app(app, request.param, worker_id)


def _get(client, url, **kwargs):
    """The answer and the number of SQL statements it took (on the test's database, which every app here shares)."""
    with count_queries(TEST_APP[0]) as log:
        response = client.get(url, **kwargs)
    return response, len(log)


def _agree_through_the_api(client, cast, title: str) -> int:
    officer, mayor = token(client, "officer@test.org"), token(client, "mayor@test.org")
    body = project_body(cast, title=title)
    body["funding_lines"] = body["funding_lines"] + FULL_FUNDING
    project = create(client, officer, body)
    act(client, officer, project["id"], "submit")
    for action in ("start_review", "open_consultation", "agree"):
        act(client, mayor, project["id"], action)
    return project["id"]


def test_an_anonymous_page_is_served_again_without_reading_the_database(cached_app, cast):
    visitor = cached_app.test_client()
    first, queries = _get(visitor, "/projects/")
    assert first.status_code == 200 and queries > 0
    again, queries = _get(visitor, "/projects/")
    assert again.status_code == 200 and queries == 0
    assert again.get_data() == first.get_data()
    assert again.headers["ETag"] == first.headers["ETag"]


def test_a_change_committed_through_the_api_shows_at_once_on_every_kept_page(cached_app, cast):
    visitor, partner = cached_app.test_client(), cached_app.test_client()
    pages = ["/projects/", f"/communes/{cast.commune_a.id}", "/api/v1/projects", "/api/v1/stats"]
    for url in pages:  # kept
        assert _get(visitor, url)[0].status_code == 200
        assert _get(visitor, url)[1] == 0, url
    assert "Château pour le cache" not in visitor.get("/projects/").get_data(as_text=True)
    assert visitor.get("/api/v1/stats").get_json()["projects_by_status"]["agreed"] == 0

    project_id = _agree_through_the_api(partner, cast, "Château pour le cache")

    assert "Château pour le cache" in visitor.get("/projects/").get_data(as_text=True)
    assert "Château pour le cache" in visitor.get(f"/communes/{cast.commune_a.id}").get_data(as_text=True)
    listed = visitor.get("/api/v1/projects").get_json()
    assert project_id in [item["id"] for item in listed["items"]]
    # api.md: every submitted project by its current status.
    assert visitor.get("/api/v1/stats").get_json()["projects_by_status"]["agreed"] == 1


def test_a_browser_that_has_the_page_is_told_it_has_not_changed(cached_app, cast):
    visitor = cached_app.test_client()
    first = visitor.get("/projects/")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "no-cache"

    same = visitor.get("/projects/", headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.get_data() == b""
    assert visitor.get("/projects/", headers={"If-Modified-Since": modified}).status_code == 304

    zipped = visitor.get("/projects/", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.get_data()) == first.get_data()
    assert zipped.headers["ETag"] != etag  # another representation, another tag
    assert (
        visitor.get(
            "/projects/", headers={"If-None-Match": zipped.headers["ETag"], "Accept-Encoding": "gzip"}
        ).status_code
        == 304
    )

    make_project(cast.association, cast.commune_a, ProjectStatus.AGREED, title="Nouveau marché")
    db.session.commit()
    changed = visitor.get("/projects/", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Nouveau marché" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != etag


def test_a_kept_download_keeps_its_name_and_licence(cached_app, cast):
    """The open-data CSV, served again from the cache, still says it is an attachment and under which licence."""
    visitor = cached_app.test_client()
    first = visitor.get("/api/v1/export/projects.csv")
    again, queries = _get(visitor, "/api/v1/export/projects.csv")
    assert queries == 0 and again.get_data() == first.get_data()
    for header in ("Content-Type", "Content-Disposition", "Link", "Content-Security-Policy"):
        assert again.headers.get(header) == first.headers.get(header), header
    assert 'rel="license"' in again.headers["Link"] and "attachment" in again.headers["Content-Disposition"]


def test_signed_in_members_and_api_clients_never_get_the_shared_answer(cached_app, cast):
    submitted = make_project(cast.association, cast.commune_a, ProjectStatus.SUBMITTED, title="Dossier déposé")
    db.session.commit()
    visitor, mayor = cached_app.test_client(), cached_app.test_client()
    for _ in range(2):
        assert "Dossier déposé" not in visitor.get("/projects/").get_data(as_text=True)
        assert submitted.id not in [p["id"] for p in visitor.get("/api/v1/projects").get_json()["items"]]

    sign_in(mayor, cast.users["mayor"])
    page = mayor.get("/projects/")
    assert "Dossier déposé" in page.get_data(as_text=True) and "ETag" not in page.headers
    bearer = token(cached_app.test_client(), "mayor@test.org")
    listed = cached_app.test_client().get("/api/v1/projects", headers=bearer).get_json()
    assert submitted.id in [p["id"] for p in listed["items"]]


def test_each_language_has_its_own_page(cached_app, cast):
    french, english = cached_app.test_client(), cached_app.test_client()
    for _ in range(2):
        assert '<html lang="fr"' in french.get("/", headers={"Accept-Language": "fr-FR"}).get_data(as_text=True)
        assert '<html lang="en"' in english.get("/", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    english.post("/language", data={"locale": "fr", "next": "/"})  # the switch wins over the browser
    assert '<html lang="fr"' in english.get("/", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)


def test_a_shared_page_carries_no_token_and_sets_no_cookie_and_a_page_with_a_form_is_never_shared(cached_app, cast):
    cached_app.config["WTF_CSRF_ENABLED"] = True  # as in production: forms carry their token
    for _ in range(2):
        home = cached_app.test_client().get("/")
        assert "Set-Cookie" not in home.headers and 'name="csrf_token"' not in home.get_data(as_text=True)
    first, second = cached_app.test_client(), cached_app.test_client()
    tokens = set()
    for visitor in (first, second):
        html = visitor.get("/auth/login").get_data(as_text=True)
        tokens.add(re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1))
    cached_app.config["WTF_CSRF_ENABLED"] = False
    assert len(tokens) == 2  # each visitor their own


def test_a_message_waiting_for_one_visitor_is_theirs_alone(cached_app, cast):
    cached_app.test_client().get("/")  # kept
    told = cached_app.test_client()
    with told.session_transaction() as flask_session:
        flask_session["_flashes"] = [("success", "Vous êtes déconnecté.")]
    assert "Vous êtes déconnecté." in told.get("/").get_data(as_text=True)
    assert "Vous êtes déconnecté." not in told.get("/").get_data(as_text=True)
    assert "Vous êtes déconnecté." not in cached_app.test_client().get("/").get_data(as_text=True)


def test_a_sign_in_elsewhere_leaves_the_kept_pages_alone(cached_app, cast):
    """Sessions, mails and notifications are nobody else's business: writing them does not throw pages away."""
    visitor = cached_app.test_client()
    visitor.get("/projects/")
    sign_in(cached_app.test_client(), cast.users["observer"])
    assert _get(visitor, "/projects/")[1] == 0


def test_a_cache_that_cannot_be_reached_costs_speed_never_an_answer_or_a_change(app, session, cast):
    broken = create_app("test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    broken.extensions["page_cache"] = page_cache.RedisStore("redis://127.0.0.1:1/0", "nowhere")  # nothing listens
    visitor = broken.test_client()
    assert visitor.get("/projects/").status_code == 200
    _agree_through_the_api(broken.test_client(), cast, "Malgré tout")
    assert "Malgré tout" in visitor.get("/projects/").get_data(as_text=True)


def test_the_cache_can_be_switched_off(app, session, cast):
    plain = create_app("test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], PAGE_CACHE=False)
    visitor = plain.test_client()
    visitor.get("/projects/")
    response, queries = _get(visitor, "/projects/")
    assert queries > 0 and "ETag" not in response.headers
    assert page_cache.store(plain) is None


# Nobody can flood the store (issue 20) ----------------------------------------------------------------------


@pytest.fixture(params=["embedded", "redis"])
def store_kind(request, session):
    return request.param


def test_a_flood_of_unknown_parameters_is_served_fresh_and_keeps_nothing(store_kind, app, cast, worker_id):
    cached = _app(app, store_kind, worker_id)
    visitor = cached.test_client()
    visitor.get("/projects/")

    def flood(numbers):
        for number in numbers:
            for url in (f"/projects/?x={number}", f"/api/v1/projects?utm={number}", f"/dashboards?page=1&x={number}"):
                assert visitor.get(url).status_code == 200

    flood(range(30))
    # Asked again, each is rendered again (it reads the database), never served from the store.
    assert _get(visitor, "/projects/?x=1")[1] > 0
    assert _get(visitor, "/api/v1/projects?utm=1")[1] > 0
    assert _get(visitor, "/projects/")[1] == 0  # the address without them is kept as before
    kept = page_cache.store(cached).usage()
    flood(range(30, 60))
    assert page_cache.store(cached).usage() == kept


def test_the_same_parameters_in_another_order_are_one_kept_answer(store_kind, app, cast, worker_id):
    cached = _app(app, store_kind, worker_id)
    visitor = cached.test_client()
    first = visitor.get("/projects/?status=agreed&sector=water&page=1")
    again, queries = _get(visitor, "/projects/?page=1&sector=water&status=agreed")
    assert queries == 0 and again.get_data() == first.get_data()
    kept = page_cache.store(cached).usage()
    assert _get(visitor, "/api/v1/projects?per_page=5&page=1")[1] > 0
    assert _get(visitor, "/api/v1/projects?page=1&per_page=5")[1] == 0
    assert page_cache.store(cached).usage()[0] == kept[0] + 1  # one more answer, kept once


def test_a_full_store_evicts_its_oldest_answers_and_keeps_within_both_caps(store_kind, app, cast, worker_id):
    by_count = _app(app, store_kind, worker_id, PAGE_CACHE_MAX_ENTRIES=3)
    visitor = by_count.test_client()
    for page in range(1, 9):
        assert visitor.get(f"/projects/?page={page}").status_code == 200
    assert _get(visitor, "/projects/?page=8")[1] == 0  # the newest stays
    assert _get(visitor, "/projects/?page=1")[1] > 0  # the oldest went
    for page in range(9, 13):
        assert visitor.get(f"/projects/?page={page}").status_code == 200
        entries, size = page_cache.store(by_count).usage()
        assert entries <= 3 and size <= by_count.config["PAGE_CACHE_MAX_BYTES"]

    by_size = _app(app, store_kind, worker_id, PAGE_CACHE_MAX_BYTES=50_000)
    visitor = by_size.test_client()
    for commune in range(1, 21):  # a dashboard is some 23 KB kept, with its gzipped copy: two fit
        assert visitor.get(f"/dashboards?commune=C{commune}").status_code == 200
    assert _get(visitor, "/dashboards?commune=C20")[1] == 0
    assert _get(visitor, "/dashboards?commune=C1")[1] > 0
    for commune in range(21, 25):
        assert visitor.get(f"/dashboards?commune=C{commune}").status_code == 200
        assert page_cache.store(by_size).usage()[1] <= 50_000
    assert page_cache.store(by_size).usage()[0] <= 2  # the pages kept before were evicted first


# The cache keeps to its own Redis keyspace (issue 20) --------------------------------------------------------


def test_in_redis_the_cache_takes_the_database_after_the_throttle_s_unless_told_another():
    assert page_cache.own_redis_database("redis://127.0.0.1:6379/3") == "redis://127.0.0.1:6379/4"
    assert page_cache.own_redis_database("redis://cache.internal:6379") == "redis://cache.internal:6379/1"
    assert page_cache.own_redis_database("redis://127.0.0.1:6379/15") == "redis://127.0.0.1:6379/0"
    assert page_cache.own_redis_database("rediss://:secret@h:6380/2?ssl_cert_reqs=none") == (
        "rediss://:secret@h:6380/3?ssl_cert_reqs=none"
    )
    assert page_cache.own_redis_database("unix:///run/redis.sock?db=2") == "unix:///run/redis.sock?db=3"

    nowhere = "redis://127.0.0.1:1/5"  # nothing listens: the store is only looked at
    derived = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://", REDIS_URL=nowhere)
    assert page_cache.store(derived).redis.connection_pool.connection_kwargs["db"] == 6
    told = create_app(
        "test", SQLALCHEMY_DATABASE_URI="sqlite://", REDIS_URL=nowhere, PAGE_CACHE_REDIS_URL="redis://127.0.0.1:1/9"
    )
    assert page_cache.store(told).redis.connection_pool.connection_kwargs["db"] == 9


def _contents(database) -> dict:
    """Every key of a Redis database with what it holds."""
    dumped = {}
    for key in database.keys("*"):
        kind = database.type(key)
        dumped[key] = database.zrange(key, 0, -1, withscores=True) if kind == b"zset" else database.dump(key)
    return dumped


def test_filling_the_cache_never_touches_the_login_throttle_s_counters(app, session, cast, worker_id):
    import redis

    portal = _app(app, "redis", worker_id, PAGE_CACHE_MAX_ENTRIES=5)
    throttle_db = redis.Redis.from_url(portal.config["REDIS_URL"])
    cache_db = redis.Redis.from_url(portal.config["PAGE_CACHE_REDIS_URL"])
    cache_db.set("another-application:key", "kept")  # not the cache's: its eviction leaves it alone
    guesser = portal.test_client()
    for _ in range(10):
        assert _fail(guesser, cast.users["observer"].email).status_code == 200
    counters = _contents(throttle_db)
    assert counters, "the throttle counts in Redis"

    visitor = portal.test_client()
    for number in range(1, 21):  # past the cap: the cache evicts
        assert visitor.get(f"/projects/?page={number}").status_code == 200
        assert visitor.get(f"/api/v1/projects?page={number}").status_code == 200

    assert _contents(throttle_db) == counters  # not one key of the cache's among them, none removed
    assert cache_db.get("another-application:key") == b"kept"
    assert _login(guesser, cast.users["observer"].email).status_code == 429  # still counted
    assert page_cache.store(portal).usage()[0] <= 5  # the cache did evict


@pytest.fixture()
def small_redis(worker_id):
    """A Redis of the test's own that evicts any key when full (maxmemory, allkeys-lru), as one sized too small
    for what it holds would: 1.5 MB above what it uses empty."""
    import redis

    _redis_or_skip(worker_id)  # where the Redis tests run (CI), redis-server is installed
    port = _free_port()
    server = subprocess.Popen(
        [shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline and server.poll() is None, "redis-server did not start"
                time.sleep(0.05)
        client.config_set("maxmemory-policy", "allkeys-lru")
        client.config_set("maxmemory", int(client.info("memory")["used_memory"]) + 1_500_000)
        yield client
    finally:
        server.terminate()
        server.wait(10)


def test_a_flood_of_pages_never_evicts_the_login_counters_from_a_full_redis(app, session, cast, small_redis):
    """The attack the caps close: fill Redis with kept pages until it evicts the throttle's counters, and guess
    again with a clean slate."""
    url = f"redis://127.0.0.1:{small_redis.connection_pool.connection_kwargs['port']}/0"
    portal = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=url,
        PAGE_CACHE_MAX_BYTES=300_000,
    )
    guesser = portal.test_client()
    for _ in range(10):
        assert _fail(guesser, cast.users["observer"].email).status_code == 200

    visitor = portal.test_client()
    for number in range(40):  # some 23 KB each, were it kept
        assert visitor.get(f"/dashboards?x={number}").status_code == 200  # never kept
        assert visitor.get(f"/dashboards?commune=C{number}").status_code == 200  # kept within the cap

    assert _login(guesser, cast.users["observer"].email).status_code == 429  # the ten guesses still count
    assert small_redis.info("stats")["evicted_keys"] == 0
