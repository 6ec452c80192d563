"""Writing to and checking the audit log. Every domain operation records through `record`."""

import contextlib
import json
from dataclasses import dataclass

from sqlalchemy import select, text

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
