"""The outbox worker: claims due mails, delivers them, records what happened. At least once.

Each round:
1. **claim** a batch in one short committed transaction: rows pending, due, and not leased (or whose lease
   has passed, because the worker that took them died) get `lease_until` and `leased_by`. PostgreSQL
   skips rows another worker is claiming (`FOR UPDATE SKIP LOCKED`); SQLite serialises claims with
   `BEGIN IMMEDIATE`.
2. **deliver** each claimed mail with no transaction open: no lock is held during the HTTP call. A mail is
   only handed to the sender if the call can end before the lease does; otherwise the rest of the batch
   is given back.
3. **record** each outcome in its own short transaction, only if the row is still leased by this worker:
   sent; or tried again later after an exponential backoff with full jitter; or dead, with the reason,
   after a permanent failure or OUTBOX_MAX_ATTEMPTS attempts.

A worker that dies between 2 and 3 leaves a mail that may have left: it is sent again once the lease has
passed (SendGrid gets the same `outbox_id` in custom_args).

Stopping (SIGTERM, SIGINT: `make run`'s Ctrl-C) sets a flag the loop reads between steps; nothing the worker waits
on outlasts a few seconds — its locks (`LOCK_WAIT_SECONDS`, then the round fails and is tried again), its sleeps
(an Event the signal sets), a send (the sender's timeout) — so it stops within seconds, whatever it was doing. A
mail being sent is recorded first; the rest of its batch is given back; a mail whose release could not be written
goes back to the queue when its lease passes. Nothing is lost, nothing is sent twice by this worker.
"""

import logging
import os
import random
import signal
import socket
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import or_, select, update

from portal.database import lock_wait, utcnow, write_intent
from portal.extensions import db
from portal.models import OutboxMessage, OutboxStatus
from portal.notifications.jobs import Job, run_due_jobs
from portal.notifications.senders import PermanentFailure, Sender, TemporaryFailure, sender_from_config
from portal.signed_links import filled

log = logging.getLogger(__name__)

ERROR_MAX_LENGTH = 1000
# A send is started only if it can end this long before the lease does.
LEASE_MARGIN_SECONDS = 0.05
# The longest the worker waits for a database lock (another process writing) before it gives the round up.
LOCK_WAIT_SECONDS = 2.0


@dataclass(frozen=True)
class ClaimedMessage:
    """What the worker needs to deliver one mail, copied out of the claim's transaction."""

    id: int
    event: str
    to_email: str
    subject: str
    body_text: str
    body_html: str | None
    attempts: int
    lease_deadline: float  # time.monotonic() after which another worker may take the mail
    attachments: tuple = ()  # ({"filename", "content_type", "content_base64"}, ...)


@dataclass
class DeliveryStats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0  # temporary failures, to be tried again
    dead: int = 0
    released: int = 0  # claimed but given back unsent (lease too short, or the worker is stopping)
    lost: int = 0  # the lease had passed and another worker had taken the mail: outcome not recorded
    errors: list[str] = field(default_factory=list)

    def add(self, other: "DeliveryStats") -> None:
        for name in ("claimed", "sent", "retried", "dead", "released", "lost"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def backoff_seconds(attempts: int, base: float, cap: float) -> float:
    """Full jitter: a random delay between 0 and base·2^(attempts−1), capped."""
    ceiling = min(cap, base * 2 ** min(max(attempts - 1, 0), 32))
    return random.uniform(0, ceiling)


def claim_batch(worker_id: str, now: datetime | None = None, limit: int | None = None) -> list[ClaimedMessage]:
    """Leases up to `limit` (OUTBOX_BATCH_SIZE) due mails to `worker_id`, in its own committed transaction."""
    config = current_app.config
    now = now or utcnow()
    limit = limit or config["OUTBOX_BATCH_SIZE"]
    lease = config["OUTBOX_LEASE_SECONDS"]
    _require_no_open_transaction()
    started = time.monotonic()
    with write_intent(True):
        try:
            rows = db.session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.status == OutboxStatus.PENDING,
                    OutboxMessage.next_attempt_at <= now,
                    or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until <= now),
                )
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(limit)
                .with_for_update(skip_locked=True)  # PostgreSQL; SQLite holds its write lock already
                .execution_options(populate_existing=True)
            ).all()
            lease_until = now + timedelta(seconds=lease)
            claimed = []
            for row in rows:
                row.lease_until = lease_until
                row.leased_by = worker_id
                # The signed link goes into this copy, in memory, never into the row.
                body_text, body_html = filled((row.body_text, row.body_html), row.signed_link)
                claimed.append(
                    ClaimedMessage(
                        id=row.id,
                        event=row.event,
                        to_email=row.to_email,
                        subject=row.subject,
                        body_text=body_text,
                        body_html=body_html,
                        attempts=row.attempts,
                        lease_deadline=started + lease,
                        attachments=tuple(row.attachments or ()),
                    )
                )
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    return claimed


