"""Anonymous pages and public API answers, kept once for every reader until something changes.

What an anonymous visitor sees depends only on the address, the language and the data: the first visitor's
answer is kept in a store shared by all workers (a small SQLite file beside the database by default, Redis
when REDIS_URL is set, so that several hosts share it) and served to the next ones with an ETag and a
Last-Modified, so that a browser that has it already gets a 304 with no body.

Every committed change to a table a public page may show bumps one generation number in the store; answers
kept under an older generation are never served again, so statistics and lists stay live. Answers also
expire after PAGE_CACHE_SECONDS, for what changes with the clock alone (an overdue deadline).

Only answers given to a request with no Authorization header and no signed-in session are kept, and only
when rendering them wrote nothing to the visitor's session and put no form token in the page.
"""

import gzip
import hashlib
import json
import logging
import os
import random
import sqlite3
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

from flask import Flask, current_app, g, has_app_context, request, session
from sqlalchemy import event, make_url
from sqlalchemy.orm import Session

from portal.compression import COMPRESSIBLE, MIN_SIZE
from portal.i18n import anonymous_locale

log = logging.getLogger(__name__)

# Tables no anonymous page or public answer shows: changes to them (a session seen, a mail sent, a login
# failure counted) leave the kept pages alone. Every other table invalidates them.
PRIVATE_TABLES = frozenset(
    {
        "user_sessions",
        "api_tokens",
        "invitations",
        "login_failures",
        "two_factor",
        "recovery_codes",
        "outbox_messages",
        "notifications",
        "notification_preferences",
    }
)
# What an anonymous visitor's session may hold and still be served the shared page: their language choice,
# and the form token of a form they opened elsewhere (a page that renders a token is never kept).
SHARED_SESSION_KEYS = frozenset({"locale", "csrf_token", "_permanent"})
# Headers of the answer that are not kept with it: set anew for each visitor, or by the cache itself.
UNKEPT_HEADERS = frozenset(
    {"set-cookie", "content-length", "content-encoding", "etag", "last-modified", "cache-control", "vary", "date"}
)


@dataclass
class Entry:
    generation: int
    rendered_at: float
    headers: list[tuple[str, str]]
    body: bytes
    gzipped: bytes | None

    @property
    def etag(self) -> str:
        return hashlib.sha1(self.body, usedforsecurity=False).hexdigest()[:20]

    def dumps(self) -> bytes:
        head = json.dumps([self.generation, self.rendered_at, self.headers, len(self.body)]).encode()
        return len(head).to_bytes(4, "big") + head + self.body + (self.gzipped or b"")

    @classmethod
    def loads(cls, data: bytes) -> "Entry":
        size = int.from_bytes(data[:4], "big")
        generation, rendered_at, headers, body_size = json.loads(data[4 : 4 + size])
        rest = data[4 + size :]
        body, gzipped = rest[:body_size], rest[body_size:] or None
        return cls(generation, rendered_at, [tuple(h) for h in headers], body, gzipped)


class SqliteStore:
    """The embedded store: one SQLite file shared by the workers of one host."""

    def __init__(self, path: str):
        self.path = path
        self.local = threading.local()
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        connection = self._connect()
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("CREATE TABLE IF NOT EXISTS generation (id INTEGER PRIMARY KEY, value INTEGER)")
            connection.execute("INSERT OR IGNORE INTO generation VALUES (1, 1)")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, generation INTEGER, expires REAL, data BLOB)"
            )
        finally:
            connection.close()

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=5, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    @property
    def connection(self) -> sqlite3.Connection:
        """One connection per thread and process (a worker forked from a master that used one opens its own)."""
        pid, connection = getattr(self.local, "opened", (None, None))
        if pid != os.getpid():
            connection = self._connect()
            self.local.opened = (os.getpid(), connection)
        return connection

    def lookup(self, key: str) -> tuple[int, Entry | None]:
        row = self.connection.execute(
            "SELECT g.value, e.data FROM generation g LEFT JOIN entries e"
            " ON e.key = ? AND e.generation = g.value AND e.expires > ? WHERE g.id = 1",
            (key, time.time()),
        ).fetchone()
        return row[0], Entry.loads(row[1]) if row[1] is not None else None

    def keep(self, key: str, entry: Entry, seconds: int) -> None:
        now = time.time()
        self.connection.execute(
            "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)", (key, entry.generation, now + seconds, entry.dumps())
        )
        if random.random() < 0.01:  # addresses read once (a crawler's odd query strings) go when they expire
            self.connection.execute("DELETE FROM entries WHERE expires < ?", (now,))

    def bump(self) -> None:
        connection = self.connection
        connection.execute("UPDATE generation SET value = value + 1 WHERE id = 1")
        if random.random() < 0.02:  # older generations are never served again: the file shrinks back now and then
            connection.execute("DELETE FROM entries WHERE generation < (SELECT value FROM generation)")


