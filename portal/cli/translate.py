"""`flask --app wsgi translate update|init|compile`: extract, update and compile the translation catalogues."""

import subprocess
import sys
import tempfile
from pathlib import Path

import click
from flask.cli import AppGroup

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"

translate = AppGroup("translate", help="Extract, update and compile the translation catalogues.")


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
        "-k",
        "lazy_pgettext:1c,2",  # a label whose French depends on what it qualifies (its gender)
        "-k",
        "lazy_ngettext:1,2",
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
