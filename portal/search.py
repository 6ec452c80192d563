"""How a name or a title is folded for search: lower case without accents, so "Ségou", "SEGOU" and "segou", or
"École" and "ecole", find each other on SQLite and PostgreSQL alike (the folded text is stored beside the
original: Commune.search_name, Project.search_title)."""

import unicodedata


def search_key(text: str | None) -> str:
    """Lower case without accents: "Ségou" and "SEGOU" both give "segou"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()
