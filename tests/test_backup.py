"""No data lost (issue 13): `flask backup` and `flask restore` bring the database and the stored files back."""

from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import select

from portal import create_app
from portal.domain.audit import record
from portal.extensions import db
from portal.models import User
from tests.factories import make_user


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


def test_a_restored_database_verifies_and_the_anchors_newer_than_its_backup_are_set_aside(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    anchors = Path(sqlite_app.config["AUDIT_ANCHOR_FILE"])

    def recorded(comment):
        with sqlite_app.app_context():
            record("project.comment", "project", 7, actor=3, comment=comment)
            db.session.commit()
        assert runner.invoke(args=["audit", "anchor"]).exit_code == 0

    recorded("Avant la sauvegarde.")
    assert runner.invoke(args=["backup", str(tmp_path / "copy")]).exit_code == 0
    recorded("Après la sauvegarde.")
    recorded("Encore après.")
    kept_before = anchors.read_text().splitlines()[:1]

    restored = runner.invoke(args=["restore", str(tmp_path / "copy"), "--yes"])

    assert restored.exit_code == 0, restored.output
    assert "Set aside 2 audit anchors newer than the backup into" in restored.output
    [aside] = list(anchors.parent.glob("audit-anchors.set-aside-*.jsonl"))
    assert str(aside) in restored.output
    assert len(aside.read_text().splitlines()) == 2
    assert anchors.read_text().splitlines() == kept_before
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "Checked 1 events and 1 anchors" in verified.output
    recorded("Après la restauration.")  # the restored log goes on, and its new anchors hold
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_a_restore_with_no_newer_anchor_says_so(sqlite_app, tmp_path):
    runner = sqlite_app.test_cli_runner()
    assert runner.invoke(args=["backup", str(tmp_path / "copy")]).exit_code == 0
    restored = runner.invoke(args=["restore", str(tmp_path / "copy"), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "No audit anchor is newer than the backup." in restored.output


def test_postgresql_is_sent_to_pg_dump(app):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        other = create_app("test", SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:5432/none")
    else:
        other = app
    result = other.test_cli_runner().invoke(args=["backup", "/tmp/never-made"])
    assert result.exit_code != 0 and "pg_dump" in result.output


def test_a_backup_from_before_named_databases_says_to_upgrade(sqlite_app, tmp_path):
    from flask_migrate import downgrade

    with sqlite_app.app_context():
        downgrade(revision="0015_awaiting_indexes")
        db.session.remove()
    runner = sqlite_app.test_cli_runner()
    assert runner.invoke(args=["backup", str(tmp_path / "old")]).exit_code == 0
    with sqlite_app.app_context():
        upgrade()
        db.session.remove()
    restored = runner.invoke(args=["restore", str(tmp_path / "old"), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "predates named databases" in restored.output and "db upgrade" in restored.output
