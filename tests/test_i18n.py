"""Languages: French by default, English on request, every string translated, money and dates by locale."""

import glob
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, ngettext

from portal.cli.translate import extract_messages
from portal.i18n import format_money, format_when
from portal.labels import (
    COMMITMENT_STATUS_LABELS,
    CONTRIBUTION_STATUS_LABELS,
    MEETING_STATUS_LABELS,
    label,
)

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


def _extracted_ids(tmp_path) -> set[tuple[str | None, str]]:
    """(context, msgid) of every string of code and templates, extracted as `flask translate update` does."""
    pot = tmp_path / "messages.pot"
    extract_messages(pot)
    with pot.open("rb") as handle:
        return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(handle) if m.id}


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
    missing = sorted(
        message_id
        for context, message_id in ids
        if catalogue.get(message_id, context=context) is None
        or not _translated(catalogue.get(message_id, context=context))
    )
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


# Issue 21, friction 10: French slips ("de Association des…", "Annulée" for an engagement, "1 ouverts",
# "La convention:"). The catalogue writes a plain space before ":", ";", "!" and "?", as all its strings do.
FRENCH = ROOT / "translations/fr/LC_MESSAGES/messages.po"
UNSPACED_MARK = re.compile(r"(?<! )[:;!?](?=\s|$)")  # a two-part mark ending a word (not "https://", "10:00")
# A count followed by the word it counts ("%(n)s minutes", "%(days)s days"): ngettext, so that 1 reads "1 jour".
COUNTED = re.compile(r"%\((n|num|count|\w+_count|days|months|hours|minutes|years)\)[sd] [A-Za-z]")
# An organisation's name ("Association des ressortissants de Diéma", "Commune de Diéma") takes no article of its
# own: after "de", "par"… French names what it is first ("de l’organisation …", "de l’association …").
BARE_NAME = re.compile(
    r"\b(de|à|par|pour|avec) %\((organisation|association|organiser|payer|claimant|respondent|party)\)s"
)
LOOSE_MARK = re.compile(r"(\}\}|</a>|</strong>|</span>|</em>|</b>)[:;!?](\s|<|$)")


def _french_messages():
    with FRENCH.open("rb") as handle:
        return [message for message in read_po(handle) if message.id]


def _strings(message) -> tuple[str, ...]:
    return tuple(message.string) if isinstance(message.string, tuple | list) else (message.string,)


def test_french_puts_a_space_before_colons_semicolons_and_marks():
    slips = [text for message in _french_messages() for text in _strings(message) if UNSPACED_MARK.search(text)]
    assert not slips, f"{len(slips)} French strings without a space before : ; ! ?, e.g. {slips[:3]}"


def test_no_template_writes_a_mark_outside_its_translated_string():
    """A ":" after a translated string is English punctuation in French ("La convention:")."""
    slips = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "portal/templates").rglob("*.*"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if LOOSE_MARK.search(line)
    ]
    assert not slips, f"punctuation outside a translated string: {slips}"


def test_a_count_followed_by_what_it_counts_takes_plural_forms():
    singular_only = [m.id for m in _french_messages() if isinstance(m.id, str) and COUNTED.search(m.id)]
    assert not singular_only, f"counts without plural forms (use ngettext): {singular_only}"


def test_french_never_puts_a_bare_preposition_before_an_organisations_name():
    slips = [text for message in _french_messages() for text in _strings(message) if BARE_NAME.search(text)]
    assert not slips, f"{len(slips)} French strings read “de Association des…”, e.g. {slips[:3]}"


def test_french_labels_agree_with_what_they_qualify(app_context):
    from portal.labels import at_most_characters  # the one message for a text too long (issue 21)

    with force_locale("fr"):
        assert label(COMMITMENT_STATUS_LABELS, "cancelled") == "Annulé"  # un engagement
        assert label(MEETING_STATUS_LABELS, "cancelled") == "Annulée"  # une réunion
        assert label(CONTRIBUTION_STATUS_LABELS, "contested") == "Contestée"  # une contribution
        assert label(COMMITMENT_STATUS_LABELS, "contested") == "Contesté"
        assert ngettext("%(num)s open", "%(num)s open", 1) == "1 ouvert"
        assert ngettext("%(num)s open", "%(num)s open", 3) == "3 ouverts"
        assert str(at_most_characters(1)) == "1 caractère au plus."
