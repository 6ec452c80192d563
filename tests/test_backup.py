"""No data lost (issue 13): `flask backup` and `flask restore` bring the database and the stored files back."""

from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.models import User
from tests.conftest import reset_database
from tests.factories import make_user


@pytest.fixture()
def sqlite_app(tmp_path):
    app = create_app(
        "test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}", UPLOAD_DIR=str(tmp_path / "up")
    )
    with app.app_context():
        reset_database()
        upgrade()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_backup_restores_the_database_and_the_files(sqlite_app, tmp_path):
    uploads = Path(sqlite_app.config["UPLOAD_DIR"])
    uploads.mkdir()
    (uploads / "devis-abc123").write_bytes(b"%PDF-1.4 le devis")
    with sqlite_app.app_context():
        make_user("kadia@example.org")
        db.session.commit()
    runner = sqlite_app.test_cli_runner()
    made = runner.invoke(args=["backup", str(tmp_path / "copy")])
    assert made.exit_code == 0, made.output
    assert "1 files" in made.output
    # A bad day: the account and the file are gone.
    with sqlite_app.app_context():
        db.session.execute(User.__table__.delete())
        db.session.commit()
    (uploads / "devis-abc123").unlink()
    restored = runner.invoke(args=["restore", str(tmp_path / "copy"), "--yes"])
    assert restored.exit_code == 0, restored.output
    with sqlite_app.app_context():
        assert db.session.scalar(select(User.email)) == "kadia@example.org"
    assert (uploads / "devis-abc123").read_bytes() == b"%PDF-1.4 le devis"


def test_a_backup_never_overwrites_and_a_restore_needs_a_backup(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    (tmp_path / "there").mkdir()
    assert runner.invoke(args=["backup", str(tmp_path / "there")]).exit_code != 0
    assert "manifest.json is missing" in runner.invoke(args=["restore", str(tmp_path / "there"), "--yes"]).output


def test_postgresql_is_sent_to_pg_dump(app):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        other = create_app("test", SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:5432/none")
    else:
        other = app
    result = other.test_cli_runner().invoke(args=["backup", "/tmp/never-made"])
    assert result.exit_code != 0 and "pg_dump" in result.output
