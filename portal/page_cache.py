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

Nobody can fill the store from outside: only the query parameters a view declares (`query_parameters` beside a
page's route, the query schema of an API operation) make a kept answer, keyed in one canonical order; a request
with any other parameter is served fresh and not kept. The store holds at most PAGE_CACHE_MAX_ENTRIES answers
and PAGE_CACHE_MAX_BYTES bytes, and evicts the oldest answers first (those kept first, which expire first). In
Redis it lives in a database of its own (PAGE_CACHE_REDIS_URL, by default REDIS_URL's next database), so that
neither its keys nor its eviction ever touch the login throttle's counters.
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
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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


@dataclass(frozen=True)
class Caps:
    entries: int
    bytes: int  # of the kept answers as stored: body, gzipped copy and headers


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
            connection.execute("DROP TABLE IF EXISTS entries")  # the shape before issue 20, with no size to cap by
            connection.execute(
                "CREATE TABLE IF NOT EXISTS kept"
                " (key TEXT PRIMARY KEY, generation INTEGER, expires REAL, size INTEGER, data BLOB)"
            )
            connection.execute("CREATE INDEX IF NOT EXISTS kept_by_age ON kept (expires, size)")
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
            "SELECT g.value, k.data FROM generation g LEFT JOIN kept k"
            " ON k.key = ? AND k.generation = g.value AND k.expires > ? WHERE g.id = 1",
            (key, time.time()),
        ).fetchone()
        return row[0], Entry.loads(row[1]) if row[1] is not None else None

    def keep(self, key: str, entry: Entry, seconds: int, caps: Caps) -> None:
        data = entry.dumps()
        if len(data) > caps.bytes:
            return
        now = time.time()
        connection = self.connection
        connection.execute("BEGIN IMMEDIATE")  # one worker at a time counts and evicts
        try:
            connection.execute(
                "INSERT OR REPLACE INTO kept VALUES (?, ?, ?, ?, ?)",
                (key, entry.generation, now + seconds, len(data), data),
            )
            self._evict(connection, caps, now)
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise

    @staticmethod
    def _evict(connection: sqlite3.Connection, caps: Caps, now: float) -> None:
        """Within both caps again: first what is never served again (expired, an older generation), then the
        oldest answers."""
        count, size = connection.execute("SELECT count(*), total(size) FROM kept").fetchone()
        if count <= caps.entries and size <= caps.bytes:
            return
        connection.execute(
            "DELETE FROM kept WHERE expires <= ? OR generation < (SELECT value FROM generation WHERE id = 1)", (now,)
        )
        count, size = connection.execute("SELECT count(*), total(size) FROM kept").fetchone()
        doomed = []
        for key, each in connection.execute("SELECT key, size FROM kept ORDER BY expires, key"):
            if count <= caps.entries and size <= caps.bytes:
                break
            doomed.append((key,))
            count, size = count - 1, size - each
        connection.executemany("DELETE FROM kept WHERE key = ?", doomed)

    def usage(self) -> tuple[int, int]:
        """How many answers the store holds, and their bytes."""
        count, size = self.connection.execute("SELECT count(*), total(size) FROM kept").fetchone()
        return count, int(size)

    def bump(self) -> None:
        connection = self.connection
        connection.execute("UPDATE generation SET value = value + 1 WHERE id = 1")
        if random.random() < 0.02:  # older generations are never served again: the file shrinks back now and then
            connection.execute("DELETE FROM kept WHERE generation < (SELECT value FROM generation)")


# Keeps an answer and evicts, in one step on the server: an index of the kept keys by expiry (the oldest first),
# their sizes and their total. It deletes only keys of its own index, under its own prefix.
KEEP_SCRIPT = """
local index, sizes, total = KEYS[1], KEYS[2], KEYS[3]
local prefix, key, data = ARGV[1], ARGV[2], ARGV[3]
local seconds, now = tonumber(ARGV[4]), tonumber(ARGV[5])
local max_entries, max_bytes = tonumber(ARGV[6]), tonumber(ARGV[7])
local function forget(member)
  local size = tonumber(redis.call('HGET', sizes, member) or '0')
  redis.call('HDEL', sizes, member)
  redis.call('ZREM', index, member)
  redis.call('DEL', prefix .. member)
  redis.call('DECRBY', total, size)
end
forget(key)
redis.call('SET', prefix .. key, data, 'EX', seconds)
redis.call('ZADD', index, now + seconds, key)
redis.call('HSET', sizes, key, #data)
redis.call('INCRBY', total, #data)
for _, member in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', now)) do
  forget(member)
end
while redis.call('ZCARD', index) > max_entries or tonumber(redis.call('GET', total) or '0') > max_bytes do
  local oldest = redis.call('ZRANGE', index, 0, 0)[1]
  if not oldest then break end
  forget(oldest)
end
"""


class RedisStore:
    """Shared by every host that points at the same Redis: the generation and the entries, one round trip."""

    def __init__(self, url: str, namespace: str):
        import redis

        self.redis = redis.Redis.from_url(url)
        self.generation_key = f"pages:{namespace}:generation"
        self.prefix = f"pages:{namespace}:entry:"
        self.index_keys = [f"pages:{namespace}:{name}" for name in ("kept", "sizes", "bytes")]
        self.keep_script = self.redis.register_script(KEEP_SCRIPT)

    def lookup(self, key: str) -> tuple[int, Entry | None]:
        generation, data = self.redis.mget(self.generation_key, self.prefix + key)
        generation = int(generation or 0)
        entry = Entry.loads(data) if data is not None else None
        return generation, entry if entry is not None and entry.generation == generation else None

    def keep(self, key: str, entry: Entry, seconds: int, caps: Caps) -> None:
        data = entry.dumps()
        if len(data) > caps.bytes:
            return
        self.keep_script(
            keys=self.index_keys, args=[self.prefix, key, data, seconds, time.time(), caps.entries, caps.bytes]
        )

    def usage(self) -> tuple[int, int]:
        """How many answers the store holds, and their bytes."""
        index, _sizes, total = self.index_keys
        count, size = self.redis.zcard(index), self.redis.get(total)
        return count, int(size or 0)

    def bump(self) -> None:
        self.redis.incr(self.generation_key)


def own_redis_database(url: str) -> str:
    """REDIS_URL with the next database index (0 after 15): the cache's keyspace, apart from the login
    throttle's counters."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    given = dict(query).get("db")
    if given is not None or parts.scheme == "unix":
        following = (int(given or 0) + 1) % 16
        query = [(name, v) for name, v in query if name != "db"] + [("db", str(following))]
        return f"{url.partition('?')[0]}?{urlencode(query)}"
    following = (int(parts.path.strip("/") or 0) + 1) % 16
    return urlunsplit(parts._replace(path=f"/{following}"))


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


def declared_parameters(app: Flask, endpoint: str | None) -> frozenset:
    """The query parameters that make a kept answer of this endpoint: those its page declares
    (`portal.paging.query_parameters`), or its API operation's query schema; none for any other."""
    known = app.extensions.setdefault("page_cache_parameters", {})
    if endpoint not in known:
        known[endpoint] = _declared_by(app.view_functions.get(endpoint))
    return known[endpoint]


def _declared_by(view) -> frozenset:
    names = set()
    while view is not None:
        names |= getattr(view, "query_parameters", set())
        for argument in getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", []):
            if argument.get("in") == "query":
                schema = argument["schema"]() if isinstance(argument["schema"], type) else argument["schema"]
                fields = getattr(schema, "fields", {})
                names |= {field.data_key or name for name, field in fields.items() if not field.dump_only}
        view = getattr(view, "__wrapped__", None)
    return frozenset(names)


def _key(app: Flask) -> str | None:
    """The request's key in the store, its parameters in one order (`?b=1&a=2` is `?a=2&b=1`); None when it has
    a parameter its view does not declare: served fresh, never kept."""
    pairs = list(request.args.items(multi=True))
    if not {name for name, _ in pairs} <= declared_parameters(app, request.endpoint):
        return None
    pairs.sort(key=lambda pair: pair[0])  # stable: a repeated parameter keeps the order of its values
    address = f"{request.path}?{urlencode(pairs)}" if pairs else request.path
    return hashlib.sha1(f"{anonymous_locale()}|{address}".encode(), usedforsecurity=False).hexdigest()


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
    redis_url = app.config.get("PAGE_CACHE_REDIS_URL") or (
        own_redis_database(app.config["REDIS_URL"]) if app.config.get("REDIS_URL") else None
    )
    if redis_url:
        cache = _shared(RedisStore, redis_url, namespace)
    else:
        cache = _shared(SqliteStore, app.config["PAGE_CACHE_PATH"] or _embedded_path(app, namespace))
    app.extensions["page_cache"] = cache
    invalidate(app)  # pages kept by the code that ran before this start (templates may have changed)
    seconds = app.config["PAGE_CACHE_SECONDS"]
    caps = Caps(app.config["PAGE_CACHE_MAX_ENTRIES"], app.config["PAGE_CACHE_MAX_BYTES"])

    def _serve_kept():
        if request.endpoint == "static" or not _shareable_request():  # static files have their own caching
            return None
        key = _key(app)
        if key is None:
            return None
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
            store(app).keep(key, entry, seconds, caps)
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
