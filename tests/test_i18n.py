"""Languages: French by default, English on request, every string translated, money and dates by locale."""

import glob
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from portal.i18n import format_money, format_when

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "accept_language, expected",
    [
        (None, "fr"),
        ("fr-FR,fr;q=0.9", "fr"),
        ("en", "en"),
        ("en-GB,fr;q=0.5", "en"),  # werkzeug's best_match alone would answer French here
        ("fr-ML,en;q=0.8", "fr"),
        ("de-DE,en;q=0.7,fr;q=0.5", "en"),
        ("bm,ar", "fr"),  # Bambara and Arabic are not offered yet: French
        ("en;q=0,fr;q=0.3", "fr"),
        ("fr;q=0.2,en;q=0.9", "en"),
        ("garbage;;q=x,,", "fr"),
    ],
)
def test_the_page_language_follows_the_first_supported_browser_language(client, accept_language, expected):
    headers = {"Accept-Language": accept_language} if accept_language else {}
    html = client.get("/", headers=headers).get_data(as_text=True)
    assert f'<html lang="{expected}">' in html
    home_title = {"fr": "Construire la commune ensemble", "en": "Building the commune together"}[expected]
    assert home_title in html


def test_the_language_switch_overrides_the_browser_and_returns_to_the_page(client):
    response = client.post("/language", data={"locale": "en", "next": "/?page=2"}, headers={"Accept-Language": "fr"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/?page=2"
    html = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    client.post("/language", data={"locale": "fr", "next": "/"})
    assert '<html lang="fr">' in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["https://evil.example.com/", "//evil.example.com/", "/\\evil.example.com", "javascript:alert(1)"]
)
def test_the_language_switch_never_sends_the_visitor_to_another_site(client, target):
    response = client.post("/language", data={"locale": "en", "next": target})
    assert response.headers["Location"] == "/"


def test_an_unknown_language_is_ignored(client):
    client.post("/language", data={"locale": "xx", "next": "/"})
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)


def _extracted_ids(tmp_path) -> set[str]:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).with_name("pybabel")),
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        check=True,
        cwd=ROOT,
    )
    with pot.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def _translated(message) -> bool:
    """A message with its translation: every plural form of it too ("1 projet" and "%(num)d projets")."""
    if isinstance(message.string, tuple | list):
        return all(message.string)
    return bool(message.string)


def test_every_string_of_code_and_templates_has_its_french_translation(tmp_path):
    ids = _extracted_ids(tmp_path)
    assert len(ids) > 20  # the extraction found the templates and the code
    with open(ROOT / "translations/fr/LC_MESSAGES/messages.po", "rb") as handle:
        catalogue = read_po(handle)
    missing = sorted(i for i in ids if i not in catalogue or not _translated(catalogue[i]))
    fuzzy = sorted(m.id for m in catalogue if m.id and m.fuzzy)
    assert not missing, f"{len(missing)} strings lack a French translation, e.g. {missing[:5]}"
    assert not fuzzy, f"fuzzy translations: {fuzzy[:5]}"


def test_no_catalogue_has_fuzzy_or_untranslated_entries():
    for path in glob.glob(str(ROOT / "translations/*/LC_MESSAGES/messages.po")):
        with open(path, "rb") as handle:
            catalogue = read_po(handle)
        assert not [m.id for m in catalogue if m.id and (m.fuzzy or not _translated(m))], path


def test_money_is_written_the_french_or_english_way(app_context):
    with force_locale("fr"):
        assert format_money(Decimal("6559570"), "XOF") == "6\u00a0559\u00a0570\u00a0F\u00a0CFA"
        assert format_money(Decimal("10000"), "EUR") == "10\u00a0000,00\u00a0€"
    with force_locale("en"):
        assert format_money(Decimal("6559570"), "XOF") == "F\u00a0CFA\u00a06,559,570"
        assert format_money(Decimal("10000"), "EUR") == "€10,000.00"


def test_times_are_shown_in_the_viewers_time_zone(app):
    moment = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with app.test_request_context("/"):
        with force_locale("fr"):
            assert "12:00" in format_when(moment)  # Bamako is UTC all year
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Europe/Paris"
    try:
        with app.test_request_context("/"):
            with force_locale("fr"):
                assert "13:00" in format_when(moment)
    finally:
        app.config["BABEL_DEFAULT_TIMEZONE"] = "Africa/Bamako"
