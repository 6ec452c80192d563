"""Issue 21: stopping `make run` with Ctrl-C (SIGINT to its process group) leaves no process behind after 10
seconds, and the outbox worker stops within seconds on SIGTERM even while another process holds the database's
write lock, losing nothing — both against a fresh SQLite file whatever TEST_DATABASE_URL says (as `make run`); and,
on the test's own database (SQLite or PostgreSQL), the worker's lock waits end within their seconds."""

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from portal.database import lock_wait
from portal.extensions import db
from portal.models import Setting
from tests.test_served_portal import BIN, ROOT, Served


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    served = Served(tmp_path_factory.mktemp("stopping"))
    served.env["PYTHONUNBUFFERED"] = "1"
    served.flask("db", "upgrade")
    return served


def _left_in_group(group: int) -> list[str]:
    """The live processes of the process group (zombies, already dead, are not counted)."""
    left = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name_end = text.rindex(")")
        state, _ppid, pgrp = text[name_end + 2 :].split()[:3]
        if int(pgrp) == group and state != "Z":
            left.append(text[: name_end + 1])
    return left


def test_the_worker_stops_within_seconds_on_sigterm_while_another_process_holds_the_lock(portal):
    database = sqlite3.connect(portal.database, isolation_level=None, timeout=10)
    database.execute(
        "INSERT INTO outbox_messages (event, to_email, locale, subject, body_text, status, attempts, next_attempt_at,"
        " created_at) VALUES ('test', 'someone@example.org', 'fr', 'Hello', 'Hello', 'pending', 0,"
        " '2000-01-01 00:00:00.000000', '2000-01-01 00:00:00.000000')"
    )
    database.execute("BEGIN IMMEDIATE")  # another process writing, for as long as it likes
    log = portal.directory / "worker.log"
    with log.open("w") as output:
        worker = subprocess.Popen(
            [str(BIN / "flask"), "--app", "wsgi", "outbox", "work"],
            cwd=ROOT,
            env=portal.env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60  # a loaded machine imports the portal slowly
        while "Outbox worker" not in log.read_text():
            assert worker.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        time.sleep(1)  # its first round: waiting for the lock
        assert worker.poll() is None, log.read_text()
        worker.send_signal(signal.SIGTERM)
        started = time.monotonic()
        worker.wait(timeout=15)
        assert time.monotonic() - started < 4, log.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        database.execute("ROLLBACK")
    # Nothing lost: the mail is still waiting, claimed by nobody, neither sent nor dead.
    row = database.execute("SELECT status, lease_until, attempts FROM outbox_messages").fetchone()
    database.close()
    assert row == ("pending", None, 0)


def test_ctrl_c_on_make_serve_leaves_no_process_after_ten_seconds(portal):
    serve = subprocess.Popen(
        ["make", "--no-print-directory", "serve", f"PORT={portal.port}", f"BIN={BIN}"],
        cwd=ROOT,
        env=portal.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, as a terminal gives it
    )
    group = os.getpgid(serve.pid)
    try:
        deadline = time.monotonic() + 60  # a loaded machine starts gunicorn's workers slowly
        while True:
            try:
                if requests.get(f"{portal.url}/", timeout=10).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "the portal did not answer"
            time.sleep(0.2)
        assert len(_left_in_group(group)) >= 4  # make, its shell, gunicorn and its workers, the outbox worker
        os.killpg(group, signal.SIGINT)  # Ctrl-C in the terminal
        deadline = time.monotonic() + 10
        while _left_in_group(group) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _left_in_group(group) == []
    finally:
        if _left_in_group(group):
            os.killpg(group, signal.SIGKILL)
        serve.wait(timeout=10)


def test_inside_lock_wait_a_transaction_gives_up_on_a_held_lock_within_its_seconds(app_context):
    """On either database: another connection holds the settings table; the worker's wait ends in about a second
    with an error (the round is tried again), where it would otherwise wait for as long as the other holds it."""
    engine = db.engine
    holder = engine.connect()
    holder.begin()
    if engine.dialect.name == "postgresql":
        holder.exec_driver_sql("LOCK TABLE settings IN ACCESS EXCLUSIVE MODE")
    try:
        started = time.monotonic()
        with lock_wait(0.5), pytest.raises(OperationalError), engine.connect() as waiting:
            with waiting.begin():
                waiting.execute(select(Setting).with_for_update()).all()
                waiting.execute(update(Setting).values(value="x"))
        assert time.monotonic() - started < 3
    finally:
        holder.rollback()
        holder.close()
    with engine.connect() as after:  # the connection went back to the pool with the usual wait
        assert after.dialect.name == "postgresql" or after.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
