"""Page and API benchmark at national scale: queries per request, in-process time, and req/s through gunicorn
side by side with a bare Flask "hello" served the same way.

    .venv/bin/python -m tests.bench [--database-url URL] [--seconds 6] [--connections 16] [--no-http]
                                    [--generator wrk|threads] [--explain] [--profile NAME|PATH]
    .venv/bin/python -m tests.bench --database-url URL --reset-database

Reads the database `make bench` prepared (instance/bench.db, or the PostgreSQL one it was given: migrated,
`flask seed-bench`). For each URL of PAGES it counts the SQL statements of one request
(tests.helpers.count_queries) and times requests through the Flask test client. Then it serves the bare
app of tests/bench_hello.py, and after it the portal, each with gunicorn under the same settings (2 sync
workers, loopback only), and drives every URL for --seconds with --connections connections: with wrk
(Debian's package) when it is installed, else with a small threaded generator that shares the cores with
the workers (read its req/s as a floor). It prints req/s, the 50th and 99th percentile of latency, the
answers that were not 2xx (a redirect counts: a page that sends its visitor elsewhere was not served), the
socket errors and req/s as a share of hello's in the same run. Anonymous URLs go without a cookie; the
signed-in ones with the session of the demo mayor, signed in once through the login form.

--explain prints the plan of each statement that reads the projects table; --profile NAME (a name of
PAGES) or PATH (anonymous) profiles requests in process with pyinstrument and prints where the time goes;
--reset-database empties the database (SQLite: removes the file; PostgreSQL: drops and recreates the schema
public, or creates the database) and stops, for `make bench` to migrate and seed it.
"""

import argparse
import html
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = f"sqlite:///{ROOT / 'instance' / 'bench.db'}"
WRK_SCRIPT = ROOT / "tests" / "bench_report.lua"
SERVER_LOG = ROOT / "instance" / "bench-gunicorn.log"
MAYOR = ("mayor@example.org", "demo-password")  # the demo's mayor (portal/cli/demo.py)
# What a browser sends: the portal gzips the text it answers to a client that accepts it.
BROWSER_HEADERS = {"Accept-Encoding": "gzip"}
GUNICORN_SETTINGS = ["--workers", "2", "--log-level", "warning"]  # hello and the portal alike


@dataclass(frozen=True)
class Page:
    name: str
    path: str  # {project_id} and {commune_id} are filled in from the database
    signed_in: bool = False


PAGES = (
    Page("home", "/"),
    Page("projects", "/projects/"),
    Page("projects-filtered", "/projects/?status=in_progress&sector=water"),
    Page("project", "/projects/{project_id}"),
    Page("commune", "/communes/{commune_id}"),
    Page("api-projects", "/api/v1/projects?per_page=20"),
    Page("api-stats", "/api/v1/stats"),
    Page("export-csv", "/api/v1/export/projects.csv"),
    Page("mayor-home", "/", signed_in=True),
    Page("mayor-projects", "/projects/", signed_in=True),
)


# The database ------------------------------------------------------------------------------------------------


def database_url(url: str) -> str:
    """The SQLAlchemy URL of a DATABASE_URL: postgres:// and postgresql:// speak psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def reset_database(url: str) -> None:
    """Empties the bench database: SQLite removes the file; PostgreSQL drops and recreates the schema public
    (creating the database when it does not exist)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-pages", "-pages-wal", "-pages-shm"):  # -pages: the page cache
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        print(f"Removed {path}")
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        print(f"Dropped and recreated the schema public of {parsed.render_as_string(hide_password=True)}")
    except OperationalError as error:
        if "does not exist" not in str(error):
            raise
        server = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        server.dispose()
        print(f"Created the database {parsed.database}")
    finally:
        engine.dispose()


