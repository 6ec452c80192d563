"""The outbox: mail written with the change that causes it, delivered after commit, at least once.

The worker tests commit across connections and threads, so they use the session-wide `app` (not the
rolled-back `session`) and empty the outbox themselves; they share the "outbox" xdist group. SendGrid is a
local stub (tests/sendgrid_stub.py) reached through the real sendgrid client.
"""

import logging
import random
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from portal.cli import jobs as cli_jobs
from portal.cli import outbox as cli_outbox
from portal.extensions import db
from portal.models import Invitation, OutboxMessage, OutboxStatus, Setting
from portal.notifications import jobs
from portal.notifications.outbox import queue_mail
from portal.notifications.rendering import queue_user_mail, render_mail
from portal.notifications.senders import ConsoleSender, SendGridSender, sender_from_config
from portal.notifications.worker import (
    backoff_seconds,
    claim_batch,
    deliver_batch,
    record_outcome,
    run_once,
    work_forever,
)
from tests.factories import make_organisation, make_user
from tests.sendgrid_stub import HOLD, SendGridStub

CLIENT_TIMEOUT = 0.5


@pytest.fixture(scope="module")
def stub():
    server = SendGridStub(hold_seconds=CLIENT_TIMEOUT + 0.3).start()
    yield server
    server.stop()


def _clear_outbox(app) -> None:
    with app.app_context():
        db.session.execute(delete(OutboxMessage))
        db.session.execute(delete(Setting).where(Setting.key.like("job:%")))
        db.session.commit()


