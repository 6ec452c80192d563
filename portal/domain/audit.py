"""Writing to and checking the audit log. Every domain operation records through `record`.

The chain proves that no event was altered; the anchors prove that none was removed from its end or the chain
rewritten whole by someone holding the database: `write_anchor` appends the latest hash, the count and the
time to a file the database cannot reach, daily, and `check_anchors` compares the log with every anchor.
"""

import contextlib
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import func, insert, select, text

from portal.database import utcnow
from portal.extensions import db
from portal.models.audit import GENESIS_HASH, AuditEvent, canonical_json

# Any constant will do: it names the lock that serialises appends to the chain on PostgreSQL.
_CHAIN_LOCK_KEY = 727_001


def _normalised(value):
    """What the JSON column will give back, so the hash computed now matches the one recomputed later."""
    return None if value is None else json.loads(canonical_json(value))


def record(
    action: str,
    subject_type: str,
    subject_id: int | None,
    *,
    actor=None,
    before: dict | None = None,
    after: dict | None = None,
    comment: str | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction (flushed, never committed)."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        # Two transactions appending at once would both chain onto the same last event.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    last_hash = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        at=utcnow(),
        actor_id=getattr(actor, "id", actor),
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        before=_normalised(before),
        after=_normalised(after),
        comment=comment,
        prev_hash=last_hash or GENESIS_HASH,
    )
    event.hash = event.compute_hash()
    session.add(event)
    session.flush()
    return event


def append_many(events: Iterable[dict], batch_size: int = 5000) -> int:
    """Append events to the chain in the order given, each hashed as `record` hashes one (bulk loads: seed-bench).
    Each event is a dict of at (aware, UTC), action, subject_type, subject_id, and optionally actor_id, before,
    after, comment. Ids are given here, in chain order; returns how many were appended."""
    session = db.session
    session.flush()
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    last = session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    next_id, prev_hash = (last.id + 1, last.hash) if last else (1, GENESIS_HASH)
    table, rows, appended = AuditEvent.__table__, [], 0
    for event in events:
        row = {
            "id": next_id,
            "at": event["at"],
            "actor_id": event.get("actor_id"),
            "action": event["action"],
            "subject_type": event["subject_type"],
            "subject_id": event["subject_id"],
            "comment": event.get("comment"),
            "prev_hash": prev_hash,
        }
        # One round trip through JSON for both, as `_normalised` does for each.
        row["before"], row["after"] = json.loads(canonical_json([event.get("before"), event.get("after")]))
        row["hash"] = prev_hash = AuditEvent.compute_hash(SimpleNamespace(**row))
        rows.append(row)
        next_id += 1
        if len(rows) == batch_size:
            session.execute(insert(table), rows)
            appended, rows = appended + len(rows), []
    if rows:
        session.execute(insert(table), rows)
        appended += len(rows)
    if postgresql and appended:  # the ids were given: the sequence goes on after them
        session.execute(text("SELECT setval(pg_get_serial_sequence('audit_events', 'id'), :id)"), {"id": next_id - 1})
    return appended


@dataclass
class ChainCheck:
    checked: int
    first_bad: AuditEvent | None
    reason: str | None


def verify_chain(batch_size: int = 1000) -> ChainCheck:
    """Recompute every hash in order; stop at the first event that does not match."""
    expected_prev = GENESIS_HASH
    checked = 0
    query = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=batch_size)
    with contextlib.closing(db.session.scalars(query)) as events:
        for event in events:
            if event.prev_hash != expected_prev:
                return ChainCheck(checked, event, "its previous hash does not match the event before it")
            if event.compute_hash() != event.hash:
                return ChainCheck(checked, event, "its content does not match its hash")
            expected_prev = event.hash
            checked += 1
    return ChainCheck(checked, None, None)


@dataclass(frozen=True)
class Anchor:
    at: str  # when it was written, ISO 8601 in UTC
    count: int  # events in the log up to and including last_id
    last_id: int
    hash: str  # the hash of event last_id


def _anchor_file() -> Path:
    path = current_app.config.get("AUDIT_ANCHOR_FILE")
    if not path:
        raise RuntimeError("AUDIT_ANCHOR_FILE is not set: say where the audit log's anchors are kept")
    return Path(path)


def write_anchor(now=None) -> Anchor | None:
    """Appends the log's latest hash, its count and the time to the anchor file (a daily scheduled job, and
    `flask --app wsgi audit anchor`). None while the log is empty."""
    last = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    if last is None:
        return None
    count = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.id <= last.id))
    anchor = Anchor(at=(now or utcnow()).isoformat(), count=count, last_id=last.id, hash=last.hash)
    path = _anchor_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        file.write(json.dumps(asdict(anchor), sort_keys=True) + "\n")
        file.flush()
        os.fsync(file.fileno())
    return anchor


def read_anchors() -> list[Anchor]:
    """Every anchor written so far, oldest first (none when the file does not exist yet)."""
    path = current_app.config.get("AUDIT_ANCHOR_FILE")
    if not path or not Path(path).exists():
        return []
    with Path(path).open(encoding="utf-8") as file:
        return [Anchor(**json.loads(line)) for line in file if line.strip()]


def check_anchors(anchors: list[Anchor]) -> str | None:
    """What the log no longer matches of the first anchor it fails, or None when it matches them all."""
    for anchor in anchors:
        event = db.session.get(AuditEvent, anchor.last_id)
        if event is None or event.hash != anchor.hash:
            return (
                f"the anchor of {anchor.at} names event {anchor.last_id} with hash {anchor.hash[:16]}…, "
                "which the log no longer holds"
            )
        count = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.id <= anchor.last_id))
        if count != anchor.count:
            return f"the anchor of {anchor.at} counted {anchor.count} events up to event {anchor.last_id}, the log now {count}"
    return None