def sample_ids() -> dict:
    """A public bench project from the middle of the table, and the commune with the most public bench
    projects."""
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.models import Project

    public = select(Project.id).where(Project.is_public, Project.title.startswith("[bench]"))
    count = db.session.scalar(select(func.count()).select_from(public.subquery()))
    if not count:
        sys.exit("No bench projects: run `make bench`, or `flask seed-bench` against --database-url, first.")
    project_id = db.session.scalar(public.order_by(Project.id).offset(count // 2).limit(1))
    commune_id = db.session.scalar(
        select(Project.commune_id)
        .where(Project.is_public, Project.title.startswith("[bench]"))
        .group_by(Project.commune_id)
        .order_by(func.count().desc(), Project.commune_id)
        .limit(1)
    )
    return {"project_id": project_id, "commune_id": commune_id}


def describe_database(url: str) -> str:
    from sqlalchemy import func, select, text

    from portal.extensions import db
    from portal.models import Project

    if db.engine.dialect.name == "sqlite":
        import sqlite3

        backend = f"SQLite {sqlite3.sqlite_version} ({url.split(':///', 1)[-1]})"
    else:
        version = db.session.scalar(text("SHOW server_version")).split()[0]
        backend = f"PostgreSQL {version} ({db.engine.url.render_as_string(hide_password=True)})"
    projects = db.session.scalar(select(func.count()).select_from(Project).where(Project.title.startswith("[bench]")))
    return f"{backend}, {projects:,} bench projects"


# Signing in --------------------------------------------------------------------------------------------------


def csrf_token(page: str) -> str:
    """The CSRF token of the first form of a page (Flask-WTF's hidden field)."""
    for tag in re.findall(r"<input[^>]*>", page):
        if re.search(r'\bname="csrf_token"', tag):
            found = re.search(r'\bvalue="([^"]*)"', tag)
            if found:
                return html.unescape(found.group(1))
    raise SystemExit("The login form has no csrf_token field")


def session_cookie(set_cookie_headers: list[str]) -> str:
    """`name=value` of the session cookie among Set-Cookie headers."""
    for header in set_cookie_headers:
        pair = header.split(";", 1)[0].strip()
        if pair.startswith("session="):
            return pair
    raise SystemExit("Signing in set no session cookie")


def _login_form(email: str, password: str, token: str) -> str:
    return urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password, "next": "/"})


def sign_in_http(port: int) -> str:
    """Signs the demo mayor in through the login form of the server on `port`; the Cookie header's value."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/auth/login")
    response = connection.getresponse()
    token = csrf_token(response.read().decode())
    cookie = session_cookie(response.headers.get_all("Set-Cookie") or [])
    connection.close()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(
        "POST",
        "/auth/login",
        body=_login_form(*MAYOR, token),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = connection.getresponse()
    response.read()
    if response.status != 303:
        raise SystemExit(f"Signing in as {MAYOR[0]} answered {response.status}, not 303: is the demo data seeded?")
    cookie = session_cookie(response.headers.get_all("Set-Cookie") or [])
    connection.close()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/", headers={"Cookie": cookie})
    _check_signed_in(connection.getresponse().read().decode())
    connection.close()
    return cookie


def sign_in_in_process(app) -> str:
    """The same through the Flask test client."""
    client = app.test_client()
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    response = client.post(
        "/auth/login",
        data=_login_form(*MAYOR, token),
        content_type="application/x-www-form-urlencoded",
    )
    if response.status_code != 303:
        raise SystemExit(f"Signing in as {MAYOR[0]} answered {response.status_code}, not 303")
    cookie = session_cookie(response.headers.getlist("Set-Cookie"))
    _check_signed_in(client.get("/").get_data(as_text=True))
    return cookie


def _check_signed_in(page: str) -> None:
    if 'action="/auth/logout"' not in page:
        raise SystemExit(f"Signed in as {MAYOR[0]}, the home page still shows no sign-out button")


# In process --------------------------------------------------------------------------------------------------


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _headers(cookie: str | None) -> dict:
    return {**BROWSER_HEADERS, **({"Cookie": cookie} if cookie else {})}


def measure_in_process(app, url: str, cookie: str | None, requests: int, budget: float) -> dict:
    """Queries of one request after a warm-up, then the median time of `requests` requests, fewer when they
    pass `budget` seconds (one at least). Each request comes alone, with `cookie` or with none."""
    from tests.helpers import count_queries

    client = app.test_client(use_cookies=False)
    headers = _headers(cookie)
    warm_until = time.perf_counter() + budget / 5
    for _ in range(5):
        client.get(url, headers=headers)
        if time.perf_counter() > warm_until:
            break
    started = time.perf_counter()
    with count_queries(app) as log:
        response = client.get(url, headers=headers)
    counted = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code} in process")
    if counted > budget * 1000:  # one request is over the budget: its time is the figure
        return {"queries": len(log), "median": counted, "bytes": len(response.data)}
    times = []
    stop = time.perf_counter() + budget
    while len(times) < requests and (not times or time.perf_counter() < stop):
        started = time.perf_counter()
        client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
    return {"queries": len(log), "median": statistics.median(times), "bytes": len(response.data)}


def explain(app, url: str, cookie: str | None) -> None:
    """The plan of each statement of one request that reads projects."""
    from sqlalchemy import event

    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "FROM projects" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        app.test_client(use_cookies=False).get(url, headers=_headers(cookie))
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    print(f"\n== {url}{' (signed in)' if cookie else ''}")
    with engine.connect() as connection:
        for statement, parameters in seen:
            print("  " + " ".join(statement.split())[:160])
            for row in connection.exec_driver_sql(prefix + statement, parameters).fetchall():
                print("    " + str(row[-1]))


def profile(app, url: str, cookie: str | None, requests: int) -> None:
    """Where the time of `requests` requests goes, after a warm-up, as pyinstrument's call tree."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        raise SystemExit("--profile needs pyinstrument: .venv/bin/pip install -r requirements-dev.txt") from None
    client = app.test_client(use_cookies=False)
    headers = _headers(cookie)
    for _ in range(3):
        client.get(url, headers=headers)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(requests):
        status = client.get(url, headers=headers).status_code
    profiler.stop()
    print(f"{url}{' signed in as ' + MAYOR[0] if cookie else ' anonymous'}: {requests} requests, last {status}")
    print(profiler.output_text(unicode=True, color=False, show_all=False))


