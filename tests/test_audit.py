"""The audit log: appended in a chain, refused any change, and checked by `flask audit verify`."""

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from portal.domain.audit import record, verify_chain
from portal.models.audit import GENESIS_HASH, AuditEvent


def _three_events():
    return [
        record("project.submit", "project", 7, actor=3, before={"status": "draft"}, after={"status": "submitted"}),
        record("project.start_review", "project", 7, actor=4, comment="Reçu, nous regardons."),
        record("commitment.create", "commitment", 2, actor=4, after={"amount": "1500000", "currency": "XOF"}),
    ]


def test_each_event_chains_onto_the_one_before(session):
    first, second, third = _three_events()
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3


def test_verify_counts_the_events_of_an_intact_chain(app, session):
    _three_events()
    session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Checked 3 events" in result.output


def test_the_database_refuses_to_change_or_delete_an_event(session):
    event = _three_events()[0]
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with session.begin_nested():
            session.execute(sa.update(AuditEvent).where(AuditEvent.id == event.id).values(comment="rewritten"))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with session.begin_nested():
            session.execute(sa.delete(AuditEvent).where(AuditEvent.id == event.id))


def _drop_guards(session):
    """What someone with direct access to the database could do: remove the triggers."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("DROP TRIGGER audit_events_no_change ON audit_events"))
    else:
        session.execute(sa.text("DROP TRIGGER audit_events_no_update"))
        session.execute(sa.text("DROP TRIGGER audit_events_no_delete"))


@pytest.mark.parametrize("tamper", ["rewrite_comment", "change_state", "delete_middle"])
def test_verify_names_the_first_event_that_was_tampered_with(app, session, tamper):
    first, second, third = _three_events()
    _drop_guards(session)
    if tamper == "rewrite_comment":
        session.execute(sa.update(AuditEvent).where(AuditEvent.id == second.id).values(comment="Jamais reçu."))
        bad = second
    elif tamper == "change_state":
        session.execute(sa.update(AuditEvent).where(AuditEvent.id == first.id).values(after={"status": "agreed"}))
        bad = first
    else:
        session.execute(sa.delete(AuditEvent).where(AuditEvent.id == second.id))
        bad = third
    session.commit()  # as a request would: what the CLI's own app context sees

    result = app.test_cli_runner().invoke(args=["audit", "verify"])

    assert result.exit_code == 1
    assert f"event {bad.id} " in result.output
    assert verify_chain().first_bad.id == bad.id


def test_values_are_stored_as_they_were_hashed(session):
    from decimal import Decimal

    event = record("funding.add", "project", 1, after={"amount": Decimal("6559570"), "note": "école de Diéma"})
    session.expire_all()
    stored = session.scalar(select(AuditEvent).where(AuditEvent.id == event.id))
    assert stored.after == {"amount": "6559570", "note": "école de Diéma"}
    assert stored.compute_hash() == stored.hash
