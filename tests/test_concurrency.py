"""Two people editing the same version at the same moment: exactly one wins, the other is told (409).

These requests must really commit and really overlap, so they run against a database of their own rather
than inside the rolled-back test transaction.
"""

import threading

import pytest
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db
from tests.conftest import own_database_url, reset_database
from tests.factories import Cast
from tests.project_api import create, project_body, token


@pytest.fixture()
def live_app(tmp_path, worker_id):
    url = own_database_url("concurrency", tmp_path, worker_id)
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        reset_database()
        upgrade()
        cast = Cast()
        db.session.commit()
        ids = {"commune_a": cast.commune_a, "association": cast.association, "commune_org": cast.commune_org}
        cast_ids = type("CastIds", (), {name: type("Ref", (), {"id": obj.id}) for name, obj in ids.items()})
        db.session.remove()
    yield app, cast_ids
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("attempt", range(3))
def test_of_two_concurrent_edits_of_one_version_exactly_one_wins(live_app, attempt):
    app, cast = live_app
    setup = app.test_client()
    headers = token(setup, "officer@test.org")
    project = create(setup, headers, project_body(cast))
    barrier = threading.Barrier(2)
    answers = []

    def edit(title):
        client = app.test_client()
        barrier.wait()
        response = client.patch(
            f"/api/v1/projects/{project['id']}", headers=headers, json={"version": project["version"], "title": title}
        )
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=edit, args=(title,)) for title in ("Puits A", "Puits B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200, 409], answers
    loser = next(body for status, body in answers if status == 409)
    assert loser["error"]["code"] == "stale_version"
    winner = next(body for status, body in answers if status == 200)
    final = setup.get(f"/api/v1/projects/{project['id']}", headers=headers).get_json()
    assert final["title"] == winner["title"] and final["version"] == project["version"] + 1
