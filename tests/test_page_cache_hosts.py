"""Two portal processes, as two hosts would run them, share one database and one page cache: a change made
through one is seen at once on the other's kept pages (issue 15).

On the PostgreSQL pass they share PostgreSQL and Redis, as several hosts do in production (README); on the
SQLite pass, the SQLite file and the embedded cache file, as the workers of one host do.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from tests.conftest import own_database_url
from tests.test_page_cache import _cache_redis_url
from tests.test_served_portal import _free_port
from tests.test_throttle import _redis_or_skip

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _empty(url: str) -> None:
    """A database of its own, emptied: the demo's projects start from their seeded states."""
    if not url.startswith("postgresql"):
        return
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


@pytest.fixture()
def two_hosts(tmp_path, worker_id):
    database = own_database_url("two_hosts", tmp_path, worker_id)
    _empty(database)
    unset = ("TEST_DATABASE_URL", "REDIS_URL", "PAGE_CACHE_REDIS_URL", "PROXY_COUNT")
    base = {k: v for k, v in os.environ.items() if k not in unset}
    env = {
        **base,
        "PORTAL_ENV": "development",
        "FLASK_APP": "wsgi",
        "DATABASE_URL": database,
        "SECRET_KEY": "two-hosts-test-key",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "AUDIT_ANCHOR_FILE": str(tmp_path / "anchors.jsonl"),
        "PAGE_CACHE_PATH": str(tmp_path / "pages.db"),  # used when there is no Redis
    }
    if os.environ.get("TEST_DATABASE_URL"):
        env["REDIS_URL"] = _redis_or_skip(worker_id)
        env["PAGE_CACHE_REDIS_URL"] = _cache_redis_url(worker_id)  # this worker's, apart from the throttle's
    for command in (["db", "upgrade"], ["seed-demo"]):
        done = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *command], cwd=ROOT, env=env, capture_output=True, timeout=180
        )
        assert done.returncode == 0, done.stderr[-2000:]
    servers, urls = [], []
    try:
        for _ in range(2):
            port = _free_port()
            servers.append(
                subprocess.Popen(
                    [str(BIN / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                    cwd=ROOT,
                    env={**env, "PUBLIC_URL": f"http://127.0.0.1:{port}"},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for server, url in zip(servers, urls, strict=True):
            deadline = time.monotonic() + 60
            while True:
                try:
                    if requests.get(url + "/api/v1/stats", timeout=10).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                assert time.monotonic() < deadline and server.poll() is None, "gunicorn did not start"
                time.sleep(0.2)
        yield urls
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)


def test_a_change_through_one_host_shows_at_once_on_the_other_s_kept_pages(two_hosts):
    first, second = two_hosts
    kept = requests.get(second + "/api/v1/stats", timeout=10)
    time.sleep(1.1)
    again = requests.get(second + "/api/v1/stats", timeout=10)
    # Kept: the same answer, rendered at the same second, not again a second later.
    assert again.json() == kept.json() and again.headers["Last-Modified"] == kept.headers["Last-Modified"]
    before = kept.json()["projects_by_status"]
    dashboard = requests.get(second + "/dashboards", timeout=10)
    assert dashboard.status_code == 200

    answer = requests.post(
        first + "/api/v1/tokens", json={"email": "mayor@example.org", "password": "demo-password"}, timeout=10
    )
    mayor = {"Authorization": f"Bearer {answer.json()['token']}"}
    waiting = requests.get(first + "/api/v1/projects?status=submitted", headers=mayor, timeout=10).json()["items"]
    assert waiting, "the demo has a project submitted to the demo mayor's commune"
    moved = requests.post(
        f"{first}/api/v1/projects/{waiting[0]['id']}/transitions",
        json={"action": "start_review"},
        headers=mayor,
        timeout=10,
    )
    assert moved.status_code == 200 and moved.json()["status"] == "under_review"

    after = requests.get(second + "/api/v1/stats", timeout=10).json()["projects_by_status"]
    assert after["submitted"] == before["submitted"] - 1
    assert after["under_review"] == before["under_review"] + 1
    renewed = requests.get(second + "/dashboards", headers={"If-None-Match": dashboard.headers["ETag"]}, timeout=10)
    assert renewed.status_code == 200 and renewed.headers["ETag"] != dashboard.headers["ETag"]
