"""The append-only, hash-chained audit log: the evidence every side of a mediation can check.

Personal data (names, addresses) never enters the hashed part of an event: it sits beside it, in
`audit_personal_data`, and the event's hash covers only its salted digest. Closing an account erases the clear
text and the salt; the digest stays in the chain, which still verifies, and can no longer be tested against a
guessed name or address.
"""

import hashlib
import json
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    # sha256(salt || canonical JSON) of the personal data kept beside the event (AuditPersonalData), or None.
    personal_digest: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    personal_data: Mapped["AuditPersonalData | None"] = relationship(viewonly=True)

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
            "personal": self.personal_digest,
            "prev_hash": self.prev_hash,
        }
        return hashlib.sha256(canonical_json(content).encode()).hexdigest()

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.subject_type}:{self.subject_id}>"


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper, connection, target):
    raise RuntimeError("audit_events is append-only")


def personal_digest(salt: str, data: dict) -> str:
    """The digest the chain keeps of an event's personal data: salted, so a guessed name cannot be tested once
    the salt is erased with the clear text."""
    return hashlib.sha256((salt + canonical_json(data)).encode()).hexdigest()


class AuditPersonalData(db.Model):
    """The personal data of one event, beside the chain: erasable, unlike the event itself."""

    __tablename__ = "audit_personal_data"

    event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"), primary_key=True)
    subject_user_id: Mapped[int | None] = mapped_column(Integer, index=True)  # whose data it is, if an account's
    subject_email: Mapped[str | None] = mapped_column(String(254), index=True)  # an invitee's, before any account
    salt: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))  # None once erased
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditSupersededHash(db.Model):
    """The hash each event had before a recorded re-hash of the chain (migration 0017 moved personal data out of
    the hashed part): anchors written before it are checked against these."""

    __tablename__ = "audit_superseded_hashes"

    event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"), primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))
    revision: Mapped[str] = mapped_column(String(64))


class DatabaseIdentity(db.Model):
    """One row: a random name for this database, so that anchors kept in a file shared by several databases
    (SQLite and PostgreSQL from one checkout) each name the log they anchor."""

    __tablename__ = "database_identity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    identity: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