@pytest.fixture()
def mail_app(app, stub, monkeypatch):
    """The app delivering through the stub, with tiny leases, backoffs and timeouts; an empty outbox."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    settings = {
        "SENDGRID_API_KEY": "test-key",
        "SENDGRID_API_HOST": stub.url,
        "SENDGRID_TIMEOUT": CLIENT_TIMEOUT,
        "MAIL_FROM": "Portail communes-diaspora <no-reply@portail.example.org>",
        "OUTBOX_LEASE_SECONDS": 1,
        "OUTBOX_MAX_ATTEMPTS": 8,
        "OUTBOX_BACKOFF_BASE_SECONDS": 0.01,
        "OUTBOX_BACKOFF_MAX_SECONDS": 0.05,
        "OUTBOX_BATCH_SIZE": 10,
        "WORKER_IDLE_SECONDS": 0.05,
    }
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    stub.reset()
    _clear_outbox(app)
    yield app
    _clear_outbox(app)
    stub.reset()


def _queue(app, count: int = 1, event: str = "test") -> list[int]:
    with app.app_context():
        ids = [
            queue_mail(event, f"person{n}@example.org", f"Subject {n}", f"Body {n}", f"<p>Body {n}</p>").id
            for n in range(count)
        ]
        db.session.commit()
    return ids


def _rows(app) -> dict[int, OutboxMessage]:
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage)).all()
        db.session.expunge_all()
        return {row.id: row for row in rows}


def _pending(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
        )


def _deliver_all(app, workers: int = 1, within: float = 20.0) -> None:
    """Runs `workers` workers, each in its own thread and application context, until nothing is pending."""
    deadline = time.monotonic() + within
    failures = []

    def work(worker_id):
        try:
            while time.monotonic() < deadline:
                if run_once(app, worker_id=worker_id).claimed == 0:
                    if _pending(app) == 0:
                        return
                    time.sleep(0.01)  # what is left waits for its backoff, or for another worker
        except Exception as error:  # surfaced in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=work, args=(f"test-worker-{n}",)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(within + 5)
    assert not failures, failures
    assert _pending(app) == 0, "the workers did not deliver everything in time"


pytestmark = pytest.mark.xdist_group("outbox")


# Queueing -------------------------------------------------------------------------------------------------


def test_a_mail_queued_in_a_transaction_that_rolls_back_is_never_sent(mail_app, stub):
    with mail_app.app_context():
        queue_mail("test", "someone@example.org", "Never", "Never sent")
        db.session.rollback()
    (kept,) = _queue(mail_app)
    _deliver_all(mail_app)
    assert [r.outbox_id for r in stub.requests] == [str(kept)]
    assert list(_rows(mail_app)) == [kept]


def test_queue_mail_only_flushes_and_keeps_the_subject_on_one_line(mail_app):
    with mail_app.app_context():
        message = queue_mail("test", " someone@example.org ", "Line one\r\nBcc: evil@example.org", "Body")
        assert db.session().in_transaction() and message.id is not None
        assert message.subject == "Line one Bcc: evil@example.org"
        assert message.to_email == "someone@example.org"
        assert (message.status, message.attempts, message.locale) == ("pending", 0, "fr")
        db.session.rollback()


# Senders --------------------------------------------------------------------------------------------------


def test_without_an_api_key_the_console_sender_logs_each_mail(mail_app, stub, monkeypatch, caplog):
    monkeypatch.setitem(mail_app.config, "SENDGRID_API_KEY", None)
    assert isinstance(sender_from_config(mail_app), ConsoleSender)
    caplog.set_level(logging.INFO, logger="portal.mail")
    (message_id,) = _queue(mail_app)
    _deliver_all(mail_app)
    logged = [r.getMessage() for r in caplog.records if r.name == "portal.mail"]
    assert len(logged) == 1 and "person0@example.org" in logged[0] and "Subject 0" in logged[0]
    assert "Body 0" in logged[0]
    assert not stub.requests
    row = _rows(mail_app)[message_id]
    assert (row.status, row.attempts) == ("sent", 1) and row.sent_at is not None


def test_with_an_api_key_the_worker_uses_sendgrid(mail_app):
    assert isinstance(sender_from_config(mail_app), SendGridSender)


# Retries --------------------------------------------------------------------------------------------------


def test_500_429_and_a_timeout_are_tried_again_until_sendgrid_accepts(mail_app, stub):
    stub.script(500, 429, HOLD, 202)
    (message_id,) = _queue(mail_app)
    _deliver_all(mail_app)
    row = _rows(mail_app)[message_id]
    assert row.status == "sent" and row.sent_at is not None
    assert row.attempts == 4 == len(stub.requests_for(message_id))
    assert [r.answer for r in stub.requests_for(message_id)] == [500, 429, HOLD, 202]
    assert stub.accepted_counts()[message_id] == 1
    assert "could not be reached" in row.last_error  # the last failure is kept for the record
    assert row.lease_until is None and row.leased_by is None


def test_a_temporary_failure_waits_for_its_backoff(mail_app, stub, monkeypatch):
    monkeypatch.setitem(mail_app.config, "OUTBOX_BACKOFF_BASE_SECONDS", 60)
    monkeypatch.setitem(mail_app.config, "OUTBOX_BACKOFF_MAX_SECONDS", 60)
    stub.script(503)
    (message_id,) = _queue(mail_app)
    before = datetime.now(UTC)
    assert run_once(mail_app).retried == 1
    row = _rows(mail_app)[message_id]
    assert (row.status, row.attempts) == ("pending", 1)
    assert before <= row.next_attempt_at <= before + timedelta(seconds=61)
    assert "503" in row.last_error
    assert run_once(mail_app).claimed == 0  # not due yet


def test_backoff_is_exponential_with_full_jitter_and_capped():
    random.seed(1)
    for attempts, ceiling in [(1, 30), (2, 60), (3, 120), (8, 3600), (50, 3600)]:
        delays = [backoff_seconds(attempts, 30, 3600) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8 and min(delays) < ceiling * 0.2  # spread over the whole range


def test_a_mail_that_keeps_failing_is_dead_after_the_maximum_attempts(mail_app, stub, monkeypatch):
    monkeypatch.setitem(mail_app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    stub.decide = lambda body: 500
    (message_id,) = _queue(mail_app)
    _deliver_all(mail_app)
    row = _rows(mail_app)[message_id]
    assert (row.status, row.attempts) == ("dead", 3)
    assert row.last_error.startswith("gave up after 3 attempts") and "500" in row.last_error
    assert len(stub.requests_for(message_id)) == 3


def test_a_permanent_refusal_is_dead_at_once_and_outbox_retry_queues_it_again(mail_app, stub):
    stub.script(400)
    (message_id,) = _queue(mail_app)
    _deliver_all(mail_app)
    row = _rows(mail_app)[message_id]
    assert (row.status, row.attempts) == ("dead", 1)
    assert row.last_error == (
        "SendGrid answered 400: The to email does not contain a valid address. (personalizations.0.to.0.email)"
    )

    runner = mail_app.test_cli_runner()
    listed = runner.invoke(args=["outbox", "list-dead"])
    assert listed.exit_code == 0 and f"{message_id}\t" in listed.output and "valid address" in listed.output

    retried = runner.invoke(args=["outbox", "retry", str(message_id)])
    assert retried.exit_code == 0, retried.output
    row = _rows(mail_app)[message_id]
    assert (row.status, row.attempts) == ("pending", 0)

    _deliver_all(mail_app)
    assert _rows(mail_app)[message_id].status == "sent"
    assert stub.accepted_counts()[message_id] == 1

    again = runner.invoke(args=["outbox", "retry", str(message_id), "999999"])
    assert again.exit_code == 1
    assert "is sent, not dead" in again.output and "no outbox message 999999" in again.output
    assert runner.invoke(args=["outbox", "list-dead"]).output.strip() == "No dead mail."


# Concurrency and crashes ----------------------------------------------------------------------------------


def test_two_workers_at_once_send_each_mail_exactly_once(mail_app, stub, monkeypatch):
    monkeypatch.setitem(mail_app.config, "OUTBOX_BATCH_SIZE", 4)
    # Leases far longer than a batch takes, even on a loaded machine: a lapsed lease would be a legitimate resend.
    monkeypatch.setitem(mail_app.config, "OUTBOX_LEASE_SECONDS", 30)
    ids = _queue(mail_app, 80)
    _deliver_all(mail_app, workers=2)
    assert stub.accepted_counts() == {message_id: 1 for message_id in ids}
    assert len(stub.requests) == 80
    assert {row.status for row in _rows(mail_app).values()} == {"sent"}


def test_mails_claimed_by_a_worker_that_died_are_delivered_by_another_after_the_lease(mail_app, stub):
    ids = _queue(mail_app, 3)
    with mail_app.app_context():
        abandoned = claim_batch("crashed-worker")  # … and the worker dies before sending anything
    assert [m.id for m in abandoned] == ids

    assert run_once(mail_app, worker_id="survivor").claimed == 0  # still leased
    assert not stub.requests
    time.sleep(1.1)  # OUTBOX_LEASE_SECONDS = 1
    stats = run_once(mail_app, worker_id="survivor")
    assert (stats.claimed, stats.sent) == (3, 3)
    assert stub.accepted_counts() == {message_id: 1 for message_id in ids}

    # The crashed worker comes back to life: its lease has passed, so it sends nothing and records nothing.
    with mail_app.app_context():
        late = deliver_batch(abandoned, SendGridSender("test-key", "a@example.org", stub.url, 0.5), "crashed-worker")
        assert (late.sent, late.released) == (0, 0)
        assert record_outcome(abandoned[0], "crashed-worker", "temporary", "too late") is None
    assert len(stub.requests) == 3
    assert {row.status for row in _rows(mail_app).values()} == {"sent"}


def test_a_batch_that_would_outlive_its_lease_gives_the_rest_back(mail_app, stub):
    stub.script(HOLD, HOLD)
    ids = _queue(mail_app, 4)
    stats = run_once(mail_app, worker_id="slow")
    # Lease 1 s, timeout 0.5 s: after one hold there is no time left to try another mail safely.
    assert (stats.claimed, stats.retried, stats.released) == (4, 1, 3)
    rows = _rows(mail_app)
    assert [rows[i].leased_by for i in ids] == [None] * 4
    _deliver_all(mail_app)
    assert stub.accepted_counts() == {message_id: 1 for message_id in ids}


def test_300_mails_with_30_percent_failures_are_all_delivered_without_duplicates(mail_app, stub, monkeypatch):
    # A timeout that a starved machine still answers within: a 202 that arrives after it would be sent again, a
    # legitimate duplicate of at-least-once delivery, not the one this test looks for.
    monkeypatch.setitem(mail_app.config, "SENDGRID_TIMEOUT", 1.0)
    monkeypatch.setitem(mail_app.config, "OUTBOX_MAX_ATTEMPTS", 30)  # 0.3^30: nothing may die of bad luck
    # A lease far beyond one send (30 s), so that even a starved machine cannot let a lease lapse mid-send (which
    # at-least-once delivery would answer with a legitimate duplicate).
    monkeypatch.setitem(mail_app.config, "OUTBOX_LEASE_SECONDS", 30)
    stub.hold_seconds = 1.5  # past the timeout: those the worker must try again
    dice = random.Random(300)
    lock = threading.Lock()

    def flaky(body):
        with lock:
            roll = dice.random()
        return 500 if roll < 0.12 else 429 if roll < 0.24 else HOLD if roll < 0.30 else 202

    stub.decide = flaky
    ids = _queue(mail_app, 300)
    _deliver_all(mail_app, workers=4, within=25)

    accepted = stub.accepted_counts()
    duplicates = sum(count - 1 for count in accepted.values())
    assert set(accepted) == set(ids) and duplicates == 0
    failures = [r for r in stub.requests if not r.accepted]
    assert {r.answer for r in failures} == {500, 429, HOLD}
    assert len(failures) > 60  # about 30 % of ~430 requests
    rows = _rows(mail_app)
    attempts = stub.attempt_counts()
    assert all(rows[i].status == "sent" and rows[i].attempts == attempts[i] for i in ids)


def test_work_forever_delivers_runs_jobs_and_stops_when_asked(mail_app, stub):
    calls = []
    heartbeat = jobs.Job("test-heartbeat", timedelta(hours=1), calls.append)
    stop = threading.Event()
    worker = threading.Thread(target=work_forever, args=(mail_app, stop), kwargs={"jobs": [heartbeat]})
    worker.start()
    ids = _queue(mail_app, 5)
    deadline = time.monotonic() + 10
    while _pending(mail_app) and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    worker.join(5)
    assert not worker.is_alive()
    assert stub.accepted_counts() == {message_id: 1 for message_id in ids}
    assert len(calls) == 1  # once per hour, however many rounds the worker made


def test_outbox_work_once_delivers_what_is_due_and_exits(mail_app, stub, monkeypatch):
    monkeypatch.setitem(mail_app.config, "SENDGRID_API_KEY", None)
    _queue(mail_app, 3)
    result = mail_app.test_cli_runner().invoke(args=["outbox", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert "Jobs run: none. Mails claimed 3, sent 3" in result.output
    assert _pending(mail_app) == 0


def test_outbox_work_hands_the_scheduled_jobs_to_the_worker(mail_app, monkeypatch):
    calls = []
    monkeypatch.setattr(cli_outbox, "work_forever", lambda app, **kwargs: calls.append((app, kwargs)))
    assert mail_app.test_cli_runner().invoke(args=["outbox", "work"]).exit_code == 0
    monkeypatch.setitem(mail_app.config, "RUN_SCHEDULED_JOBS", True)
    assert mail_app.test_cli_runner().invoke(args=["outbox", "work"]).exit_code == 0
    assert calls == [(mail_app, {"jobs": ()}), (mail_app, {"jobs": cli_jobs.SCHEDULED_JOBS})]


def test_a_worker_will_not_join_an_open_transaction(mail_app):
    with mail_app.app_context():
        db.session.scalar(select(func.count()).select_from(OutboxMessage))
        with pytest.raises(RuntimeError, match="no open transaction"):
            claim_batch("w")
        db.session.rollback()


# Jobs -----------------------------------------------------------------------------------------------------


def test_a_job_runs_once_per_period_and_remembers_its_last_run(mail_app, monkeypatch):
    calls = []
    digest = jobs.Job("test-digest", timedelta(days=1), calls.append)
    monday = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    assert jobs.run_due_jobs(mail_app, [digest], monday) == ["test-digest"]
    assert jobs.run_due_jobs(mail_app, [digest], monday + timedelta(hours=23)) == []
    assert jobs.run_due_jobs(mail_app, [digest], monday + timedelta(days=1)) == ["test-digest"]
    assert calls == [monday, monday + timedelta(days=1)]
    with mail_app.app_context():
        assert jobs.last_run("test-digest") == monday + timedelta(days=1)
        assert db.session.get(Setting, "job:test-digest:last_run").value == "2026-03-03T06:00:00+00:00"
    monkeypatch.setattr(cli_jobs, "SCHEDULED_JOBS", (digest,))
    monkeypatch.setitem(mail_app.config, "RUN_SCHEDULED_JOBS", True)
    result = mail_app.test_cli_runner().invoke(args=["jobs", "run-due"])
    assert result.exit_code == 0 and "Jobs run: test-digest." in result.output


def test_two_workers_never_run_the_same_job_for_the_same_period(mail_app):
    calls = []
    reminders = jobs.Job("test-reminders", timedelta(hours=1), lambda now: (calls.append(now), time.sleep(0.05)))
    now = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(jobs.run_due_jobs(mail_app, [reminders], now))) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(results) == [[], [], [], ["test-reminders"]]
    assert calls == [now]


def test_a_failing_job_is_logged_and_does_not_stop_the_others(mail_app, caplog):
    def broken(now):
        raise RuntimeError("boom")

    ran = []
    schedule = [
        jobs.Job("test-broken", timedelta(hours=1), broken),
        jobs.Job("test-fine", timedelta(hours=1), ran.append),
    ]
    assert jobs.run_due_jobs(mail_app, schedule) == ["test-fine"]
    assert "Job test-broken failed" in caplog.text and len(ran) == 1


def test_a_job_has_a_name_that_fits_its_setting_and_a_positive_period():
    with pytest.raises(ValueError, match="too long"):
        jobs.Job("x" * 80, timedelta(hours=1), print)
    for period in (timedelta(0), timedelta(seconds=-1)):
        with pytest.raises(ValueError, match="positive period"):
            jobs.Job("test-never", period, print)


# Rendering ------------------------------------------------------------------------------------------------


def _contexts(user, organisation):
    invitation = Invitation(
        email="new@example.org",
        name="Awa",
        organisation=organisation,
        role="officer",
        invited_by=user,
        expires_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
    )
    return {
        "account_confirmation": {"user": user, "link": "http://127.0.0.1:5000/auth/confirm/t"},
        "password_reset": {"user": user, "link": "http://127.0.0.1:5000/auth/reset-password/t"},
        "invitation": {
            "invitation": invitation,
            "inviter": user,
            "link": "http://127.0.0.1:5000/auth/invitation/t",
            "expires_at": invitation.expires_at,
        },
        "association_verified": {"user": user, "organisation": organisation, "link": "http://127.0.0.1:5000/o/1"},
        "association_refused": {
            "user": user,
            "organisation": organisation,
            "reason": "Statuts <manquants>",
            "link": "http://127.0.0.1:5000/o/1",
        },
    }


@pytest.mark.parametrize(
    "event", ["account_confirmation", "password_reset", "invitation", "association_verified", "association_refused"]
)
@pytest.mark.parametrize("locale", ["fr", "en"])
def test_every_account_mail_renders_with_its_footer_and_escapes_html(session, app, event, locale, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://portail.example.org/")
    with app.app_context():
        user = make_user(name="Awa <b>Traoré</b>")
        organisation = make_organisation("association", "Ressortissants & <Amis>")
        subject, text, html = render_mail(event, locale, "Africa/Bamako", **_contexts(user, organisation)[event])
    assert subject and "\n" not in subject
    assert "https://portail.example.org/account" in text and 'href="https://portail.example.org/account"' in html
    brand = {"fr": "Portail communes–diaspora", "en": "Commune–diaspora portal"}[locale]
    assert brand in text and brand in html and f'<html lang="{locale}">' in html
    assert "<b>" not in html and "<Amis>" not in html and "<manquants>" not in html
    if event != "invitation":
        assert "Awa &lt;b&gt;Traoré&lt;/b&gt;" in html and "Awa <b>Traoré</b>" in text


def test_a_mail_speaks_the_recipients_language_and_time_zone_not_the_requesters(session, app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        user = make_user(locale="fr")
        user.timezone = "Europe/Paris"
        organisation = make_organisation("association", "ARD")
        context = _contexts(user, organisation)["invitation"]
        message = queue_user_mail("invitation", user, **context)
        english_subject, english_text, _html = render_mail("invitation", "en", "Africa/Bamako", **context)
        assert "12:00" in english_text and "March 1, 2026" in english_text and "Bamako" in english_text
    assert (message.locale, message.to_email, message.to_user_id) == ("fr", user.email, user.id)
    assert "1 mars 2026" in message.body_text and "13:00" in message.body_text and "Paris" in message.body_text
    assert "Portail communes–diaspora" in message.body_text and "Commune–diaspora portal" in english_text
    assert "1 mars 2026" in message.body_html


def test_queue_user_mail_defaults_to_french_and_the_portals_time_zone(session, app):
    with app.app_context():
        user = make_user()
        message = queue_user_mail("password_reset", user, link="http://127.0.0.1:5000/r")
        assert message.locale == "fr" and message.event == "password_reset" and "2\u00a0heures" in message.body_text
