"""Helpers the tests share: counting SQL queries, watching the files the code writes."""

import contextlib
import pathlib
from unittest import mock

from sqlalchemy import event

from portal.extensions import db

_TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "PRAGMA")


class QueryLog:
    def __init__(self):
        self.statements: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)


@contextlib.contextmanager
def count_queries(app=None):
    """Counts the SQL statements run inside the block (transaction control left out)."""
    log = QueryLog()

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(_TRANSACTION_CONTROL):
            log.statements.append(statement)

    if app is not None:
        with app.app_context():
            engine = db.engine
    else:
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


def queries_for(client, url: str, **kwargs) -> QueryLog:
    with count_queries(client.application) as log:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return log


def assert_constant_queries(client, url: str, add_rows, small: int = 10, large: int = 1000, **kwargs) -> int:
    """The page runs as many queries with `large` rows as with `small`: no query per row.

    `add_rows(n)` adds n more rows of whatever the page lists.
    """
    add_rows(small)
    with_small = queries_for(client, url, **kwargs)
    add_rows(large - small)
    with_large = queries_for(client, url, **kwargs)
    assert len(with_large) == len(with_small), (
        f"{url} ran {len(with_small)} queries with {small} rows but {len(with_large)} with {large}:\n"
        + "\n".join(with_large.statements)
    )
    return len(with_small)


@contextlib.contextmanager
def files_written_in(directory):
    """The names of the files the code opens for writing (through pathlib) right in `directory`, in order.

    For tests that a refused upload leaves nothing behind: "the folder is empty" proves it only if a file was
    written there first (and not, say, in another folder, or never).
    """
    directory = pathlib.Path(directory).resolve()
    written: list[str] = []
    real_open = pathlib.Path.open

    def spy(self, mode="r", *args, **kwargs):
        if any(flag in mode for flag in "wxa+") and pathlib.Path(self).resolve().parent == directory:
            written.append(pathlib.Path(self).name)
        return real_open(self, mode, *args, **kwargs)

    with mock.patch.object(pathlib.Path, "open", spy):
        yield written