class RedisStore:
    """Shared by every host that points at the same Redis: the generation and the entries, one round trip."""

    def __init__(self, url: str, namespace: str):
        import redis

        self.redis = redis.Redis.from_url(url)
        self.generation_key = f"pages:{namespace}:generation"
        self.prefix = f"pages:{namespace}:entry:"

    def lookup(self, key: str) -> tuple[int, Entry | None]:
        generation, data = self.redis.mget(self.generation_key, self.prefix + key)
        generation = int(generation or 0)
        entry = Entry.loads(data) if data is not None else None
        return generation, entry if entry is not None and entry.generation == generation else None

    def keep(self, key: str, entry: Entry, seconds: int) -> None:
        self.redis.set(self.prefix + key, entry.dumps(), ex=seconds)

    def bump(self) -> None:
        self.redis.incr(self.generation_key)


def _embedded_path(app: Flask, namespace: str) -> str:
    """Beside the database when it is a SQLite file (it goes where the data goes), else under instance/."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return url.database + "-pages"
    return str(Path(app.instance_path) / f"pages-{namespace}.db")


def store(app: Flask):
    return app.extensions.get("page_cache")


def invalidate(app: Flask) -> None:
    """Every kept page is out of date from now on (a deploy, a change made outside the ORM's session)."""
    cache = store(app)
    if cache is not None:
        _bump(cache)


def _bump(cache) -> None:
    try:
        cache.bump()
    except Exception:
        log.exception("the page cache could not be invalidated")


def _key() -> str:
    path = request.full_path if request.query_string else request.path
    return hashlib.sha1(f"{anonymous_locale()}|{path}".encode(), usedforsecurity=False).hexdigest()


def _shareable_request() -> bool:
    return (
        request.method in ("GET", "HEAD")
        and "Authorization" not in request.headers
        and set(session.keys()) <= SHARED_SESSION_KEYS
    )


def _not_modified(entry: Entry, etag: str) -> bool:
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag)
    since = request.headers.get("If-Modified-Since")
    if since:
        try:
            return parsedate_to_datetime(since).timestamp() >= int(entry.rendered_at)
        except (TypeError, ValueError):
            return False
    return False


def _answer(entry: Entry):
    """A response made from the kept answer."""
    response = current_app.response_class(status=200)
    response.headers.clear()
    for name, value in entry.headers:
        response.headers.add(name, value)
    return _present(response, entry)


def _present(response, entry: Entry):
    """The entry's body in `response`, compressed when the client takes gzip, or a 304 when it has it already."""
    zipped = entry.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", "").lower()
    etag = entry.etag + ("-gz" if zipped else "")
    _validators(response, etag, entry.rendered_at)
    if _not_modified(entry, etag):
        response.status_code = 304
        response.set_data(b"")
        del response.headers["Content-Type"]
        return response
    if zipped:
        response.set_data(entry.gzipped)
        response.headers["Content-Encoding"] = "gzip"
    else:
        response.set_data(entry.body)
    return response


def _validators(response, etag: str, rendered_at: float) -> None:
    response.set_etag(etag)
    response.headers["Last-Modified"] = formatdate(rendered_at, usegmt=True)
    response.headers["Cache-Control"] = "no-cache"  # the browser may keep it, and asks us whether it changed
    response.vary.update(("Accept-Encoding", "Accept-Language", "Cookie"))  # what the key and the body depend on


