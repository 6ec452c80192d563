"""Writing to and checking the audit log. Every domain operation records through `record`.

The chain proves that no event was altered; the anchors prove that none was removed from its end or the chain
rewritten whole by someone holding the database: `write_anchor` appends the latest hash, the count and the
time to a file the database cannot reach, daily, and `check_anchors` compares the log with every anchor.
Each anchor names the database it anchors (`database_identity`), so several databases may share the file.

Personal data (names, addresses) goes in `record(personal=…)`: it is kept beside the event and the chain hashes
its salted digest, so that closing an account can erase it (`erase_personal_data`) and the chain still verifies.
"""

import contextlib
import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import and_, func, insert, or_, select, text, update

from portal.database import utcnow
from portal.extensions import db
from portal.models.audit import (
    GENESIS_HASH,
    AuditEvent,
    AuditPersonalData,
    AuditSupersededHash,
    DatabaseIdentity,
    canonical_json,
    personal_digest,
)

# Any constant will do: it names the lock that serialises appends to the chain on PostgreSQL.
_CHAIN_LOCK_KEY = 727_001


def _normalised(value):
    """What the JSON column will give back, so the hash computed now matches the one recomputed later."""
    return None if value is None else json.loads(canonical_json(value))


# Keys that name or reach a person: refused in the hashed part of an event (before, after), where no closure
# could ever erase them. A person's name is refused on events about an account; an organisation's is public.
PERSONAL_FIELDS = frozenset({"email", "previous_email", "phone", "address"})


def _personal_fields_in(value, keys: frozenset) -> set[str]:
    if isinstance(value, dict):
        found = keys & set(value)
        for inner in value.values():
            found |= _personal_fields_in(inner, keys)
        return found
    if isinstance(value, list):
        return set().union(*(_personal_fields_in(item, keys) for item in value))
    return set()


def _refuse_personal_fields(subject_type: str, before, after) -> None:
    keys = PERSONAL_FIELDS | {"name"} if subject_type == "user" else PERSONAL_FIELDS
    found = _personal_fields_in(before, keys) | _personal_fields_in(after, keys)
    if found:
        raise ValueError(
            f"personal data ({', '.join(sorted(found))}) goes in record(personal=…), beside the chain, where a "
            "closed account's can be erased"
        )


