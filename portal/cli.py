"""Commands of `flask --app wsgi …`: translations, the audit log, data loading."""

import subprocess
import sys
import tempfile
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"

translate = AppGroup("translate", help="Extract, update and compile the translation catalogues.")
audit = AppGroup("audit", help="The tamper-evident audit log.")


def _pybabel(*args: str) -> None:
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run([str(pybabel), "-q", *args], check=True, cwd=ROOT)


def extract_messages(pot_path: Path) -> None:
    _pybabel(
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "_l",
        "-k",
        "lazy_gettext",
        "--no-location",
        "--sort-output",
        "-o",
        str(pot_path),
        ".",
    )


@translate.command("update")
def translate_update():
    """Extract the strings of code and templates and merge them into every catalogue."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        extract_messages(pot)
        _pybabel("update", "-i", str(pot), "-d", str(TRANSLATIONS), "--no-fuzzy-matching", "--ignore-obsolete")
    click.echo("Catalogues updated: translate the new strings in translations/*/LC_MESSAGES/messages.po")


@translate.command("init")
@click.argument("lang")
def translate_init(lang):
    """Start a catalogue for a new language."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        extract_messages(pot)
        _pybabel("init", "-i", str(pot), "-d", str(TRANSLATIONS), "-l", lang)


@translate.command("compile")
def translate_compile():
    """Compile the catalogues into the .mo files the portal reads."""
    _pybabel("compile", "-d", str(TRANSLATIONS))


@audit.command("verify")
def audit_verify():
    """Recompute the audit log's hash chain; exit 1 naming the first event that does not match."""
    from portal.domain.audit import verify_chain

    result = verify_chain()
    if result.first_bad is not None:
        click.echo(
            f"Checked {result.checked} events; event {result.first_bad.id} "
            f"({result.first_bad.action} on {result.first_bad.subject_type} "
            f"{result.first_bad.subject_id}) does not match: {result.reason}.",
            err=True,
        )
        sys.exit(1)
    click.echo(f"Checked {result.checked} events: the chain is intact.")


@click.command("seed-demo")
def seed_demo_command():
    """Load the territories and the demo accounts (password: demo-password). Idempotent; refused in production."""
    from flask import current_app

    from portal.demo import seed_demo
    from portal.extensions import db

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("seed-demo refuses to run in production: it creates accounts with a known password.")
    summary = seed_demo()
    db.session.commit()
    click.echo(
        f"Demo data ready: {summary['accounts']} accounts (password demo-password), "
        f"communes {', '.join(summary['communes'])}."
    )


def register_cli(app: Flask) -> None:
    from portal import cli_bench, cli_notifications, cli_outbox, cli_projects, cli_territories

    app.cli.add_command(translate)
    app.cli.add_command(audit)
    app.cli.add_command(seed_demo_command)
    for module in (cli_outbox, cli_territories, cli_notifications, cli_projects, cli_bench):
        module.register(app)