def init_app(app: Flask) -> None:
    """Registered right after compression, so that its after_request runs just before compression's."""
    app.config.setdefault("PAGE_CACHE", True)
    if not app.config["PAGE_CACHE"]:
        return
    namespace = hashlib.sha1(app.config["SQLALCHEMY_DATABASE_URI"].encode(), usedforsecurity=False).hexdigest()[:10]
    if app.config.get("REDIS_URL"):
        cache = _shared(RedisStore, app.config["REDIS_URL"], namespace)
    else:
        cache = _shared(SqliteStore, app.config["PAGE_CACHE_PATH"] or _embedded_path(app, namespace))
    app.extensions["page_cache"] = cache
    invalidate(app)  # pages kept by the code that ran before this start (templates may have changed)
    seconds = app.config["PAGE_CACHE_SECONDS"]

    def _serve_kept():
        if request.endpoint == "static" or not _shareable_request():  # static files have their own caching
            return None
        key = _key()
        try:
            generation, entry = store(app).lookup(key)
        except Exception:
            log.warning("page cache lookup failed", exc_info=True)
            return None
        if entry is not None:
            return _answer(entry)
        g.page_cache_miss = (key, generation)  # the generation read before the data: see _keep
        return None

    app.before_request_funcs.setdefault(None, []).insert(0, _serve_kept)  # before anything else runs

    @app.after_request
    def _keep(response):
        missed = g.pop("page_cache_miss", None)
        if (
            missed is None
            or response.status_code != 200
            or response.direct_passthrough
            or response.is_streamed
            or response.mimetype not in COMPRESSIBLE
            or "Set-Cookie" in response.headers
            or response.cache_control.private  # the view said this answer is for its reader alone
            or session.modified
            or not _shareable_request()
            or app.config["WTF_CSRF_FIELD_NAME"] in g  # the page holds this visitor's form token
        ):
            return response
        key, generation = missed
        body = response.get_data()
        headers = [(name, value) for name, value in response.headers.items() if name.lower() not in UNKEPT_HEADERS]
        gzipped = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= MIN_SIZE else None
        # Kept under the generation read before the request read any data: if a change was committed meanwhile,
        # the generation has moved on and this answer is never served, however it raced.
        entry = Entry(generation, time.time(), headers, body, gzipped)
        try:
            store(app).keep(key, entry, seconds)
        except Exception:
            log.warning("page cache store failed", exc_info=True)
            return response
        return _present(response, entry)

    _watch_commits()
    _caches_by_database.setdefault(_database_key(app.config["SQLALCHEMY_DATABASE_URI"]), set()).add(cache)


def _caches_of(session: Session) -> list:
    """The caches of the database the session wrote to: the current app's, or (a session bound to a connection
    of its own, outside any app context) every cache kept for that database in this process."""
    if has_app_context():
        cache = store(current_app)
        return [cache] if cache is not None else []
    bind = session.bind
    return list(_caches_by_database.get(_database_key(str(bind.engine.url)), ())) if bind is not None else []


def _database_key(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


_caches_by_database: dict[str, set] = {}
_stores: dict[tuple, object] = {}


def _shared(kind, *where):
    """One store object per place in this process, however many apps use it (the tests make many)."""
    if (kind, *where) not in _stores:
        _stores[(kind, *where)] = kind(*where)
    return _stores[(kind, *where)]


def _watch_commits() -> None:
    """Bump the generation after each commit that wrote a table a public page may show."""
    if _caches_by_database:
        return

    def written(session: Session) -> set:
        return session.info.setdefault("page_cache_tables", set())

    @event.listens_for(Session, "after_flush")
    def _note_flushed(session, flush_context):
        for obj in (*session.new, *session.dirty, *session.deleted):
            table = getattr(obj, "__tablename__", None)
            if table:
                written(session).add(table)

    @event.listens_for(Session, "do_orm_execute")
    def _note_statement(state):
        if state.is_insert or state.is_update or state.is_delete:
            table = getattr(state.statement, "table", None)
            written(state.session).add(getattr(table, "name", "?"))

    @event.listens_for(Session, "after_commit")
    def _invalidate(session):
        tables = session.info.pop("page_cache_tables", set())
        if tables - PRIVATE_TABLES:
            for each in _caches_of(session):
                _bump(each)

    @event.listens_for(Session, "after_rollback")
    def _forget(session):
        session.info.pop("page_cache_tables", None)
