"""audit personal data: names and addresses move beside the events, the chain hashes their salted digest; the
database gets a name its anchors carry

Revision ID: 0017_audit_personal_data
Revises: 0015_awaiting_indexes
Create Date: 2026-12-08 00:50:28

Past events are moved to the new shape and the whole chain is re-hashed, which is recorded: the hash each event
had is kept in audit_superseded_hashes, and an anchor is appended to AUDIT_ANCHOR_FILE just before (the old tip)
and just after (the new tip). The migration refuses a chain that does not verify under the old rule: a re-hash
must never launder an altered event. The rules below are frozen here, as they were at this revision.
"""

import bisect
import hashlib
import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from flask import current_app, has_app_context

import portal.database

revision = "0017_audit_personal_data"
down_revision = "0016_second_factor_secrets"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64
BATCH = 5000
SQLITE_TRIGGERS = {
    "audit_events_no_update": """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
    "audit_events_no_delete": """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
}
POSTGRESQL_TRIGGER = """CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
       FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"""

events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer),
    sa.column("at", portal.database.UTCDateTime),
    sa.column("actor_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("subject_type", sa.String),
    sa.column("subject_id", sa.Integer),
    sa.column("before", sa.JSON),
    sa.column("after", sa.JSON),
    sa.column("comment", sa.Text),
    sa.column("personal_digest", sa.String),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)
personal = sa.table(
    "audit_personal_data",
    sa.column("event_id", sa.Integer),
    sa.column("subject_user_id", sa.Integer),
    sa.column("subject_email", sa.String),
    sa.column("salt", sa.String),
    sa.column("data", sa.JSON(none_as_null=True)),
    sa.column("erased_at", portal.database.UTCDateTime),
)
superseded = sa.table(
    "audit_superseded_hashes",
    sa.column("event_id", sa.Integer),
    sa.column("hash", sa.String),
    sa.column("revision", sa.String),
)
identity_table = sa.table(
    "database_identity",
    sa.column("id", sa.Integer),
    sa.column("identity", sa.String),
    sa.column("created_at", portal.database.UTCDateTime),
)


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _hash(row: dict, prev_hash: str, digest: str | None, new_shape: bool) -> str:
    content = {
        "at": row["at"].strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": row["actor_id"],
        "action": row["action"],
        "subject_type": row["subject_type"],
        "subject_id": row["subject_id"],
        "before": row["before"],
        "after": row["after"],
        "comment": row["comment"],
        "prev_hash": prev_hash,
    }
    if new_shape:
        content["personal"] = digest
    return hashlib.sha256(_canonical(content).encode()).hexdigest()


def _personal_keys(subject_type: str) -> tuple[str, ...]:
    """What the old shape put in the hashed part about a person: addresses everywhere, a name on an account."""
    return ("email", "name") if subject_type == "user" else ("email",)


def _split(row: dict) -> tuple[dict | None, dict | None, dict]:
    """The event's before and after without personal data, and that personal data: `after`'s keys as they are,
    `before`'s prefixed `previous_` (as `record(personal=…)` spells them from this revision on)."""
    keys = _personal_keys(row["subject_type"])
    moved = {}
    sides = []
    for side, prefix in ((row["before"], "previous_"), (row["after"], "")):
        if isinstance(side, dict) and any(key in side for key in keys):
            side = dict(side)
            for key in keys:
                if key in side:
                    moved[prefix + key] = side.pop(key)
            side = side or None
        sides.append(side)
    return sides[0], sides[1], moved


def _anchor_file() -> Path | None:
    path = current_app.config.get("AUDIT_ANCHOR_FILE") if has_app_context() else None
    return Path(path) if path else None


def _legacy_anchors(path: Path | None, old_hashes: dict[int, str]) -> tuple[int, int]:
    """Anchors written before databases had names: how many match this log, and how many do not (another
    database's sharing the file, or something to look into: the note on the anchor says so)."""
    if path is None or not path.exists():
        return 0, 0
    ids = sorted(old_hashes)
    matched = other = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        anchor = json.loads(line)
        if anchor.get("database"):
            continue
        holds = old_hashes.get(anchor["last_id"]) == anchor["hash"] and anchor["count"] == bisect.bisect_right(
            ids, anchor["last_id"]
        )
        matched, other = (matched + 1, other) if holds else (matched, other + 1)
    return matched, other


def _append_anchor(path: Path | None, anchor: dict) -> None:
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        file.write(json.dumps(anchor, sort_keys=True) + "\n")
        file.flush()
        os.fsync(file.fileno())


