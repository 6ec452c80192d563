"""How requests use their database connections (portal/database.py): a write that is not committed is never kept,
reads keep PostgreSQL's prepared statements from one request to the next, and a connection the server closed is
replaced before a request uses it.

These run against a database of their own: the requests must really begin and end their transactions.
"""

import time
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db
from portal.models import CurrencyRate
from tests.conftest import own_database_url, reset_database


@pytest.fixture()
def live_app(tmp_path, worker_id):
    url = own_database_url("connections", tmp_path, worker_id)
    # Without the page cache: every request here must reach the database.
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, PAGE_CACHE=False)
    with app.app_context():
        reset_database()
        upgrade()
        db.engine.dispose()
    yield app
    with app.app_context():
        db.engine.dispose()


def _rates(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(sa.select(CurrencyRate.currency).where(CurrencyRate.currency == "TST")).all()


def _rate() -> CurrencyRate:
    return CurrencyRate(currency="TST", valid_from=date(2026, 1, 1), rate_to_xof=Decimal("2"))


def test_a_write_that_is_rolled_back_is_not_kept_even_after_reads(live_app):
    with live_app.app_context():
        db.session.scalars(sa.select(CurrencyRate)).all()  # a read first, then a write
        db.session.add(_rate())
        db.session.flush()
        db.session.rollback()
        db.session.add(_rate())
        db.session.flush()
        db.session.remove()  # the end of a request that did not commit
    assert _rates(live_app) == []
    with live_app.app_context():
        db.session.add(_rate())
        db.session.commit()
    assert _rates(live_app) == ["TST"]


def test_reads_keep_their_prepared_statements_and_a_closed_connection_is_replaced(live_app):
    client = live_app.test_client()
    for _ in range(8):
        assert client.get("/projects/").status_code == 200
    with live_app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            # psycopg prepares a statement at its fifth use and forgets them all at a ROLLBACK.
            assert db.session.scalar(sa.text("SELECT count(*) FROM pg_prepared_statements")) > 0
        db.session.remove()
        assert engine.pool.checkedin() == 1

        if engine.dialect.name == "postgresql":
            # What a restart of the server does to the idle connection in the pool.
            killer = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
            with killer.connect() as connection:
                ended = connection.scalar(
                    sa.text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
                assert ended == 1
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline and connection.scalar(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid()"
                    )
                ):
                    time.sleep(0.05)
            killer.dispose()
        else:
            engine.dispose()  # SQLite has no server: the closest is a pool that lost its connection

    assert client.get("/projects/").status_code == 200
    assert client.get("/projects/").status_code == 200
