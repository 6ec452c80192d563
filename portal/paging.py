"""Lists a page at a time: the one bound on page numbers that pages and the API share."""

# Far past any real list; stops an absurd page number from reaching the database as an offset.
MAX_PAGE = 1_000_000


def page_number(raw) -> int:
    """The page a query string asks for, within 1..MAX_PAGE; anything unreadable is the first page."""
    text = str(raw or "").strip()
    if not text.isascii() or not text.isdigit():
        return 1
    return min(max(int(text[:8]), 1), MAX_PAGE)


def query_parameters(*names: str):
    """Declares the query parameters a page reads (under its route). Only these make an answer the page cache
    keeps (portal/page_cache.py): a request with any other is served fresh and not kept, so that `?x=1`, `?x=2`…
    cannot fill the store. The API's are declared by its query schemas."""

    def declare(view):
        view.query_parameters = frozenset(names)
        return view

    return declare
