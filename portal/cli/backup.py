"""`flask --app wsgi backup DIR` and `restore DIR`: the SQLite database and the stored files, together.

The database is copied with SQLite's online backup (a consistent copy while the portal runs), the files of
UPLOAD_DIR beside it, and a manifest says what the copy holds: for every table of stored files (the registry,
portal/services/files.py) how many files its rows point to, and any the copy lacks. A restore checks the same. PostgreSQL is backed up with its own tools
(`pg_dump`, see README); these commands refuse it rather than copy half of what matters.
"""

import json
import shutil
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from portal.database import utcnow
from portal.domain.audit import set_aside_anchors_after
from portal.extensions import db
from portal.services.files import file_models, files_by_table

MANIFEST = "manifest.json"


def _sqlite_path() -> Path:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or not url.database:
        raise click.ClickException("backup and restore copy SQLite; back up PostgreSQL with pg_dump (README)")
    return Path(url.database)


def backup_to(target: Path) -> dict:
    """Copies the database (online, consistent) and the stored files into `target`, a new folder."""
    source = _sqlite_path()
    target.mkdir(parents=True, exist_ok=False)
    db.session.remove()
    # closing(): a sqlite3 connection's own `with` commits but does not close, and an open one would keep the
    # write-ahead log's shared memory mapped.
    with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(target / "portal.db")) as copy:
        live.backup(copy)
    uploads = Path(current_app.config["UPLOAD_DIR"])
    files = 0
    if uploads.is_dir():
        shutil.copytree(uploads, target / "uploads")
        files = sum(1 for path in (target / "uploads").rglob("*") if path.is_file())
    pointed = _files_named_in(target / "portal.db")  # by the copy itself: what a restore will need
    manifest = {
        "made_at": utcnow().isoformat(),
        "database": source.name,
        "files": files,
        "file_tables": {table: len(names) for table, names in pointed.items()},
        "missing": _missing(pointed, target / "uploads"),
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return manifest


def _files_named_in(database: Path) -> dict[str, list[str]]:
    """{table: stored names} for every table of stored files, read from the SQLite file `database`."""
    with closing(sqlite3.connect(database)) as copy:
        return {
            model.__tablename__: sorted(
                name
                for (name,) in copy.execute(f'SELECT stored_name FROM "{model.__tablename__}"')  # noqa: S608
            )
            for model in file_models()
        }


def _missing(pointed: dict[str, list[str]], directory: Path) -> list[str]:
    """The stored names some row points to that `directory` does not hold."""
    return sorted(name for names in pointed.values() for name in names if not (directory / name).is_file())


def restore_from(source: Path) -> dict:
    """Puts a backup made by backup_to back in place: the database file and the stored files. The portal and its
    workers are stopped first (README): the file is replaced, not written into."""
    manifest = json.loads((source / MANIFEST).read_text())
    database = _sqlite_path()
    db.session.remove()
    db.engine.dispose()
    for suffix in ("-wal", "-shm"):  # a stale write-ahead log would replay over the restored file
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source / "portal.db", database)
    uploads = Path(current_app.config["UPLOAD_DIR"])
    if (source / "uploads").is_dir():
        shutil.rmtree(uploads, ignore_errors=True)
        shutil.copytree(source / "uploads", uploads)
    manifest["missing_now"] = _missing(files_by_table(), uploads)
    db.session.remove()  # ends the read, so what follows the restore (the anchors) may write
    return manifest


@click.command("backup")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(target: Path):
    """Copy the SQLite database and the stored files into TARGET (a new folder)."""
    if target.exists():
        raise click.ClickException(f"{target} exists: give a new folder")
    manifest = backup_to(target)
    click.echo(f"Backed up the database and {manifest['files']} files into {target}.")
    _warn_missing(manifest["missing"], "the backup")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the current database and files without asking.")
@with_appcontext
def restore_command(source: Path, yes: bool):
    """Replace the SQLite database and the stored files with the backup in SOURCE."""
    if not (source / MANIFEST).is_file():
        raise click.ClickException(f"{source} holds no backup ({MANIFEST} is missing)")
    if not yes:
        click.confirm("This replaces the current database and files. Go on?", abort=True)
    manifest = restore_from(source)
    click.echo(f"Restored the backup of {manifest['made_at']} ({manifest['files']} files).")
    _warn_missing(manifest["missing_now"], "the restored portal")
    if not sa.inspect(db.engine).has_table("database_identity"):
        click.echo(
            "The backup predates named databases (migration 0017): run `flask --app wsgi db upgrade`; it names the "
            "restored database anew, and the anchors written before then are not read as its own."
        )
        return
    # The audit anchors written since the backup name events the restored log does not hold.
    moved, where = set_aside_anchors_after(datetime.fromisoformat(manifest["made_at"]))
    db.session.remove()
    if moved:
        click.echo(
            f"Set aside {moved} audit anchors newer than the backup into {where}: they anchor events the restored "
            "database does not hold; it verifies against the anchors that remain."
        )
    else:
        click.echo("No audit anchor is newer than the backup.")


def _warn_missing(names: list[str], where: str) -> None:
    if names:
        click.echo(
            f"Warning: {len(names)} stored files the database points to are not in {where} "
            f"(their pages answer 404): {', '.join(names[:20])}{' …' if len(names) > 20 else ''}",
            err=True,
        )
