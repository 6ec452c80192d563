"""Migrations build the schema from nothing, match the models, and go down and up again."""

import pytest
import sqlalchemy as sa
from flask_migrate import check, downgrade, upgrade

from portal import create_app
from portal.extensions import db
from tests.conftest import own_database_url, reset_database


@pytest.fixture()
def empty_app(tmp_path, worker_id):
    url = own_database_url("migrations", tmp_path, worker_id)
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        reset_database()
        yield app
        db.session.remove()
        db.engine.dispose()


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_from_empty_matches_the_models_then_downgrades_and_upgrades_again(empty_app):
    upgrade()
    assert set(db.metadata.tables) <= _tables()
    check()  # raises when the models and the migrated schema differ

    downgrade(revision="base")
    assert _tables() == set()

    upgrade()
    check()
    assert set(db.metadata.tables) <= _tables()