def deliver_batch(
    claimed: list[ClaimedMessage],
    sender: Sender,
    worker_id: str,
    stop_event: threading.Event | None = None,
) -> DeliveryStats:
    """Sends each claimed mail, outside any transaction, and records each outcome as it comes."""
    stats = DeliveryStats()
    _require_no_open_transaction()
    for index, message in enumerate(claimed):
        stopping = stop_event is not None and stop_event.is_set()
        if stopping or time.monotonic() + sender.timeout + LEASE_MARGIN_SECONDS >= message.lease_deadline:
            stats.released += release(claimed[index:], worker_id)
            break
        try:
            sender.send(message)
        except TemporaryFailure as failure:
            outcome, reason = "temporary", failure.reason
        except PermanentFailure as failure:
            outcome, reason = "permanent", failure.reason
        except Exception as error:  # a bug in a sender must not stop the queue: retried, then dead
            log.exception("Mail %s: the sender failed unexpectedly", message.id)
            outcome, reason = "temporary", f"unexpected error: {error!r}"
        else:
            outcome, reason = "sent", None
        recorded = record_outcome(message, worker_id, outcome, reason)
        if recorded is None:
            stats.lost += 1
            log.warning(
                "Mail %s: the lease had passed and another worker has it; outcome %s not recorded", message.id, outcome
            )
        elif recorded == OutboxStatus.SENT:
            stats.sent += 1
        elif recorded == OutboxStatus.DEAD:
            stats.dead += 1
            stats.errors.append(reason or "")
            log.error("Mail %s (%s to %s) is dead: %s", message.id, message.event, message.to_email, reason)
        else:
            stats.retried += 1
            stats.errors.append(reason or "")
            log.info("Mail %s: temporary failure, will try again: %s", message.id, reason)
    return stats


def record_outcome(message: ClaimedMessage, worker_id: str, outcome: str, reason: str | None = None) -> str | None:
    """Writes what happened to a mail if this worker still holds it; returns its new status, else None.

    `outcome` is "sent", "temporary" or "permanent".
    """
    config = current_app.config
    now = utcnow()
    attempts = message.attempts + 1
    if outcome == "sent":
        values = {"status": OutboxStatus.SENT, "sent_at": now}
    elif outcome == "permanent":
        values = {"status": OutboxStatus.DEAD, "last_error": _short(reason)}
    elif outcome == "temporary" and attempts >= config["OUTBOX_MAX_ATTEMPTS"]:
        values = {
            "status": OutboxStatus.DEAD,
            "last_error": _short(f"gave up after {attempts} attempts; last error: {reason}"),
        }
    elif outcome == "temporary":
        delay = backoff_seconds(attempts, config["OUTBOX_BACKOFF_BASE_SECONDS"], config["OUTBOX_BACKOFF_MAX_SECONDS"])
        values = {
            "status": OutboxStatus.PENDING,
            "next_attempt_at": now + timedelta(seconds=delay),
            "last_error": _short(reason),
        }
    else:
        raise ValueError(f"unknown outcome {outcome!r}")
    values.update(attempts=attempts, lease_until=None, leased_by=None)
    updated = _update_if_still_leased([message.id], worker_id, values)
    return values["status"] if updated else None


