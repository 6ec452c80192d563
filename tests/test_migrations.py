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


def test_the_second_factor_secrets_move_to_their_new_shape(empty_app):
    """0016: a TOTP secret kept in clear is encrypted with TOTP_ENCRYPTION_KEYS (and decrypted again going down);
    the old recovery codes, unsalted fast hashes that cannot be rehashed, are invalidated."""
    from cryptography.fernet import Fernet

    upgrade(revision="0015_awaiting_indexes")
    with db.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO users (id, email, name, is_admin, created_at, version) "
                "VALUES (1, 'a@test.org', 'A', false, '2026-12-01 00:00:00', 1)"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO two_factor (user_id, secret, created_at, confirmed_at) "
                "VALUES (1, 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', '2026-12-01 00:00:00', '2026-12-01 00:00:00')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (1, :hash, '2026-12-01 00:00:00')"
            ),
            {"hash": "0" * 64},
        )
    upgrade()
    with db.engine.connect() as connection:
        stored = connection.scalar(sa.text("SELECT secret FROM two_factor WHERE user_id = 1"))
        codes = connection.scalar(sa.text("SELECT count(*) FROM recovery_codes"))
    assert "JBSWY3DP" not in stored
    key = Fernet(empty_app.config["TOTP_ENCRYPTION_KEYS"].encode())
    assert key.decrypt(stored.encode()) == b"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    assert codes == 0
    downgrade(revision="0015_awaiting_indexes")
    with db.engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT secret FROM two_factor")) == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
