"""Fixtures every test builds on: the app, a database rolled back per test, clients, guards."""

import os
import socket

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.orm import scoped_session, sessionmaker

from portal import create_app, page_cache
from portal.extensions import db


def _postgres_url_for(worker: str) -> str:
    """One database per xdist worker, created on first use next to TEST_DATABASE_URL's."""
    base = sa.make_url(os.environ["TEST_DATABASE_URL"]).set(drivername="postgresql+psycopg")
    name = f"{base.database}_portal_{worker}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
        if not exists:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def own_database_url(name: str, directory, worker_id: str) -> str:
    """A database of the test's own, for tests whose requests must really commit and overlap: a SQLite file in
    `directory`, or `<db>_portal_<name>_<worker>` beside TEST_DATABASE_URL's."""
    if os.environ.get("TEST_DATABASE_URL"):
        return _postgres_url_for(f"{name}_{worker_id}")
    return f"sqlite:///{directory / f'{name}.db'}"


def reset_database() -> None:
    """Empty the database completely, so that migrations run from nothing."""
    engine = db.engine
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
        else:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for kind, name in connection.exec_driver_sql(
                "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"
            ).fetchall():
                connection.exec_driver_sql(f'DROP {kind.upper()} IF EXISTS "{name}"')


@pytest.fixture()
def sqlite_app(tmp_path):
    """A portal on its own SQLite file, migrated, with its own uploads and anchors: what backup and restore copy."""
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}",
        UPLOAD_DIR=str(tmp_path / "up"),
        AUDIT_ANCHOR_FILE=str(tmp_path / "instance" / "audit-anchors.jsonl"),
    )
    with app.app_context():
        reset_database()
        upgrade()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    if os.environ.get("TEST_DATABASE_URL"):
        return _postgres_url_for(worker_id)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.db'}"


@pytest.fixture(scope="session")
def app(database_url):
    import tests.mail

    app = create_app("test", SQLALCHEMY_DATABASE_URI=database_url)
    tests.mail.app = app  # signs the links of mails read in tests, as the worker does when they leave
    with app.app_context():
        reset_database()
        upgrade()
        db.engine.dispose()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture()
def app_context(app):
    with app.app_context():
        yield app


@pytest.fixture()
def session(app):
    """The test's database session: everything it and its requests commit is rolled back at the end.

    No application context stays pushed: each request of the test client gets its own, as in production
    (flask-babel and flask-login keep the locale and the user on `g`). Tests that call code needing one
    ask for `app_context` too.
    """
    with app.app_context():
        connection = db.engine.connect()
    page_cache.invalidate(app)  # pages kept by an earlier test show data its rollback took away
    outer = connection.begin()
    original = db.session
    db.session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    )
    try:
        yield db.session
    finally:
        db.session.remove()
        db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture()
def client(app, session):
    return app.test_client()


@pytest.fixture()
def csrf_app(app):
    """The app with CSRF protection armed, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


_LOCAL_PREFIXES = ("127.", "::1", "localhost")


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Fail any test that reaches beyond this machine, even if the code under test swallows the error."""
    attempts = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def allowed(address) -> bool:
        if isinstance(address, str | bytes):  # a Unix socket
            return True
        host = str(address[0])
        return host.startswith(_LOCAL_PREFIXES) or host == "0.0.0.0"  # noqa: S104

    def guarded_connect(sock, address):
        if not allowed(address):
            attempts.append(address)
            raise OSError(f"test tried to reach the network: {address}")
        return real_connect(sock, address)

    def guarded_connect_ex(sock, address):
        if not allowed(address):
            attempts.append(address)
            raise OSError(f"test tried to reach the network: {address}")
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    yield
    assert not attempts, f"the test tried to reach the network: {attempts}"


@pytest.fixture()
def cast(session):
    """One person of each role around commune A and association A (tests/factories.py)."""
    from tests.factories import Cast

    cast = Cast()
    session.commit()
    return cast


@pytest.fixture()
def login_as(client, cast):
    """`login_as("mayor")` signs the test client in as that member of the cast and returns the user."""
    from tests.factories import sign_in

    def login(role: str):
        user = cast.users[role]
        sign_in(client, user)
        return db.session.get(type(user), user.id)  # attached to the test's session again, for changes

    return login