def release(claimed: list[ClaimedMessage], worker_id: str) -> int:
    """Gives claimed mails back to the queue, unsent, so that any worker may take them now."""
    if not claimed:
        return 0
    return _update_if_still_leased([m.id for m in claimed], worker_id, {"lease_until": None, "leased_by": None})


def run_once(
    app: Flask,
    *,
    sender: Sender | None = None,
    worker_id: str | None = None,
    stop_event: threading.Event | None = None,
) -> DeliveryStats:
    """Claims one batch of due mails and delivers it."""
    with app.app_context():
        sender = sender or sender_from_config(app)
        worker_id = worker_id or new_worker_id()
        claimed = claim_batch(worker_id)
        stats = DeliveryStats(claimed=len(claimed))
        if claimed:
            stats.add(deliver_batch(claimed, sender, worker_id, stop_event))
        return stats


def drain(
    app: Flask,
    *,
    sender: Sender | None = None,
    worker_id: str | None = None,
    stop_event: threading.Event | None = None,
) -> DeliveryStats:
    """Delivers batch after batch until nothing is due (mails waiting for a later retry stay queued)."""
    sender = sender or sender_from_config(app)
    worker_id = worker_id or new_worker_id()
    total = DeliveryStats()
    while not (stop_event is not None and stop_event.is_set()):
        stats = run_once(app, sender=sender, worker_id=worker_id, stop_event=stop_event)
        total.add(stats)
        if not stats.claimed:
            break
    return total


def work_forever(
    app: Flask,
    stop_event: threading.Event | None = None,
    *,
    sender: Sender | None = None,
    worker_id: str | None = None,
    jobs: Sequence[Job] = (),
) -> None:
    """Runs those of `jobs` that are due, delivers due mail, sleeps WORKER_IDLE_SECONDS when idle; until stop_event
    or a signal. The caller chooses the jobs (`flask outbox work` gives the table of portal/cli/jobs.py).

    SIGTERM and SIGINT (when run in the main thread) finish the mail being sent, give the rest of the batch
    back to the queue, and return.
    """
    stop_event = stop_event or threading.Event()
    sender = sender or sender_from_config(app)
    worker_id = worker_id or new_worker_id()
    restore_signals = _stop_on_signals(stop_event)
    log.info("Outbox worker %s started (%s)", worker_id, type(sender).__name__)
    try:
        while not stop_event.is_set():
            busy = False
            try:
                with lock_wait(LOCK_WAIT_SECONDS):
                    if jobs:
                        run_due_jobs(app, jobs, stop_event=stop_event)
                    if stop_event.is_set():
                        break
                    stats = run_once(app, sender=sender, worker_id=worker_id, stop_event=stop_event)
                busy = stats.claimed > 0
            except Exception:
                log.exception("Outbox worker %s: this round failed; trying again shortly", worker_id)
            if not busy:
                stop_event.wait(app.config["WORKER_IDLE_SECONDS"])
    finally:
        restore_signals()
        log.info("Outbox worker %s stopped", worker_id)


def _stop_on_signals(stop_event: threading.Event):
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # only the main thread may handle signals

    def stop(signum, frame):
        log.info("Outbox worker: %s received, stopping after the current mail", signal.Signals(signum).name)
        stop_event.set()

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}

    def restore():
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    return restore


def _update_if_still_leased(ids: list[int], worker_id: str, values: dict) -> int:
    _require_no_open_transaction()
    with write_intent(True):
        try:
            result = db.session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_(ids),
                    OutboxMessage.leased_by == worker_id,
                    OutboxMessage.status == OutboxStatus.PENDING,
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    return result.rowcount


def _require_no_open_transaction() -> None:
    """The worker's transactions are its own and short: it never joins (or commits) someone else's."""
    if db.session().in_transaction():
        raise RuntimeError("the outbox worker needs a session with no open transaction")


def _short(text: str | None) -> str | None:
    return text[:ERROR_MAX_LENGTH] if text else text
