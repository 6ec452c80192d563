"""The words of the domain: docs/glossary.csv names the French term for each English one, and the French
catalogue uses it wherever the English text does (a mayor reads « litige » everywhere, never « différend »)."""

import csv
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
with (ROOT / "docs" / "glossary.csv").open(encoding="utf-8") as _file:
    GLOSSARY = list(csv.DictReader(_file))
with (ROOT / "translations" / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as _file:
    CATALOGUE = read_po(_file)


def _pairs():
    for message in CATALOGUE:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        yield " ".join(ids), " ".join(strings)


@pytest.mark.parametrize("term", GLOSSARY, ids=[row["english"] for row in GLOSSARY])
def test_the_catalogue_uses_the_glossary_terms(term):
    english = re.compile(rf"\b{re.escape(term['english'])}s?\b", re.IGNORECASE)
    french = term["french"].lower()
    uses = [(msgid, msgstr) for msgid, msgstr in _pairs() if english.search(msgid)]
    assert uses, f"no message says {term['english']!r}: the glossary names a term nobody uses"
    wrong = [msgid for msgid, msgstr in uses if french not in msgstr.lower()]
    assert not wrong, f"{term['english']!r} should read {term['french']!r} in: {wrong}"


NEVER = [row for row in GLOSSARY if row["never"]]


def _never_pattern(words: str) -> re.Pattern:
    """The forbidden words, singular or plural (« associations de la diaspora » too)."""
    return re.compile(r"\b" + r"s?\s+".join(map(re.escape, words.split())) + r"s?\b", re.IGNORECASE)


@pytest.mark.parametrize("term", NEVER, ids=[row["never"] for row in NEVER])
def test_the_catalogue_never_uses_the_words_the_glossary_rules_out(term):
    """product.md, "Planning with the diaspora": « association de ressortissants », never « association de la
    diaspora »; the PDESC, not the PDSEC; the ministry by its full name."""
    never = _never_pattern(term["never"])
    wrong = [msgstr for _, msgstr in _pairs() if never.search(msgstr)]
    assert not wrong, f"{term['never']!r} should read {term['french']!r} in: {wrong}"