def record(
    action: str,
    subject_type: str,
    subject_id: int | None,
    *,
    actor=None,
    before: dict | None = None,
    after: dict | None = None,
    comment: str | None = None,
    personal: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction (flushed, never committed).

    `personal` holds what names or reaches a person (an address, a name; `previous_…` for what it replaces): it
    is kept beside the event, the chain hashes its salted digest, and closing the account erases it. Whose it
    is: the account the event is about, and the address under "email" (an invitee's, before any account)."""
    _refuse_personal_fields(subject_type, before, after)
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
    beside = None
    if personal:
        data = _normalised(personal)
        beside = AuditPersonalData(
            subject_user_id=subject_id if subject_type == "user" else None,
            subject_email=data.get("email"),
            salt=secrets.token_hex(16),
            data=data,
        )
        event.personal_digest = personal_digest(beside.salt, data)
    event.hash = event.compute_hash()
    session.add(event)
    session.flush()
    if beside is not None:
        beside.event_id = event.id
        session.add(beside)
        session.flush()
    return event


def _whose(user_id: int, addresses: set[str]):
    """The personal data of an account: the events about it, and those about no account (an invitation) that
    name one of its addresses (another account's former address stays that account's)."""
    return or_(
        AuditPersonalData.subject_user_id == user_id,
        and_(AuditPersonalData.subject_user_id.is_(None), AuditPersonalData.subject_email.in_(addresses)),
    )


def erase_personal_data(user) -> int:
    """Closing an account: the clear text of every name and address of the person kept beside the chain goes,
    with its salt (the events about the account, and the invitations sent to any address it had); the digests
    stay in the chain, which still verifies. Call it before the account's own address is erased. Returns how
    many events' personal data was erased."""
    addresses = set(
        db.session.scalars(
            select(AuditPersonalData.subject_email).where(
                AuditPersonalData.subject_user_id == user.id, AuditPersonalData.subject_email.is_not(None)
            )
        )
    )
    addresses.add(user.email)
    whose = _whose(user.id, addresses)
    erased = db.session.execute(
        update(AuditPersonalData)
        .where(whose, AuditPersonalData.erased_at.is_(None))
        .values(data=None, salt=None, subject_email=None, erased_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    return erased or 0


def personal_data_of(user) -> list[dict]:
    """The person's names and addresses the audit log keeps beside its events, oldest first (their export)."""
    rows = db.session.execute(
        select(AuditEvent.at, AuditEvent.action, AuditPersonalData.data)
        .join(AuditPersonalData, AuditPersonalData.event_id == AuditEvent.id)
        .where(
            _whose(user.id, {user.email}),
            AuditPersonalData.erased_at.is_(None),
        )
        .order_by(AuditEvent.id)
    ).all()
    return [{"at": row.at.isoformat(), "action": row.action, "data": row.data} for row in rows]


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
            "personal_digest": None,  # bulk loads carry no personal data
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
    erased: int = 0  # events whose personal data was erased at an account's closure (their digest holds)


def verify_chain(batch_size: int = 1000) -> ChainCheck:
    """Recompute every hash in order, and the digest of the personal data kept beside each event while it has
    not been erased; stop at the first event that does not match."""
    expected_prev = GENESIS_HASH
    checked = erased = 0
    query = (
        select(AuditEvent, AuditPersonalData)
        .outerjoin(AuditPersonalData, AuditPersonalData.event_id == AuditEvent.id)
        .order_by(AuditEvent.id)
        .execution_options(yield_per=batch_size)
    )
    with contextlib.closing(db.session.execute(query)) as rows:
        for event, beside in rows:
            if event.prev_hash != expected_prev:
                return ChainCheck(checked, event, "its previous hash does not match the event before it", erased)
            if event.compute_hash() != event.hash:
                return ChainCheck(checked, event, "its content does not match its hash", erased)
            if event.personal_digest is not None:
                if beside is None:
                    return ChainCheck(checked, event, "the personal data kept beside it is missing", erased)
                if beside.erased_at is not None:
                    erased += 1
                elif personal_digest(beside.salt or "", beside.data) != event.personal_digest:
                    return ChainCheck(
                        checked, event, "the personal data kept beside it does not match its digest", erased
                    )
            expected_prev = event.hash
            checked += 1
    return ChainCheck(checked, None, None, erased)


@dataclass(frozen=True)
class Anchor:
    at: str  # when it was written, ISO 8601 in UTC
    count: int  # events in the log up to and including last_id
    last_id: int
    hash: str  # the hash of event last_id
    database: str | None = None  # the identity of the database it anchors; None: written before databases had one
    # "anchor"; around the recorded re-hash of migration 0017: "rehash_before" (the old tip, checked against the
    # hashes it superseded) and "rehash_after" (the new tip)
    kind: str = "anchor"
    note: str | None = None

    @classmethod
    def from_line(cls, line: str) -> "Anchor":
        known = {field.name for field in fields(cls)}
        return cls(**{key: value for key, value in json.loads(line).items() if key in known})

    def to_line(self) -> str:
        return json.dumps({key: value for key, value in asdict(self).items() if value is not None}, sort_keys=True)


def database_identity() -> str:
    """The random name this database was given when it was made (migration 0017): its anchors carry it."""
    return db.session.scalar(select(DatabaseIdentity.identity).where(DatabaseIdentity.id == 1))


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
    anchor = Anchor(
        at=(now or utcnow()).isoformat(), count=count, last_id=last.id, hash=last.hash, database=database_identity()
    )
    path = _anchor_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        file.write(anchor.to_line() + "\n")
        file.flush()
        os.fsync(file.fileno())
    return anchor


def read_anchors() -> list[Anchor]:
    """Every anchor written so far, of every database sharing the file, oldest first (none when the file does
    not exist yet)."""
    path = current_app.config.get("AUDIT_ANCHOR_FILE")
    if not path or not Path(path).exists():
        return []
    with Path(path).open(encoding="utf-8") as file:
        return [Anchor.from_line(line) for line in file if line.strip()]


def own_anchors(anchors: list[Anchor]) -> list[Anchor]:
    """The anchors of this database. Those written before databases had a name were checked by migration 0017,
    which says on its first anchor how many of them matched this log."""
    identity = database_identity()
    return [anchor for anchor in anchors if anchor.database == identity]


def check_anchors(anchors: list[Anchor]) -> str | None:
    """What the log no longer matches of the first anchor it fails, or None when it matches them all."""
    for anchor in anchors:
        if anchor.kind == "rehash_before":  # the tip as it was before the recorded re-hash
            superseded = db.session.get(AuditSupersededHash, anchor.last_id)
            held = superseded.hash if superseded is not None else None
        else:
            event = db.session.get(AuditEvent, anchor.last_id)
            held = event.hash if event is not None else None
        if held != anchor.hash:
            return (
                f"the anchor of {anchor.at} names event {anchor.last_id} with hash {anchor.hash[:16]}…, "
                "which the log no longer holds"
            )
        count = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.id <= anchor.last_id))
        if count != anchor.count:
            return f"the anchor of {anchor.at} counted {anchor.count} events up to event {anchor.last_id}, the log now {count}"
    return None


def set_aside_anchors_after(made_at: datetime) -> tuple[int, Path | None]:
    """After a restore: this database's anchors written after the backup was made, or naming events it does not
    hold, anchor a log the restored one no longer is. They move to a file beside the anchor file, named with
    the time, so that the restored database verifies and no anchor is lost. Returns how many, and where."""
    path = current_app.config.get("AUDIT_ANCHOR_FILE")
    if not path or not Path(path).exists():
        return 0, None
    path = Path(path)
    identity = database_identity()
    last_id = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    kept, aside = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        anchor = Anchor.from_line(line)
        newer = datetime.fromisoformat(anchor.at) > made_at or anchor.last_id > last_id
        (aside if anchor.database == identity and newer else kept).append(line)
    if not aside:
        return 0, None
    target = path.with_name(f"{path.stem}.set-aside-{utcnow():%Y%m%dT%H%M%SZ}{path.suffix}")
    _write_durably(target, aside, "a")
    replacement = path.with_name(f"{path.name}.new")
    _write_durably(replacement, kept, "w")
    os.replace(replacement, path)
    return len(aside), target


def _write_durably(path: Path, lines: list[str], mode: str) -> None:
    with path.open(mode, encoding="utf-8") as file:
        file.writelines(line + "\n" for line in lines)
        file.flush()
        os.fsync(file.fileno())
