"""Page and API benchmark at national scale: queries per request, in-process time, and req/s through gunicorn.

    .venv/bin/python -m tests.bench [--database-url URL] [--requests 50] [--http] [--seconds 5] [--explain]

Reads the database `make bench` prepared (instance/bench.db: migrated, `flask seed-bench`), or the one given
with --database-url (PostgreSQL too; seed it with `DATABASE_URL=... flask seed-bench` first). Anonymous
requests. For each URL it counts the SQL statements of one request (tests.helpers.count_queries), then times
`--requests` requests through the Flask test client after a warm-up and prints the median and the 95th
percentile. With --http it also starts gunicorn (2 sync workers, loopback only) and drives each URL for at
most --seconds with a small threaded load generator (fresh connection per request, as sync workers close
them); the generator shares the machine's cores with the workers, so read its req/s as a floor. With
--explain it prints the plan of each statement that reads the projects table.
"""

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = f"sqlite:///{ROOT / 'instance' / 'bench.db'}"

URLS = (
    "/projects/",
    "/projects/?status=agreed",
    "/projects/?sector=water&page=50",
    "/projects/{project_id}",
    "/api/v1/projects?per_page=20",
    "/api/v1/projects?status=in_progress",
    "/communes/?q=ba",
    "/organisations/",
)


def _database_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sample_project_id() -> int:
    """A public bench project from the middle of the table."""
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.models import Project

    public = select(Project.id).where(Project.is_public, Project.title.startswith("[bench]"))
    count = db.session.scalar(select(func.count()).select_from(public.subquery()))
    if not count:
        sys.exit("No bench projects: run `make bench`, or `flask seed-bench` against --database-url, first.")
    return db.session.scalar(public.order_by(Project.id).offset(count // 2).limit(1))


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure_in_process(app, url: str, requests: int, warmup: int) -> dict:
    from tests.helpers import count_queries

    client = app.test_client()
    for _ in range(warmup):
        client.get(url)
    with count_queries(app) as log:
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return {
        "queries": len(log),
        "median": statistics.median(times),
        "p95": _percentile(times, 0.95),
        "bytes": len(response.data),
    }


def explain(app, url: str) -> None:
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
        app.test_client().get(url)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    print(f"\n== {url}")
    with engine.connect() as connection:
        for statement, parameters in seen:
            print("  " + " ".join(statement.split())[:160])
            for row in connection.exec_driver_sql(prefix + statement, parameters).fetchall():
                print("    " + str(row[-1]))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(database_url: str) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "PORTAL_ENV": "development"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/")
            connection.getresponse().read()
            connection.close()
            return server, port
        except OSError:
            if server.poll() is not None:
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 30 s")


def measure_http(port: int, url: str, seconds: float, concurrency: int) -> dict:
    """Requests per second for `seconds` (10 at most) with `concurrency` threads, after a short warm-up."""
    seconds = min(seconds, 10.0)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def get() -> float:
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request("GET", url)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise OSError(response.status)
        finally:
            connection.close()
        return (time.perf_counter() - started) * 1000

    for _ in range(4):
        get()
    stop = time.monotonic() + seconds

    def worker():
        mine = []
        failed = 0
        while time.monotonic() < stop:
            try:
                mine.append(get())
            except OSError:
                failed += 1
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "rps": len(latencies) / elapsed,
        "p95": _percentile(latencies, 0.95) if latencies else float("nan"),
        "errors": errors[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL)
    parser.add_argument("--requests", type=int, default=50, help="timed requests per URL, in process")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--http", action="store_true", help="also measure req/s through gunicorn (2 workers)")
    parser.add_argument("--seconds", type=float, default=5.0, help="load per URL through gunicorn (10 at most)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--explain", action="store_true", help="print the plans of the queries on projects")
    args = parser.parse_args()

    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        os.environ.pop(name, None)
    database_url = _database_url(args.database_url)

    import logging

    from portal import create_app

    app = create_app("development", SQLALCHEMY_DATABASE_URI=database_url)
    logging.getLogger().setLevel(logging.WARNING)
    with app.app_context():
        project_id = _sample_project_id()
    urls = [url.format(project_id=project_id) for url in URLS]

    if args.explain:
        for url in urls:
            explain(app, url)
        print()

    results = {url: measure_in_process(app, url, args.requests, args.warmup) for url in urls}
    http_results = {}
    if args.http:
        server, port = start_gunicorn(database_url)
        try:
            for url in urls:
                http_results[url] = measure_http(port, url, args.seconds, args.concurrency)
        finally:
            server.terminate()
            server.wait(timeout=10)

    backend = database_url.split(":", 1)[0]
    print(f"{backend}, {args.requests} requests per URL in process after {args.warmup} warm-up, anonymous")
    header = f"{'URL':<40} {'queries':>7} {'median ms':>9} {'p95 ms':>7}"
    if http_results:
        header += f" {'req/s':>7} {'http p95':>8}"
    print(header)
    print("-" * len(header))
    for url in urls:
        r = results[url]
        line = f"{url:<40} {r['queries']:>7} {r['median']:>9.1f} {r['p95']:>7.1f}"
        if url in http_results:
            h = http_results[url]
            line += f" {h['rps']:>7.0f} {h['p95']:>8.1f}"
            if h["errors"]:
                line += f"  ({h['errors']} errors)"
        print(line)
    if http_results:
        print(f"req/s: gunicorn 2 sync workers, {args.concurrency} client threads, {min(args.seconds, 10):g} s per URL")


if __name__ == "__main__":
    main()