def _drop_guards(dialect: str) -> None:
    if dialect == "postgresql":
        op.execute("DROP TRIGGER audit_events_no_change ON audit_events")
    elif dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")


def _restore_guards(dialect: str) -> None:
    if dialect == "postgresql":
        op.execute(POSTGRESQL_TRIGGER)
    elif dialect == "sqlite":
        for statement in SQLITE_TRIGGERS.values():
            op.execute(statement)


def _now() -> datetime:
    return datetime.now(UTC)


def upgrade():
    op.create_table(
        "database_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identity", sa.String(length=32), nullable=False),
        sa.Column("created_at", portal.database.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_database_identity")),
        sa.UniqueConstraint("identity", name=op.f("uq_database_identity_identity")),
    )
    op.create_table(
        "audit_personal_data",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("subject_user_id", sa.Integer(), nullable=True),
        sa.Column("subject_email", sa.String(length=254), nullable=True),
        sa.Column("salt", sa.String(length=32), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("erased_at", portal.database.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["audit_events.id"], name=op.f("fk_audit_personal_data_event_id_audit_events")
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_audit_personal_data")),
    )
    with op.batch_alter_table("audit_personal_data", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_personal_data_subject_email"), ["subject_email"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_personal_data_subject_user_id"), ["subject_user_id"], unique=False)
    op.create_table(
        "audit_superseded_hashes",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("revision", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["audit_events.id"], name=op.f("fk_audit_superseded_hashes_event_id_audit_events")
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_audit_superseded_hashes")),
    )
    op.add_column("audit_events", sa.Column("personal_digest", sa.String(length=64), nullable=True))

    bind = op.get_bind()
    identity = secrets.token_hex(16)
    bind.execute(sa.insert(identity_table).values(id=1, identity=identity, created_at=_now()))
    rows = [dict(row._mapping) for row in bind.execute(sa.select(events).order_by(events.c.id))]
    if not rows:
        return

    # The old chain first: a re-hash must never launder an altered or missing event.
    expected_prev = GENESIS_HASH
    for row in rows:
        if row["prev_hash"] != expected_prev or _hash(row, row["prev_hash"], None, new_shape=False) != row["hash"]:
            raise RuntimeError(
                f"audit event {row['id']} does not match the chain (flask audit verify): the log is not re-hashed "
                "while it does not verify; look into it first"
            )
        expected_prev = row["hash"]
    old_hashes = {row["id"]: row["hash"] for row in rows}
    path = _anchor_file()
    matched, other = _legacy_anchors(path, old_hashes)
    tip = rows[-1]
    _append_anchor(
        path,
        {
            "at": _now().isoformat(),
            "count": len(rows),
            "database": identity,
            "hash": tip["hash"],
            "kind": "rehash_before",
            "last_id": tip["id"],
            "note": (
                f"{revision}: the chain as it was before personal data moved beside it; of the earlier anchors "
                f"without a database, {matched} match this log and {other} do not (another database's, "
                "or to look into)"
            ),
        },
    )

    dialect = bind.dialect.name
    _drop_guards(dialect)
    rewrite = (
        sa.update(events)
        .where(events.c.id == sa.bindparam("event"))
        .values(
            before=sa.bindparam("new_before", type_=sa.JSON),
            after=sa.bindparam("new_after", type_=sa.JSON),
            personal_digest=sa.bindparam("new_digest"),
            prev_hash=sa.bindparam("new_prev_hash"),
            hash=sa.bindparam("new_hash"),
        )
    )
    beside, former, rewritten = [], [], []
    prev_hash = GENESIS_HASH
    for row in rows:
        before, after, moved = _split(row)
        digest = None
        if moved:
            salt = secrets.token_hex(16)
            digest = hashlib.sha256((salt + _canonical(moved)).encode()).hexdigest()
            beside.append(
                {
                    "event_id": row["id"],
                    "subject_user_id": row["subject_id"] if row["subject_type"] == "user" else None,
                    "subject_email": moved.get("email"),
                    "salt": salt,
                    "data": moved,
                }
            )
        row.update(before=before, after=after)
        new_hash = _hash(row, prev_hash, digest, new_shape=True)
        former.append({"event_id": row["id"], "hash": row["hash"], "revision": revision})
        rewritten.append(
            {
                "event": row["id"],
                "new_before": before,
                "new_after": after,
                "new_digest": digest,
                "new_prev_hash": prev_hash,
                "new_hash": new_hash,
            }
        )
        prev_hash = new_hash
        if len(rewritten) == BATCH:
            _write_batch(bind, rewrite, beside, former, rewritten)
            beside, former, rewritten = [], [], []
    _write_batch(bind, rewrite, beside, former, rewritten)
    _restore_guards(dialect)
    _erase_closed_accounts(bind)
    # The re-hash on the log itself, chained onto the new tip: whoever reads the log reads it.
    rehash = {
        "id": tip["id"] + 1,
        "at": _now(),
        "actor_id": None,
        "action": "audit.rehash",
        "subject_type": "audit_log",
        "subject_id": None,
        "before": {"last_id": tip["id"], "hash": tip["hash"]},
        "after": {"events": len(rows), "last_id": tip["id"], "hash": prev_hash},
        "comment": f"Migration {revision}: names and addresses moved beside the chain, every event re-hashed",
    }
    rehash["hash"] = _hash(rehash, prev_hash, None, new_shape=True)
    bind.execute(sa.insert(events).values(**rehash, prev_hash=prev_hash, personal_digest=None))
    if dialect == "postgresql":  # the id was given: the sequence goes on after it
        bind.execute(sa.text("SELECT setval(pg_get_serial_sequence('audit_events', 'id'), :id)"), {"id": rehash["id"]})
    _append_anchor(
        path,
        {
            "at": _now().isoformat(),
            "count": len(rows) + 1,
            "database": identity,
            "hash": rehash["hash"],
            "kind": "rehash_after",
            "last_id": rehash["id"],
            "note": f"{revision}: the same events, re-hashed with personal data beside the chain, and the re-hash",
        },
    )


def _write_batch(bind, rewrite, beside: list, former: list, rewritten: list) -> None:
    """One round trip per kind of row for a batch of events (a national log holds hundreds of thousands)."""
    if beside:
        bind.execute(sa.insert(personal), beside)
    if former:
        bind.execute(sa.insert(superseded), former)
    if rewritten:
        bind.execute(rewrite, rewritten)


def _erase_closed_accounts(bind) -> None:
    """Accounts closed before this revision: their names and addresses, now beside the chain, are erased as a
    closure erases them from now on (with the invitations sent to any address they had)."""
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("email", sa.String))
    closed = [
        row.id for row in bind.execute(sa.select(users.c.id).where(users.c.email.like("closed-%@closed.invalid")))
    ]
    if not closed:
        return
    addresses = {
        email
        for email in bind.execute(
            sa.select(personal.c.subject_email).where(
                personal.c.subject_user_id.in_(closed), personal.c.subject_email.is_not(None)
            )
        ).scalars()
    }
    whose = personal.c.subject_user_id.in_(closed)
    if addresses:
        whose = whose | (personal.c.subject_user_id.is_(None) & personal.c.subject_email.in_(addresses))
    bind.execute(
        sa.update(personal)
        .where(whose, personal.c.erased_at.is_(None))
        .values(data=None, salt=None, subject_email=None, erased_at=_now())
    )


def downgrade():
    bind = op.get_bind()
    erased = bind.execute(
        sa.select(sa.func.count()).select_from(personal).where(personal.c.erased_at.is_not(None))
    ).scalar_one()
    if erased:
        raise RuntimeError(
            f"{erased} audit events' personal data was erased at account closure: the old shape, which hashed it, "
            "cannot be rebuilt"
        )
    moved = {row.event_id: row.data for row in bind.execute(sa.select(personal.c.event_id, personal.c.data))}
    rows = [dict(row._mapping) for row in bind.execute(sa.select(events).order_by(events.c.id))]
    dialect = bind.dialect.name
    if rows:
        _drop_guards(dialect)
    prev_hash = GENESIS_HASH
    for row in rows:
        data = moved.get(row["id"]) or {}
        before, after = dict(row["before"] or {}), dict(row["after"] or {})
        for key, value in data.items():
            if key.startswith("previous_"):
                before[key.removeprefix("previous_")] = value
            else:
                after[key] = value
        row.update(before=before or row["before"], after=after or row["after"])
        new_hash = _hash(row, prev_hash, None, new_shape=False)
        bind.execute(
            sa.update(events)
            .where(events.c.id == row["id"])
            .values(before=row["before"], after=row["after"], prev_hash=prev_hash, hash=new_hash)
        )
        prev_hash = new_hash
    if rows:
        _restore_guards(dialect)
    op.drop_column("audit_events", "personal_digest")
    op.drop_table("audit_superseded_hashes")
    with op.batch_alter_table("audit_personal_data", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_personal_data_subject_user_id"))
        batch_op.drop_index(batch_op.f("ix_audit_personal_data_subject_email"))
    op.drop_table("audit_personal_data")
    op.drop_table("database_identity")
