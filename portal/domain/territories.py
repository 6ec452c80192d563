"""Territories: searching communes, and importing an administrative map."""

import unicodedata


def search_key(text: str) -> str:
    """Lower case without accents: "Ségou" and "SEGOU" both give "segou"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()
