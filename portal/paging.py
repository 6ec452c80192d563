"""Lists a page at a time: the one bound on page numbers that pages and the API share."""

# Far past any real list; stops an absurd page number from reaching the database as an offset.
MAX_PAGE = 1_000_000


def page_number(raw) -> int:
    """The page a query string asks for, within 1..MAX_PAGE; anything unreadable is the first page."""
    text = str(raw or "").strip()
    if not text.isascii() or not text.isdigit():
        return 1
    return min(max(int(text[:8]), 1), MAX_PAGE)
