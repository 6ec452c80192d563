"""The append-only, hash-chained audit log: the evidence every side of a mediation can check."""

import hashlib
import json
from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from portal.database import UTCDateTime, utcnow
from portal.extensions import db

GENESIS_HASH = "0" * 64


def canonical_json(value) -> str:
    """One spelling for a value, so the same content always hashes the same."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(80))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    def compute_hash(self) -> str:
        content = {
            "at": self.at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor_id": self.actor_id,
            "action": self.action,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "before": self.before,
            "after": self.after,
            "comment": self.comment,
            "prev_hash": self.prev_hash,
        }
        return hashlib.sha256(canonical_json(content).encode()).hexdigest()

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.subject_type}:{self.subject_id}>"


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper, connection, target):
    raise RuntimeError("audit_events is append-only")
