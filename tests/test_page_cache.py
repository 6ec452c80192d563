"""Anonymous pages and public API answers are kept for every reader until something changes (issue 15).

What a reader must be able to trust: a kept page is the page they would have been given (their language, no
one else's token or message, nothing a signed-in member sees), and a change committed through the portal
shows at once on every page that shows it — here through the API, with the embedded store and with Redis.
"""

import gzip
import re

import pytest

from portal import create_app, page_cache
from portal.extensions import db
from portal.models import ProjectStatus
from tests.factories import sign_in
from tests.helpers import count_queries
from tests.project_api import act, create, project_body, token
from tests.project_factories import make_project
from tests.test_throttle import _redis_or_skip

# What a project needs for the mayor to agree it: funding that covers the budget (product.md).
FULL_FUNDING = [{"party_kind": "population", "amount": "61914", "currency": "XOF"}]


TEST_APP = []


@pytest.fixture(autouse=True)
def _test_app(app):
    TEST_APP[:] = [app]


@pytest.fixture(params=["embedded", "redis"])
def cached_app(request, app, session, worker_id):
    """The portal with its page cache in the embedded store (the default) and in Redis (CI starts one)."""
    if request.param == "embedded":
        yield app
        return
    url = _redis_or_skip(worker_id)
    yield create_app("test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=url)


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