# Through gunicorn --------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str, headers: dict | None = None, timeout: float = 30) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


class Server:
    """gunicorn serving `app_spec` from the checkout (so with gunicorn.conf.py), its output in SERVER_LOG; the
    same settings for hello and the portal."""

    def __init__(self, app_spec: str, database_url: str, idle_path: str):
        self.app_spec, self.database_url, self.idle_path = app_spec, database_url, idle_path
        self.process, self.port = None, None

    def start(self) -> None:
        self.port = _free_port()
        env = {**os.environ, "DATABASE_URL": self.database_url, "PORTAL_ENV": "development"}
        gunicorn = Path(sys.executable).with_name("gunicorn")
        with SERVER_LOG.open("a") as log:
            self.process = subprocess.Popen(
                [str(gunicorn), *GUNICORN_SETTINGS, "--bind", f"127.0.0.1:{self.port}", self.app_spec],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                _get(self.port, self.idle_path, timeout=5)
                return
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit(f"gunicorn {self.app_spec} did not start: see {SERVER_LOG}") from None
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn {self.app_spec} did not answer within 30 s: see {SERVER_LOG}")

    def stop(self) -> None:
        """At once (SIGQUIT), without finishing the requests in hand."""
        self.process.send_signal(signal.SIGQUIT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def settle(self, timeout: float = 3.0) -> None:
        """Waits until both workers are idle. Requests a load generator gave up on at the end of its run are
        still queued, and a sync worker finishes each: they would steal time from the next URL. Two requests
        sent together after them come back once both workers have worked through the queue; when that takes
        longer than `timeout` (a slow URL), the server starts afresh instead."""
        if not _together(2, lambda: _get(self.port, self.idle_path, timeout=timeout)):
            self.stop()
            self.start()


def _together(count: int, call) -> bool:
    """Runs `call` in `count` threads at once; whether every one returned without an OSError."""
    failed = []

    def run():
        try:
            call()
        except OSError:
            failed.append(True)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return not failed


def kept(port: int, path: str, headers: dict) -> bool:
    """Whether the server answers `path` from its page cache: kept answers carry an ETag (portal/page_cache.py)."""
    for _ in range(2):  # the first may be the one that is kept
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            etag = response.getheader("ETag")
        finally:
            connection.close()
    return etag is not None


def warm_up(port: int, path: str, seconds: float, headers: dict) -> None:
    """Two clients at once (one per worker, most likely) asking for `path` for `seconds`, at least once each,
    each waiting for its answer: templates compiled and caches filled, no request left behind."""
    stop = time.monotonic() + seconds

    def loop():
        _get(port, path, headers, timeout=120)
        while time.monotonic() < stop:
            _get(port, path, headers, timeout=120)

    _together(2, loop)


def wrk_command(port: int, path: str, seconds: int, connections: int, headers: dict) -> list[str]:
    command = ["wrk", "--threads", "2", "--connections", str(connections), "--duration", f"{seconds}s"]
    command += ["--timeout", "30s", "--latency", "--script", str(WRK_SCRIPT)]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    return [*command, f"http://127.0.0.1:{port}{path}"]


def parse_wrk(output: str) -> dict:
    """The figures of one wrk run from its output: the line "bench {json}" that tests/bench_report.lua prints."""
    for line in output.splitlines():
        if line.startswith("bench {"):
            report = json.loads(line[len("bench ") :])
            break
    else:
        raise ValueError("no report line in wrk's output (was it run with tests/bench_report.lua?)")
    seconds = report["duration_us"] / 1_000_000
    timed = report["max_us"] > 0  # wrk times no answer that came after --timeout, though it counts it
    return {
        "requests": report["requests"],
        "rps": report["requests"] / seconds if seconds else 0.0,
        "p50": report["p50_us"] / 1000 if timed else None,
        "p99": report["p99_us"] / 1000 if timed else None,
        "not_2xx": report["not_2xx"],
        "status": report["a_status"] or None,
        "errors": sum(report[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")),
    }


def measure_wrk(port: int, path: str, seconds: float, connections: int, headers: dict) -> dict:
    completed = subprocess.run(
        wrk_command(port, path, seconds, connections, headers), capture_output=True, text=True, check=False
    )
    try:
        return parse_wrk(completed.stdout)
    except ValueError:
        raise SystemExit(f"wrk failed on {path}:\n{completed.stdout}{completed.stderr}") from None


def measure_threads(port: int, path: str, seconds: float, connections: int, headers: dict) -> dict:
    """The fallback without wrk: `connections` threads, a fresh connection per request (sync workers close
    them). Python shares the two cores with the workers, so its req/s is a floor."""
    latencies: list[float] = []
    counts = {"not_2xx": 0, "errors": 0, "status": None}
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker():
        mine, not_2xx, errors, status = [], 0, 0, None
        while time.monotonic() < stop:
            started = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
            except OSError:
                errors += 1
                continue
            finally:
                connection.close()
            mine.append((time.perf_counter() - started) * 1000)
            if not 200 <= response.status < 300:
                not_2xx, status = not_2xx + 1, response.status
        with lock:
            latencies.extend(mine)
            counts["not_2xx"] += not_2xx
            counts["errors"] += errors
            counts["status"] = counts["status"] or status

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": _percentile(latencies, 0.50) if latencies else None,
        "p99": _percentile(latencies, 0.99) if latencies else None,
        **counts,
    }


def measure_served(app_spec, database_url, paths, args, measure, sign_in=False) -> dict:
    """Serves `app_spec`, then for each (key, path, signed in): a warm-up, the measured run, and a pause until
    the server is idle again."""
    server = Server(app_spec, database_url, "/static/favicon.svg" if app_spec == "wsgi:app" else "/")
    server.start()
    results = {}
    try:
        cookie = sign_in_http(server.port) if sign_in else None
        for key, path, signed_in in paths:
            headers = _headers(cookie if signed_in else None)
            if args.warmup_seconds > 0:
                warm_up(server.port, path, args.warmup_seconds, headers)
            results[key] = measure(server.port, path, args.seconds, args.connections, headers)
            server.settle()
            results[key]["kept"] = kept(server.port, path, headers) if app_spec == "wsgi:app" else None
            print(f"  {key:<18} {results[key]['rps']:>8.1f} req/s", file=sys.stderr)
    finally:
        server.stop()
    return results


# The report --------------------------------------------------------------------------------------------------


def machine_line() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = " ".join(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cores} CPUs (nproc), {model}"


def _wrk_version() -> str:
    completed = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    found = re.search(r"wrk (?:\w+/)?(\d[\w.]*)", completed.stdout + completed.stderr)
    return f"wrk {found.group(1)}" if found else "wrk"


def print_report(rows, in_process, served, database, generator, args) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\n{now} · {machine_line()} · {database}")
    if served:
        print(
            f"HTTP: {generator}, {args.connections} connections, {args.seconds} s per URL after "
            f"{args.warmup_seconds} s of warm-up; gunicorn with {GUNICORN_SETTINGS[1]} sync workers on 127.0.0.1, "
            "the same for hello and the portal; Accept-Encoding: gzip"
        )
    print(
        f"In process: Flask test client, page cache off, SQL statements of one request, median of {args.requests} "
        f"requests ({args.budget:g} s at most) after a warm-up; KB as answered to a browser"
    )
    if served:
        print("kept: the server answered from its page cache (an ETag on the answer)")
    signed_in = [row[0] for row in rows if row[2]]
    if signed_in:
        print(f"Signed in as {MAYOR[0]} (mayor): {', '.join(signed_in)}; the others anonymous, without a cookie")
    header = f"{'name':<18} {'URL':<44} {'queries':>7} {'ms':>7} {'KB':>7}"
    if served:
        header += f" {'kept':>4} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>8} {'non-2xx':>7} {'errors':>6} {'% hello':>7}"
    print()
    print(header)
    print("-" * len(header))
    hello_rps = served.get("hello", {}).get("rps")
    for name, path, _ in rows:
        local = in_process.get(name)
        line = f"{name:<18} {path:<44} "
        if local:
            line += f"{local['queries']:>7} {local['median']:>7.1f} {local['bytes'] / 1024:>7.1f}"
        else:
            line += f"{'-':>7} {'-':>7} {'-':>7}"
        if name in served:
            h = served[name]
            share = f"{100 * h['rps'] / hello_rps:.1f}" if hello_rps else "-"
            p50, p99 = (f"{h['p50']:.1f}", f"{h['p99']:.1f}") if h["p50"] is not None else ("-", "-")
            mark = {True: "yes", False: "no", None: "-"}[h.get("kept")]
            line += f" {mark:>4} {h['rps']:>7.1f} {p50:>7} {p99:>8} {h['not_2xx']:>7} {h['errors']:>6} {share:>7}"
            if h["not_2xx"]:
                line += f"  (answered {h['status']}, among others)"
            if not h["requests"]:
                line += f"  (no answer within {args.seconds} s)"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL)
    parser.add_argument("--reset-database", action="store_true", help="empty the database, then stop")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per URL, in process")
    parser.add_argument("--budget", type=float, default=2.0, help="seconds per URL at most, in process")
    parser.add_argument("--no-http", dest="http", action="store_false", help="in process only, no gunicorn")
    parser.add_argument("--http", action="store_true", default=True, help=argparse.SUPPRESS)  # the old switch
    parser.add_argument("--seconds", type=int, default=6, help="load per URL through gunicorn")
    parser.add_argument("--warmup-seconds", type=int, default=1, help="load per URL before it is measured")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--generator", choices=("wrk", "threads"), help="default: wrk when installed")
    parser.add_argument("--explain", action="store_true", help="print the plans of the queries on projects")
    parser.add_argument("--profile", metavar="NAME|PATH", help="profile one URL in process and stop")
    parser.add_argument("--profile-requests", type=int, default=20)
    args = parser.parse_args()

    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        os.environ.pop(name, None)
    url = database_url(args.database_url)
    if args.reset_database:
        reset_database(url)
        return

    import logging

    from portal import create_app

    # In process, every answer is made (PAGE_CACHE off): its queries and its time; gunicorn serves as configured.
    app = create_app("development", SQLALCHEMY_DATABASE_URI=url, PAGE_CACHE=False)
    logging.getLogger().setLevel(logging.WARNING)
    with app.app_context():
        ids = sample_ids()
        database = describe_database(url)
    rows = [(page.name, page.path.format(**ids), page.signed_in) for page in PAGES]

    if args.profile:
        named = {name: (path, signed) for name, path, signed in rows}
        path, signed = named.get(args.profile, (args.profile, False))
        profile(app, path, sign_in_in_process(app) if signed else None, args.profile_requests)
        return

    cookie = sign_in_in_process(app) if any(signed for _, _, signed in rows) else None
    if args.explain:
        for _, path, signed in rows:
            explain(app, path, cookie if signed else None)
        print()

    print(f"In process, {len(rows)} URLs…", file=sys.stderr)
    in_process = {
        name: measure_in_process(app, path, cookie if signed else None, args.requests, args.budget)
        for name, path, signed in rows
    }

    served, generator = {}, None
    if args.http:
        generator = args.generator or ("wrk" if shutil.which("wrk") else "threads")
        if generator == "wrk":
            measure, generator = measure_wrk, _wrk_version()
        else:
            measure, generator = measure_threads, "tests/bench.py's threaded generator (wrk is not installed)"
            print("wrk is not installed: measuring with threads, whose req/s is a floor", file=sys.stderr)
        print(f"Through gunicorn with {generator}, its log in {SERVER_LOG}…", file=sys.stderr)
        SERVER_LOG.parent.mkdir(exist_ok=True)
        SERVER_LOG.write_text("")
        served = measure_served("tests.bench_hello:app", url, [("hello", "/", False)], args, measure)
        served.update(measure_served("wsgi:app", url, rows, args, measure, sign_in=True))

    shown = [("hello", "/", False), *rows] if served else rows
    print_report(shown, in_process, served, database, generator, args)


if __name__ == "__main__":
    main()
